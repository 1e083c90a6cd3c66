"""Authorization, token and key decisions in generically named files (issue 12): a
file called utils.py, crud-members.ts, gitlab.go, ed25519.go or check_key_type.ts
decides who may do what when its lines validate roles, compare them, ask for scopes,
check a redirect target, authenticate a client at the token endpoint, decode claims or
decide which key an algorithm accepts. Each routes the change high (annotate); role
checks ask for a denied-request test like other permission checks. Real git, the
shapes met on real history rewritten here."""

from __future__ import annotations

import pytest

from testing import Repo
from testing.staged import Action, Case, Tier, found, judge, rule_ids

DECISIONS = [
    # Roles: validated, compared, assigned.
    (Case("typescript-role-validation", "src/routes/members.ts",
          "export async function update(ctx) {\n  return save(ctx.body)\n}\n",
          "export async function update(ctx) {\n"
          "  const unknownRoles = rolesToSet.filter((r) => !validRoles.has(r))\n"
          "  if (unknownRoles.length > 0) throw new APIError('BAD_REQUEST')\n"
          "  return save(ctx.body)\n}\n"),
     "identity.content.roles"),
    (Case("python-staff-comparison", "app/views.py",
          "def export(request):\n    return render(request)\n",
          "def export(request):\n    if request.user.role != 'admin':\n"
          "        raise PermissionDenied\n    return render(request)\n"),
     "identity.content.roles"),
    (Case("ruby-admin-predicate", "app/controllers/reports_controller.rb",
          "def index\n  @reports = Report.all\nend\n",
          "def index\n  head :forbidden unless current_user.admin?\n  @reports = Report.all\n"
          "end\n"),
     "identity.content.roles"),
    (Case("java-role-check", "src/main/java/com/acme/Reports.java",
          "class Reports {\n  List<Report> all(User u) { return repo.findAll(); }\n}\n",
          "class Reports {\n  List<Report> all(User u) {\n"
          "    if (!u.getRoles().contains(\"ADMIN\")) throw new AccessDeniedException(\"no\");\n"
          "    if (!checkRole(u, ROLE_ADMIN)) throw new AccessDeniedException(\"no\");\n"
          "    return repo.findAll();\n  }\n}\n"),
     "identity.content.roles"),
    (Case("go-is-admin", "internal/api/handlers.go",
          "package api\n\nfunc del(w http.ResponseWriter, r *http.Request) {\n}\n",
          "package api\n\nfunc del(w http.ResponseWriter, r *http.Request) {\n"
          "\tif !isAdmin(user) {\n\t\thttp.Error(w, \"forbidden\", 403)\n\t}\n}\n"),
     "identity.content.roles"),
    # Scopes requested of an upstream provider or granted to a client.
    (Case("go-scopes", "connector/gitlab/gitlab.go",
          "package gitlab\n\nfunc (c *conn) cfg() {\n"
          "\tgitlabScopes := []string{scopeUser, scopeOpenID}\n}\n",
          "package gitlab\n\nfunc (c *conn) cfg() {\n\tgitlabScopes := []string{scopeUser}\n"
          "\tif c.groups {\n\t\tgitlabScopes = append(gitlabScopes, scopeOpenID)\n\t}\n}\n"),
     "identity.content.scopes"),
    (Case("python-required-scopes", "app/api.py", "",
          "def view(request):\n    require_scopes(request, ['read:users'])\n"),
     "identity.content.scopes"),
    # Redirect checks in a generic utils file, function name out of the hunk.
    (Case("python-redirect-except", "social/utils.py",
          "def sanitize(hosts, redirect_to):\n    x = 1\n    try:\n"
          "        netloc = urlparse(redirect_to)[1] or hosts[0]\n"
          "    except (TypeError, AttributeError):\n        return None\n    return netloc\n",
          "def sanitize(hosts, redirect_to):\n    x = 1\n    try:\n"
          "        netloc = urlparse(redirect_to)[1] or hosts[0]\n"
          "    except (TypeError, AttributeError, ValueError):\n        return None\n"
          "    return netloc\n"),
     "identity.content.redirect-check"),
    (Case("go-local-path", "examples/app/server/admin.go".replace("examples/", "web/"),
          "package server\n\nfunc back(next string) bool {\n\tu, err := url.Parse(next)\n"
          "\tif err != nil {\n\t\treturn false\n\t}\n\treturn u.Host == \"\"\n}\n",
          "package server\n\nfunc back(next string) bool {\n\tu, err := url.Parse(next)\n"
          "\tif err != nil || u.Scheme != \"\" {\n\t\treturn false\n\t}\n"
          "\treturn u.Host == \"\"\n}\n"),
     "identity.content.redirect-check"),
    # How a client authenticates at the token endpoint.
    (Case("typescript-client-assertion", "src/social-providers/entra.ts",
          "export const entra = (options) => ({ id: 'entra' })\n",
          "export const entra = (options) => ({\n  id: 'entra',\n"
          "  tokenEndpointAuth: options.clientAssertion ? { method: 'private_key_jwt' } :"
          " undefined,\n"
          "})\n"),
     "identity.content.client-auth"),
    # Claims decoded in a generic parser file.
    (Case("go-claims-decoding", "parser.go",
          "package jwt\n\nfunc (p *Parser) parse() {\n\terr = dec.Decode(&claims)\n}\n",
          "package jwt\n\nfunc (p *Parser) parse() {\n"
          "\tif c, ok := token.Claims.(MapClaims); ok {\n"
          "\t\terr = json.Unmarshal(claimBytes, &c)\n\t}\n}\n"),
     "identity.content.claims"),
    # Which key an algorithm accepts.
    (Case("go-signer", "ed25519.go",
          "package jwt\n\nfunc sign(key interface{}) {\n\tk, ok := key.(ed25519.PrivateKey)\n}\n",
          "package jwt\n\nfunc sign(key interface{}) {\n\tk, ok := key.(crypto.Signer)\n}\n"),
     "identity.content.crypto-keys"),
    (Case("typescript-key-type", "src/lib/check_key_type.ts",
          "export default (alg, key) => {\n"
          "  const symmetric = alg.startsWith('HS') || alg === 'dir'\n}\n",
          "export default (alg, key) => {\n  switch (alg.substring(0, 2)) {\n"
          "    case 'HS':\n      symmetricTypeCheck(alg, key)\n  }\n}\n"),
     "identity.content.crypto-keys"),
    (Case("java-key-length", "src/main/java/io/acme/security/EdwardsCurve.java",
          "class EdwardsCurve {\n  int n() { return 1; }\n}\n",
          "class EdwardsCurve {\n  int n() { return 1; }\n"
          "  void check(Key key) { getKeyMaterial(key); }\n}\n"),
     "identity.content.crypto-keys"),
    (Case("python-key-instance", "app/signing.py", "",
          "def check(key):\n    if not isinstance(key, (RSAPrivateKey, EllipticCurvePrivateKey)):\n"
          "        raise TypeError('key')\n"),
     "identity.content.crypto-keys"),
    (Case("ruby-redirect-sanitizer", "lib/omniauth/helpers.rb",
          "def back_to(url)\n  url\nend\n",
          "def back_to(url)\n  sanitize_redirect_url(url)\nend\n"),
     "identity.content.redirect"),
]


