"""Reading a commit message's trailers exactly as `git interpret-trailers --parse`
does (git's trailer.c, checked against git 2.39 and property-tested with git as the
oracle): where the trailer block is, what each of its lines says, the comment
character `core.commentChar=auto` chose, and the message without git's scaffolding."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

# The line `git commit -v` writes above the diff, after the comment character and a
# space; git cuts the message there (wt-status.c, `cut_line`).
SCISSORS = "------------------------ >8 ------------------------"
# trailer.c: lines that make a paragraph a trailer block at 25% trailers.
GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
SIGN_OFF = "Signed-off-by: "
# builtin/commit.c, adjust_comment_line_char(): the order `core.commentChar=auto` tries.
AUTO_CANDIDATES = "#;@!$%^&|:"

# git's own ctype (sane_ctype): isspace is exactly these four, isalnum is ASCII only.
# Python's str.isspace/isalnum know Unicode and \v, \f, so they would disagree.
_SPACE = " \t\n\r"
_ALNUM = frozenset(string.ascii_letters + string.digits)


@dataclass(frozen=True)
class Syntax:
    """How git reads messages in this repository."""

    comment: str = "#"  # core.commentChar, already resolved when it is `auto`
    separators: str = ":"  # trailer.separators
    # Names (and keys) of `trailer.<name>.*` config: git counts them as recognised.
    configured: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One entry of the trailer block: a trailer with its continuation lines, or a line
    git keeps in the block without reading it as a trailer (a comment, prose)."""

    start: int
    end: int  # just past the last continuation line, newline included
    raw: str
    key: str | None  # None: not a trailer (or a comment line)
    value: str  # unfolded and trimmed as `--parse` prints it
    first: str = ""  # the value on the trailer's own line (without continuation lines)

    @property
    def is_trailer(self) -> bool:
        return self.key is not None

    @property
    def folded(self) -> bool:
        """Continued on further lines with text: authgate never writes that, an author
        does (a whitespace-only line git folds in is no text)."""
        return any(line.strip(_SPACE) for line in self.raw.split("\n")[1:])

    @property
    def claim(self) -> str:
        """What the trailer claims for authgate: the value on its own line when an
        author continued it (the rest is their explanation)."""
        return self.first if self.folded else self.value


@dataclass(frozen=True)
class Block:
    start: int  # offset of the first line of the trailer block
    end: int  # offset just past it; start == end when there is no block
    items: tuple[Item, ...]


# --- reading, after trailer.c ----------------------------------------------------------

def _strip(text: str) -> str:
    return text.strip(_SPACE)


