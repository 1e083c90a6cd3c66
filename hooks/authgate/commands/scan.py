"""`authgate scan`: judge every file of a revision, as a full-tree audit.

A tree can be large, so files are split into chunks of similar size and checked by a
pool of worker processes (all cores by default); findings are merged and the policy
decides once over all of them. Each committed blob's leak and provenance findings are
kept under the git directory (scancache.py) so an unchanged file is judged once;
`--no-cache` judges everything again.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from authgate import changes, config, gitio, lastrun, pool
from authgate.changes import ChangeSet, FileChange
from authgate.checks import allow_hints, redact_lines, run_all, run_families, suppress
from authgate.commands import output
from authgate.exits import Exit
from authgate.findings import SECRET_SPAN, Finding
from authgate.pathmatch import any_match
from authgate.pipeline import skipped
from authgate.policy import decide
from authgate.report import Subject
from authgate.rules import FAMILIES, load

# Below this many added lines a pool costs more than it saves (fork + pickling).
PARALLEL_MIN_LINES = 20_000


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    cfg = config.load(root, args.config)
    families = tuple(args.only) if args.only else FAMILIES
    if gitio.resolve(args.rev, cwd=root) is None:
        raise gitio.GitError(f"unknown revision '{args.rev}'")
    whole = changes.tree(args.rev, cwd=root, max_file_size=cfg.max_file_size,
                         baseline=cfg.baseline)
    if getattr(args, "no_cache", False):
        findings = judge_whole(whole, cfg, families, pool.workers(args.jobs))
    else:
        findings = judge_cached(whole, cfg, families, pool.workers(args.jobs),
                                gitio.git_dir(root))
    verdict = decide(findings, cfg)
    subjects = [Subject(label=f"tree {args.rev}", verdict=verdict,
                        revision=whole.revision, skipped=skipped(whole, cfg))]
    output.emit(args, subjects)
    # For `authgate accept --last` (redacted, bounded: lastrun.py).
    lastrun.record(gitio.git_dir(root), "scan", subjects)
    return Exit.blocked_if(verdict.blocked)


def _lines(fc: FileChange) -> int:
    return sum(len(h.lines) for h in fc.hunks)


def judge_whole(whole: ChangeSet, cfg: config.Config, families: tuple[str, ...],
                jobs: int) -> list[Finding]:
    """The findings of whole files, on a pool of `jobs` processes when the work is large
    (also `authgate check FILE...`: commands/check.py)."""
    total = sum(_lines(f) for f in whole.files)
    if jobs <= 1 or total < PARALLEL_MIN_LINES:
        return canonical(run_all(whole, load(cfg, families), cfg, families))
    chunks = _chunks(whole.files, jobs * 4)
    merged: dict[tuple[str, str | None, int | None, str], Finding] = {}
    for part in pool.ordered(_worker, [(replace(whole, files=c), cfg, families)
                                       for c in chunks], jobs=jobs):
        for f in part:
            # Change-level findings (no path) come from every chunk: keep one.
            merged.setdefault((f.rule_id, f.path, f.line, f.evidence), f)
    return canonical(list(merged.values()))


def _chunks(files: tuple[FileChange, ...], n: int) -> list[tuple[FileChange, ...]]:
    # Largest first into the lightest bucket: chunks of near-equal work.
    buckets: list[list[FileChange]] = [[] for _ in range(max(1, n))]
    weights = [0] * len(buckets)
    for fc in sorted(files, key=_lines, reverse=True):
        i = weights.index(min(weights))
        buckets[i].append(fc)
        weights[i] += _lines(fc) + 1
    return [tuple(b) for b in buckets if b]


def _worker(job: tuple[ChangeSet, config.Config, tuple[str, ...]]) -> list[Finding]:
    cs, cfg, families = job
    return run_all(cs, load(cfg, families), cfg, families)


# --- with the blob cache -------------------------------------------------------------

def judge_cached(whole: ChangeSet, cfg: config.Config, families: tuple[str, ...],
                 jobs: int, git_dir: str) -> list[Finding]:
    """What judge_whole finds, judging each blob once: a file's per-file findings
    (scancache.FAMILIES) are read from the cache when an earlier scan judged the same
    blob at the same path under the same catalogs and config; the families that read
    the tree as a whole (identity) are read from it only for the same tree. The raw
    findings of every family are redacted, suppressed and hinted together once, as
    run_all does, and stored only redacted."""
    from authgate import scancache

    if cfg.exclude:
        whole = replace(whole, files=tuple(
            f for f in whole.files if not any_match(cfg.exclude, f.path)))
    per_file = tuple(f for f in families if f in scancache.FAMILIES)
    rest = tuple(f for f in families if f not in scancache.FAMILIES)
    older = scancache.load(git_dir)
    # (cache key or None, finding) in the order judge_whole would find them.
    items: list[tuple[str | None, Finding]] = []
    new: dict[str, list[Finding]] = {}
    used: list[str] = []
    if rest:
        k = scancache.tree_key(scancache.fingerprint(cfg, rest, whole.secrets_baseline),
                               whole.tree)
        if k is not None and k in older:
            items += [(None, f) for f in older[k]]
        else:
            items += [(k, f) for f in _raw_pooled(whole, cfg, rest, jobs)]
            if k is not None:
                new[k] = []
        if k is not None:
            used.append(k)
    if per_file:
        fp = scancache.fingerprint(cfg, per_file, whole.secrets_baseline)
        keys = {fc.path: scancache.key(fp, fc) for fc in whole.files}
        misses = tuple(fc for fc in whole.files
                       if keys[fc.path] is None or keys[fc.path] not in older)
        # Findings of no file (a message, an environment) are never stored.
        items += [(None, f) for f in _raw(replace(whole, files=()), cfg, per_file)
                  if f.path is None]
        fresh: dict[str, list[Finding]] = {fc.path: [] for fc in misses}
        for f in _raw_pooled(replace(whole, files=misses), cfg, per_file, jobs):
            if f.path is not None:
                fresh.setdefault(f.path, []).append(f)
        for fc in whole.files:
            k = keys[fc.path]
            if k is not None and k in older:
                items += [(None, f) for f in older[k]]
            else:
                items += [(k, f) for f in fresh[fc.path]]
                if k is not None:
                    new[k] = []
            if k is not None:
                used.append(k)
    shown = redact_lines([f for _, f in items], whole)
    for (k, f), r in zip(items, shown):
        if k is not None:
            # As the reports show it, with the places of secrets on its line (never
            # their text) so the next run redacts other findings with them.
            new[k].append(replace(r, extra=r.extra + tuple(
                x for x in f.extra if x[0] == SECRET_SPAN)))
    if new or set(used) != set(older):
        scancache.store(git_dir, {k: new[k] if k in new else older[k] for k in used}, older)
    decided = suppress(shown, whole, cfg)
    return canonical(decided + allow_hints(decided, whole, cfg))


def canonical(findings: list[Finding]) -> list[Finding]:
    """One order whatever the path (serial, parallel, cached): the report's reasons
    follow it."""
    rank = {f: i for i, f in enumerate(FAMILIES)}
    return sorted(findings, key=lambda f: (rank.get(f.family, len(rank)), f.path or "",
                                           f.line or 0, f.rule_id, f.evidence, f.message,
                                           f.suppressed or ""))


def _raw(cs: ChangeSet, cfg: config.Config, families: tuple[str, ...]) -> list[Finding]:
    """The findings of `families` before redaction across families and suppression."""
    return run_families(cs, load(cfg, families), cfg, families)


def _raw_pooled(cs: ChangeSet, cfg: config.Config, families: tuple[str, ...],
                jobs: int) -> list[Finding]:
    # The same chunks as judge_whole, so cross-file checks see the same neighbours.
    total = sum(_lines(f) for f in cs.files)
    if jobs <= 1 or total < PARALLEL_MIN_LINES:
        return _raw(cs, cfg, families)
    merged: dict[tuple[str, str | None, int | None, str], Finding] = {}
    for part in pool.ordered(_raw_worker, [(replace(cs, files=c), cfg, families)
                                           for c in _chunks(cs.files, jobs * 4)], jobs=jobs):
        for f in part:
            merged.setdefault((f.rule_id, f.path, f.line, f.evidence), f)
    return list(merged.values())


def _raw_worker(job: tuple[ChangeSet, config.Config, tuple[str, ...]]) -> list[Finding]:
    return _raw(*job)
