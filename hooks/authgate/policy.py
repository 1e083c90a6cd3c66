"""From findings and config to a `Verdict`: how much the change matters for identity,
whether an AI assistant wrote it, which reviews it needs, and whether it may pass.

Pure: no IO. The action of a finding is the rule's default (which a check may grade by
context), overridden by `[tool.authgate.policy]` where the longest matching key wins:
`"leak.endpoint@comment"` beats `"leak.endpoint"` beats `"leak"`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from authgate.config import Config
from authgate.findings import ACTION_ORDER, Action, Finding, Tier
from authgate.record import Record
from authgate.ruleids import most_specific

if TYPE_CHECKING:
    from authgate.checklist import Item

# The identity check's finding for a high-impact change without negative-case tests;
# policy makes it block when the change is also AI-assisted.
MISSING_TESTS_RULE = "identity.tests.negative-missing"


class Verdict(Record):
    tier: Tier
    ai_assisted: bool
    ai_tools: tuple[str, ...]
    # One readable line per piece of provenance evidence, strong first.
    ai_evidence: tuple[str, ...]
    required_reviews: tuple[str, ...]
    blocked: bool
    # Why: one line per tier reason and per blocking finding.
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]
    suppressed: int
    # The repository asks for AI disclosure (`ai = "disclose"`) and evidence is strong.
    disclose_ai: bool = False
    # What this change's reviewers must verify (checklist.py), from its findings.
    checklist: tuple[Item, ...] = ()

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.counts and f.action is Action.BLOCK)


def action_for(finding: Finding, policy: Mapping[str, str]) -> Action:
    action = most_specific(policy, finding.rule_id, finding.context)
    return finding.action if action is None else Action(action)


def decide(findings: Iterable[Finding], config: Config) -> Verdict:
    all_findings = list(findings)
    active = [f for f in all_findings if f.suppressed is None]
    suppressed = len(all_findings) - len(active)

    strong = [f for f in active if f.family == "provenance" and f.strength == "strong"]
    ai_assisted = bool(strong)
    tools = sorted({f.tool for f in strong if f.tool})
    evidence = [f"{f.rule_id}: {f.evidence or f.message} ({f.strength})"
                for f in sorted(active, key=lambda f: f.strength != "strong")
                if f.family == "provenance" and f.strength]

    decided: list[Finding] = []
    for f in active:
        action = action_for(f, config.policy)
        if f.rule_id == MISSING_TESTS_RULE and ai_assisted:
            action = _stronger(action, Action(config.missing_tests_ai_action))
        if config.ai == "forbid" and f.family == "provenance" and f.strength == "strong":
            action = Action.BLOCK
        decided.append(f.with_action(action))
    decided += [f for f in all_findings if f.suppressed is not None]
    counted = [f for f in decided if f.counts]

    tier = max((f.tier for f in counted), default=Tier.NONE)
    reviews = tuple(config.reviews.get(str(tier), ())) if tier > Tier.NONE else ()
    reasons = [f"{tier}: {f.location}: {f.message}" for f in counted
               if f.tier == tier and tier > Tier.NONE]
    blocking = [f for f in counted if f.action is Action.BLOCK]
    reasons += [f"blocked: {f.location}: {f.rule_id}: {f.message}" for f in blocking]
    if config.ai == "forbid" and ai_assisted:
        reasons.append(f"blocked: this repository forbids AI-assisted changes "
                       f"({', '.join(tools) or 'agent'} detected)")
    items: tuple[Item, ...] = ()
    if any(f.family == "identity" for f in counted):
        # Imported only for an identity change: most commits never load the catalog.
        from authgate.checklist import build

        items = build(counted)
    return Verdict(
        tier=tier,
        ai_assisted=ai_assisted,
        ai_tools=tuple(tools),
        ai_evidence=tuple(evidence),
        required_reviews=reviews,
        blocked=bool(blocking),
        reasons=tuple(reasons),
        findings=tuple(sorted(decided, key=_order)),
        suppressed=suppressed,
        disclose_ai=config.ai == "disclose" and ai_assisted,
        checklist=items,
    )


def _stronger(a: Action, b: Action) -> Action:
    return a if ACTION_ORDER[a] >= ACTION_ORDER[b] else b


def _order(f: Finding) -> tuple[int, int, str, int, str]:
    return (-ACTION_ORDER[f.action], -int(f.severity), f.path or "", f.line or 0, f.rule_id)
