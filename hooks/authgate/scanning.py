"""Judging whole files (a tree at a revision, or files named to `check`): the files
arrive in batches so memory holds one batch's lines; every check's file-by-file work
(leaks, provenance, and identity's judging of each file) runs on a worker pool while
this process reads the next batch, and identity's test requirement, which reads the
files together, runs here once at the end; each committed blob's findings are kept in the blob
cache (scancache.py) so an unchanged file is judged once, and not even read when it
holds nothing. Findings are the same whatever the number of workers, the batching and
the cache."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple, Optional

from authgate import config, pool
from authgate.changes import ChangeSet, FileChange, Status
from authgate.checks import allow_hints, redact_lines, run_families, suppress
from authgate.findings import SECRET_SPAN, Finding
from authgate.pathmatch import any_match
from authgate.pipeline import skipped
from authgate.rules import FAMILIES, load

if TYPE_CHECKING:
    from authgate.checks.identity.negative_tests import Seen

# Below this many added lines a pool costs more than it saves (fork + pickling).
PARALLEL_MIN_LINES = 20_000


def _lines(fc: FileChange) -> int:
    return sum(len(h.lines) for h in fc.hunks)


def judge_whole(whole: ChangeSet, cfg: config.Config, families: tuple[str, ...],
                jobs: int, git_dir: str | None = None) -> list[Finding]:
    """The findings of whole files held in memory (`authgate check FILE...`): one
    batch, judged as `judge_batches` judges a tree."""
    return judge_batches(replace(whole, files=()), lambda _: [whole.files], cfg, families,
                         jobs, git_dir).findings


class Judged(NamedTuple):
    findings: list[Finding]
    skipped: tuple[str, ...]  # files not read, as the report lists them


class _Judged(NamedTuple):
    """A batch's raw findings: of the per-file families, of identity, and what identity's
    test requirement needs of its files, in the batch's order of files."""

    per_file: list[Finding]
    identity: list[Finding]
    seen: list[Seen]


class _Batch(NamedTuple):
    cs: ChangeSet
    keys: dict[str, str | None]  # path -> blob cache key (None: not cached)
    kinds: dict[str, str | None]  # path -> content kind (contentkind.py), None: source
    cached: list[Finding] | None  # identity's findings from the cache, if it had them
    judged: Callable[[], _Judged]


# How judge_batches gets its files: `read(path, blob, mode)` False lets the reader pass
# a file it need not read (changes.tree_batches).
Reader = Callable[[Optional[Callable[[str, str, str], bool]]],
                  Iterable[tuple[FileChange, ...]]]


