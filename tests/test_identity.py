"""Identity-impact tiers: layered defaults from paths and content, the one-line reasons
policy prints, and what must stay low (UI, docs, tests, payment code)."""

from __future__ import annotations

import re

import pytest

from authgate.changes import FileChange, Status
from authgate.checks import identity
from authgate.config import Config, parse
from authgate.findings import Finding, Tier
from authgate.policy import MISSING_TESTS_RULE, decide

from testing.identity import added, changeset, check, fc, ids, rules


def impact(*files: FileChange, config: Config | None = None) -> list[Finding]:
    """Findings about the files themselves (without the change-level test reminder)."""
    return [f for f in check(*files, config=config) if f.rule_id != MISSING_TESTS_RULE]


def tier_of(*files: FileChange, config: Config | None = None) -> Tier:
    return max((f.tier for f in check(*files, config=config)), default=Tier.NONE)


def reasons(*files: FileChange, config: Config | None = None) -> list[str]:
    return list(decide(check(*files, config=config), config or Config()).reasons)


# --- layered defaults ----------------------------------------------------------------

LAYERS = [
    # UI-only changes are low at most, and only when named after an identity flow.
    ("templates/registration/login.html", ["<form method='post'>{% csrf_token %}"], Tier.LOW),
    ("static/css/login.css", [".login { color: red }"], Tier.LOW),
    ("src/components/LoginForm.tsx", ["<button>Sign in</button>"], Tier.LOW),
    ("templates/index.html", ["<h1>Welcome</h1>"], Tier.NONE),
    # Settings on identity keys are medium.
    ("mysite/settings.py", ["SESSION_COOKIE_SECURE = True"], Tier.MEDIUM),
    ("src/main/resources/application.yml", ["spring.security.oauth2.client.registration: x"],
     Tier.MEDIUM),
    ("mysite/settings.py", ["TIME_ZONE = 'UTC'"], Tier.NONE),
    # Login, passwords, reset, sessions, tokens, MFA, recovery, permissions, IAM: high.
    ("app/views/login.py", ["def view(request): ..."], Tier.HIGH),
    ("accounts/hashers.py", ["class Fast: ..."], Tier.HIGH),
    ("accounts/forgot_password.py", ["x = 1"], Tier.HIGH),
    ("web/session_store.py", ["x = 1"], Tier.HIGH),
    ("api/jwt_utils.go", ["package api", "func parse() {}"], Tier.HIGH),
    ("accounts/totp.py", ["x = 1"], Tier.HIGH),
    ("api/permissions.py", ["x = 1"], Tier.HIGH),
    ("infra/iam.tf", ['locals { deployer = "ci" }'], Tier.HIGH),
    ("k8s/ci-rolebinding.yaml", ["metadata: {}"], Tier.HIGH),
    # Governance files: who reviews, and the gate itself.
    ("CODEOWNERS", ["* @org/web"], Tier.HIGH),
    (".github/CODEOWNERS", ["* @org/web"], Tier.HIGH),
    ("docs/CODEOWNERS", ["* @org/web"], Tier.HIGH),
    (".authgate.toml", ["ai = 'allow'"], Tier.HIGH),
    (".secrets.baseline", ["{}"], Tier.HIGH),
    (".env.production", ["DEBUG=0"], Tier.MEDIUM),
]


@pytest.mark.parametrize(("path", "lines", "tier"), LAYERS, ids=[p for p, _, _ in LAYERS])
def test_layered_default_tiers(path: str, lines: list[str], tier: Tier) -> None:
    assert tier_of(added(path, *lines)) == tier


def test_a_neutral_file_that_changes_jwt_handling_is_high() -> None:
    f = fc("app/core/utils.py", "@@ -40,3 +40,3 @@\n def load(t):\n"
                                "-    return jwt.decode(t, KEY, algorithms=['HS256'])\n"
                                "+    return jwt.decode(t, KEY, algorithms=['RS256'])\n")
    found = check(f)
    assert [(x.rule_id, x.line, x.message) for x in found if x.tier == Tier.HIGH] == [
        ("identity.content.jwt", 41, "jwt.decode changed at line 41 (and 1 more)")]


