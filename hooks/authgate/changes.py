"""Git state turned into a `ChangeSet`: what changed, line by line, and who says so.

Four sources: the staged index (`staged`), one commit (`commit`), every commit of a
range (`commits_in_range`), and the whole tree at a revision (`tree`). Content always
comes from git objects, never the working tree: during `git add -p` or `git commit
<paths>` the working tree and the index differ, and the index is what gets committed.
"""

from __future__ import annotations

import codecs
import enum
import os
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from authgate import gitio

DEFAULT_MAX_FILE_SIZE = 2_000_000

MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"


class Status(str, enum.Enum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type-changed"


_STATUS = {"A": Status.ADDED, "M": Status.MODIFIED, "D": Status.DELETED,
           "R": Status.RENAMED, "C": Status.COPIED, "T": Status.TYPE_CHANGED}


@dataclass(frozen=True)
class Line:
    """One line of a diff. `kind` is '+', '-' or ' ' (context).

    `new` is the line number in the new blob (None for a removed line), `old` the
    number in the old blob (None for an added line)."""

    kind: str
    text: str
    old: int | None
    new: int | None

    @property
    def number(self) -> int:
        return self.new if self.new is not None else (self.old or 0)


@dataclass(frozen=True)
class Hunk:
    old_start: int
    new_start: int
    lines: tuple[Line, ...]

    @property
    def added(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "+")

    @property
    def removed(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "-")


@dataclass(frozen=True)
class FileChange:
    path: str
    status: Status
    old_path: str | None = None
    mode: str = "100644"
    old_mode: str = "000000"
    blob: str | None = None
    old_blob: str | None = None
    # git found the content binary (a NUL byte); text that .gitattributes calls
    # binary is read like any text.
    binary: bool = False
    # Bytes of the new blob (of the old blob for a deletion).
    size: int = 0
    # Why the content was not read: "submodule", "binary", "unmerged", or
    # "too large (N bytes > LIMIT)" when either side exceeds max_file_size.
    skipped: str | None = None
    hunks: tuple[Hunk, ...] = ()

    @property
    def added(self) -> tuple[Line, ...]:
        return tuple(ln for h in self.hunks for ln in h.lines if ln.kind == "+")

    @property
    def removed(self) -> tuple[Line, ...]:
        return tuple(ln for h in self.hunks for ln in h.lines if ln.kind == "-")

    @property
    def is_symlink(self) -> bool:
        return self.mode == MODE_SYMLINK

    @property
    def is_submodule(self) -> bool:
        return MODE_SUBMODULE in (self.mode, self.old_mode)


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class ChangeSet:
    """What one commit (made or about to be made) changes, as plain values."""

    files: tuple[FileChange, ...]
    source: str  # "index", "commit" or "tree"
    revision: str | None = None  # the commit id, or HEAD for the index
    tree: str | None = None  # the tree id of the new content
    parents: tuple[str, ...] = ()
    message: str | None = None
    author: Identity | None = None
    committer: Identity | None = None
    # Agent-related environment variables, captured only for local stages.
    environment: Mapping[str, str] = field(default_factory=dict)
    # Provenance records that live outside the diff: the Agent Trace JSONL of the
    # work tree (index source) and the git-ai note of the commit (commit source).
    agent_trace: str | None = None
    ai_note: str | None = None
    # The detect-secrets baseline as of this content (the index's or the commit's
    # copy), so findings it already records pass as they do with detect-secrets-hook.
    secrets_baseline: str | None = None

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def with_message(self, message: str | None) -> ChangeSet:
        return ChangeSet(**{**self.__dict__, "message": message})


# --- reading git ---------------------------------------------------------------------

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
    that parent. A merge is judged against HEAD, as without `amend`."""
    head = gitio.resolve("HEAD", cwd=cwd)
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
    top = gitio.toplevel(cwd)
    return ChangeSet(
        files=files, source="index", revision=head, tree=tree,
        parents=(head,) if head else (),
        agent_trace=_read_text(os.path.join(top, ".agent-trace", "traces.jsonl")),
        secrets_baseline=read_blob(f":{baseline}", cwd=cwd) if baseline else None,
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
    return ChangeSet(**{**changes.__dict__, "author": idents[0], "committer": idents[1]})


def with_environment(changes: ChangeSet, names: Iterable[str],
                     environ: Mapping[str, str] | None = None) -> ChangeSet:
    """The staged change with the committer's environment variables among `names` (the
    ones the loaded env rules read: rules.agent_variables), as provenance judges them."""
    environ = os.environ if environ is None else environ
    return ChangeSet(**{**changes.__dict__,
                        "environment": {k: environ[k] for k in names if k in environ}})


def commit(rev: str, *, cwd: str | None = None,
           max_file_size: int = DEFAULT_MAX_FILE_SIZE, baseline: str | None = None) -> ChangeSet:
    """One commit against its first parent (a merge is judged on what it brings in)."""
    meta = _commit_meta(rev, cwd=cwd)
    base = meta.parents[0] if meta.parents else _empty_tree(cwd)
    raw = gitio.run(["diff", "--raw", "-p", "-z", *gitio.DIFF_FLAGS, base, meta.revision or rev],
                    cwd=cwd, big_file_threshold=max_file_size)
    files = parse_diff(raw, cwd=cwd, max_file_size=max_file_size)
    return ChangeSet(**{**meta.__dict__, "files": files, "ai_note": _note(meta.revision, cwd),
                        "secrets_baseline": read_blob(f"{meta.revision}:{baseline}", cwd=cwd)
                        if baseline else None})


def commits_in_range(spec: str, *, cwd: str | None = None,
                     max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> Iterator[ChangeSet]:
    """Every commit of `A..B`, oldest first."""
    out = gitio.text(["rev-list", "--reverse", "--end-of-options", spec], cwd=cwd)
    for rev in out.split():
        yield commit(rev, cwd=cwd, max_file_size=max_file_size)


def tree(rev: str = "HEAD", *, cwd: str | None = None,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE, baseline: str | None = None) -> ChangeSet:
    """Every file at `rev`, each line an added line: the input of a full scan."""
    raw = gitio.run(["diff", "--raw", "-p", "-z", *gitio.DIFF_FLAGS, "--no-renames",
                     _empty_tree(cwd), rev], cwd=cwd, big_file_threshold=max_file_size)
    files = parse_diff(raw, cwd=cwd, max_file_size=max_file_size)
    # --verify: without it, git before 2.43 echoes --end-of-options back as output.
    tree_id = gitio.text(["rev-parse", "--verify", "--end-of-options", rev + "^{tree}"],
                         cwd=cwd)
    return ChangeSet(files=files, source="tree", revision=gitio.resolve(rev, cwd=cwd),
                     tree=tree_id, secrets_baseline=read_blob(f"{rev}:{baseline}", cwd=cwd)
                     if baseline else None)


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


# --- parsing -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Raw:
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str
    status: Status
    letter: str
    path: str
    old_path: str | None

    @property
    def sections(self) -> int:
        """How many `diff --git` sections git prints for this record."""
        if self.letter == "U":
            return 0  # "* Unmerged path" instead of a section
        if self.letter == "T" and not _zero(self.old_blob) and not _zero(self.new_blob):
            # A change between file, symlink and submodule is printed as a deletion
            # followed by a creation (diff.c, run_diff), though --raw has one record.
            return 2
        return 1


def _zero(blob: str) -> bool:
    return not blob or set(blob) == {"0"}


def _parse_raw(fields: list[bytes]) -> tuple[list[_Raw], int]:
    """Parse the `--raw -z` records at the start of `fields`; return them and how many
    fields they used. A record is ':meta' then one path (two for renames and copies)."""
    records: list[_Raw] = []
    i = 0
    while i < len(fields) and fields[i].startswith(b":"):
        meta = fields[i][1:].decode().split()
        old_mode, new_mode, old_blob, new_blob, status = meta[:5]
        letter = status[0]
        if letter in "RC":
            old_path: str | None = _path(fields[i + 1])
            path = _path(fields[i + 2])
            i += 3
        else:
            old_path, path = None, _path(fields[i + 1])
            i += 2
        records.append(_Raw(old_mode, new_mode, old_blob, new_blob,
                            _STATUS.get(letter, Status.MODIFIED), letter, path, old_path))
    return records, i


def _path(field_: bytes) -> str:
    # surrogateescape keeps a non-UTF-8 name exact (it can be encoded back for git).
    return field_.decode("utf-8", "surrogateescape")


def blob_ids(raw: bytes) -> list[str]:
    """The blob ids (old and new) named by the raw records of `git diff --raw -z` output,
    so a caller parsing many diffs can ask git for all their sizes at once."""
    records, _ = _parse_raw(raw.split(b"\x00")) if raw else ([], 0)
    return [b for r in records for b in (r.old_blob, r.new_blob)]


def blob_sizes(blobs: list[str], *, cwd: str | None) -> dict[str, int]:
    return _blob_sizes(blobs, cwd=cwd)


def parse_diff(raw: bytes, *, cwd: str | None, max_file_size: int,
               sizes: Mapping[str, int] | None = None) -> tuple[FileChange, ...]:
    """Parse `git diff --raw -p -z` output: NUL-separated raw records, then the patch.

    The paths come from the raw records (never quoted, newlines and all); the patch
    gives the hunks. Each record owns a known number of `diff --git` sections, in
    order, and each section's header is checked against the record's paths, so a
    file's lines can never be credited to another file."""
    if not raw:
        return ()
    fields = raw.split(b"\x00")
    records, used = _parse_raw(fields)
    # -p puts a separator (an empty field with -z) between the raw part and the patch.
    patch = b"\x00".join(fields[used:]).lstrip(b"\x00\n")
    sections = _split_sections(patch)
    if sizes is None:
        sizes = _blob_sizes([b for r in records for b in (r.old_blob, r.new_blob)], cwd=cwd)
    files = []
    pos = 0
    for rec in records:
        own = sections[pos:pos + rec.sections]
        pos += rec.sections
        if len(own) != rec.sections or not all(_header_ok(s, rec) for s in own):
            raise gitio.GitError(f"unexpected git diff output for '{rec.path}' "
                                 "(please report this with your git version)")
        files.append(_file_change(rec, own, sizes, max_file_size))
    return _reveal_hidden_text(tuple(files), cwd=cwd, max_file_size=max_file_size)