def judge_batches(meta: ChangeSet, batches: Reader, cfg: config.Config,
                  families: tuple[str, ...], jobs: int,
                  git_dir: str | None = None) -> Judged:
    """The findings of files that arrive in batches (a tree, read a batch at a time so
    memory holds one batch's lines), the same whatever `jobs` is, however the files
    are batched, and whether the cache is used. When the cache knows a file's findings
    of every family and they are none, the file is not even read: an unchanged tree
    costs its listing and the files that have findings.

    The families judged file by file (scancache.FAMILIES: leaks, provenance) run on a
    pool of `jobs` processes when a batch is large; with `git_dir`, each blob is
    judged once (read from, and stored in, the blob cache there). Identity judges
    each file on the pool too, and its change-level test requirement here once after
    the last batch, over what it saw of every file (a tree removes nothing, so no
    file's judgement depends on another's lines). Each
    batch's raw findings are redacted, suppressed and hinted together, as run_all
    does, and stored only redacted."""
    from authgate import contentkind, scancache
    from authgate.checks import identity

    content = contentkind.catalog(cfg)

    per_file = tuple(f for f in families if f in scancache.FAMILIES)
    whole_tree = "identity" in families
    older = scancache.load(git_dir) if git_dir else {}
    fp = scancache.fingerprint(cfg, per_file, meta.secrets_baseline) if per_file else ""
    tree_key = scancache.tree_key(scancache.fingerprint(cfg, ("identity",),
                                                        meta.secrets_baseline), meta.tree) \
        if git_dir and whole_tree else None
    cached_identity: dict[str | None, list[Finding]] | None = None
    if tree_key is not None and tree_key in older:
        cached_identity = {}
        for f in older[tree_key]:
            cached_identity.setdefault(f.path, []).append(f)
    rules = load(cfg, ("identity",)) if whole_tree else None
    seen: list[Seen] = []  # what identity's test requirement needs of each file
    new: dict[str, list[Finding]] = {tree_key: []} if tree_key is not None \
        and cached_identity is None else {}
    used: list[str] = [tree_key] if tree_key is not None else []
    out: list[Finding] = []
    skipped_files: list[str] = []
    kept: list[FileChange] = []  # files with identity findings, for the change level

    def finish(b: _Batch) -> None:
        judged = b.judged()
        found = judged.identity if b.cached is None else b.cached
        seen.extend(judged.seen)
        items = [(None if b.cached is not None else tree_key, f) for f in found]
        fresh: dict[str, list[Finding]] = {}
        for f in judged.per_file:
            fresh.setdefault(f.path or "", []).append(f)
        for fc in b.cs.files if per_file else ():
            k = b.keys.get(fc.path)
            if k is not None and k in older:
                items += [(None, f) for f in older[k]]
            else:
                items += [(k, f) for f in fresh.get(fc.path, [])]
                if k is not None:
                    new[k] = []
            if k is not None:
                used.append(k)
        out.extend(_decided(items, b.cs, cfg, new))
        named = {f.path for f in found}
        kept.extend(fc for fc in b.cs.files if fc.path in named)
        skipped_files.extend(skipped(b.cs, cfg, b.kinds))

    def needed(path: str, blob: str, mode: str) -> bool:
        k = scancache.key(fp, FileChange(path=path, status=Status.ADDED, mode=mode,
                                         blob=blob))
        return k is None or k not in older or bool(older[k]) \
            or bool(cached_identity and cached_identity.get(path))

    # Without the tree's identity findings in the cache, identity reads every file.
    read = needed if git_dir and per_file and (cached_identity is not None or not whole_tree) \
        else None
    with _Pool(jobs, cfg, per_file, identity=rules is not None and cached_identity is None
               ) as pool_:
        window: list[_Batch] = []
        for files in batches(read):
            if cfg.exclude:
                files = tuple(f for f in files if not any_match(cfg.exclude, f.path))
            cs = replace(meta, files=files)
            # Content that is not source (contentkind.py) is read for provider secrets
            # only, and cached under its kind: a file the listing can skip is source.
            # Worked out once a file, for every use below.
            every_kind = {fc.path: contentkind.kind_of(fc, cat=content) for fc in files}
            kinds = {fc.path: every_kind[fc.path] for fc in files if fc.hunks}
            keys = {fc.path: _key(scancache.key(fp, fc), kinds.get(fc.path))
                    for fc in files} if git_dir and per_file else {}
            misses = frozenset(fc.path for fc in files if keys.get(fc.path) not in older) \
                if per_file else frozenset()
            cached = None if cached_identity is None else \
                [f for fc in files for f in cached_identity.get(fc.path, [])]
            # Identity reads the source files, cached or not (its findings are the
            # tree's), unless the cache has them.
            sources = frozenset(f.path for f in files if not kinds.get(f.path))
            window.append(_Batch(cs, keys, every_kind, cached,
                                 pool_.judge(cs, every_kind, misses, sources)))
            while len(window) > max(2, jobs * 2):
                finish(window.pop(0))
        for b in window:
            finish(b)
    # The change level: identity's test requirement (only when identity found
    # something, as identity.run), and the per-file families' findings of no file.
    items: list[tuple[str | None, Finding]] = []
    if cached_identity is not None:
        items += [(None, f) for f in cached_identity.get(None, [])]
    elif rules is not None and (kept or any(f.family == "identity" for f in out)):
        items += [(tree_key, f) for f in identity.judge_tests(rules, seen)]
    if per_file:
        # Findings of no file (a message, an environment) are never stored.
        items += [(None, f) for f in _raw(meta, cfg, per_file) if f.path is None]
    out.extend(_decided(items, replace(meta, files=tuple(kept)), cfg, new))
    if git_dir and (new or set(used) != set(older)):
        scancache.store(git_dir, {k: new[k] if k in new else older[k] for k in used}, older)
    # An allow comment next to findings of two batches' stages is hinted once.
    return Judged(canonical(list(dict.fromkeys(out))), tuple(skipped_files))


