"""The sources of a `ChangeSet` (the staged index, one commit, a tree whole or in batches),
with the identities and agent variables a staged change carries; the raw diff git
gives goes to `diff.parse_diff`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping

from authgate import gitio
from authgate.changes.diff import parse_diff
from authgate.changes.model import (
    DEFAULT_MAX_FILE_SIZE,
    MODE_SUBMODULE,
    ChangeSet,
    FileChange,
    Identity,
    Status,
)
from authgate.record import Record


def staged(
    *,
    cwd: str | None = None,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    baseline: str | None = None,
    amend: bool = False,
) -> ChangeSet:
    """The staged index against HEAD (or against nothing before the first commit).

    git honours GIT_INDEX_FILE itself, so `git commit <paths>` (a temporary index)
    is judged on what it will really commit. The secrets baseline is the index's copy
    too: one left out of the commit would not protect it in CI's recomputation either.

    `amend`: the index replaces HEAD, so it is judged against HEAD's parent (nothing,
    for a root commit), the whole commit as verify will see it; `revision` is then
    that parent. A merge is judged against HEAD, as without `amend`.

    `cwd` is the work tree's top level (the hooks have it already), where the agent
    trace is read; None: the current directory's, asked of git."""
    head, baseline_text = _head_and_baseline(baseline, cwd)
    if amend and head is not None:
        parents = gitio.text(["rev-list", "--parents", "-n", "1", head], cwd=cwd).split()[1:]
        if len(parents) <= 1:
            head = parents[0] if parents else None
    args = ["diff", "--cached", "--raw", "-p", "-z", *gitio.DIFF_FLAGS]
    if head is None:
        args.append(_empty_tree(cwd))
    else:
        args.append(head)
    raw = gitio.run(args, cwd=cwd, big_file_threshold=max_file_size)
    files = parse_diff(raw, cwd=cwd, max_file_size=max_file_size)
    # A conflicted index has no tree yet (write-tree refuses); git commit refuses too,
    # so only a hand-run `authgate check` meets this.
    unmerged = any(f.skipped == "unmerged" for f in files)
    tree = gitio.text(["write-tree"], cwd=cwd) if (files or head) and not unmerged else None
    top = cwd if cwd is not None else gitio.toplevel()
    return ChangeSet(
        files=files, source="index", revision=head, tree=tree,
        parents=(head,) if head else (),
        agent_trace=_read_text(os.path.join(top, ".agent-trace", "traces.jsonl")),
        secrets_baseline=baseline_text,
    )



def parse_ident(line: str) -> Identity | None:
    """`Name <email> 1700000000 +0100` (git var's form) as an Identity."""
    head = line.strip().rsplit(" ", 2)[0]
    name, sep, email = head.rpartition("<")
    if not sep or not email.endswith(">"):
        return None
    return Identity(name.strip(), email[:-1])



def with_identities(changes: ChangeSet, *, cwd: str | None = None) -> ChangeSet:
    """The staged change with the author and committer git will record for it, as
    `git var` reports them (GIT_AUTHOR_*, GIT_COMMITTER_* and config honoured), so
    provenance judges who makes the commit before it exists, as verify does after.
    An identity git cannot tell (none configured: git commit will refuse) stays None."""
    idents: list[Identity | None] = []
    for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            idents.append(parse_ident(gitio.text(["var", var], cwd=cwd)))
        except gitio.GitError:
            idents.append(None)
    return changes._replace(author=idents[0], committer=idents[1])



def with_environment(changes: ChangeSet, names: Iterable[str],
                     environ: Mapping[str, str] | None = None) -> ChangeSet:
    """The staged change with the committer's environment variables among `names` (the
    ones the loaded env rules read: rules.agent_variables), as provenance judges them."""
    environ = os.environ if environ is None else environ
    return changes._replace(environment={k: environ[k] for k in names if k in environ})



def commit(rev: str, *, cwd: str | None = None,
           max_file_size: int = DEFAULT_MAX_FILE_SIZE, baseline: str | None = None) -> ChangeSet:
    """One commit against its first parent (a merge is judged on what it brings in)."""
    meta = _commit_meta(rev, cwd=cwd)
    base = meta.parents[0] if meta.parents else _empty_tree(cwd)
    raw = gitio.run(["diff", "--raw", "-p", "-z", *gitio.DIFF_FLAGS, base, meta.revision or rev],
                    cwd=cwd, big_file_threshold=max_file_size)
    files = parse_diff(raw, cwd=cwd, max_file_size=max_file_size)
    return meta._replace(files=files, ai_note=_note(meta.revision, cwd),
                         secrets_baseline=read_blob(f"{meta.revision}:{baseline}", cwd=cwd)
                         if baseline else None)



def tree(rev: str = "HEAD", *, cwd: str | None = None,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE, baseline: str | None = None) -> ChangeSet:
    """Every file at `rev`, each line an added line: the input of a full scan."""
    meta = tree_meta(rev, cwd=cwd, baseline=baseline)
    files = tuple(fc for batch in tree_batches(rev, cwd=cwd, max_file_size=max_file_size)
                  for fc in batch)
    return meta._replace(files=files)


