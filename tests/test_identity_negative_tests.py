"""Negative-case tests, by what the change decides.

The topics come from the changed lines of auth-decision code (an expiry check asks
for an expired token, an audience check for a wrong audience, a permission check for
a denied request); any staged test that asserts a failure is a failure-path test, in
pytest, unittest, Jest, Vitest, JUnit, Go and RSpec. With no failure-path test at all
`identity.tests.negative-missing` annotates, and blocks when the change is AI-assisted;
with some, `identity.tests.negative-uncovered` names the topics still uncovered and
only annotates. A change that decides nothing (tracing, a refactor that moves code, a
dependency bump, docs, doc comments) asks for nothing."""

from __future__ import annotations

import pytest

from authgate.changes import FileChange
from authgate.config import Config
from authgate.findings import Action, Finding, Severity, Tier
from authgate.policy import MISSING_TESTS_RULE, decide

from testing.identity import added, check, fc

UNCOVERED_RULE = "identity.tests.negative-uncovered"

TOKEN_CODE = added("app/auth/jwt_verify.py",
                   "claims = jwt.decode(token, key, algorithms=['RS256'], audience='api')")


def missing(*files: FileChange) -> Finding | None:
    found = [f for f in check(*files) if f.rule_id == MISSING_TESTS_RULE]
    assert len(found) <= 1
    return found[0] if found else None


def uncovered(*files: FileChange) -> Finding | None:
    found = [f for f in check(*files) if f.rule_id == UNCOVERED_RULE]
    assert len(found) <= 1
    return found[0] if found else None


def test_token_verification_without_tests_names_what_it_decides() -> None:
    f = missing(TOKEN_CODE)
    assert f is not None
    assert f.message == ("high-impact change to expiry, signature, audience without any "
                         "failure-path test: add one for expired token, tampered token or "
                         "bad signature, wrong audience or issuer")
    assert (f.path, f.tier, f.action) == (None, Tier.NONE, Action.ANNOTATE)
    assert f.refs
    assert uncovered(TOKEN_CODE) is None


