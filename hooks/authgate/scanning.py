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
from typing import TYPE_CHECKING, Optional, Union

from authgate import changes, config, pool
from authgate.changes import ChangeSet, FileChange, Status
from authgate.checks import allow_hints, redact_lines, run_families, suppress
from authgate.findings import SECRET_SPAN, Finding
from authgate.pathmatch import any_match
from authgate.pipeline import skipped
from authgate.record import Record
from authgate.rules import FAMILIES, RuleSet, load

if TYPE_CHECKING:
    from authgate.checks.identity.negative_tests import Seen

# Below this many added lines a pool costs more than it saves (fork + pickling): files
# in memory (`check FILE...`) stay in this process then; so does a tree of one batch.
PARALLEL_MIN_LINES = 20_000


def _lines(fc: FileChange) -> int:
    return sum(len(h.lines) for h in fc.hunks)


def judge_whole(whole: ChangeSet, cfg: config.Config, families: tuple[str, ...],
                jobs: int, git_dir: str | None = None) -> list[Finding]:
    """The findings of whole files held in memory (`authgate check FILE...`): judged
    as `judge_batches` judges a tree, in chunks on the pool when there are many."""
    lines = sum(_lines(f) for f in whole.files)
    work = [whole.files] if jobs <= 1 or lines < PARALLEL_MIN_LINES else \
        _chunks(whole.files, min(jobs * 4, max(1, lines // max(1, PARALLEL_MIN_LINES))))
    return judge_batches(whole._replace(files=()), lambda _: work, cfg, families, jobs,
                         git_dir).findings


class Judged(Record):
    findings: list[Finding]
    skipped: tuple[str, ...]  # files not read, as the report lists them


# A batch of work: files in memory, or a part of a tree's listing its judge reads.
Work = Union[tuple[FileChange, ...], changes.TreeBatch]

# How judge_batches gets its work: `read(path, blob, mode)` False lets a tree's
# listing pass a file it need not read (changes.tree_listing).
Reader = Callable[[Optional[Callable[[str, str, str], bool]]], Iterable[Work]]


class _Task(Record):
    work: Work
    known: dict[str, list[Finding]]  # the blob cache's entries for its files
    cached: dict[str, list[Finding]] | None  # identity's findings of its files, if cached


class _Done(Record):
    """A batch judged: its findings decided (redacted, suppressed, hinted), the cache
    entries it made, the blob keys of its files, what identity's test requirement
    needs of its files (in their order), its skipped files, and whether identity
    found anything in it."""

    findings: list[Finding]
    new: dict[str, list[Finding]]
    used: list[str]
    seen: list[Seen]
    skipped: list[str]
    identity: bool


def judge_batches(meta: ChangeSet, batches: Reader, cfg: config.Config,
                  families: tuple[str, ...], jobs: int,
                  git_dir: str | None = None, cwd: str | None = None) -> Judged:
    """The findings of files that arrive in batches (a tree, read a batch at a time so
    memory holds one batch's lines), the same whatever `jobs` is, however the files
    are batched, and whether the cache is used. When the cache knows a file's findings
    of every family and they are none, the file is not even read: an unchanged tree
    costs its listing and the files that have findings.

    Each batch is judged whole by one `_Judge`, on a pool of `jobs` processes when
    there is more than one batch: it reads its files (a tree's batch is read by the
    worker, so no line crosses between processes), runs every family's file-by-file
    work, and redacts, suppresses and hints its findings together, as run_all does.
    Identity's change-level test requirement is judged here once after the last
    batch, over what the batches saw of every file (a tree removes nothing, so no
    file's judgement depends on another's lines). With `git_dir`, each blob is judged
    once (read from, and stored in, the blob cache there), stored only redacted."""
    from authgate import scancache
    from authgate.checks import identity

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
    # A blob's entries in the cache, any kind (a key is "blob key" or "blob key:kind").
    stored: dict[str, list[str]] = {}
    for k in older:
        stored.setdefault(k.partition(":")[0], []).append(k)
    seen: list[Seen] = []  # what identity's test requirement needs of each file
    new: dict[str, list[Finding]] = {tree_key: []} if tree_key is not None \
        and cached_identity is None else {}
    used: list[str] = [tree_key] if tree_key is not None else []
    out: list[Finding] = []
    skipped_files: list[str] = []
    identity_found = False

    def plain(path: str, blob: str | None, mode: str) -> str | None:
        return scancache.key(fp, FileChange(path=path, status=Status.ADDED, mode=mode,
                                            blob=blob))

    def needed(path: str, blob: str, mode: str) -> bool:
        k = plain(path, blob, mode)
        return k is None or k not in older or bool(older[k]) \
            or bool(cached_identity and cached_identity.get(path))

    def task(work: Work) -> _Task:
        places = [(path, blob, mode) for path, mode, blob, _, _ in work.entries] \
            if isinstance(work, changes.TreeBatch) else [(fc.path, fc.blob, fc.mode)
                                                        for fc in work]
        known = {k: older[k] for path, blob, mode in places
                 for k in stored.get(plain(path, blob, mode) or "", ())} if per_file else {}
        cached = None if cached_identity is None else {
            path: cached_identity[path] for path, _, _ in places if path in cached_identity}
        return _Task(work, known, cached)

    def merge(done: _Done) -> None:
        nonlocal identity_found
        out.extend(done.findings)
        for k, v in done.new.items():
            if k == tree_key:
                new[k].extend(v)
            else:
                new[k] = v
        used.extend(done.used)
        seen.extend(done.seen)
        skipped_files.extend(done.skipped)
        identity_found = identity_found or done.identity

    # Without the tree's identity findings in the cache, identity reads every file.
    read = needed if git_dir and per_file and (cached_identity is not None or not whole_tree) \
        else None
    judge = _Judge(meta, cfg, per_file, whole_tree and cached_identity is None, fp, tree_key,
                   cwd)
    with pool.Lazy(jobs, initializer=_start, initargs=(judge,)) as workers:
        window: list[Callable[[], _Done]] = []
        first: _Task | None = None
        for work in batches(read):
            if jobs <= 1:
                window.append(_ready(judge(task(work))))
            elif first is None and not workers.started:
                first = task(work)  # a batch alone is judged here: no pool for it
                continue
            else:
                if first is not None:
                    window.append(workers.submit(_judge_job, first).result)
                    first = None
                window.append(workers.submit(_judge_job, task(work)).result)
            while len(window) > max(2, jobs * 2):
                merge(window.pop(0)())
        if first is not None:
            window.append(_ready(judge(first)))
        for pending in window:
            merge(pending())
    # The change level: identity's test requirement (only when identity found
    # something, as identity.run), and the per-file families' findings of no file.
    items: list[tuple[str | None, Finding]] = []
    if cached_identity is not None:
        items += [(None, f) for f in cached_identity.get(None, [])]
    elif whole_tree and (identity_found or any(f.family == "identity" for f in out)):
        items += [(tree_key, f) for f in identity.judge_tests(load(cfg, ("identity",)), seen)]
    if per_file:
        # Findings of no file (a message, an environment) are never stored.
        items += [(None, f) for f in _raw(meta, cfg, per_file) if f.path is None]
    # They have no file: the files' lines are not needed to redact or suppress them.
    out.extend(_decided(items, meta, cfg, new))
    if git_dir and (new or set(used) != set(older)):
        scancache.store(git_dir, {k: new[k] if k in new else older[k] for k in used}, older)
    # An allow comment next to findings of two batches' stages is hinted once.
    return Judged(canonical(list(dict.fromkeys(out))), tuple(skipped_files))


class _Judge:
    """Judges one batch, in whichever process it runs: reads it (a tree's batch), works
    out each file's content kind and cache key once, runs the per-file families on the
    files the cache does not know and identity on the source files, and decides the
    batch's findings. The rules are loaded once a process (their compiled forms are
    cached by the identity of the rule set)."""

    def __init__(self, meta: ChangeSet, cfg: config.Config, per_file: tuple[str, ...],
                 identity: bool, fp: str, tree_key: str | None, cwd: str | None) -> None:
        self.meta, self.cfg, self.per_file, self.identity = meta, cfg, per_file, identity
        self.fp, self.tree_key, self.cwd = fp, tree_key, cwd
        self._rules: dict[tuple[str, ...], RuleSet] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_rules": {}}

    def rules(self, families: tuple[str, ...]) -> RuleSet:
        if families not in self._rules:
            self._rules[families] = load(self.cfg, families)
        return self._rules[families]

    def __call__(self, task: _Task) -> _Done:
        from authgate import contentkind, scancache
        from authgate.checks import identity

        cfg = self.cfg
        files = changes.read_batch(task.work, cwd=self.cwd, max_file_size=cfg.max_file_size) \
            if isinstance(task.work, changes.TreeBatch) else task.work
        if cfg.exclude:
            files = tuple(f for f in files if not any_match(cfg.exclude, f.path))
        cs = self.meta._replace(files=files)
        # Content that is not source (contentkind.py) is read for provider secrets
        # only, and cached under its kind: a file the listing can skip is source.
        content = contentkind.catalog(cfg)
        kinds = {fc.path: contentkind.kind_of(fc, cat=content) for fc in files if fc.hunks}
        keys = {fc.path: _key(scancache.key(self.fp, fc), kinds.get(fc.path))
                for fc in files} if self.fp else {}
        misses = tuple(fc for fc in files if keys.get(fc.path) not in task.known)
        fresh: dict[str, list[Finding]] = {}
        if self.per_file and misses:
            for f in run_families(cs._replace(files=misses), self.rules(self.per_file), cfg,
                                  self.per_file):
                if f.path is not None:
                    fresh.setdefault(f.path, []).append(f)
        seen: list[Seen] = []
        if task.cached is not None:
            found = [f for fc in files for f in task.cached.get(fc.path, [])]
        elif self.identity:
            found, seen = identity.judge_files(
                cs._replace(files=tuple(f for f in files if not kinds.get(f.path))),
                self.rules(("identity",)), cfg)
        else:
            found = []
        items = [(None if task.cached is not None else self.tree_key, f) for f in found]
        new: dict[str, list[Finding]] = {}
        used: list[str] = []
        for fc in files if self.per_file else ():
            k = keys.get(fc.path)
            if k is not None and k in task.known:
                items += [(None, f) for f in task.known[k]]
            else:
                items += [(k, f) for f in fresh.get(fc.path, [])]
                if k is not None:
                    new[k] = []
            if k is not None:
                used.append(k)
        return _Done(_decided(items, cs, cfg, new), new, used, seen,
                     list(skipped(cs, cfg)), bool(found))


def _ready(done: _Done) -> Callable[[], _Done]:
    return lambda: done


_WORKER: list[_Judge] = []


def _start(judge: _Judge) -> None:
    _WORKER[:] = [judge]


def _judge_job(task: _Task) -> _Done:
    return _WORKER[0](task)


def _decided(items: list[tuple[str | None, Finding]], cs: ChangeSet, cfg: config.Config,
             new: dict[str, list[Finding]]) -> list[Finding]:
    """Raw findings of `cs` redacted together, suppressed and hinted, as run_all does;
    each one with a cache key is stored under it as the reports show it, with the
    places of secrets on its line (never their text) so a later run redacts other
    findings with them."""
    shown = redact_lines([f for _, f in items], cs)
    for (k, f), r in zip(items, shown):
        if k is not None:
            new.setdefault(k, []).append(r._replace(extra=r.extra + tuple(
                x for x in f.extra if x[0] == SECRET_SPAN)))
    decided = suppress(shown, cs, cfg)
    return decided + allow_hints(decided, cs, cfg)


def _key(key: str | None, kind: str | None) -> str | None:
    return f"{key}:{kind}" if key is not None and kind else key


def _chunks(files: tuple[FileChange, ...], n: int) -> list[tuple[FileChange, ...]]:
    """`files` in `n` runs of about equal lines, in their order: identity's test
    requirement points at the first deciding file, so the order must survive."""
    total = sum(_lines(fc) for fc in files)
    out: list[tuple[FileChange, ...]] = []
    run: list[FileChange] = []
    weight = 0
    for fc in files:
        run.append(fc)
        weight += _lines(fc) + 1
        if weight * n >= total * (len(out) + 1) and len(out) < n - 1:
            out.append(tuple(run))
            run = []
    if run:
        out.append(tuple(run))
    return out


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