def tree_meta(rev: str = "HEAD", *, cwd: str | None = None,
              baseline: str | None = None) -> ChangeSet:
    """`tree(rev)` without its files: what a scan reports besides them."""
    # --verify: without it, git before 2.43 echoes --end-of-options back as output.
    tree_id = gitio.text(["rev-parse", "--verify", "--end-of-options", rev + "^{tree}"],
                         cwd=cwd)
    return ChangeSet(files=(), source="tree", revision=gitio.resolve(rev, cwd=cwd),
                     tree=tree_id, secrets_baseline=read_blob(f"{rev}:{baseline}", cwd=cwd)
                     if baseline else None)


# Content per batch when a tree is read in batches: small enough that a batch's lines
# and what the checks derive from them stay within a few tens of MB (on saleor's tree
# a scan's traced peak was 122 MB at 4 MB, 67 MB at 1 MB), large enough that one git
# process per batch is noise. The paths go on git's command line: a batch of many
# tiny files stops at BATCH_FILES.
BATCH_BYTES = 1 << 20
BATCH_FILES = 1000


class TreeBatch(Record):
    """A part of a tree's listing, about `batch_bytes` of content to read: each entry's
    (path, mode, blob id, size, whether to read it). `read_batch` reads it, in any
    process: a scan's workers read their own batches."""

    rev: str
    entries: tuple[tuple[str, str, str, int, bool], ...]


def tree_batches(rev: str = "HEAD", *, cwd: str | None = None,
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                 batch_bytes: int = BATCH_BYTES,
                 read: Callable[[str, str, str], bool] | None = None,
                 ) -> Iterator[tuple[FileChange, ...]]:
    """The files of `tree(rev)`, in its order, a batch of about `batch_bytes` of
    content at a time: a scan of a large tree holds one batch's lines, not all.

    `read(path, blob, mode)` False: the file is not read, and comes as what the
    listing says of it (no lines; `skipped` only for what the listing shows: a
    submodule, a file over the size limit), for a caller that already knows what
    its content holds (scan's blob cache)."""
    for batch in tree_listing(rev, cwd=cwd, max_file_size=max_file_size,
                              batch_bytes=batch_bytes, read=read):
        yield read_batch(batch, cwd=cwd, max_file_size=max_file_size)