def _split_sections(patch: bytes) -> list[bytes]:
    marker = b"diff --git "
    starts = [0] if patch.startswith(marker) else []
    pos = 0
    while True:
        idx = patch.find(b"\n" + marker, pos)
        if idx == -1:
            break
        starts.append(idx + 1)
        pos = idx + 1
    return [patch[a:b] for a, b in zip(starts, [*starts[1:], len(patch)])]


def _c_quote(name: bytes) -> bytes:
    """A path as git quotes it in patch headers with core.quotepath=false (quote.c)."""
    if not any(b < 0x20 or b in (0x22, 0x5C, 0x7F) for b in name):
        return name
    out = bytearray(b'"')
    for b in name:
        if b in _C_ESCAPES:
            out += b"\\" + _C_ESCAPES[b]
        elif b < 0x20 or b == 0x7F:
            out += b"\\%03o" % b
        else:
            out.append(b)
    return bytes(out + b'"')


_C_ESCAPES = {0x07: b"a", 0x08: b"b", 0x09: b"t", 0x0A: b"n", 0x0B: b"v", 0x0C: b"f",
              0x0D: b"r", 0x22: b'"', 0x5C: b"\\"}


def _header_ok(section: bytes, rec: _Raw) -> bool:
    old = (rec.old_path or rec.path).encode("utf-8", "surrogateescape")
    new = rec.path.encode("utf-8", "surrogateescape")
    header = b"diff --git " + _c_quote(b"a/" + old) + b" " + _c_quote(b"b/" + new) + b"\n"
    return section.startswith(header)