def test_a_removed_line_alone_raises_the_tier() -> None:
    f = fc("app/core/utils.py", " def logout(request):\n-    request.session.flush()\n")
    assert [(x.rule_id, x.line) for x in impact(f)] == [("identity.content.session", 2)]


CONTENT = [
    ("svc/users.py", "user.set_password(new)", "identity.content.password"),
    ("svc/reset.py", "token = default_token_generator.make_token(user)",
     "identity.content.recovery"),
    ("svc/api.py", "auth = request.headers.get('Authorization')", "identity.content.auth-header"),
    ("svc/api.go", 'h := r.Header.Get("Authorization")', "identity.content.auth-header"),
    ("svc/flow.js", "passport.authenticate('local')", "identity.content.authn"),
    ("svc/Views.java", "@PreAuthorize(\"hasRole('ADMIN')\")", "identity.content.authz"),
    ("svc/admin.py", "if request.user.is_superuser:", "identity.content.authz"),
    ("svc/refresh.ts", "const refreshToken = body.refresh_token",
     "identity.content.token-lifecycle"),
    ("svc/web.rb", "reset_session", "identity.content.session"),
    ("infra/main.tf", 'resource "aws_iam_role" "ci" {', "identity.content.iam"),
    ("k8s/app.yaml", "kind: ClusterRole", "identity.content.iam"),
    (".github/workflows/ci.yml", "permissions:", "identity.content.ci-permissions"),
    (".pre-commit-config.yaml", "  - id: authgate", "identity.gate.pre-commit-config"),
    ("accounts/migrations/0007_user_fields.py", "    name='locked_at',",
     "identity.migration.identity-column"),
]


@pytest.mark.parametrize(("path", "line", "rule"), CONTENT,
                         ids=[c[2] + ":" + c[0] for c in CONTENT])
def test_content_keywords_raise_a_neutral_path_to_high(path: str, line: str, rule: str) -> None:
    found = impact(added(path, line))
    assert (rule, Tier.HIGH, 1) in [(f.rule_id, f.tier, f.line) for f in found]
    assert max(f.tier for f in found) == Tier.HIGH
    assert not [f for f in found if f.rule_id.startswith("identity.path.")]


def test_pyproject_counts_only_in_the_tool_authgate_table() -> None:
    gate = fc("pyproject.toml",
              " [tool.authgate]\n ai = 'allow'\n+missing_tests_ai_action = 'warn'\n")
    other = fc("pyproject.toml", " [project]\n name = 'x'\n+version = '2'\n")
    assert [(f.rule_id, f.message) for f in check(gate)] == [
        ("identity.gate.pyproject", "[tool.authgate] changed at line 3")]
    assert check(other) == []


def test_authentication_library_added_is_medium_and_bumped_is_low() -> None:
    found = check(fc("requirements.txt", " Django==5.0\n+PyJWT==2.4.0\n"))
    assert [(f.rule_id, f.tier, f.message) for f in found] == [
        ("identity.content.dependency", Tier.MEDIUM,
         "authentication library PyJWT changed at line 2")]
    # A version bump decides nothing: low, and it says why.
    found = check(fc("requirements.txt", "-PyJWT==2.3.0\n+PyJWT==2.4.0\n"))
    assert [(f.rule_id, f.tier, f.message) for f in found] == [
        ("identity.content.dependency", Tier.LOW,
         "authentication library PyJWT changed at line 1 (and 1 more) "
         "(only formatting, types, comments or versions changed: capped at low)")]


# --- what must stay below high -------------------------------------------------------

