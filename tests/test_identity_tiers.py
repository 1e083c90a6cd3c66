"""A change in an auth path that decides nothing is low: what its changed lines are,
not where they are, sets the tier. Each class below was met on real history (docstring
fixes, version bumps, re-exports, reworded messages, log lines, index-only schema
changes, files renamed unchanged) and is reproduced here in a few lines written for the
test, committed with real git so the hunks are git's own; next to each, the real
decision of the same shape that must stay high."""

from __future__ import annotations

from authgate import changes
from authgate.checks import identity
from authgate.config import Config
from authgate.findings import Finding, Tier

from testing import Repo
from testing.identity import rules


def commit_pair(repo: Repo, files: dict[str, tuple[str, str]],
                renames: dict[str, str] | None = None) -> list[Finding]:
    """Commit each file's old text, then its new text (and the renames), and judge the
    second commit as verify would."""
    for path, (old, _) in files.items():
        repo.write(path, old)
    repo.add()
    repo.commit("before", "--allow-empty")
    for path, (_, new) in files.items():
        repo.write(path, new)
    for old_path, new_path in (renames or {}).items():
        repo.git("mv", old_path, new_path)
    repo.add()
    sha = repo.commit("after")
    change = changes.commit(sha, cwd=str(repo.path))
    return identity.run(change, rules(), Config())


def tier(found: list[Finding]) -> Tier:
    return max((f.tier for f in found), default=Tier.NONE)


def why(found: list[Finding]) -> list[str]:
    return [f.message for f in found if f.tier > Tier.NONE]


BODY = "".join(f"    step_{i} = compute({i})\n" for i in range(12))


# --- Python: the inside of a docstring whose quotes the hunk does not show -----------

DOC = ('class Decoder:\n    def decode(self, token, key, algorithms):\n'
       '        """Decode a token.\n\n'
       "        Make sure not to mix symmetric and asymmetric\n"
       "        algorithms that interpret the key in different ways\n"
       "        {example}\n"
       "        the key must match the algorithm family.\n\n"
       "        :param key: the verification key\n"
       '        """\n' + BODY.replace("    ", "        ") +
       "        return verify(token, key, algorithms)\n")


def test_a_docstring_fix_deep_inside_a_docstring_is_low(repo: Repo) -> None:
    found = commit_pair(repo, {"jwt/api.py": (DOC.format(example="(e.g. HS* and RS*)."),
                                              DOC.format(example="(e.g. HS\\\\* and RS\\\\*)."))})
    assert tier(found) == Tier.LOW, why(found)
    assert why(found) == ["path jwt/api.py matches folder 'jwt/' (only formatting, types, "
                          "comments or versions changed: capped at low)"]


def test_code_next_to_a_message_is_not_prose(repo: Repo) -> None:
    old = "def check(token, key):\n" + BODY + "    if not key:\n" \
          "        raise ValueError('the key is missing for this token')\n" \
          "    return verify(token, key)\n"
    new = old.replace("    if not key:\n", "    if key is None:\n")
    assert tier(commit_pair(repo, {"jwt/api.py": (old, new)})) == Tier.HIGH


# --- module metadata, re-exports, type-only code ---------------------------------------

INIT = ('from .api_jwt import decode, encode\n\n__version__ = "2.10.1"\n'
        '__copyright__ = "Copyright 2015-2024 A. Author"\n\n'
        '__all__ = [\n    "PyJWT",\n    "decode",\n    "encode",\n]\n')


def test_a_version_and_copyright_bump_is_low(repo: Repo) -> None:
    new = INIT.replace("2.10.1", "2.11.0").replace("2015-2024", "2015-2026")
    assert tier(commit_pair(repo, {"jwt/__init__.py": (INIT, new)})) == Tier.LOW


def test_re_exporting_an_existing_function_is_low(repo: Repo) -> None:
    new = INIT.replace("import decode, encode", "import decode, decode_complete, encode") \
        .replace('    "decode",\n', '    "decode",\n    "decode_complete",\n')
    assert tier(commit_pair(repo, {"jwt/__init__.py": (INIT, new)})) == Tier.LOW


def test_a_name_added_to_an_allow_list_is_not_an_export(repo: Repo) -> None:
    old = "ALLOWED = [\n    \"HS256\",\n    \"RS256\",\n]\n" + BODY
    new = old.replace('    "RS256",\n', '    "RS256",\n    "none",\n')
    assert tier(commit_pair(repo, {"jwt/algorithms.py": (old, new)})) == Tier.HIGH


