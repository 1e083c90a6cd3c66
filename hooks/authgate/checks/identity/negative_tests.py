"""Negative-case tests: a high-impact identity change must stage tests that prove the
failure modes of what it touched (`identity.tests.negative-missing`). Policy makes the
finding block when the change is also AI-assisted (`missing_tests_ai`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from authgate.findings import Finding, Tier

from .spec import TestsSpec
from .text import render


def missing_tests(spec: TestsSpec, findings: Sequence[Finding], topics: Mapping[str, Tier],
                  test_lines: Sequence[str]) -> Finding | None:
    tier = max((f.tier for f in findings), default=Tier.NONE)
    if tier < spec.min_tier:
        return None
    wanted = [t for t, level in topics.items() if level >= spec.min_tier]
    # "auth" asks only for a rejected request; a more specific topic asks for more.
    if len(wanted) > 1 and "auth" in wanted:
        wanted.remove("auth")
    if not wanted:
        return None
    text = "\n".join(test_lines)
    order = {c.topic: n for n, c in reversed(list(enumerate(spec.cases)))}
    missing = [c.name for t in sorted(wanted, key=lambda t: order.get(t, 99))
               for c in spec.cases if c.topic == t and not c.pattern.search(text)]
    if not missing:
        return None
    msg = render(spec.rule.message, tier=tier, missing=", ".join(missing))
    return spec.finding(msg, None, None, "code", tier=Tier.NONE)
