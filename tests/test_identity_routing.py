"""Routing by segment and by change: a path names an auth module only by a whole
word of its file name or a whole folder name (never a piece of a project's name); a
change that only bumps versions, edits docs, comments, types or formatting is low
wherever it is; and content that takes an auth decision (Bearer parsing, redirect
checks, OAuth callbacks, permission checks) is high in any file. Each case reproduces,
in a few lines written here, a shape met on real history."""

from __future__ import annotations

import pytest

from authgate.changes import FileChange
from authgate.findings import Finding, Tier

from testing.identity import added, check, fc


def tier_of(*files: FileChange) -> Tier:
    return max((f.tier for f in check(*files)), default=Tier.NONE)


def reasons(*files: FileChange) -> list[str]:
    found: list[Finding] = check(*files)
    top = max((f.tier for f in found), default=Tier.NONE)
    return [f.message for f in found if f.tier == top and top > Tier.NONE]


# --- paths: segments that name an auth module ----------------------------------------

NAMED = [
    ("app/auth/helpers.py", "folder 'auth/'"),
    ("src/oauth2/client.ts", "folder 'oauth2/'"),
    ("lib/doorkeeper/oauth/scopes.rb", "folder 'oauth/'"),
    ("app/views/login.py", "word 'login'"),
    ("src/main/java/com/acme/LoginController.java", "word 'login'"),
    ("internal/JwtAuthFilter.kt", "word 'auth'"),
    ("web/sessions.py", "word 'session'"),
    ("pkg/api_jwt.go", "word 'jwt'"),
]


@pytest.mark.parametrize(("path", "how"), NAMED, ids=[p for p, _ in NAMED])
def test_a_path_names_an_auth_module_by_a_whole_word(path: str, how: str) -> None:
    assert reasons(added(path, "value = compute(x)")) == [f"path {path} matches {how}"]


# Project and package names that contain an auth word: what they hold is not high by
# name (an auth library's every file was high, version bumps and docs included).
PROJECT_NAMES = ["packages/better-auth/src/utils/url.ts", "django_allauth/utils.py",
                 "oauthlib/common.py", "src/flask_login/config.py", "social_core/utils.py",
                 "rest_framework_simplejwt/settings_helpers.py", "src/author.py",
                 "nlp/tokenizer.py"]


@pytest.mark.parametrize("path", PROJECT_NAMES)
def test_a_project_named_after_auth_does_not_make_its_files_high(path: str) -> None:
    assert tier_of(added(path, "value = compute(x)")) == Tier.NONE


# --- changes that decide nothing are low in an auth path -----------------------------

COSMETIC = {
    "version bump": fc("packages/passkey/src/version.ts",
                       "-export const VERSION = '1.6.3'\n+export const VERSION = '1.7.0'\n"),
    "python typing": fc("jwt/jwks_client.py",
                        " class PyJWKClient:\n"
                        "-    def keys(self, refresh=False) -> Optional[List[PyJWK]]:\n"
                        "+    def keys(self, refresh: bool = False) -> list[PyJWK] | None:\n"),
    "typing import": fc("jwt/api_jwt.py",
                        "-from typing import Any, Dict, List, Optional\n"
                        "+from typing import Any\n"
                        "+from collections.abc import Sequence\n"),
    "typescript cast": fc("src/jwt/claims.ts",
                          "-    const age = now - payload.iat!\n"
                          "+    const age = now - (payload.iat as number);\n"),
    "f-string": fc("jwt/api_jws.py",
                   "-            raise DecodeError(\"Invalid header string: %s\" % e) from e\n"
                   "+            raise DecodeError(f\"Invalid header string: {e}\") from e\n"),
    "string split over lines": fc("jwt/api_jws.py",
                                  "-    msg = (\"Algorithm '%s' could not be found. \"\n"
                                  "-           \"Do you have cryptography installed?\" % alg)\n"
                                  "+    msg = f\"Algorithm '{alg}' could not be found. Do you have"
                                  " cryptography installed?\"\n"),
    "re-indented": fc("app/auth/views.py",
                      "-    if not user.is_active: return deny()\n"
                      "+    if not user.is_active:\n"
                      "+        return deny()\n"),
    "docstring": fc("jwt/algorithms.py",
                    "@@ -609,6 +609,6 @@\n"
                    "             Sign a message ``msg`` using the EdDSA private key ``key``\n"
                    "-                or :class:`.Ed448PrivateKey` iinstance\n"
                    "+                or :class:`.Ed448PrivateKey` isinstance\n"
                    "             :return bytes signature: The signature, as bytes\n"
                    '             """\n'
                    "             msg = bytes(msg, \"utf-8\")\n"),
    "doc comment": fc("src/jwt/verify.ts",
                      " /**\n"
                      "- * Verifies the JWT.\n"
                      "+ * Verifies the JWT: signature, `exp`, `aud` and `iss`.\n"
                      "  */\n"
                      " export async function jwtVerify(jwt, key, options) {\n"),
    "go any": fc("none.go",
                 "-func (m *signingMethodNone) Verify(s string, key interface{}) error {\n"
                 "+func (m *signingMethodNone) Verify(s string, key any) error {\n"),
}


