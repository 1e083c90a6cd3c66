"""`authgate scan`: judge every file of a revision, as a full-tree audit.

A tree can be large, so files are split into chunks of similar size and checked by a
pool of worker processes (all cores by default); findings are merged and the policy
decides once over all of them.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from authgate import changes, config, gitio, lastrun, pool
from authgate.changes import ChangeSet, FileChange
from authgate.checks import run_all
from authgate.commands import output
from authgate.exits import Exit
from authgate.findings import Finding
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
    findings = judge_whole(whole, cfg, families, pool.workers(args.jobs))
    verdict = decide(findings, cfg)
    subjects = [Subject(label=f"tree {args.rev}", verdict=verdict,
                        revision=whole.revision, skipped=skipped(whole))]
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
        return run_all(whole, load(cfg, families), cfg, families)
    chunks = _chunks(whole.files, jobs * 4)
    merged: dict[tuple[str, str | None, int | None, str], Finding] = {}
    for part in pool.ordered(_worker, [(replace(whole, files=c), cfg, families)
                                       for c in chunks], jobs=jobs):
        for f in part:
            # Change-level findings (no path) come from every chunk: keep one.
            merged.setdefault((f.rule_id, f.path, f.line, f.evidence), f)
    return list(merged.values())


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