QUIET = [
    ("shop/checkout.py", ["session = stripe.checkout.Session.create(line_items=items)",
                          "token = request.POST['stripeToken']",
                          "request.session['cart'] = cart.id",
                          "charge = stripe.Charge.create(source=token, amount=total)"]),
    ("payments/session.py", ["class PaymentSession: ..."]),
    ("app/checkout_session.py", ["x = 1"]),
    ("billing/card_tokens.py", ["def tokenize(card): ..."]),
    ("nlp/tokenizer.py", ["tokens = text.split()"]),
    ("app/db/session.py", ["SessionLocal = sessionmaker(bind=engine)"]),
    ("src/author.py", ["class Author: ..."]),
    ("AUTHORS", ["Jane Doe"]),
    ("app/api/client.py", ["headers = {'Authorization': f'Bearer {api_key}'}"]),
    ("lib/lexer.py", ["raise SyntaxError('bad token ' + tok)"]),
    ("web/js/preview.js", ["URL.revokeObjectURL(previewUrl)"]),
    ("hooks/authgate/report.py", ["x = 1"]),
]


@pytest.mark.parametrize(("path", "lines"), QUIET, ids=[p for p, _ in QUIET])
def test_payment_refactor_and_lookalike_code_stays_below_high(path: str, lines: list[str]) -> None:
    assert tier_of(added(path, *lines)) < Tier.HIGH


def test_tests_and_docs_are_capped_at_low_and_their_content_is_not_code() -> None:
    test_file = added("tests/test_auth.py", "jwt.decode(t, options={'verify_signature': False})")
    docs = added("docs/auth.md", "Never call `requests.get(url, verify=False)`.")
    found = impact(test_file, docs)
    assert [(f.rule_id, f.path, f.tier) for f in found] == [
        ("identity.path.authn", "tests/test_auth.py", Tier.LOW),
        ("identity.path.authn", "docs/auth.md", Tier.LOW)]
    assert found[0].message == \
        "path tests/test_auth.py matches word 'auth' (test file: capped at low)"


def test_django_style_tests_py_is_a_test_file() -> None:
    f = added("accounts/auth/tests.py", "jwt.decode(t, verify=False)")
    assert [(x.rule_id, x.tier) for x in impact(f)] == [("identity.path.authn", Tier.LOW)]


def test_comments_are_not_code() -> None:
    f = added("app/core/jwt_helpers.py",
              '# never: jwt.decode(t, options={"verify_signature": False})',
              "x = 1")
    assert "identity.jwt.verification-disabled" not in ids(check(f))


def test_packaging_metadata_of_an_auth_package_has_no_impact() -> None:
    assert tier_of(added("django_allauth.egg-info/PKG-INFO", "Version: 0.61.1")) == Tier.NONE


# --- config paths --------------------------------------------------------------------

def test_config_paths_raise_and_lower_by_glob() -> None:
    cfg = parse({"paths": {"high": ["src/billing/**"], "none": ["app/auth/legacy/**"]}}, "t")
    raised = impact(added("src/billing/invoice.py", "x = 1"), config=cfg)
    assert [(f.rule_id, f.tier, f.message) for f in raised] == [
        ("identity.path.config", Tier.HIGH,
         "path src/billing/invoice.py matches src/billing/** (config paths.high)")]
    lowered = impact(added("app/auth/legacy/old.py", "x = 1"), config=cfg)
    assert lowered == []
    # Content still counts in a lowered path.
    still = check(added("app/auth/legacy/old.py", "jwt.decode(t, k, algorithms=['RS256'])"),
                  config=cfg)
    assert ids(f for f in still if f.tier == Tier.HIGH) == ["identity.content.jwt"]


def test_disabled_rules_do_not_report() -> None:
    cfg = parse({"rules": {"disable": ["identity.path.authn"]}}, "t")
    assert check(added("app/auth/views.py", "x = 1"), config=cfg) == []


# --- renames, deletions, reasons -----------------------------------------------------