def tree_listing(rev: str = "HEAD", *, cwd: str | None = None,
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                 batch_bytes: int = BATCH_BYTES,
                 read: Callable[[str, str, str], bool] | None = None,
                 ) -> Iterator[TreeBatch]:
    """`tree_batches` before reading: the listing, cut into batches."""
    listing = gitio.run(["ls-tree", "-r", "-l", "-z", "--full-tree", "--end-of-options",
                         rev], cwd=cwd)
    entries: list[tuple[str, str, str, int, bool]] = []
    total = reading = 0
    for entry in listing.split(b"\x00"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, blob, size = (x.decode() for x in meta.split())
        path = os.fsdecode(raw_path)
        # A submodule has no size ("-"); a blob missing from the object store has none
        # either ("BAD"): reading it is where git says so. -1: no size known.
        known = int(size) if kind == "blob" and size.isdigit() else -1
        wanted = read is None or read(path, blob, mode)
        entries.append((path, mode, blob, known, wanted))
        if not wanted:
            continue
        reading += 1
        # A file over the size limit is not read: it costs the batch nothing.
        total += min(known, max_file_size) if known > 0 else 0
        if total >= batch_bytes or reading >= BATCH_FILES:
            yield TreeBatch(rev, tuple(entries))
            entries, total, reading = [], 0, 0
    if entries:
        yield TreeBatch(rev, tuple(entries))


def read_batch(batch: TreeBatch, *, cwd: str | None = None,
               max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> tuple[FileChange, ...]:
    """The files of a listing batch: those it says to read, read; the others as the
    listing describes them."""
    sizes = {blob: size for _, _, blob, size, _ in batch.entries if size >= 0}
    order: list[str | FileChange] = [
        path if wanted else _listed(path, mode, blob, max(size, 0), max_file_size)
        for path, mode, blob, size, wanted in batch.entries]
    return _tree_files(batch.rev, order, sizes, cwd=cwd, max_file_size=max_file_size)


def _listed(path: str, mode: str, blob: str, size: int, max_file_size: int) -> FileChange:
    # What parse_diff makes of an added file, as far as the listing tells it.
    skipped = "submodule" if mode == MODE_SUBMODULE else \
        f"too large ({size} bytes > {max_file_size})" if size > max_file_size else None
    return FileChange(path=path, status=Status.ADDED, mode=mode, blob=blob, size=size,
                      skipped=skipped)


def _tree_files(rev: str, order: list[str | FileChange], sizes: Mapping[str, int], *,
                cwd: str | None, max_file_size: int) -> tuple[FileChange, ...]:
    # A batch is some 30,000 Lines, Hunks and FileChanges that all live on: the
    # cyclic collector ran about every 700 of them, traversing each young one, and
    # took a third of reading a tree. None of them can be part of a cycle (plain
    # values of plain values), so it is paused while a batch is built: reference
    # counting frees everything as before, and the collector runs as usual after.
    import gc  # here, not at the top: the commit path never reads a tree

    if not gc.isenabled():
        return _read_tree_files(rev, order, sizes, cwd=cwd, max_file_size=max_file_size)
    gc.disable()
    try:
        return _read_tree_files(rev, order, sizes, cwd=cwd, max_file_size=max_file_size)
    finally:
        gc.enable()


def _read_tree_files(rev: str, order: list[str | FileChange], sizes: Mapping[str, int], *,
                     cwd: str | None, max_file_size: int) -> tuple[FileChange, ...]:
    paths = [p for p in order if isinstance(p, str)]
    read: dict[str, FileChange] = {}
    if paths:
        # Literal pathspecs: a file named `*.py` or `:(glob)x` is that file, nothing more.
        raw = gitio.run(["--literal-pathspecs", "diff", "--raw", "-p", "-z",
                         *gitio.DIFF_FLAGS, "--no-renames", _empty_tree(cwd), rev, "--",
                         *paths], cwd=cwd, big_file_threshold=max_file_size)
        read = {fc.path: fc for fc in parse_diff(raw, cwd=cwd, max_file_size=max_file_size,
                                                 sizes=sizes)}
    # git leaves out an empty file's patch but not its raw record; any other absence
    # would be git's, and the file simply has nothing to judge.
    return tuple(read[p] if isinstance(p, str) else p for p in order
                 if not isinstance(p, str) or p in read)


def _head_and_baseline(baseline: str | None, cwd: str | None) -> tuple[str | None, str | None]:
    """The commit HEAD names (None before the first commit) and the text of the index's
    secrets baseline (None without one), from one git call (each costs a hook a few
    milliseconds), as `gitio.resolve("HEAD")` and `read_blob(":" + baseline)` say. A
    name git cannot read that way (a line break in it, a path outside the work tree,
    which stops `cat-file --batch`) is asked apart, as before."""
    try:
        if not baseline:
            raise ValueError("no baseline")
        head, blob = gitio.read_objects(["HEAD^{commit}", f":{baseline}"], cwd=cwd)
    except (ValueError, gitio.GitError):
        return gitio.resolve("HEAD", cwd=cwd), \
            read_blob(f":{baseline}", cwd=cwd) if baseline else None
    text = blob[2].decode("utf-8", "replace") if blob and blob[1] == "blob" else None
    return head[0] if head else None, text or None


def read_blob(spec: str, *, cwd: str | None) -> str | None:
    """The text of `REV:path` (or `:path` for the index), None when there is none."""
    out = gitio.run(["cat-file", "blob", spec], cwd=cwd, check=False)
    return out.decode("utf-8", "replace") if out else None



def _empty_tree(cwd: str | None) -> str:
    # The id depends on the object format (sha1 or sha256): ask git, do not hard-code.
    if _object_format(cwd) == "sha1":
        return gitio.EMPTY_TREE
    return gitio.run(["hash-object", "-t", "tree", "--stdin"], cwd=cwd,
                     stdin=b"").decode().strip()



def _object_format(cwd: str | None) -> str:
    return gitio.text(["rev-parse", "--show-object-format"], cwd=cwd) or "sha1"



# Agent Trace files grow with every edit an agent makes; beyond this they are not read.
TRACE_LIMIT = 16_000_000



def _read_text(path: str) -> str | None:
    # A committed symlink to /dev/zero or a FIFO must not exhaust memory or hang.
    try:
        data = gitio.read_file(path, TRACE_LIMIT)
    except gitio.FileTooLarge:
        return None
    return data.decode("utf-8", "replace") if data is not None else None



def _note(rev: str | None, cwd: str | None) -> str | None:
    if rev is None:
        return None
    out = gitio.run(["notes", "--ref=refs/notes/ai", "show", rev], cwd=cwd, check=False)
    return out.decode("utf-8", "replace") if out else None



def _commit_meta(rev: str, *, cwd: str | None) -> ChangeSet:
    fmt = "%H%x00%T%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00%B"
    # --encoding: i18n.logOutputEncoding would otherwise re-encode the message.
    out = gitio.run(["log", "-1", "--no-show-signature", "--no-notes", "--encoding=UTF-8",
                     f"--format={fmt}", "--end-of-options", rev],
                    cwd=cwd).decode("utf-8", "replace")
    sha, tree_id, parents, an, ae, cn, ce, body = out.split("\x00", 7)
    # git log appends one newline after %B; the message itself is kept as written.
    if body.endswith("\n"):
        body = body[:-1]
    return ChangeSet(files=(), source="commit", revision=sha, tree=tree_id,
                     parents=tuple(parents.split()), message=body,
                     author=Identity(an, ae), committer=Identity(cn, ce))
