"""Negative-case tests: a high-impact identity change must stage tests that prove its
failure modes (token: expired, bad signature, wrong audience; password: wrong or
reused; session: logged out or expired; header: malformed Authorization), recognised
in pytest, unittest, Jest, Vitest, JUnit, Go and RSpec. Policy makes the finding block
when the change is also AI-assisted."""

from __future__ import annotations

import pytest

from authgate.changes import FileChange
from authgate.config import Config
from authgate.findings import Action, Finding, Severity, Tier
from authgate.policy import MISSING_TESTS_RULE, decide
from test_identity_support import added, check, fc

TOKEN_CODE = added("app/auth/jwt_verify.py",
                   "claims = jwt.decode(token, key, algorithms=['RS256'], audience='api')")


def missing(*files: FileChange) -> Finding | None:
    found = [f for f in check(*files) if f.rule_id == MISSING_TESTS_RULE]
    assert len(found) <= 1
    return found[0] if found else None


def test_token_change_without_tests_names_every_missing_case() -> None:
    f = missing(TOKEN_CODE)
    assert f is not None
    assert f.message == ("high-impact identity change without negative-case tests for "
                         "expired token, bad signature, wrong audience")
    assert (f.path, f.tier, f.action) == (None, Tier.NONE, Action.ANNOTATE)
    assert f.refs


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


def test_partial_evidence_names_only_what_is_still_missing() -> None:
    tests = added("tests/test_jwt.py", "def test_expired_token_is_rejected():",
                  "    with pytest.raises(jwt.ExpiredSignatureError):")
    f = missing(TOKEN_CODE, tests)
    assert f is not None and f.message.endswith("for bad signature, wrong audience")


TOPICS = [
    # (what changed, a test that covers it, the case named when it is missing)
    (added("accounts/models.py", "user.set_password(new)"),
     added("accounts/tests/test_login.py", "def test_login_fails_with_wrong_password(client):"),
     "wrong or reused password"),
    (added("accounts/models.py", "user.set_password(new)"),
     added("spec/models/user_spec.rb", '  it "refuses a reused password" do'),
     "wrong or reused password"),
    (added("web/session_store.py", "store = {}"),
     added("web/__tests__/session.test.js", "it('redirects a logged-out user to /login', () => {"),
     "logged-out or expired session"),
    (added("api/mw.py", "raw = request.headers.get('Authorization', '')"),
     added("api/mw_test.go", '\tt.Run("malformed authorization header", func(t *testing.T) {'),
     "malformed Authorization header"),
    (added("app/auth/views.py", "def me(request): ..."),
     added("tests/test_views.py", "    assert client.get('/me').status_code == 401"),
     "rejected unauthenticated request (401/403)"),
    (added("app/auth/views.py", "def me(request): ..."),
     added("src/test/java/MeTest.java",
           '    mvc.perform(get("/me")).andExpect(status().isUnauthorized());'),
     "rejected unauthenticated request (401/403)"),
    (added("api/permissions.py", "class IsOwner: ..."),
     added("spec/requests/orders_spec.rb", "    expect(response).to have_http_status(:forbidden)"),
     "forbidden for the wrong role (403)"),
]


@pytest.mark.parametrize(("change", "test", "case"), TOPICS,
                         ids=[f"{c.path}+{t.path}" for c, t, _ in TOPICS])
def test_each_topic_asks_for_its_own_case(change: FileChange, test: FileChange,
                                          case: str) -> None:
    f = missing(change)
    assert f is not None and f.message.endswith(f"for {case}")
    assert missing(change, test) is None


def test_only_added_test_lines_count() -> None:
    context_only = fc("tests/test_jwt.py",
                      " def test_expired_token_is_rejected():\n"
                      "     with pytest.raises(jwt.ExpiredSignatureError):\n"
                      "+def test_happy_path():\n")
    f = missing(TOKEN_CODE, context_only)
    assert f is not None and "expired token" in f.message


def test_no_requirement_below_high_or_without_a_topic() -> None:
    assert missing(added("mysite/settings.py", "LOGIN_URL = '/in'")) is None  # medium
    assert missing(added("tests/test_jwt.py", "def test_x(): ...")) is None  # tests only
    assert missing(added(".github/CODEOWNERS", "* @org/security")) is None  # governance


def test_the_auth_topic_gives_way_to_a_specific_one() -> None:
    f = missing(added("app/auth/tokens.py", "tok = jwt.encode(claims, key, algorithm='RS256')"))
    assert f is not None and "401" not in f.message and "expired token" in f.message


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
    assert ("blocked: (commit): identity.tests.negative-missing: high-impact identity change "
            "without negative-case tests for expired token, bad signature, wrong audience"
            in ai.reasons)
