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

The package, by seam: `spec` and `params` (the catalog compiled into one typed spec
per rule, checked when it loads), `globs` and `paths` (what a name says), `text`,
`hunk` and `args` (reading code, hunks and a call's arguments), `scan` and `cosmetic`
(one file of the change: which lines are code, which only moved, whether the change
is cosmetic), `lines` and `safeguards` (content keywords, line patterns, removed
safeguards), `windows` (comparisons over a hunk), `negative_tests` (the change-level
test requirement, by what the change decides).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from authgate.changes import ChangeSet, Status
from authgate.config import Config
from authgate.findings import Finding, Tier
from authgate.rules import RuleSet

from . import negative_tests
from .lines import ChangeIndex, added_code, scan_lines
from .paths import PathClass, Scope, Scopes, classify, classify_in, scopes, sensitive_paths
from .scan import FileScan, Moves
from .spec import Catalog, PathSpec, catalog
from .text import code_only, render
from .windows import amount, scan_window

if TYPE_CHECKING:
    from .paths import Plan

# Contexts whose cosmetic changes are capped: where code lives.
_CODE_CONTEXTS = ("code", "config")


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    findings, seen = judge_files(changes, rules, config)
    return findings + judge_tests(rules, seen) if findings else findings


def judge_tests(rules: RuleSet, seen: Sequence[negative_tests.Seen]) -> list[Finding]:
    """The change-level test requirement, over what `judge_files` saw of every file."""
    return negative_tests.judge(catalog(rules), seen)


def judge_files(changes: ChangeSet, rules: RuleSet, config: Config
                ) -> tuple[list[Finding], list[negative_tests.Seen]]:
    """Every file's findings, and what the test requirement needs of the files.

    A change that removes nothing (a tree, new files) moves nothing and removes no
    safeguard: each file is judged on its own, so the change can be judged in
    batches of files, and the requirement once over all of them (`judge_tests`)."""
    cat = catalog(rules)
    if cat.empty:
        return [], []
    found = scopes(cat)
    scans = [FileScan(fc, _classify(fc.path, fc.old_path, cat, config, found.of(fc.path)), [])
             for fc in changes.files]
    for scan in scans:
        if scan.fc.old_path and not scan.fc.hunks and scan.fc.status is Status.RENAMED \
                and scan.pc.named is None:
            # Renamed with its content unchanged, from a name of the same tier (a release
            # renaming `next-*` migrations to their version): nothing moved out of an
            # identity path, nothing in it changed.
            scan.renamed_same = classify_in(scan.fc.old_path, cat, config).tier >= scan.pc.tier
    moves = Moves(scans)
    for scan in scans:
        scan.moves = moves
    change = ChangeIndex(changes, cat, added_code(scans))
    findings: list[Finding] = []
    for scan in scans:
        _scan_file(scan, cat, change, found)
        findings.extend(scan.findings)
    seen = [negative_tests.Seen.of(s) for s in scans]
    return findings, [s for s in seen if s.matters]


def _classify(path: str, old_path: str | None, cat: Catalog, config: Config,
              scope: Scope) -> PathClass:
    pc = classify_in(path, cat, config, scope)
    if old_path and pc.tier == Tier.NONE:
        # Moving identity code out of an identity directory is still an identity change.
        old = classify_in(old_path, cat, config)
        if old.tier > Tier.NONE:
            return pc._replace(tier=old.tier, rule=old.rule, glob=old.glob,
                               capped=old.capped, named=old_path)
    return pc


def _scan_file(scan: FileScan, cat: Catalog, change: ChangeIndex, found: Scopes) -> None:
    fc, pc = scan.fc, scan.pc
    tiered: list[Finding] = []
    if pc.tier > Tier.NONE and pc.rule is not None:
        tiered.append(cat.by_id[pc.rule.id].finding(pc.message(pc.named or fc.path), fc.path,
                                                    None, pc.context, tier=pc.tier))
    patterns: list[Finding] = []
    if pc.content and fc.hunks and not scan.generated():
        content, lines, variants, windows = _plan(found, found.of(fc.path), pc,
                                                  fc.status is Status.DELETED, cat)
        if content or lines:
            found_tiers, found_patterns = scan_lines(scan, content, lines, variants, cat,
                                                     change)
            tiered += found_tiers
            patterns += found_patterns
        for spec in windows:
            patterns += scan_window(scan, spec)
    if tiered:
        tiered = _routed(scan, cat, tiered)
        # The reasons at the file's top tier explain it; lower ones only add noise.
        top = max(f.tier for f in tiered)
        tiered = [f for f in tiered if f.tier == top]
    scan.findings = tiered + patterns


def _plan(found: Scopes, scope: Scope, pc: PathClass, deleted: bool, cat: Catalog) -> Plan:
    """The content, line and window rules that read a file, and the variants of each
    line rule that do: decided by which glob lists its path matches, its roles, the
    rules its path class limits it to and whether it is deleted, so a tree's
    thousands of files share a few plans."""
    key = (scope.lists, pc.roles, pc.only, deleted)
    plan = found.plans.get(key)
    if plan is not None:
        return plan
    # Deleted code decides nothing any more: its keywords raise no tier (its path
    # still does: removing identity code is a governed change).
    content = [s for s in cat.content if found.in_scope(s, scope, pc.roles)
               and pc.reads(s.id) and not deleted]
    lines = [s for s in cat.lines if found.in_scope(s, scope, pc.roles) and pc.reads(s.id)]
    if deleted:
        # Deleted code protects nothing: a safeguard cannot be removed from it.
        lines = [s for s in lines if s.rule.lines == "added"]
    variants = {s.id: [i for i, v in enumerate(s.variants)
                       if not v.paths or found.any(v.paths, scope)]
                for s in lines}
    lines = [s for s in lines if variants[s.id]]
    windows = [s for s in cat.windows if found.in_scope(s, scope, pc.roles)
               and pc.reads(s.id)]
    plan = (content, lines, variants, windows)
    if len(found.plans) > 1024:
        found.plans.clear()
    found.plans[key] = plan
    return plan


def _routed(scan: FileScan, cat: Catalog, tiered: list[Finding]) -> list[Finding]:
    """Tier by what the change does, not only where: a cosmetic change (formatting,
    types, comments, versions, metadata, logging), generated code or a file renamed
    unchanged is low wherever it is."""
    fc, pc = scan.fc, scan.pc
    top = max(f.tier for f in tiered)
    spec = cat.by_id.get(pc.rule.id) if pc.rule is not None else None
    if top <= Tier.LOW or pc.context not in _CODE_CONTEXTS \
            or (isinstance(spec, PathSpec) and spec.over_ceiling):
        return tiered  # governance files (CODEOWNERS, the gate's config) always count
    why = ""
    if not fc.hunks:
        why = "renamed, content unchanged: capped at low" if scan.renamed_same else ""
    elif scan.generated():
        why = "generated code: capped at low"
    elif scan.is_cosmetic():
        why = "only formatting, types, comments or versions changed: capped at low"
    if not why:
        return tiered
    return [f._replace(tier=Tier.LOW, message=f"{f.message} ({why})")
            if f.tier > Tier.LOW else f for f in tiered]


__all__ = ["PathClass", "amount", "catalog", "classify", "code_only", "render", "run",
           "sensitive_paths"]