def test_moving_code_out_of_an_auth_directory_is_still_high() -> None:
    f = fc("app/misc/backend.py", "", Status.RENAMED, old_path="app/auth/backend.py")
    (found,) = impact(f)
    assert (found.tier, found.path, found.message) == (
        Tier.HIGH, "app/misc/backend.py", "path app/auth/backend.py matches folder 'auth/'")


def test_deleting_an_auth_file_is_high_but_removes_no_safeguard() -> None:
    f = fc("app/auth/views.py", "-@login_required\n-def me(request):\n-    return ok()\n",
           Status.DELETED)
    # Its path says it was identity code; its deleted lines decide nothing any more.
    assert ids(impact(f)) == ["identity.path.authn"]
    assert tier_of(f) == Tier.HIGH
    # A deleted file with a neutral name (a discontinued provider backend) is no
    # identity decision.
    gone = fc("social/backends/legacy.py", "-REVOKE_TOKEN_URL = URL\n-def validate_state(): ...\n",
              Status.DELETED)
    assert check(gone) == []


def test_only_the_reasons_at_the_files_top_tier_are_kept() -> None:
    f = added("app/auth/client.py", "access_token = fetch()")
    assert ids(impact(f)) == ["identity.path.authn"]  # the medium access-token reason drops


def test_policy_prints_one_line_per_reason_with_what_matched_and_where() -> None:
    f = fc("app/core/auth_backend.py",
           "@@ -40,3 +40,4 @@\n def authenticate(token):\n     key = load_key()\n"
           "+    claims = jwt.decode(token, key, algorithms=['RS256'])\n")
    verdict = decide(check(f), Config())
    assert verdict.tier == Tier.HIGH
    assert verdict.required_reviews == ("code-owner", "iam", "security")
    assert "high: app/core/auth_backend.py: path app/core/auth_backend.py matches word 'auth'" \
        in verdict.reasons
    assert "high: app/core/auth_backend.py:42: jwt.decode changed at line 42" in verdict.reasons


def test_critical_reason_names_the_rule_line() -> None:
    f = added("app/auth/login.py",
              'claims = jwt.decode(token, options={"verify_signature": False})')
    verdict = decide(check(f), Config())
    assert verdict.tier == Tier.CRITICAL and verdict.blocked
    assert ("critical: app/auth/login.py:1: JWT signature verification disabled at line 1: any "
            "forged token is accepted") in verdict.reasons


def test_low_and_medium_require_the_code_owner_only() -> None:
    assert decide(check(added("templates/login.html", "<p>hi</p>")), Config()).required_reviews \
        == ("code-owner",)
    assert decide(check(added("mysite/settings.py", "LOGIN_URL = '/in'")), Config()) \
        .required_reviews == ("code-owner",)


def test_every_identity_finding_carries_references() -> None:
    files = [added(p, *lines) for p, lines, _ in LAYERS] + [added(p, ln) for p, ln, _ in CONTENT]
    found = check(*files)
    assert found and all(f.refs for f in found if f.rule_id != "identity.path.ui")


def test_catalog_rules_all_have_refs_and_titles() -> None:
    for rule in rules():
        assert rule.title, rule.id
        if rule.kind not in ("path",) or (rule.tier > Tier.NONE and rule.id not in (
                "identity.path.ui", "identity.path.ui-component", "identity.path.build",
                "identity.path.config")):
            assert rule.refs, rule.id


def test_classify_is_exposed_for_other_commands() -> None:
    pc = identity.classify("app/auth/login.py", rules(), Config())
    assert (pc.tier, pc.glob, pc.context) == (Tier.HIGH, "folder 'auth/'", "code")
    assert identity.classify("README.md", rules(), Config()).tier == Tier.NONE


def test_empty_change_has_no_findings() -> None:
    assert identity.run(changeset(), rules(), Config()) == []


