"""Negative-case tests, by what the change decides.

The topics come from the changed lines of code (not comments, not lines that only
moved) in files at high impact: a changed expiry check asks for an expired-token test,
an audience check for a wrong-audience one, a permission check for a denied request
(`decision` tables). Tests are the added lines of test files; any line there that
asserts a failure (a test named "rejects ...", `pytest.raises`, `toThrow`, a 4xx
status, ... : `failure`) is a failure-path test, and a topic is covered when one of
its `case` patterns shows.

- no failure-path test at all: `identity.tests.negative-missing`, which annotates and
  blocks when the change is AI-assisted (policy `missing_tests_ai`);
- failure-path tests, some topics uncovered: `partial_rule`, which only annotates;
- no decision (tracing, a refactor that keeps behaviour, a dependency bump, docs):
  nothing is asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from authgate.findings import Finding, Tier, anchored
from authgate.record import Record

from .scan import FileScan
from .spec import Catalog, TestsSpec
from .text import Corpus, code_only, comment_markers, render

# File contexts whose added lines are tests, and whose changed lines decide nothing.
TEST_CONTEXTS = ("test", "fixture")
DECIDING_CONTEXTS = ("code",)


class Seen(Record):
    """What the requirement needs of one file once the file has been read: enough to
    judge a tree read in batches after the last batch, without keeping its lines."""

    path: str
    context: str
    findings: list[Finding]
    decisions: list[tuple[str, str]]
    tests: str | None  # a test file's added lines, joined

    @classmethod
    def of(cls, scan: FileScan) -> Seen:
        tests = "\n".join([ln.text for h in scan.fc.hunks for ln in h.lines if ln.kind == "+"]) \
            if scan.pc.context in TEST_CONTEXTS else None
        return cls(scan.fc.path, scan.pc.context, scan.findings, scan.decisions, tests)

    @property
    def matters(self) -> bool:
        """Whether judging can need this file: a test, or a file with findings."""
        return self.tests is not None or bool(self.findings)


def judge(cat: Catalog, scans: Sequence[Seen]) -> list[Finding]:
    spec = cat.tests
    if spec is None:
        return []
    tier = max((f.tier for s in scans for f in s.findings), default=Tier.NONE)
    if tier < spec.min_tier:
        return []
    topics = decided(spec, scans)
    if not topics:
        return []
    # Each test file's added lines on their own: a test is one file, and a pattern
    # that matched across two files' boundary would match an accident of their order.
    tests = Corpus([s.tests for s in scans if s.tests is not None])
    order = {c.topic: n for n, c in reversed(list(enumerate(spec.cases)))}
    wanted = sorted(topics, key=lambda t: order.get(t, 99))
    if spec.failure is None or not spec.failure.found_in(tests):
        missing = [_first_case(spec, t) for t in wanted if any(c.topic == t
                                                                for c in spec.cases)]
        if not missing:
            return []
        msg = render(spec.rule.message, tier=tier, missing=", ".join(missing),
                     topics=", ".join(wanted))
        return _at_cause(spec.finding(msg, None, None, "code", tier=Tier.NONE), scans,
                         spec.min_tier)
    uncovered = [_first_case(spec, t) for t in wanted
                 if not any(c.pattern.found_in(tests) for c in spec.cases if c.topic == t)]
    partial = cat.by_id.get(spec.partial_rule) if spec.partial_rule else None
    if not uncovered or partial is None:
        return []
    msg = render(partial.rule.message, tier=tier, missing=", ".join(uncovered),
                 topics=", ".join(wanted))
    return _at_cause(partial.finding(msg, None, None, "code", tier=Tier.NONE), scans,
                     spec.min_tier)


def _at_cause(f: Finding, scans: Sequence[Seen], min_tier: Tier) -> list[Finding]:
    """The finding, anchored to the file whose decision asks for the tests (the
    highest-impact one, first in the change): a report that needs a file shows it
    there (code scanning raises no alert for a finding without one)."""
    best: tuple[Tier, str, int | None] | None = None
    for scan in scans:
        if scan.context not in DECIDING_CONTEXTS or not scan.decisions:
            continue
        tier = max((x.tier for x in scan.findings), default=Tier.NONE)
        if tier < min_tier or (best is not None and tier <= best[0]):
            continue
        lines = [x.line for x in scan.findings if x.tier == tier and x.line]
        best = (tier, scan.path, min(lines) if lines else None)
    return [anchored(f, best[1], best[2]) if best else f]


def _first_case(spec: TestsSpec, topic: str) -> str:
    """A topic's name in messages: its first case's ("expired token")."""
    return next((c.name for c in spec.cases if c.topic == topic), topic)


def decided(spec: TestsSpec, scans: Iterable[Seen]) -> set[str]:
    """The topics the change's auth decisions touch: the changed lines of code where
    a content or pattern rule saw a decision, in files at the required tier, read by
    the decision tables (by what the line says, else by the rule's topic)."""
    topics: set[str] = set()
    for scan in scans:
        if scan.context not in DECIDING_CONTEXTS or not scan.decisions:
            continue
        if max((f.tier for f in scan.findings), default=Tier.NONE) < spec.min_tier:
            continue
        for line, rule_topic in scan.decisions:
            text = code_only(line, comment_markers(scan.path))
            if spec.decides is not None and not spec.decides.search(text):
                continue  # an assignment or a name: nothing to reject
            said = {t for d in spec.decisions if d.pattern is not None
                    and d.pattern.search(text) for t in d.topics}
            if not said:
                said = {t for d in spec.decisions if d.rule_topic == rule_topic
                        for t in d.topics}
            topics |= said
    return topics