def test_types_casts_aliases_and_exception_chaining_are_low(repo: Repo) -> None:
    old = ("import hashes\n\nclass RSAAlgorithm:\n    hash_alg = hashes.SHA256\n\n"
           "    def prepare(self, key):\n" + BODY +
           "        try:\n            return load(key)\n        except ValueError:\n"
           "            raise InvalidKeyError('Could not parse the key')\n"
           "        return cast('AllowedKeys', key)\n")
    new = ("import hashes\nfrom typing import TYPE_CHECKING, ClassVar\n\nif TYPE_CHECKING:\n"
           "    from .keys import AllowedKeys\n"
           "KeyLike = Union[str, bytes]\n\nclass RSAAlgorithm:\n"
           "    hash_alg: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA256\n\n"
           "    def prepare(self, key: KeyLike) -> AllowedKeys:\n" + BODY +
           "        try:\n            return load(key)\n        except ValueError:\n"
           "            raise InvalidKeyError('Could not parse the key') from None\n"
           "        return key\n")
    found = commit_pair(repo, {"jwt/algorithms.py": (old, new)})
    assert tier(found) == Tier.LOW, why(found)


def test_a_reworded_error_message_is_low_but_a_changed_scope_is_not(repo: Repo) -> None:
    old = ("def validate(audience):\n" + BODY +
           "    raise TypeError('audience must be a string, iterable, or None')\n"
           "SCOPES = 'openid profile'\n")
    reworded = old.replace("iterable, or None", "iterable or None")
    assert tier(commit_pair(repo, {"oauth/validate.py": (old, reworded)})) == Tier.LOW
    widened = reworded.replace("'openid profile'", "'openid profile email groups'")
    assert tier(commit_pair(repo, {"oauth/validate.py": (reworded, widened)})) == Tier.HIGH


# --- log lines: output, unless they carry credentials or identity data ---------------

LOGGED = {
    "auth/views.py": ("def login(request):\n" + BODY + "    logger.info(\"login page shown\")\n"
                      "    return render(request)\n",
                      "logger.info(\"login page shown\")",
                      "logger.warning(\"login page shown: %s\", request.path)",
                      "logger.warning(\"login with %s\", request.user.email)"),
    "src/oauth/token.ts": ("export function issue(req) {\n" + BODY.replace("    ", "  const ")
                           + "  console.log('issuing');\n  return sign(req);\n}\n",
                           "console.log('issuing');",
                           "console.warn(`issuing for ${req.url}`);",
                           "console.warn(`issuing ${req.body.refreshToken}`);"),
    "server/oauth2.go": ("func handle(w http.ResponseWriter, r *http.Request) {\n"
                         + BODY.replace("    ", "\t").replace(" = ", " := ") +
                         "\tlog.Printf(\"handling %s\", r.URL.Path)\n\tserve(w, r)\n}\n",
                         "log.Printf(\"handling %s\", r.URL.Path)",
                         "log.Printf(\"handling request %s %s\", r.Method, r.URL.Path)",
                         "log.Printf(\"handling %s\", r.Header.Get(\"Authorization\"))"),
    "lib/doorkeeper/oauth/scopes.rb": ("def scopes\n" + BODY.replace("    ", "  ") +
                                       "  Rails.logger.warn(\"scopes missing\")\n  all\nend\n",
                                       "Rails.logger.warn(\"scopes missing\")",
                                       "Rails.logger.warn(\"[DOORKEEPER] scopes missing\")",
                                       "Rails.logger.warn(\"scopes of #{resource_owner.email}\")"),
    "src/main/java/com/acme/JwtFilter.java": (
        "class JwtFilter {\n  void run() {\n" + BODY.replace("    ", "    int ") +
        "    LOG.debug(\"filtering\");\n    next();\n  }\n}\n",
        "LOG.debug(\"filtering\");", "LOG.info(\"filtering {}\", path);",
        "LOG.info(\"filtering {}\", jwt.getSubject());"),
}


def test_a_log_line_reworded_is_low_in_every_language(repo: Repo) -> None:
    for path, (text, line, reworded, _) in LOGGED.items():
        found = commit_pair(repo, {path: (text, text.replace(line, reworded))})
        assert tier(found) == Tier.LOW, (path, why(found))