MIGRATIONS = ["accounts/migrations/0042_user_mfa.py", "alembic/versions/3f2a_tokens.py",
              "db/migrate/20240101000000_add_lockable.rb", "db/migration/V3__users.sql",
              "db/changelog/db.changelog-master.xml", "prisma/schema.prisma",
              "prisma/migrations/20240101_init/migration.sql", "migrations/000003_users.up.sql",
              "database/migrations/2024_01_01_000000_create_users.php",
              "priv/repo/migrations/20240101000000_users.exs",
              "src/Data/Migrations/20240101_Users.cs"]


@pytest.mark.parametrize("path", MIGRATIONS)
def test_migrations_of_ten_frameworks_are_recognised(path: str) -> None:
    assert "migration" in identity.classify(path, rules(), Config()).roles
    found = impact(added(path, "    password_hash = column(text)"))
    assert "identity.migration.identity-column" in ids(found)


def test_a_model_file_is_not_a_migration() -> None:
    assert "migration" not in identity.classify("accounts/models.py", rules(), Config()).roles


# --- user rules, helpers -------------------------------------------------------------

def test_a_user_rule_in_the_identity_family_runs_like_a_shipped_one() -> None:
    cfg = parse({"rules": {"custom": [{
        "id": "identity.acme.legacy-sso", "kind": "line", "tier": "critical",
        "action": "block", "severity": "high", "keywords": ["legacysso"],
        "regex": r"LegacySSO\.bypass\(", "message": "legacy SSO bypass at line {line}",
        "refs": ["CWE-287"]}]}}, "pyproject.toml [tool.authgate]")
    (f,) = [f for f in check(added("web/hooks.py", "LegacySSO.bypass(user)"), config=cfg)
            if f.rule_id == "identity.acme.legacy-sso"]
    assert (f.line, f.tier, f.message) == (1, Tier.CRITICAL, "legacy SSO bypass at line 1")


def test_a_user_rule_with_broken_params_is_a_config_error_naming_it() -> None:
    from authgate.config import ConfigError

    # When the config loads, before any change is read.
    with pytest.raises(ConfigError, match=r"^t: key 'rules\.custom\[0\]\.params\.variant\[0\]"
                                          r"\.regex' does not compile: missing \), "):
        parse({"rules": {"custom": [{
            "id": "identity.acme.broken", "kind": "line", "keywords": ["x"],
            "params": {"variant": [{"regex": "("}]}}]}}, "t")


@pytest.mark.parametrize(("params", "says"), [
    # A variant that no line of the change reaches is still checked.
    ({"variant": [{"regex": "("}]}, "key 'params.variant[0].regex' does not compile"),
    ({"near": ["x"], "nearby": "y"}, "unknown key 'params.nearby'"),
    ({"window": "3"}, "key 'params.window' must be a number, got '3'"),
    ({"variant": [{"regex": "x", "absent": 1}]},
     "key 'params.variant[0].absent' must be a string, got 1"),
])
def test_user_rule_params_are_checked_when_the_catalog_loads(params: dict[str, object],
                                                             says: str) -> None:
    from authgate.config import ConfigError

    # Caught when the config is parsed (shapes the shipped catalogs give each parameter)
    # or, for what only the identity catalog knows, when it loads: either way, naming
    # the rule and the key.
    with pytest.raises(ConfigError) as err:
        cfg = parse({"rules": {"custom": [{
            "id": "identity.acme.broken", "kind": "line", "regex": "never_in_this_change",
            "keywords": ["never_in_this_change"], "params": params}]}}, "t")
        check(added("a.py", "x = 1"), config=cfg)
    message = str(err.value)
    key = says.split("'")[1]
    assert key in message and ("identity.acme.broken" in message or "custom[0]" in message)
    assert says.split(f"{key}'", 1)[1].strip() in message


