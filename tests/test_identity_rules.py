"""Every pattern rule of rules/identity.toml against its positive and negative cases
(tests/data/identity/cases.toml, and regressions.toml for the false findings met on
real history): the rule reports exactly the expected line, with its catalog tier and
action (or the ones the case names), and never prints a planted secret."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from authgate.changes import Status
from authgate.findings import Action, Tier
from authgate.report import finding_line

from testing.identity import check, fc, rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DATA = Path(__file__).parent / "data" / "identity"
CASES: list[dict[str, Any]] = [
    case for name in ("cases.toml", "regressions.toml", "cases-issue12.toml")
    for case in tomllib.loads((DATA / name).read_text(encoding="utf-8"))["case"]]

# Patterns that exist in one language only; each says why.
ONE_LANGUAGE = {
    "identity.ci.permissions-write-all": "GitHub Actions workflow syntax",
    "identity.ci.permissions-widened": "GitHub Actions workflow syntax",
    "identity.ci.permissions-removed": "GitHub Actions workflow syntax",
}


def _case_id(case: dict[str, Any]) -> str:
    sign = "pos" if case["expect"] else "neg"
    cls = f"class{case['class']}-" if "class" in case else ""
    return f"{cls}{case['rule'].split('.', 1)[1]}-{sign}-{case['lang']}-{case['path']}"


def _file(case: dict[str, Any]):  # type: ignore[no-untyped-def]
    body = case["diff"].strip("\n")
    new_file = all(ln.startswith("+") for ln in body.splitlines())
    return fc(case["path"], body, Status.ADDED if new_file else Status.MODIFIED)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    findings = [f for f in check(_file(case)) if f.rule_id == case["rule"]]
    if not case["expect"]:
        assert findings == [], [finding_line(f) for f in findings]
        return
    assert [f.line for f in findings] == [case["line"]], [finding_line(f) for f in findings]
    (f,) = findings
    rule = rules().get(case["rule"])
    assert rule is not None
    # A case may expect an uncertain match to annotate at a lower tier (the signing side
    # of `none`, a removed switch): it names the action and tier it expects.
    expected = (Tier.parse(case["tier"]) if "tier" in case else rule.tier,
                Action(case["action"]) if "action" in case else rule.action)
    assert (f.tier, f.action, f.path) == (*expected, case["path"])
    assert f.refs == rule.refs and f.refs
    if "message" in case:
        assert f.message == case["message"]
    if "secret" in case:
        shown = finding_line(f) + f.evidence + f.message
        assert case["secret"] not in shown
        assert f.value_hash is not None


def test_every_pattern_rule_has_positive_and_negative_cases_in_two_languages() -> None:
    pos: dict[str, set[str]] = defaultdict(set)
    neg: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        (pos if case["expect"] else neg)[case["rule"]].add(case["lang"])
    pattern_rules = [r.id for r in rules() if r.kind in ("line", "window")]
    assert pattern_rules
    for rid in pattern_rules:
        assert pos[rid], f"{rid} has no positive case"
        assert neg[rid], f"{rid} has no negative case"
        if rid not in ONE_LANGUAGE:
            assert len(pos[rid]) >= 2, f"{rid}: positives only in {pos[rid]}"
            assert len(neg[rid] | pos[rid]) >= 2
    assert set(pos) | set(neg) <= set(pattern_rules), "cases name unknown rules"