def test_a_log_line_that_starts_carrying_identity_data_stays_high(repo: Repo) -> None:
    for path, (text, line, _, exposed) in LOGGED.items():
        found = commit_pair(repo, {path: (text, text.replace(line, exposed))})
        assert tier(found) >= Tier.HIGH, (path, why(found))


# --- schema: an index decides how rows are found, not who may read them -------------

SCHEMA = ("create table oidc_grants (\n  id varchar(21) not null,\n  account_id varchar(21),\n"
          "  payload jsonb not null\n);\n\ncreate index oidc_grants__id on oidc_grants (id);\n")


def test_an_index_added_to_an_identity_table_is_low(repo: Repo) -> None:
    new = SCHEMA + ("\n/* Partial: rows without an account stay out of the index. */\n"
                    "create index oidc_grants__account on oidc_grants\n"
                    "  (account_id)\n  where account_id is not null;\n")
    assert tier(commit_pair(repo, {"schemas/oidc/grants.sql": (SCHEMA, new)})) == Tier.LOW


def test_a_column_added_to_an_identity_table_stays_high(repo: Repo) -> None:
    new = SCHEMA.replace("  payload jsonb not null\n",
                         "  payload jsonb not null,\n  revoked_at timestamptz\n")
    assert tier(commit_pair(repo, {"schemas/oidc/grants.sql": (SCHEMA, new)})) == Tier.HIGH


# --- files renamed unchanged ---------------------------------------------------------

def test_a_file_renamed_unchanged_within_its_tier_is_low(repo: Repo) -> None:
    text = "export const up = async (pool) => {\n" + BODY.replace("    ", "  const ") + "};\n"
    found = commit_pair(repo, {"alterations/next-1-oidc-grants.ts": (text, text)},
                        renames={"alterations/next-1-oidc-grants.ts":
                                 "alterations/1.4.0-1-oidc-grants.ts"})
    assert tier(found) == Tier.LOW, why(found)
    assert any("renamed, content unchanged: capped at low" in m for m in why(found))


def test_an_auth_file_renamed_out_of_its_name_stays_high(repo: Repo) -> None:
    text = "export function middleware(req) {\n  return requireSession(req);\n}\n"
    found = commit_pair(repo, {"middleware.ts": (text, text)},
                        renames={"middleware.ts": "middleware.disabled.ts"})
    assert tier(found) == Tier.HIGH, why(found)


# --- a workflow is not a migration ---------------------------------------------------

def test_a_workflow_named_changelog_is_not_a_migration(repo: Repo) -> None:
    old = "name: changelog\non: pull_request\njobs:\n  check:\n    runs-on: ubuntu-latest\n"
    new = old.replace("jobs:", "permissions:\n  contents: read\njobs:")
    found = commit_pair(repo, {".github/workflows/changelog.yml": (old, new)})
    assert not [f for f in found if f.rule_id.startswith("identity.migration.")]


# --- a migration that only adds an index or alters a model's options ---------------

def test_a_migration_of_model_options_only_is_low(repo: Repo) -> None:
    migration = ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
                 "    dependencies = [\n"
                 "        (\"token_blacklist\", \"0012_outstanding\"),\n    ]\n\n"
                 "    operations = [\n        migrations.AlterModelOptions(\n"
                 "            name=\"outstandingtoken\",\n"
                 "            options={\"ordering\": (\"user\",), \"verbose_name\": \"Token\"},\n"
                 "        ),\n    ]\n")
    path = "token_blacklist/migrations/0013_alter_options.py"
    found = commit_pair(repo, {"token_blacklist/models.py": ("x = 1\n", "x = 1\n"),
                               path: ("", migration)})
    assert tier(found) == Tier.LOW, why(found)
    dropped = migration.replace(
        "migrations.AlterModelOptions(\n            name=\"outstandingtoken\",\n"
        "            options={\"ordering\": (\"user\",), \"verbose_name\": \"Token\"},",
        "migrations.RemoveField(\n            model_name=\"outstandingtoken\",\n"
        "            name=\"revoked_at\",")
    found = commit_pair(repo, {path.replace("0013", "0014"): ("", dropped)})
    assert tier(found) >= Tier.HIGH, why(found)


# --- a program's folder under cmd/ is named for the program ---------------------------

def test_a_command_line_tool_named_after_the_project_is_not_an_auth_module(
        repo: Repo) -> None:
    old = "package main\n\nfunc load(p string) ([]byte, error) {\n\treturn read(p)\n}\n"
    new = old.replace("return read(p)", "defer closeAll()\n\treturn read(p)")
    assert tier(commit_pair(repo, {"cmd/jwt/main.go": (old, new)})) == Tier.NONE
    # The same change in the library's own jwt/ folder is high.
    assert tier(commit_pair(repo, {"pkg/jwt/load.go": (old, new)})) == Tier.HIGH