def _next_line(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl == -1 else nl + 1


def _last_line(text: str, length: int) -> int:
    """Start of the last line of text[:length] (a final newline belongs to it), -1 if
    empty."""
    if length <= 0:
        return -1
    if length == 1:
        return 0
    nl = text.rfind("\n", 0, length - 1)
    return nl + 1


def _is_blank_at(text: str, pos: int) -> bool:
    end = text.find("\n", pos)
    line = text[pos:] if end == -1 else text[pos:end]
    return all(c in _SPACE for c in line)


def _separator(line: str, separators: str) -> int:
    """Position of the separator of `<token><optional whitespace><separator>`, else -1."""
    whitespace = False
    for i, c in enumerate(line):
        if c in separators:
            return i
        if not whitespace and (c in _ALNUM or c == "-"):
            continue
        if i and c in " \t":
            whitespace = True
            continue
        break
    return -1


_DIVIDER = re.compile(r"^---[ \t\n\r]", re.MULTILINE)


def _patch_start(text: str) -> int:
    """The `---` divider (followed by whitespace) that ends a message, else len."""
    found = _DIVIDER.search(text)
    return found.start() if found else len(text)


def _scissors(text: str, comment: str, length: int) -> int:
    """Where the scissors line starts, or `length` when there is none before it.

    (git 2.39 loops forever when the scissors line follows a `---` divider; here the
    divider wins.)"""
    line = f"{comment} {SCISSORS}\n"
    if text.startswith(line):
        return 0
    found = text.find("\n" + line)
    return found + 1 if found != -1 and found + 1 < length else length


def _trailer_end(text: str, length: int, comment: str) -> int:
    """commit.c ignore_non_trailer(): drop a trailing run of comment lines, empty lines
    and an old `Conflicts:` block; stop at the scissors line."""
    cutoff = _scissors(text, comment, length)
    boc = 0  # git uses 0 for "no run yet", so a run that starts at 0 starts one line later
    conflicts = False
    bol = 0
    while bol < cutoff:
        nxt = _next_line(text, bol)
        if text.startswith(comment, bol) or text[bol] == "\n":
            if not boc:
                boc = bol
        elif text.startswith("Conflicts:\n", bol):
            conflicts = True
            if not boc:
                boc = bol
        elif conflicts and text[bol] == "\t":
            pass
        elif boc:
            boc = 0
            conflicts = False
        bol = nxt
    return boc if boc else cutoff


def _recognised(line: str, sep: int, configured: Iterable[str]) -> bool:
    token = line[:sep].lower()
    return any(len(name) >= sep and name[:sep].lower() == token for name in configured)


def _end_of_title(text: str, end: int, comment: str) -> int:
    """The first blank line, comments skipped: the title paragraph holds no trailers."""
    pos = 0
    while pos < end:
        if text.startswith(comment, pos):
            pos = _next_line(text, pos)
            continue
        if _is_blank_at(text, pos):
            break
        pos = _next_line(text, pos)
    return pos


def _trailer_start(text: str, end: int, syntax: Syntax) -> int:
    comment = syntax.comment
    end_of_title = _end_of_title(text, end, comment)

    only_spaces = True
    recognised = False
    trailer_lines = non_trailer_lines = continuation = 0
    bol = _last_line(text, end)
    while bol >= end_of_title:
        line_end = text.find("\n", bol)
        line = text[bol:] if line_end == -1 else text[bol:line_end]
        if line.startswith(comment):
            non_trailer_lines += continuation
            continuation = 0
        elif all(c in _SPACE for c in line):
            if not only_spaces:
                non_trailer_lines += continuation
                if recognised and trailer_lines * 3 >= non_trailer_lines:
                    return _next_line(text, bol)
                if trailer_lines and not non_trailer_lines:
                    return _next_line(text, bol)
                return end
        else:
            only_spaces = False
            sep = _separator(line, syntax.separators)
            if line.startswith(GIT_GENERATED):
                trailer_lines += 1
                continuation = 0
                recognised = True
            elif sep >= 1 and line[0] not in _SPACE:
                trailer_lines += 1
                continuation = 0
                if not recognised and _recognised(line, sep, syntax.configured):
                    recognised = True
            elif line[0] in _SPACE:
                continuation += 1
            else:
                non_trailer_lines += 1 + continuation
                continuation = 0
        bol = _last_line(text, bol)
    return end


def _unfold(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        i += 1
        if c == "\n":
            while i < len(value) and value[i] in _SPACE:
                i += 1
            out.append(" ")
        else:
            out.append(c)
    return _strip("".join(out))


def block(message: str, syntax: Syntax = Syntax()) -> Block:
    """The trailer block of `message` as git finds it."""
    end = _trailer_end(message, _patch_start(message), syntax.comment)
    start = _trailer_start(message, end, syntax)
    return Block(start, end, _items(message, start, end, syntax))


def _items(message: str, start: int, end: int, syntax: Syntax) -> tuple[Item, ...]:
    """The lines of message[start:end] as trailer_info_get() splits them: a line that
    starts with whitespace continues the trailer above it."""
    items: list[list[int]] = []  # [start, end, separator]
    pos = start
    while pos < end:
        nxt = min(_next_line(message, pos), end)
        if items and items[-1][2] >= 1 and message[pos] in _SPACE:
            items[-1][1] = nxt  # continuation of the trailer above
        else:
            first = message[pos:nxt]
            items.append([pos, nxt, _separator(first, syntax.separators)])
        pos = nxt
    out = []
    for s, e, sep in items:
        raw = message[s:e]
        if sep >= 1 and not raw.startswith(syntax.comment):
            own = raw.split("\n", 1)[0]
            out.append(Item(s, e, raw, _strip(raw[:sep]), _unfold(_strip(raw[sep + 1:])),
                            _strip(own[sep + 1:])))
        else:
            out.append(Item(s, e, raw, None, ""))
    return tuple(out)


def parse(message: str, comment_char: str = "#", *,
          syntax: Syntax | None = None) -> list[tuple[str, str]]:
    """The trailers of `message` as `git interpret-trailers --parse` prints them."""
    syntax = syntax or Syntax(comment=comment_char)
    return [(it.key, it.value) for it in block(message, syntax).items if it.key is not None]


def auto_comment_char(message: str, editor: bool) -> str:
    """The character `core.commentChar=auto` made `git commit` use for this message.

    git picks the first candidate that starts no line of the message before it adds
    its own comment block (and '#' when '#' appears nowhere). Without an editor there
    is no comment block, so redoing the choice on the file is exact. With an editor
    the file already holds git's comments: the scissors line, else the last non-blank
    line, shows the character it chose."""
    if editor:
        for c in AUTO_CANDIDATES:
            if f"\n{c} {SCISSORS}\n" in "\n" + message:
                return c
        for line in reversed(message.split("\n")):
            if line.strip(_SPACE):
                if line[0] in AUTO_CANDIDATES:
                    return line[0]
                break
    if "#" not in message:
        return "#"
    used = {line[:1] for line in message.replace("\r", "\n").split("\n")}
    for c in AUTO_CANDIDATES:
        if c not in used:
            return c
    return "#"


# --- what the message says, without git's scaffolding ----------------------------------

def visible(message: str, comment: str = "#") -> str:
    """The message git will commit, near enough for the checks to read: above the
    scissors line, without comment lines."""
    text = message[:_scissors(message, comment, len(message))]
    return stripspace(text, comment)


def stripspace(text: str, comment: str | None = None) -> str:
    """git's strbuf_stripspace(): trailing whitespace off every line, runs of blank
    lines collapsed, none at either end; comment lines dropped when `comment` is set."""
    out: list[str] = []
    empties = 0
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if comment is not None and line and line.startswith(comment):
            continue
        kept = line.rstrip(_SPACE)
        if kept:
            if empties and out:
                out.append("")
            empties = 0
            out.append(kept)
        else:
            empties += 1
    return "\n".join(out) + "\n" if out else ""