@pytest.mark.parametrize("name", sorted(COSMETIC))
def test_a_cosmetic_change_in_an_auth_path_is_low(name: str) -> None:
    change = COSMETIC[name]
    found = check(change)
    assert max((f.tier for f in found), default=Tier.NONE) <= Tier.LOW, \
        [(f.rule_id, f.tier, f.message) for f in found]


def test_the_cap_says_why() -> None:
    (f,) = check(COSMETIC["python typing"])
    assert (f.rule_id, f.tier, f.message) == (
        "identity.path.token", Tier.LOW,
        "path jwt/jwks_client.py matches folder 'jwt/' "
        "(only formatting, types, comments or versions changed: capped at low)")


def test_a_real_change_next_to_a_cosmetic_one_stays_high() -> None:
    change = fc("jwt/api_jwt.py",
                "-    def decode(self, jwt, key, algorithms=None, leeway=0):\n"
                "+    def decode(self, jwt: str, key: str, algorithms=None, leeway: int = 30):\n")
    assert tier_of(change) == Tier.HIGH


def test_generated_code_is_low() -> None:
    change = added("pkg/auth/useridentity_query.go",
                   "// Code generated by ent, DO NOT EDIT.",
                   "package auth",
                   "func (q *Query) Token() string { return q.token }")
    assert tier_of(change) == Tier.LOW


def test_examples_and_type_tests_are_not_identity_code() -> None:
    assert tier_of(added("examples/example-app/auth.go",
                         'if r.FormValue("state") != state { http.Error(w, "bad", 400) }')) \
        <= Tier.LOW
    assert tier_of(added("test-d/jwt.ts", "expectType<JWTVerifyResult>(await jwtVerify(t, k))")) \
        <= Tier.LOW


def test_an_auth_library_named_in_a_manifest_is_a_dependency_change() -> None:
    change = fc("gemfiles/rails_8.gemfile", ' gem "rails"\n+gem "bcrypt", "~> 3.1"\n')
    assert [(f.rule_id, f.tier) for f in check(change)] == [
        ("identity.content.dependency", Tier.MEDIUM)]


# --- auth decisions in generically named files ---------------------------------------

DECISIONS = [
    # Bearer/Authorization header parsing
    ("api/middleware.py", 'if not header.startswith("Bearer "): raise NotAuthenticated()',
     "identity.content.bearer"),
    ("server/handlers.go", 'raw := strings.TrimPrefix(h, "Bearer ")', "identity.content.bearer"),
    ("src/server/util.ts", "const token = header.slice('Bearer '.length)",
     "identity.content.bearer"),
    ("lib/api/base_controller.rb", "token = request.headers['Authorization'].split('Bearer ').last",
     "identity.content.bearer"),
    # redirect-URL validation
    ("app/utils.py", "if not url_has_allowed_host_and_scheme(next_url, allowed_hosts):",
     "identity.content.redirect"),
    ("src/routes/util.ts", "if (!client.redirectUris.includes(redirectUri)) throw new Error()",
     "identity.content.redirect"),
    ("web/helpers.py", "parts = urlsplit(target)", "identity.content.redirect"),
    # OAuth callback handling
    ("app/views/social.py", "if request.GET.get('state') != request.session.pop('state'):",
     "identity.content.oauth-callback"),
    ("src/handlers/provider.ts", "const codeVerifier = await generateCodeVerifier()",
     "identity.content.oauth-callback"),
    ("internal/server/flow.go", "if r.URL.Query().Get(\"state\") != expectedState {",
     "identity.content.oauth-callback"),
    # permission checks
    ("src/main/java/com/acme/OrderController.java", '@PreAuthorize("hasRole(\'ADMIN\')")',
     "identity.content.authz"),
    ("app/views.py", "if not request.user.has_perm('orders.change_order'):",
     "identity.content.authz"),
]


@pytest.mark.parametrize(("path", "line", "rule"), DECISIONS,
                         ids=[f"{r.rsplit('.', 1)[1]}:{p}" for p, _, r in DECISIONS])
def test_an_auth_decision_is_high_in_any_file(path: str, line: str, rule: str) -> None:
    found = check(added(path, line))
    assert (rule, Tier.HIGH) in [(f.rule_id, f.tier) for f in found]


def test_an_outgoing_authorization_header_is_not_a_decision() -> None:
    assert tier_of(added("app/api/client.py",
                         "headers = {'Authorization': f'Bearer {api_key}'}")) < Tier.HIGH


def test_words_in_a_message_are_prose_but_names_in_strings_count() -> None:
    assert tier_of(added("app/errors.py",
                         'raise ValueError("Reset your password: the jwt.decode call failed")')) \
        < Tier.HIGH
    # A name in a string is still a name (an app label, a settings key).
    assert tier_of(added("app/serializers.py",
                         "if 'myapp.token_blacklist' in settings.INSTALLED_APPS:")) == Tier.HIGH
    assert tier_of(added("api/settings.py",
                         "REST = {'DEFAULT_PERMISSION_CLASSES': ['app.perms.Open']}")) == Tier.HIGH