# --- marker annotations and package documentation -----------------------------------

def test_deprecating_a_method_is_low_but_dropping_its_check_is_not(repo: Repo) -> None:
    old = ("package io.acme.jwt;\n\npublic class JwtParser {\n" +
           BODY.replace("    ", "    int ") +
           "    public boolean isSigned(String jwt) {\n        return verify(jwt);\n    }\n}\n")
    new = old.replace("    public boolean isSigned",
                      "    /** @deprecated use parse instead. */\n    @Deprecated\n"
                      "    @SuppressWarnings(\"unused\")\n    public boolean isSigned")
    path = "src/main/java/io/acme/JwtParser.java"
    assert tier(commit_pair(repo, {path: (old, new)})) == Tier.LOW
    weakened = new.replace("return verify(jwt);", "return true;")
    assert tier(commit_pair(repo, {path: (new, weakened)})) == Tier.HIGH


def test_a_go_package_documented_in_its_own_file_is_low(repo: Repo) -> None:
    doc = "// Package oauth2 implements the authorization endpoints.\npackage oauth2\n"
    found = commit_pair(repo, {"server/oauth2/handlers.go": ("package oauth2\n",
                                                             "package oauth2\n"),
                               "server/oauth2/doc.go": ("", doc)})
    assert tier(found) == Tier.LOW, why(found)


def test_typescript_types_given_names_are_low_but_a_changed_algorithm_is_not(
        repo: Repo) -> None:
    old = ("import { sign } from './sign'\n\n"
           "export async function generateSecret(alg: string) {\n" +
           BODY.replace("    ", "  const ") + "  return sign(alg, 'HS256')\n}\n")
    new = old.replace("export async function generateSecret(alg: string)",
                      "export type SecretAlgorithm =\n  | 'HS256'\n  | 'HS512'\n\n"
                      "export interface SecretOptions {\n  extractable?: boolean\n}\n\n"
                      "export async function generateSecret(alg: SecretAlgorithm)")
    assert tier(commit_pair(repo, {"src/jwk/secret.ts": (old, new)})) == Tier.LOW
    changed = new.replace("sign(alg, 'HS256')", "sign(alg, 'none')")
    assert tier(commit_pair(repo, {"src/jwk/secret.ts": (new, changed)})) == Tier.HIGH


def test_a_typescript_declaration_file_is_types_only(repo: Repo) -> None:
    old = "export interface JWK {\n  kty?: string\n  alg?: string\n}\n"
    new = old.replace("alg?: string", "alg?: JWSAlgorithm | (string & {})")
    assert tier(commit_pair(repo, {"src/jwk/types.d.ts": (old, new)})) == Tier.LOW


def test_a_declaration_rewrapped_by_a_formatter_is_low(repo: Repo) -> None:
    old = ("import {\n  decrypt,\n  verify,\n} from './lib'\n\n"
           "export interface GetKey\n  extends KeyFunction<HeaderParameters, Token> {}\n\n"
           "export function run(jwt: string) {\n" + BODY.replace("    ", "  const ") +
           "  return verify(jwt)\n}\n")
    new = old.replace("import {\n  decrypt,\n  verify,\n} from './lib'",
                      "import { decrypt, verify } from './lib'").replace(
        "export interface GetKey\n  extends KeyFunction<HeaderParameters, Token> {}",
        "export interface GetKey extends KeyFunction<\n  HeaderParameters,\n  Token\n> {}")
    assert tier(commit_pair(repo, {"src/jws/verify.ts": (old, new)})) == Tier.LOW


def test_a_function_exported_or_made_public_is_low(repo: Repo) -> None:
    ts = "const redirectSchema = z.string().url()\n" + BODY.replace("    ", "const ")
    assert tier(commit_pair(repo, {"src/sso/schemas.ts": (ts, "export " + ts)})) == Tier.LOW
    java = ("class JwtSigner {\n  private byte[] sign(byte[] data) {\n    return mac(data);\n"
            "  }\n}\n")
    assert tier(commit_pair(repo, {"src/main/java/io/acme/JwtSigner.java": (
        java, java.replace("  private byte[] sign", "  public byte[] sign"))})) == Tier.LOW
