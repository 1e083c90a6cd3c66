"""A patch section's hunks as `Hunk`s of `Line`s, decoded as git wrote them."""

from __future__ import annotations

from authgate.changes.model import Hunk, Line


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
