"""`git diff --raw -p -z` parsed into `FileChange`s: each raw record checked against
its patch section, and binary, oversized, submodule and unmerged files reported as
skipped."""

from __future__ import annotations

from collections.abc import Mapping

from authgate import gitio
from authgate.changes.binary import _reveal_hidden_text
from authgate.changes.hunks import _parse_hunks
from authgate.changes.model import _STATUS, MODE_SUBMODULE, FileChange, Status
from authgate.record import Record


class _Raw(Record):
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
    file's lines can never be credited to another file.

    A large diff is parsed with the cyclic collector paused: its Lines, Hunks and
    FileChanges can hold no cycle, and the collector traversing them every 700
    allocations cost a third of parsing a commit range; a small one (a commit being
    made) is parsed as it comes, without even importing gc."""
    if len(raw) < PAUSE_COLLECTOR_FROM:
        return _parse_diff(raw, cwd=cwd, max_file_size=max_file_size, sizes=sizes)
    import gc

    if not gc.isenabled():
        return _parse_diff(raw, cwd=cwd, max_file_size=max_file_size, sizes=sizes)
    gc.disable()
    try:
        return _parse_diff(raw, cwd=cwd, max_file_size=max_file_size, sizes=sizes)
    finally:
        gc.enable()


# Diff bytes from which parsing pauses the cyclic collector (about 500 lines).
PAUSE_COLLECTOR_FROM = 16_384


def _parse_diff(raw: bytes, *, cwd: str | None, max_file_size: int,
                sizes: Mapping[str, int] | None) -> tuple[FileChange, ...]:
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