def _decided(items: list[tuple[str | None, Finding]], cs: ChangeSet, cfg: config.Config,
             new: dict[str, list[Finding]]) -> list[Finding]:
    """Raw findings of `cs` redacted together, suppressed and hinted, as run_all does;
    each one with a cache key is stored under it as the reports show it, with the
    places of secrets on its line (never their text) so a later run redacts other
    findings with them."""
    shown = redact_lines([f for _, f in items], cs)
    for (k, f), r in zip(items, shown):
        if k is not None:
            new.setdefault(k, []).append(replace(r, extra=r.extra + tuple(
                x for x in f.extra if x[0] == SECRET_SPAN)))
    decided = suppress(shown, cs, cfg)
    return decided + allow_hints(decided, cs, cfg)


def _key(key: str | None, kind: str | None) -> str | None:
    return f"{key}:{kind}" if key is not None and kind else key


class _Pool:
    """Each batch's per-file work: the per-file families on the files the cache does not
    know, and identity's file-by-file judging of the source files; in this process for
    a small tree, else on a pool of `jobs` workers, started by the first batch of
    PARALLEL_MIN_LINES lines. A file's findings depend on that file alone, so any split
    finds the same; identity's test requirement is judged once, after the last batch,
    from the `Seen` of every file, kept in the tree's order."""

    def __init__(self, jobs: int, cfg: config.Config, per_file: tuple[str, ...],
                 identity: bool) -> None:
        self.jobs = jobs
        self._args = (cfg, per_file, identity)
        self._local: _Judge | None = None
        self._workers = pool.Lazy(jobs, initializer=_start, initargs=self._args)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._workers.__exit__(*exc)

    def judge(self, cs: ChangeSet, kinds: dict[str, str | None], misses: frozenset[str],
              sources: frozenset[str]) -> Callable[[], _Judged]:
        per_file, identity = self._args[1], self._args[2]
        if not (per_file and misses) and not (identity and sources):
            return lambda: _Judged([], [], [])
        lines = sum(_lines(f) for f in cs.files)
        # A small tree stays in this process; once the pool runs, every batch goes there.
        if self.jobs <= 1 or (not self._workers.started and lines < PARALLEL_MIN_LINES):
            if self._local is None:
                self._local = _Judge(*self._args)
            done = self._local(cs, kinds, misses, sources)
            return lambda: done
        n = min(self.jobs * 4, max(1, lines // max(1, PARALLEL_MIN_LINES)))
        futures = [self._workers.submit(_judge_job, (
            replace(cs, files=c), {f.path: kinds[f.path] for f in c}, misses, sources))
            for c in _chunks(cs.files, n)]

        def collect() -> _Judged:
            parts = [fut.result() for fut in futures]
            order = {fc.path: i for i, fc in enumerate(cs.files)}
            return _Judged([f for p in parts for f in p.per_file],
                           [f for p in parts for f in p.identity],
                           sorted((s for p in parts for s in p.seen),
                                  key=lambda s: order[s.path]))
        return collect


class _Judge:
    """What judges a chunk of a batch: the config and the rules, loaded once a process
    (the rules' compiled forms are cached by the identity of the rule set)."""

    def __init__(self, cfg: config.Config, per_file: tuple[str, ...], identity: bool
                 ) -> None:
        self.cfg, self.per_file = cfg, per_file
        self.rules = load(cfg, per_file) if per_file else None
        self.identity = load(cfg, ("identity",)) if identity else None

    def __call__(self, cs: ChangeSet, kinds: dict[str, str | None], misses: frozenset[str],
                 sources: frozenset[str]) -> _Judged:
        from authgate.checks import identity

        per_file: list[Finding] = []
        if self.rules is not None and misses:
            judged = replace(cs, files=tuple(f for f in cs.files if f.path in misses))
            per_file = [f for f in run_families(judged, self.rules, self.cfg, self.per_file,
                                                kinds) if f.path is not None]
        if self.identity is None or not sources:
            return _Judged(per_file, [], [])
        found, seen = identity.judge_files(
            replace(cs, files=tuple(f for f in cs.files if f.path in sources)),
            self.identity, self.cfg)
        return _Judged(per_file, found, seen)


_WORKER: list[_Judge] = []


def _start(cfg: config.Config, per_file: tuple[str, ...], identity: bool) -> None:
    _WORKER[:] = [_Judge(cfg, per_file, identity)]


def _judge_job(job: tuple[ChangeSet, dict[str, str | None], frozenset[str], frozenset[str]]
               ) -> _Judged:
    return _WORKER[0](*job)


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
    return run_families(cs, load(cfg, families), cfg, families)
