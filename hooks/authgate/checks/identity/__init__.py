"""Identity impact: how much a change matters for authentication and authorization,
the one-line mistakes that break them, and whether risky changes bring negative tests.

Everything it looks for is data in `rules/identity.toml` (see the header there for the
rule kinds and their params). Per file it emits:

- tier findings (`identity.path.*`, `identity.content.*`, ...) whose one-line messages
  say what matched and where ("path app/auth/x.py matches **/*auth*",
  "jwt.decode changed at line 42"); only those at the file's highest tier are kept;
- pattern findings (`identity.jwt.*`, `identity.tls.*`, ...) at critical tier, which
  block by default; absence checks that would need dataflow only warn;
- for the whole change, `identity.tests.negative-missing` when a high-impact change
  stages no test that proves the failure modes of what it touched.

Only added lines (and removed lines, for rules that look for a removed safeguard or
a lowered setting) are read; a regex compiles once, the first time a change needs it.

The package, by seam: `spec` (the catalog compiled into one typed spec per rule,
checked when it loads), `globs` and `paths` (what a name says), `text` and `hunk`
(reading code and hunks), `lines` (content keywords and line patterns), `windows`
(comparisons over a hunk), `negative_tests` (the change-level test requirement).
"""

from __future__ import annotations

from authgate.changes import ChangeSet, FileChange, Status
from authgate.config import Config
from authgate.findings import Finding, Tier
from authgate.rules import RuleSet

from .globs import paths_match
from .lines import Balance, scan_lines
from .negative_tests import missing_tests
from .paths import PathClass, classify, classify_in, sensitive_paths
from .scan import FileScan
from .spec import Catalog, catalog
from .text import code_only, render
from .windows import amount, scan_window


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    cat = catalog(rules)
    if cat.empty:
        return []
    balance = Balance(changes, cat)
    findings: list[Finding] = []
    topics: dict[str, Tier] = {}
    test_lines: list[str] = []
    for fc in changes.files:
        scan = _scan_file(fc, cat, config, balance)
        findings.extend(scan.findings)
        for f in scan.findings:
            spec = cat.by_id.get(f.rule_id)
            if spec is not None and spec.topic:
                topics[spec.topic] = max(topics.get(spec.topic, Tier.NONE), f.tier)
        if scan.pc.context in ("test", "fixture"):
            test_lines.extend(ln.text for ln in fc.added)
    if cat.tests is not None and findings:
        missing = missing_tests(cat.tests, findings, topics, test_lines)
        if missing is not None:
            findings.append(missing)
    return findings


def _scan_file(fc: FileChange, cat: Catalog, config: Config, balance: Balance) -> FileScan:
    pc = classify_in(fc.path, cat, config)
    if fc.old_path and pc.tier == Tier.NONE:
        # Moving identity code out of an identity directory is still an identity change.
        old = classify_in(fc.old_path, cat, config)
        if old.tier > Tier.NONE:
            pc = PathClass(old.tier, old.rule, old.glob, old.capped, pc.roles, pc.content,
                           pc.context)
            path_for_message = fc.old_path
        else:
            path_for_message = fc.path
    else:
        path_for_message = fc.path
    scan = FileScan(fc, pc, [])
    tiered: list[Finding] = []
    if pc.tier > Tier.NONE and pc.rule is not None:
        tiered.append(cat.by_id[pc.rule.id].finding(pc.message(path_for_message), fc.path,
                                                    None, pc.context, tier=pc.tier))
    patterns: list[Finding] = []
    if pc.content and fc.hunks:
        content = [s for s in cat.content if s.in_scope(fc.path, pc.roles)]
        lines = [s for s in cat.lines if s.in_scope(fc.path, pc.roles)]
        if fc.status is Status.DELETED:
            # Deleted code protects nothing: a safeguard cannot be removed from it.
            lines = [s for s in lines if s.rule.lines == "added"]
        variants = {s.id: [i for i, v in enumerate(s.variants)
                           if not v.paths or paths_match(v.paths, fc.path)] for s in lines}
        lines = [s for s in lines if variants[s.id]]
        if content or lines:
            found_tiers, found_patterns = scan_lines(scan, content, lines, variants, cat,
                                                     balance)
            tiered += found_tiers
            patterns += found_patterns
        for spec in cat.windows:
            if spec.in_scope(fc.path, pc.roles):
                patterns += scan_window(scan, spec)
    if tiered:
        # The reasons at the file's top tier explain it; lower ones only add noise.
        top = max(f.tier for f in tiered)
        tiered = [f for f in tiered if f.tier == top]
    scan.findings = tiered + patterns
    return scan


__all__ = ["PathClass", "amount", "catalog", "classify", "code_only", "render", "run",
           "sensitive_paths"]