def test_every_shipped_identity_pattern_compiles() -> None:
    # Shipped patterns compile on first use; the suite is what proves them.
    from authgate.checks.identity.spec import catalog
    from authgate.checks.identity.text import Rx

    cat = catalog(rules())
    found = [v.pattern for s in cat.lines for v in s.variants] + \
        [x for s in cat.lines for v in s.variants
         for x in (*v.near, v.near_key, v.unless, v.absent, v.call_absent, v.args, v.args_raw)] + \
        [x for s in cat.windows for f in s.factors for x in (f.pattern, f.near)] + \
        [x for s in cat.windows for t in s.lists for x in (t.anchor, t.weak)] + \
        [c.pattern for c in (cat.tests.cases if cat.tests else ())]
    compiled = [p.rx if isinstance(p, Rx) else p for p in found if p is not None]
    assert len(compiled) > 100
    assert all(isinstance(p, re.Pattern) for p in compiled)


@pytest.mark.parametrize(("text", "seconds"), [
    ("60 * 60 * 24 * 14", 1209600), ("timedelta(days=7)", 604800),
    ("timedelta(hours=1, minutes=30),", 5400), ("'15m' })", 900), ("2.weeks", 1209600),
    ("3600  # one hour", 3600), ("1_000", 1000), ("settings.TTL", None)])
def test_amount_reads_numbers_products_timedeltas_and_durations(text: str,
                                                                seconds: float | None) -> None:
    assert identity.amount(text) == seconds


def test_code_only_blanks_strings_and_keeps_interpolations() -> None:
    assert identity.code_only('("reset for %s", user.id)  # token', ("#",)) == "( , user.id)  "
    assert "password" in identity.code_only('(f"pw {password}")', ("#",))
    assert "token" in identity.code_only("(`t ${token}`)", ("//",))
    assert "secret" in identity.code_only('("s #{secret}")', ("#",))
    assert "password" not in identity.code_only("('password reset')", ("#",))
    # An interpolation is skipped by its braces, quotes and all; `{{` is a brace.
    assert identity.code_only('x = f"a {d["k"]} b" # c', ("#",)) == 'x = f  d["k"]  '
    assert identity.code_only('f"{{literal}}" + y', ("#",)) == "f  literal  + y"
    assert identity.code_only("s = 'it\\'s # not a comment' # one", ("#",)) == "s =   "


def test_an_inline_allow_with_a_reason_suppresses_an_identity_pattern() -> None:
    from authgate.checks import run_all

    f = added("clients/lab.py",
              "# authgate: allow identity.tls.verification-disabled -- lab CA, no prod data",
              "r = requests.get(LAB_URL, verify=False)",
              "r = requests.get(PROD_URL, verify=False)")
    found = run_all(changeset(f), rules(), Config(), ["identity"])
    tls = [(x.line, x.suppressed) for x in found
           if x.rule_id == "identity.tls.verification-disabled"]
    assert tls == [(2, "inline: lab CA, no prod data"), (3, None)]


def test_the_keyword_index_wakes_exactly_the_rules_whose_keywords_a_line_holds() -> None:
    # Keywords that overlap, contain or prefix one another ("auth" in "oauth", "log"
    # and "logger", "token" ending where "tokenize" goes on) are all seen.
    from authgate.checks.identity.text import KeywordIndex

    owners = {"auth": ["r-auth"], "oauth": ["r-oauth"], "log": ["r-log"],
              "logger": ["r-logger"], "token": ["r-token", "r-any"], "ken": ["r-ken"],
              "tokenize": ["r-tokenize"]}
    index = KeywordIndex(owners)
    assert index.rules("oauth_logger.tokenize()") == frozenset(
        {"r-auth", "r-oauth", "r-log", "r-logger", "r-token", "r-any", "r-ken",
         "r-tokenize"})
    assert index.rules("a logbook of tokens") == frozenset(
        {"r-log", "r-token", "r-any", "r-ken"})
    assert index.rules("nothing here") == frozenset()