def _blob_sizes(blobs: list[str], *, cwd: str | None) -> dict[str, int]:
    wanted = sorted({b for b in blobs if not _zero(b)})
    if not wanted:
        return {}
    out = gitio.run(["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
                    cwd=cwd, stdin=("\n".join(wanted) + "\n").encode())
    sizes = {}
    for row in out.decode().splitlines():
        parts = row.split()
        if len(parts) == 3 and parts[1] == "blob":
            sizes[parts[0]] = int(parts[2])
    return sizes


def _file_change(rec: _Raw, sections: list[bytes], sizes: Mapping[str, int],
                 max_file_size: int) -> FileChange:
    new_size = sizes.get(rec.new_blob, 0)
    old_size = sizes.get(rec.old_blob, 0)
    base = {
        "path": rec.path, "status": rec.status, "old_path": rec.old_path,
        "mode": rec.new_mode, "old_mode": rec.old_mode,
        "blob": None if _zero(rec.new_blob) else rec.new_blob,
        "old_blob": None if _zero(rec.old_blob) else rec.old_blob,
        "size": old_size if rec.status is Status.DELETED else new_size,
    }
    if MODE_SUBMODULE in (rec.new_mode, rec.old_mode):
        return FileChange(**base, skipped="submodule")  # type: ignore[arg-type]
    if rec.letter == "U":
        return FileChange(**base, skipped="unmerged")  # type: ignore[arg-type]
    # Either side over the limit: git was told (core.bigFileThreshold) to call the
    # pair binary rather than diff it, and the user is told why it was not read.
    largest = max(new_size, old_size)
    if largest > max_file_size:
        return FileChange(**base,  # type: ignore[arg-type]
                          skipped=f"too large ({largest} bytes > {max_file_size})")
    if any(_is_binary(s) for s in sections):
        return FileChange(**base, binary=True, skipped="binary")  # type: ignore[arg-type]
    hunks = tuple(h for s in sections for h in _parse_hunks(s))
    return FileChange(**base, hunks=hunks)  # type: ignore[arg-type]


def _is_binary(section: bytes) -> bool:
    head, _, _ = section.partition(b"\n@@ ")
    return b"\nBinary files " in head or b"\nGIT binary patch" in head


# --- text that git calls binary --------------------------------------------------------
#
# git calls a file binary for a NUL byte in its first 8000 bytes (xdiff-interface.c,
# buffer_is_binary), and for `-diff`, `binary` or a `diff=driver` whose driver says so
# in .gitattributes. Either way a change could hide a file from every check: a Python
# file that starts with `\x00` is still read by Python and by detect-secrets-hook, which
# finds the key in it. So a "binary" file whose content is text, a stray NUL or two
# aside, is read like any text; one that is not stays skipped.

# git's own window for the NUL test.
_BINARY_SNIFF = 8000
# Media, archives, fonts and compiled objects: binary by name, never read to find out
# (a commit of images should not cost their bytes).
_BINARY_NAMES = frozenset((
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd",
    ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".jar",
    ".war", ".class", ".pyc", ".pyo", ".so", ".dll", ".dylib", ".exe", ".o", ".a", ".lib",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".m4a", ".mov", ".avi",
    ".wav", ".ogg", ".webm", ".flac", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
    ".odt", ".dmg", ".iso", ".bin", ".sqlite", ".db", ".mo", ".wasm", ".npy", ".pkl"))


def _text_despite_nul(content: bytes) -> bool:
    """Text with at most a few NUL (or other control) bytes: what an editor, Python and
    detect-secrets read as text. UTF-16, images and archives are not."""
    sample = content[:_BINARY_SNIFF]
    allowed = max(4, len(sample) // 100)
    if sample.count(0) > allowed:
        return False
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\x0c\x1b\x00")
    if controls > allowed:
        return False
    try:
        # The sample may end inside a character: only a bad sequence counts.
        codecs.getincrementaldecoder("utf-8")().decode(sample.replace(b"\x00", b""),
                                                         final=False)
    except UnicodeDecodeError:
        return False
    return True


def _reveal_hidden_text(files: tuple[FileChange, ...], *, cwd: str | None,
                        max_file_size: int) -> tuple[FileChange, ...]:
    candidates = [f for f in files if f.skipped == "binary" and not f.is_submodule
                  and posixpath.splitext(f.path)[1].lower() not in _BINARY_NAMES]
    if not candidates:
        return files
    contents = _blobs([b for f in candidates for b in (f.old_blob, f.blob) if b], cwd=cwd)
    revealed: dict[str, FileChange] = {}
    for f in candidates:
        old = contents.get(f.old_blob or "", b"")
        new = contents.get(f.blob or "", b"")
        if not (_text_despite_nul(old) and _text_despite_nul(new)):
            continue
        if f.old_blob and f.blob:
            out = gitio.run(["diff", "--text", *gitio.DIFF_FLAGS, f.old_blob, f.blob],
                            cwd=cwd)
            hunks = _parse_hunks(out)
        else:
            hunks = _whole_file(new, "+") if f.blob else _whole_file(old, "-")
        revealed[f.path] = FileChange(**{**f.__dict__, "binary": False, "skipped": None,
                                         "hunks": hunks})
    return tuple(revealed.get(f.path, f) for f in files)


def _blobs(ids: list[str], *, cwd: str | None) -> dict[str, bytes]:
    wanted = sorted(set(ids))
    out = gitio.run(["cat-file", "--batch"], cwd=cwd, stdin=("\n".join(wanted) + "\n").encode())
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        found[header[0].decode()] = out[pos:pos + size]
        pos += size + 1  # the content, then the newline cat-file adds
    return found


def _whole_file(content: bytes, kind: str) -> tuple[Hunk, ...]:
    rows = content.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    if not rows:
        return ()
    lines = tuple(Line(kind, _decode(r), None if kind == "+" else i,
                       i if kind == "+" else None) for i, r in enumerate(rows, 1))
    return (Hunk(1, 1, lines),)


# --- hunks ---------------------------------------------------------------------------

def _parse_hunks(section: bytes) -> tuple[Hunk, ...]:
    hunks: list[Hunk] = []
    lines: list[Line] = []
    old_no = new_no = 0
    old_start = new_start = 0
    in_hunk = False
    for raw_line in section.split(b"\n"):
        if raw_line.startswith(b"@@ "):
            if in_hunk:
                hunks.append(Hunk(old_start, new_start, tuple(lines)))
            old_start, new_start = _hunk_header(raw_line)
            old_no, new_no = old_start, new_start
            lines = []
            in_hunk = True
            continue
        if not in_hunk or not raw_line:
            continue
        tag = raw_line[:1]
        text = _decode(raw_line[1:])
        if tag == b"+":
            lines.append(Line("+", text, None, new_no))
            new_no += 1
        elif tag == b"-":
            lines.append(Line("-", text, old_no, None))
            old_no += 1
        elif tag == b" ":
            lines.append(Line(" ", text, old_no, new_no))
            old_no += 1
            new_no += 1
        # "\ No newline at end of file" and anything else carry no content.
    if in_hunk:
        hunks.append(Hunk(old_start, new_start, tuple(lines)))
    return tuple(hunks)


def _hunk_header(line: bytes) -> tuple[int, int]:
    # @@ -old[,count] +new[,count] @@ ...
    parts = line.split(b" ")
    old = int(parts[1][1:].split(b",")[0])
    new = int(parts[2][1:].split(b",")[0])
    # A hunk that adds to an empty file says "-0,0"; numbering starts at 1 either way.
    return max(old, 1), max(new, 1)


def _decode(data: bytes) -> str:
    # CRLF files keep their \r before the \n we split on: it is not content.
    if data.endswith(b"\r"):
        data = data[:-1]
    return data.decode("utf-8", "replace")