FRAMEWORKS = {
    "pytest": ("tests/test_jwt.py", [
        "def test_expired_token_is_rejected(client):",
        "    with pytest.raises(jwt.ExpiredSignatureError):",
        "def test_tampered_signature_is_rejected():",
        "    with pytest.raises(jwt.InvalidSignatureError):",
        "def test_other_audience_is_rejected():",
        "    with pytest.raises(jwt.InvalidAudienceError):",
    ]),
    "unittest": ("tests/test_tokens.py", [
        "class TokenTests(unittest.TestCase):",
        "    def test_rejects_old_tokens(self):",
        "        with self.assertRaises(ExpiredSignatureError):",
        "    def test_rejects_forged_tokens(self):",
        "        self.assertRaises(InvalidSignatureError, verify, forged)",
        "    def test_rejects_other_services(self):",
        "        self.assertRaises(InvalidAudienceError, verify, for_billing)",
    ]),
    "jest": ("src/__tests__/auth.test.js", [
        "it('rejects an expired token', () => {",
        "  expect(() => verify(old)).toThrow(TokenExpiredError)",
        "it('rejects a token signed with another key', () => {",
        "  expect(() => verify(forged)).toThrow(JsonWebTokenError)",
        "it('rejects a token for another service', () => {",
        "  expect(() => verify(t)).toThrow('jwt audience invalid')",
    ]),
    "vitest": ("src/auth.spec.ts", [
        "import { describe, it, expect, vi } from 'vitest'",
        "it('rejects tokens past exp', () => { vi.useFakeTimers(); vi.advanceTimersByTime(9e6) })",
        "it('rejects a tampered payload', async () => {",
        "it('rejects a wrong issuer', async () => {",
    ]),
    "junit": ("src/test/java/com/acme/JwtFilterTest.java", [
        "    assertThrows(ExpiredJwtException.class, () -> parser.parseClaimsJws(old));",
        "    assertThrows(SignatureException.class, () -> parser.parseClaimsJws(forged));",
        "    assertThrows(IncorrectClaimException.class, () -> parser.parseClaimsJws(other));",
    ]),
    "go": ("auth/jwt_test.go", [
        "\tif !errors.Is(err, jwt.ErrTokenExpired) {",
        "\tif !errors.Is(err, jwt.ErrTokenSignatureInvalid) {",
        "\tif !errors.Is(err, jwt.ErrTokenInvalidAudience) {",
    ]),
    "rspec": ("spec/requests/auth_spec.rb", [
        '  it "rejects an expired token" do',
        "    expect { decode(old) }.to raise_error(JWT::ExpiredSignature)",
        '  it "rejects a forged signature" do',
        "    expect { decode(forged) }.to raise_error(JWT::VerificationError)",
        "    expect { decode(other) }.to raise_error(JWT::InvalidAudError)",
    ]),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_token_negative_cases_are_recognised_in_each_framework(framework: str) -> None:
    path, lines = FRAMEWORKS[framework]
    assert missing(TOKEN_CODE, added(path, *lines)) is None
    assert uncovered(TOKEN_CODE, added(path, *lines)) is None


def test_a_failure_path_test_unblocks_and_the_uncovered_topics_annotate() -> None:
    tests = added("tests/test_jwt.py", "def test_expired_token_is_rejected():",
                  "    with pytest.raises(jwt.ExpiredSignatureError):")
    assert missing(TOKEN_CODE, tests) is None
    f = uncovered(TOKEN_CODE, tests)
    assert f is not None and f.message == (
        "high-impact change to expiry, signature, audience: no failure-path test yet for "
        "tampered token or bad signature, wrong audience or issuer")
    assert (f.action, f.tier) == (Action.ANNOTATE, Tier.NONE)


# Failure-path tests as real projects name them (none says 401 or "wrong password").
FAILURE_TESTS = [
    added("tests/test_regions.py", "def test_rejects_remove_on_region(client):"),
    added("src/acr.test.ts", "it('mismatching acr stays aal1', () => {"),
    added("storage/token_test.go",
          '\tt.Run("unknown token returns ErrNoRows", func(t *testing.T) {'),
    added("spec/refs_spec.rb", '  it "file ref is rejected" do'),
    added("tests/test_api.py", "    assert response.status_code == 422"),
    added("src/api.test.ts", "  await expect(call()).rejects.toThrow(ApiError)"),
    added("auth/verify_test.go", "\trequire.Error(t, err)"),
]


@pytest.mark.parametrize("test", FAILURE_TESTS, ids=[t.path for t in FAILURE_TESTS])
def test_any_failure_asserting_test_is_a_failure_path(test: FileChange) -> None:
    assert missing(TOKEN_CODE, test) is None


def test_what_the_change_decides_is_what_it_asks_for() -> None:
    # An opaque-token shape check with an invalid-signature test: nothing more to ask.
    shape = fc("app/auth/tokens.py",
               " def verify(token):\n"
               "+    if not jwt.decode(token, key, algorithms=['HS256'], options=OPTS):\n"
               "+        raise InvalidToken()\n")
    test = added("tests/test_tokens.py", "def test_invalid_signature_is_rejected():",
                 "    with pytest.raises(InvalidToken):")
    assert missing(shape, test) is None
    f = uncovered(shape, test)
    assert f is not None and f.message.endswith("no failure-path test yet for expired token")


TOPICS = [
    # (what changed, a test that covers it, the case named when it is missing)
    (added("accounts/auth/backends.py", "if not user.check_password(password): return None"),
     added("accounts/tests/test_login.py", "def test_login_fails_with_wrong_password(client):"),
     "wrong or reused password"),
    (added("accounts/auth/backends.py", "if not user.check_password(password): return None"),
     added("spec/models/user_spec.rb", '  it "refuses a reused password" do'),
     "wrong or reused password"),
    (added("web/views.py", "def logout_view(request):", "    request.session.flush()"),
     added("web/__tests__/session.test.js", "it('redirects a logged-out user to /login', () => {"),
     "logged-out or revoked session"),
    (added("api/mw.py",
           "scheme, _, token = request.headers.get('Authorization', '').partition(' ')"),
     added("api/mw_test.go", '\tt.Run("malformed authorization header", func(t *testing.T) {'),
     "malformed Authorization header"),
    (added("app/views.py", "@login_required", "def me(request): ..."),
     added("tests/test_views.py", "    assert client.get('/me').status_code == 401"),
     "rejected unauthenticated request (401/403)"),
    (added("app/views.py", "@login_required", "def me(request): ..."),
     added("src/test/java/MeTest.java",
           '    mvc.perform(get("/me")).andExpect(status().isUnauthorized());'),
     "rejected unauthenticated request (401/403)"),
    (added("api/orders.py",
           "if not request.user.has_perm('orders.change_order'): raise PermissionDenied"),
     added("spec/requests/orders_spec.rb", "    expect(response).to have_http_status(:forbidden)"),
     "denied request for the wrong role or scope (403)"),
    (added("app/auth/login.py", "if not url_has_allowed_host_and_scheme(next_url, hosts):"),
     added("tests/test_login.py", "def test_foreign_redirect_is_refused(client):"),
     "rejected foreign redirect"),
    (added("app/oauth/callback.py",
           "if request.args.get('state') != session.pop('oauth_state'): abort(400)"),
     added("tests/test_callback.py", "def test_mismatched_state_is_rejected(client):"),
     "mismatched state, nonce or PKCE verifier"),
]


@pytest.mark.parametrize(("change", "test", "case"), TOPICS,
                         ids=[f"{c.path}+{t.path}" for c, t, _ in TOPICS])
def test_each_decision_asks_for_its_own_case(change: FileChange, test: FileChange,
                                             case: str) -> None:
    f = missing(change)
    assert f is not None and f.message.endswith(f"add one for {case}")
    assert missing(change, test) is None
    assert uncovered(change, test) is None


def test_only_added_test_lines_count() -> None:
    context_only = fc("tests/test_jwt.py",
                      " def test_expired_token_is_rejected():\n"
                      "     with pytest.raises(jwt.ExpiredSignatureError):\n"
                      "+def test_happy_path():\n")
    f = missing(TOKEN_CODE, context_only)
    assert f is not None and "expired token" in f.message


NO_DECISION = {
    # Tracing in an auth module.
    "tracing": [added("app/auth/views.py",
                      "span.set_attribute('auth.user_id', request.user.pk)")],
    # A refactor that moves a check to another file unchanged.
    "moved": [fc("app/auth/views.py",
                 "-    claims = jwt.decode(token, key, algorithms=['RS256'], audience='api')\n"
                 "+    claims = verify(token)\n"),
              fc("app/auth/tokens.py",
                 "+def verify(token):\n"
                 "+    claims = jwt.decode(token, key, algorithms=['RS256'], audience='api')\n"
                 "+    return claims\n")],
    # A dependency bump of an auth library.
    "bump": [fc("requirements.txt", "-PyJWT==2.8.0\n+PyJWT==2.9.0\n")],
    # Docs and a doc comment in an auth module.
    "docs": [added("docs/auth.md", "Tokens expire after `exp`; a wrong `aud` is rejected."),
             fc("app/auth/tokens.py",
                ' def verify(token):\n'
                '-    """Check the token."""\n'
                '+    """Check the token: signature, expiry (`exp`) and audience (`aud`)."""\n'
                '     return jwt.decode(token, key, algorithms=["RS256"], audience="api")\n')],
    # Issuing a token decides nothing a failure test could reject.
    "issue": [added("app/auth/tokens.py", "tok = jwt.encode(claims, key, algorithm='RS256')")],
}


@pytest.mark.parametrize("name", sorted(NO_DECISION))
def test_a_change_that_decides_nothing_asks_for_nothing(name: str) -> None:
    files = NO_DECISION[name]
    assert missing(*files) is None and uncovered(*files) is None
    # ... and blocks nothing, AI-assisted or not.
    assert not decide([*check(*files), _ai_finding()], Config()).blocked


def test_no_requirement_below_high() -> None:
    assert missing(added("mysite/settings.py", "LOGIN_URL = '/in'")) is None  # medium
    assert missing(added("tests/test_jwt.py", "def test_x(): ...")) is None  # tests only
    assert missing(added(".github/CODEOWNERS", "* @org/security")) is None  # governance


def _ai_finding() -> Finding:
    return Finding(rule_id="provenance.trailer.claude", severity=Severity.INFO,
                   message="Co-Authored-By: Claude", strength="strong", tool="claude-code")


def test_policy_annotates_a_human_change_and_blocks_an_ai_assisted_one() -> None:
    findings = check(TOKEN_CODE)
    human = decide(findings, Config())
    assert not human.blocked
    assert [f.action for f in human.findings if f.rule_id == MISSING_TESTS_RULE] == \
        [Action.ANNOTATE]
    ai = decide([*findings, _ai_finding()], Config())
    assert ai.blocked
    assert ("blocked: (commit): identity.tests.negative-missing: high-impact change to expiry, "
            "signature, audience without any failure-path test: add one for expired token, "
            "tampered token or bad signature, wrong audience or issuer" in ai.reasons)


def test_an_ai_assisted_change_with_a_failure_path_test_is_not_blocked() -> None:
    tests = added("tests/test_jwt.py", "def test_expired_token_is_rejected():",
                  "    with pytest.raises(jwt.ExpiredSignatureError):")
    verdict = decide([*check(TOKEN_CODE, tests), _ai_finding()], Config())
    assert not verdict.blocked
    assert [f.action for f in verdict.findings if f.rule_id == UNCOVERED_RULE] == \
        [Action.ANNOTATE]
