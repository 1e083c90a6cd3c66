"""A patch section's hunks as `Hunk`s of `Line`s, decoded as git wrote them."""

from __future__ import annotations

import re
from itertools import count, repeat

from authgate.changes.model import Hunk, Line

# A created file's one hunk: every line added, numbered from 1.
_CREATED = re.compile(rb"@@ -0,0 \+1(?:,(\d+))? @@[^\n]*\n")
_NO_EOL = b"\n\\ No newline at end of file\n"


def _whole_file(content: bytes, kind: str) -> tuple[Hunk, ...]:
    rows = content.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    if not rows:
        return ()
    lines = tuple(Line(kind, _decode(r), None if kind == "+" else i,
                       i if kind == "+" else None) for i, r in enumerate(rows, 1))
    return (Hunk(1, 1, lines),)



def _parse_hunks(section: bytes) -> tuple[Hunk, ...]:
    created = _created(section)
    return created if created is not None else _parse_any(section)



def _added_lines(texts: list[str]) -> tuple[Line, ...]:
    """Added lines numbered from 1, built at C speed: `tuple.__new__` is what a
    NamedTuple's own constructor calls, minus a Python frame per line."""
    rows = zip(repeat("+"), texts, repeat(None), count(1))
    return tuple(map(tuple.__new__, repeat(Line), rows))



def _created(section: bytes) -> tuple[Hunk, ...] | None:
    """The hunk of a created file (a tree scan reads only these) without parsing
    each line: the body is N lines that all start with "+", checked by counting, so
    the tag can be cut from all of them at once and the text decoded whole. None
    for any other section, or any body that does not count out exactly."""
    at = section.find(b"\n@@ ")
    m = _CREATED.match(section, at + 1) if at >= 0 else None
    if m is None:
        return None
    n = int(m[1]) if m[1] is not None else 1
    body = section[m.end():]
    if body.endswith(_NO_EOL):
        body = body[:-len(_NO_EOL) + 1]
    if (n < 1 or not body.startswith(b"+") or body.count(b"\n") != n
            or body.count(b"\n+") != n - 1 or not body.endswith(b"\n")):
        return None
    # Per line, _decode drops a \r before the \n and decodes; decoding whole is the
    # same (a newline always ends a bad sequence, which "replace" turns into one
    # U+FFFD either way), and so is dropping each \r that precedes a newline.
    text = body[1:-1].replace(b"\n+", b"\n").decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if text.endswith("\r"):
            text = text[:-1]
    texts = text.split("\n")
    if len(texts) != n:  # pragma: no cover - the counts above already say so
        return None
    return (Hunk(1, 1, _added_lines(texts)),)



# Where a hunk header line starts: at the section's start or after a newline, as the
# line-by-line reading sees it (content lines always start with their tag).
_HEADER = re.compile(rb"^@@ ", re.MULTILINE)


def _parse_any(section: bytes) -> tuple[Hunk, ...]:
    """Any section's hunks. Each hunk's body is decoded whole and split (a newline
    always ends a bad UTF-8 sequence, and each tag is one ASCII byte, so every line
    decodes as it would alone); only tagging and numbering go line by line."""
    starts = [m.start() for m in _HEADER.finditer(section)]
    hunks: list[Hunk] = []
    for i, at in enumerate(starts):
        eol = section.find(b"\n", at)
        stop = starts[i + 1] if i + 1 < len(starts) else len(section)
        if eol < 0 or eol > stop:
            eol = stop
        old_no, new_no = old_start, new_start = _hunk_header(section[at:eol])
        text = section[eol + 1:stop].decode("utf-8", "replace")
        rows = text.split("\n")
        if "\r" in text:
            # A CRLF file keeps its \r before the \n git wrote: it is not content.
            rows = [r[:-1] if r.endswith("\r") else r for r in rows]
        lines: list[tuple[str, str, int | None, int | None]] = []
        add = lines.append
        for row in rows:
            tag = row[:1]
            if tag == "+":
                add(("+", row[1:], None, new_no))
                new_no += 1
            elif tag == "-":
                add(("-", row[1:], old_no, None))
                old_no += 1
            elif tag == " ":
                add((" ", row[1:], old_no, new_no))
                old_no += 1
                new_no += 1
            # "\ No newline at end of file", an empty row and anything else carry no
            # content.
        hunks.append(Hunk(old_start, new_start,
                          tuple(map(tuple.__new__, repeat(Line), lines))))
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
