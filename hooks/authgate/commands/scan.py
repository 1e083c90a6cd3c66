"""`authgate scan`: judge every file of a revision, as a full-tree audit.

A tree can be large, so the checks that judge a file on its own (leaks, provenance)
run on a pool of worker processes (all cores by default) in chunks of similar size,
while identity, which reads the files together, runs once in this process; findings
are merged and the policy decides once over all of them. Each committed blob's leak
and provenance findings are kept under the git directory (scancache.py) so an
unchanged file is judged once; `--no-cache` judges everything again.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
from collections.abc import Callable, Iterator
from dataclasses import replace

from authgate import changes, config, gitio, lastrun, pool
from authgate.changes import ChangeSet, FileChange
from authgate.checks import MODULES, allow_hints, redact_lines, suppress
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
    findings = judge_whole(whole, cfg, families, pool.workers(args.jobs),
                           None if args.no_cache else gitio.git_dir(root))
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
                jobs: int, git_dir: str | None = None) -> list[Finding]:
    """The findings of whole files (a tree; also `authgate check FILE...`), the same
    whatever `jobs` is and whether the cache is used.

    The families judged file by file (scancache.FAMILIES: leaks, provenance) run on a
    pool of `jobs` processes when the work is large; with `git_dir`, each blob is
    judged once (read from, and stored in, the blob cache there). Identity reads the
    files together (a decision here, its tests there), so it runs once over all of
    them, in this process while the pool works: split across workers, its findings
    depended on which files shared a chunk. The raw findings of every family are then
    redacted, suppressed and hinted together once, as run_all does, and stored only
    redacted."""
    from authgate import scancache

    if cfg.exclude:
        whole = replace(whole, files=tuple(
            f for f in whole.files if not any_match(cfg.exclude, f.path)))
    per_file = tuple(f for f in families if f in scancache.FAMILIES)
    rest = tuple(f for f in families if f not in scancache.FAMILIES)
    older = scancache.load(git_dir) if git_dir else {}
    # (cache key or None, finding) in one order: the whole-tree families, then files.
    items: list[tuple[str | None, Finding]] = []
    new: dict[str, list[Finding]] = {}
    used: list[str] = []
    keys: dict[str, str | None] = {}
    if per_file and git_dir:
        fp = scancache.fingerprint(cfg, per_file, whole.secrets_baseline)
        keys = {fc.path: scancache.key(fp, fc) for fc in whole.files}
    misses = tuple(fc for fc in whole.files if keys.get(fc.path) not in older) \
        if per_file else ()
    with _per_file(replace(whole, files=misses), cfg, per_file, jobs) as per_file_found:
        if rest:
            k = scancache.tree_key(scancache.fingerprint(cfg, rest, whole.secrets_baseline),
                                   whole.tree) if git_dir else None
            if k is not None and k in older:
                items += [(None, f) for f in older[k]]
            else:
                items += [(k, f) for f in _raw(whole, cfg, rest)]
                if k is not None:
                    new[k] = []
            if k is not None:
                used.append(k)
        fresh: dict[str, list[Finding]] = {fc.path: [] for fc in misses}
        for f in per_file_found():
            fresh[f.path or ""].append(f)
    if per_file:
        # Findings of no file (a message, an environment) are never stored.
        items += [(None, f) for f in _raw(replace(whole, files=()), cfg, per_file)
                  if f.path is None]
        for fc in whole.files:
            k = keys.get(fc.path)
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
    if git_dir and (new or set(used) != set(older)):
        scancache.store(git_dir, {k: new[k] if k in new else older[k] for k in used}, older)
    decided = suppress(shown, whole, cfg)
    return canonical(decided + allow_hints(decided, whole, cfg))


@contextlib.contextmanager
def _per_file(cs: ChangeSet, cfg: config.Config, families: tuple[str, ...],
              jobs: int) -> Iterator[Callable[[], list[Finding]]]:
    """Starts judging the files of `cs` one by one, on a pool when the work is large;
    the block runs meanwhile and gets the raw findings of files (never those of no
    file) by calling what it is given. A file's findings depend on that file alone, so
    any split finds the same."""
    if not families or not cs.files:
        yield list
        return
    if jobs <= 1 or sum(_lines(f) for f in cs.files) < PARALLEL_MIN_LINES:
        yield lambda: [f for f in _raw(cs, cfg, families) if f.path is not None]
        return
    chunks = [(replace(cs, files=c), cfg, families) for c in _chunks(cs.files, jobs * 4)]
    with pool.started(_raw_worker, chunks, jobs=jobs) as results:
        yield lambda: [f for part in results() for f in part if f.path is not None]


def _chunks(files: tuple[FileChange, ...], n: int) -> list[tuple[FileChange, ...]]:
    # Largest first into the lightest bucket: chunks of near-equal work.
    buckets: list[list[FileChange]] = [[] for _ in range(max(1, n))]
    weights = [0] * len(buckets)
    for fc in sorted(files, key=_lines, reverse=True):
        i = weights.index(min(weights))
        buckets[i].append(fc)
        weights[i] += _lines(fc) + 1
    return [tuple(b) for b in buckets if b]


def canonical(findings: list[Finding]) -> list[Finding]:
    """One order whatever the path (serial, parallel, cached): the report's reasons
    follow it. Two secrets on one line differ only by their value's hash."""
    rank = {f: i for i, f in enumerate(FAMILIES)}
    return sorted(findings, key=lambda f: (rank.get(f.family, len(rank)), f.path or "",
                                           f.line or 0, f.rule_id, f.evidence, f.message,
                                           f.suppressed or "", f.value_hash or ""))


def _raw(cs: ChangeSet, cfg: config.Config, families: tuple[str, ...]) -> list[Finding]:
    """The findings of `families` before redaction across families and suppression."""
    rules = load(cfg, families)
    out: list[Finding] = []
    for family in families:
        out += importlib.import_module(f"authgate.checks.{MODULES[family]}").run(cs, rules, cfg)
    return out


def _raw_worker(job: tuple[ChangeSet, config.Config, tuple[str, ...]]) -> list[Finding]:
    return _raw(*job)
