"""Reading a hunk: where each line sits in the new file, which lines one side shows,
and the code around a line (a call across lines, a window of neighbours)."""

from __future__ import annotations

from authgate.changes import Hunk

from .spec import Variant

# How far a call is followed across lines when looking inside its parentheses.
CALL_SPAN = 12


def positions(hunk: Hunk) -> list[int]:
    """For each line of the hunk, the new-file line an editor should jump to: its own
    number, or for a removed line the line that now stands where it was."""
    out = [0] * len(hunk.lines)
    following = None
    for i in range(len(hunk.lines) - 1, -1, -1):
        ln = hunk.lines[i]
        if ln.new is not None:
            following = ln.new
            out[i] = ln.new
        else:
            out[i] = following if following is not None else -1
    last = hunk.new_start - 1
    for i, ln in enumerate(hunk.lines):
        if ln.new is not None:
            last = ln.new
        elif out[i] == -1:
            out[i] = last + 1
    return out


def new_side(hunk: Hunk) -> list[int]:
    return [i for i, ln in enumerate(hunk.lines) if ln.kind != "-"]


def call_text(hunk: Hunk, index: int, start: int) -> str:
    """The call opened at column `start` of line `index`, across following new lines."""
    parts: list[str] = []
    depth = 0
    seen = 0
    for ln in hunk.lines[index:]:
        if ln.kind == "-":
            continue
        text = ln.text[start:] if not parts else ln.text
        for pos, ch in enumerate(text):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth <= 0:
                    parts.append(text[: pos + 1])
                    return " ".join(parts)
        parts.append(text)
        seen += 1
        if seen >= CALL_SPAN:
            break
    return " ".join(parts)


class Sides:
    """The lines each side of a hunk shows (context plus added, or context plus
    removed), listed once per hunk: a window around a match then costs the window,
    not the hunk (8,000 matching lines in one hunk were 8,000 rebuilds)."""

    def __init__(self, hunk: Hunk) -> None:
        self.hunk = hunk
        self._sides: dict[str, tuple[list[int], dict[int, int]]] = {}

    def side(self, kind: str) -> tuple[list[int], dict[int, int]]:
        """Indices of the lines the `kind` ('+' or '-') side shows, and each one's
        position in that list."""
        if kind not in self._sides:
            shown = [i for i, ln in enumerate(self.hunk.lines) if ln.kind in (" ", kind)]
            self._sides[kind] = (shown, {i: k for k, i in enumerate(shown)})
        return self._sides[kind]


def near_ok(v: Variant, sides: Sides, index: int) -> bool:
    if not v.near:
        return True
    hunk = sides.hunk
    shown, where = sides.side("-" if hunk.lines[index].kind == "-" else "+")
    pos = where[index]
    lo = max(0, pos - v.window)
    hi = pos if v.near_before else min(len(shown) - 1, pos + v.window)
    if v.near_key is not None:
        # The nearest key line above decides (the item belongs to that key).
        for k in range(pos, lo - 1, -1):
            text = hunk.lines[shown[k]].text
            if k == pos and not v.near_key.search(text):
                continue
            if v.near_key.search(text):
                return all(p.search(text) for p in v.near)
        return False
    window = [hunk.lines[i].text for i in shown[lo:hi + 1]]
    return all(any(p.search(t) for t in window) for p in v.near)