@pytest.mark.parametrize(("case", "rule"), DECISIONS, ids=[c.id for c, _ in DECISIONS])
def test_a_decision_in_a_generic_file_routes_high(repo: Repo, case: Case, rule: str) -> None:
    verdict = judge(repo, case)
    f = found(verdict, rule)
    assert (f.path, f.tier, f.action) == (case.path, Tier.HIGH, Action.ANNOTATE)
    assert verdict.tier is Tier.HIGH and not verdict.blocked, verdict.reasons
    assert "security" in verdict.required_reviews


# Look-alikes that decide nothing about access.
LOOKALIKES = [
    Case("tsx-aria-role", "src/components/Menu.tsx", "",
         "export const Menu = () => <div role=\"menu\" aria-label=\"menu\" />\n"),
    Case("python-chat-role", "app/chat.py", "",
         "def reply(messages):\n    return [m for m in messages if m['role'] == 'assistant']\n"),
    Case("go-variable-scope", "internal/eval/scope.go", "",
         "package eval\n\nfunc (s *Scope) Lookup(name string) Value {\n\treturn s.vars[name]\n}\n"),
    Case("ruby-activerecord-scope", "app/models/post.rb", "",
         "class Post < ApplicationRecord\n  scope :published, -> { where(published: true) }\n"
         "end\n"),
    Case("java-cache-key-size", "src/main/java/com/acme/Cache.java", "",
         "class Cache {\n  int keyCount() { return map.size(); }\n}\n"),
    Case("python-url-parse", "app/feeds.py",
         "def host(feed_url):\n    u = urlparse(feed_url)\n    if not u:\n        return None\n",
         "def host(feed_url):\n    u = urlparse(feed_url)\n    if u is None:\n"
         "        return None\n"),
]


@pytest.mark.parametrize("case", LOOKALIKES, ids=[c.id for c in LOOKALIKES])
def test_a_lookalike_decides_nothing(repo: Repo, case: Case) -> None:
    verdict = judge(repo, case)
    assert verdict.tier < Tier.HIGH, verdict.reasons


def test_a_role_check_asks_for_a_denied_request_test(repo: Repo) -> None:
    case = DECISIONS[1][0]
    repo.write("app/views.py", case.before)
    repo.add()
    repo.commit("base")
    repo.write("app/views.py", case.after)
    repo.write("tests/test_views.py", "def test_export_ok(client):\n"
                                      "    assert client.get('/export').status_code == 200\n")
    repo.add()
    proc = repo.authgate("check", "--only", "identity")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ("(commit): identity.tests.negative-missing: high-impact change to authz "
            "without any failure-path test: add one for denied request for the wrong role "
            "or scope (403)") in proc.stdout
    assert "    [ ] authz: denied for the wrong role, scope or owner (app/views.py:2)" \
        in proc.stdout.splitlines()


def test_a_content_rule_reports_once_per_file_with_a_count(repo: Repo) -> None:
    verdict = judge(repo, DECISIONS[0][0])
    (f,) = [f for f in verdict.findings if f.rule_id == "identity.content.roles"]
    assert f.message == "role check unknownRoles changed at line 2 (and 1 more)"
    assert "identity.content.roles" in rule_ids(verdict)
