"""Policy: actions from rules and config, tiers to reviews, AI evidence, blocking."""

from __future__ import annotations

from authgate.config import Config, parse
from authgate.findings import Action, Finding, Severity, Tier
from authgate.policy import MISSING_TESTS_RULE, action_for, decide


def finding(rule: str, **kw: object) -> Finding:
    base: dict[str, object] = {"rule_id": rule, "severity": Severity.MEDIUM, "message": rule,
                               "path": "app/x.py", "line": 3}
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def claude(**kw: object) -> Finding:
    return finding("provenance.trailer.claude", strength="strong", tool="claude-code",
                   path=None, line=None, **kw)


def test_no_findings_is_tier_none_no_reviews_not_blocked() -> None:
    v = decide([], Config())
    assert (v.tier, v.required_reviews, v.blocked, v.ai_assisted) == (Tier.NONE, (), False, False)


def test_tier_is_the_highest_and_maps_to_reviews() -> None:
    v = decide([finding("identity.path.ui", tier=Tier.LOW, action=Action.ANNOTATE),
                finding("identity.path.auth", tier=Tier.HIGH, action=Action.ANNOTATE,
                        message="path app/x.py matches **/*auth*")], Config())
    assert v.tier is Tier.HIGH
    assert v.required_reviews == ("code-owner", "iam", "security")
    assert v.reasons == ("high: app/x.py:3: path app/x.py matches **/*auth*",)
    assert not v.blocked


def test_low_tier_needs_code_owner_only() -> None:
    v = decide([finding("identity.path.ui", tier=Tier.LOW)], Config())
    assert v.required_reviews == ("code-owner",)


def test_configured_reviews_replace_defaults_per_tier() -> None:
    cfg = parse({"reviews": {"high": ["security"]}}, "t")
    v = decide([finding("identity.path.auth", tier=Tier.HIGH)], cfg)
    assert v.required_reviews == ("security",)


def test_blocking_finding_blocks_with_reason() -> None:
    v = decide([finding("leak.secret.aws-key", action=Action.BLOCK, message="AWS key")], Config())
    assert v.blocked
    assert "blocked: app/x.py:3: leak.secret.aws-key: AWS key" in v.reasons


def test_longest_policy_key_wins_and_context_specific_key_beats_plain() -> None:
    policy = {"leak": "warn", "leak.endpoint": "annotate", "leak.endpoint@comment": "block"}
    code = finding("leak.endpoint.private-ip", context="code", action=Action.BLOCK)
    comment = finding("leak.endpoint.private-ip", context="comment")
    secret = finding("leak.secret.aws-key", action=Action.BLOCK)
    assert action_for(code, policy) is Action.ANNOTATE
    assert action_for(comment, policy) is Action.BLOCK
    assert action_for(secret, policy) is Action.WARN


def test_policy_off_drops_finding_from_tier_and_blocking() -> None:
    cfg = parse({"policy": {"identity.jwt": "off"}}, "t")
    v = decide([finding("identity.jwt.none-algorithm", tier=Tier.CRITICAL, action=Action.BLOCK)],
               cfg)
    assert (v.tier, v.blocked) == (Tier.NONE, False)


def test_strong_provenance_marks_ai_assisted_with_tool_weak_does_not() -> None:
    weak = finding("provenance.artifact.chat-phrase", strength="weak", tool=None)
    assert not decide([weak], Config()).ai_assisted
    v = decide([weak, claude(evidence="Co-Authored-By: Claude <noreply@anthropic.com>")],
               Config())
    assert v.ai_assisted and v.ai_tools == ("claude-code",)
    assert v.ai_evidence[0].startswith("provenance.trailer.claude: Co-Authored-By")


def test_missing_negative_tests_block_only_when_ai_assisted() -> None:
    missing = finding(MISSING_TESTS_RULE, tier=Tier.HIGH, action=Action.ANNOTATE)
    assert not decide([missing], Config()).blocked
    v = decide([missing, claude()], Config())
    assert v.blocked
    relaxed = parse({"policy": {"missing_tests_ai": "annotate"}}, "t")
    assert not decide([missing, claude()], relaxed).blocked


def test_ai_forbid_blocks_strong_evidence_and_says_why() -> None:
    v = decide([claude()], parse({"ai": "forbid"}, "t"))
    assert v.blocked
    assert any("forbids AI-assisted changes (claude-code detected)" in r for r in v.reasons)


def test_ai_disclose_sets_disclosure_only_with_strong_evidence() -> None:
    cfg = parse({"ai": "disclose"}, "t")
    assert decide([claude()], cfg).disclose_ai
    assert not decide([finding("provenance.artifact.x", strength="weak")], cfg).disclose_ai


def test_suppressed_findings_are_counted_not_acted_on() -> None:
    v = decide([finding("leak.secret.aws-key", action=Action.BLOCK, suppressed="inline: test")],
               Config())
    assert (v.blocked, v.suppressed) == (False, 1)
    assert v.findings[0].suppressed == "inline: test"
