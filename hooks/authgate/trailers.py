"""Commit-message trailers, read and written exactly as `git interpret-trailers` does.

Reading follows git's trailer.c (checked against git 2.39, and property-tested with
`git interpret-trailers --parse` as the oracle): the message ends at a `---` divider
or at the scissors line of `git commit -v`; a trailing run of comment and blank lines
(and an old-style `Conflicts:` block) is ignored; the trailer block is the last
paragraph, never the title paragraph, when all of its lines are trailers, or when it
holds a git-recognised trailer (`Signed-off-by: `, `(cherry picked from commit `, or a
`trailer.<name>` configured one) and at least 25% trailers; lines that start with
whitespace continue the trailer above them.

Writing puts authgate's trailers where git itself would (`git commit -s`, `git
interpret-trailers`): at the end of that block, above trailing comments and the
scissors line, and before a trailing run of `Signed-off-by` lines, so that `git commit
--amend -s` still finds its sign-off last and adds no second one. Existing authgate
trailers are updated in place and merged monotonically: a value is never weakened or
dropped, a stricter one replaces a weaker one, and duplicates collapse into one; a
paragraph of them stranded in the body by a squash is folded into the block. One the
author continued on further lines (an explanation under `Identity-Impact:`) is the
author's text: it stays as written, and authgate's own value, when it says more, goes
on a line of its own. Every write is re-read before it is kept: other trailers must
read exactly as before.

Everything here is pure except `write_message`, the one function that touches the
message file (a temporary file beside it, renamed over it).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import string
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from authgate.config import TrailerNames
from authgate.findings import Tier
from authgate.policy import Verdict

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


def is_empty(message: str, names: TrailerNames, syntax: Syntax = Syntax(),
             template: str | None = None) -> bool:
    """Whether git would abort this commit for an empty message once authgate's own
    trailers are left out: nothing but comments, whitespace, `Signed-off-by` lines and
    an untouched template (commit.c message_is_empty / template_untouched)."""
    cut = message[:_scissors(message, syntax.comment, len(message))]
    text = remove(cut, names, syntax)
    cleaned = stripspace(text, syntax.comment)
    if template:
        skeleton = stripspace(template, syntax.comment)
        if skeleton and cleaned.startswith(skeleton):
            cleaned = cleaned[len(skeleton):]
    return all(not line.strip(_SPACE) or line.startswith(SIGN_OFF)
               for line in cleaned.split("\n"))


# --- what a verdict asks for -----------------------------------------------------------

def wanted(verdict: Verdict, names: TrailerNames, tree: str | None) -> list[tuple[str, str]]:
    """The trailers a verdict calls for, in the order they are written."""
    out: list[tuple[str, str]] = []
    if verdict.tier > 0:
        out.append((names.impact, str(verdict.tier)))
    if verdict.required_reviews:
        out.append((names.reviews, ", ".join(verdict.required_reviews)))
    if verdict.ai_assisted or verdict.disclose_ai:
        out.append((names.ai, ", ".join(verdict.ai_tools) or "yes"))
    if verdict.suppressed:
        out.append((names.suppressed, str(verdict.suppressed)))
    if out and tree:
        out.append((names.tree, tree))
    return out


def ours(message: str, names: TrailerNames, syntax: Syntax = Syntax()) -> list[tuple[str, str]]:
    """authgate's own trailers in `message` (e.g. HEAD's, for an amend)."""
    blk = block(message, syntax)
    items = [*_ours(blk, names), *(it for st in _strays(message, blk, names, syntax)
                                   for it in st.items)]
    return [(it.key, it.claim) for it in items if it.key is not None]


# --- merging: never weaker than what is there ------------------------------------------

_FIELDS = tuple(f.name for f in fields(TrailerNames))
_ORDER = ("impact", "reviews", "ai", "suppressed", "tree")
# Values of AI-Assisted that name no tool: dropped once a tool is named.
_NO_TOOL = frozenset({"yes", "true", "no", "none", "false", "unknown", ""})


def _field_of(names: TrailerNames) -> dict[str, str]:
    return {getattr(names, f).lower(): f for f in _FIELDS}


def _tokens(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def _union(groups: Sequence[list[str]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for token in group:
            if token.lower() not in seen:
                seen.add(token.lower())
                out.append(token)
    return out


def tier_of(value: str) -> Tier | None:
    """The tier an impact trailer claims: its first word (an author may explain it)."""
    words = value.replace(",", " ").replace(";", " ").split()
    try:
        return Tier.parse(words[0]) if words else None
    except KeyError:
        return None


_tier = tier_of


def _count(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def merge_value(field: str, new: Sequence[str], old: Sequence[str]) -> str | None:
    """The one value of `field` that is at least as strong as every value given.

    `new` are the values just computed, `old` those already in the message (or in
    HEAD's). None when there is nothing to write."""
    values = [*new, *old]
    if not values:
        return None
    if field == "impact":
        tiers = [t for t in map(_tier, values) if t is not None]
        return str(max(tiers)) if tiers else values[0]
    if field == "reviews":
        merged = _union([_tokens(v) for v in values])
        return ", ".join(merged) if merged else values[0]
    if field == "ai":
        merged = _union([_tokens(v) for v in values])
        tools = [t for t in merged if t.lower() not in _NO_TOOL]
        if tools:
            return ", ".join(tools)
        return new[0] if new else values[0]
    if field == "suppressed":
        counts = [c for c in map(_count, values) if c is not None]
        return str(max(counts)) if counts else values[0]
    return values[0]  # tree: the newest binding wins


def _same(field: str, a: str, b: str) -> bool:
    """Equal in meaning: no rewrite (and no churn) when only spelling differs."""
    if field in ("reviews", "ai"):
        return {t.lower() for t in _tokens(a)} == {t.lower() for t in _tokens(b)}
    if field == "impact" and _tier(a) is not None:
        return _tier(a) == _tier(b)
    return a.strip() == b.strip()


# --- writing -----------------------------------------------------------------------------

def _ours(blk: Block, names: TrailerNames) -> list[Item]:
    known = _field_of(names)
    return [it for it in blk.items if it.key is not None and it.key.lower() in known]


@dataclass(frozen=True)
class Stray:
    """A paragraph above the trailer block made only of authgate trailers.

    Squashing commits (`squash!`, `rebase -i` squash) stacks their messages, so the
    first commit's trailers end up in the body: stale claims (an old Authgate-Tree)
    that git no longer reads. Their values are merged into the block, and they go."""

    spans: tuple[tuple[int, int], ...]  # what to delete (comment lines stay)
    items: tuple[Item, ...]


def _strays(text: str, blk: Block, names: TrailerNames, syntax: Syntax) -> list[Stray]:
    known = _field_of(names)
    limit = blk.start if blk.items else blk.end
    out: list[Stray] = []
    title = True  # the first paragraph left after cleanup is the subject: never stray
    pos, run = 0, -1
    while True:
        at_end = pos >= limit
        blank = at_end or _is_blank_at(text, pos)
        if blank and run >= 0:
            every = _items(text, run, pos, syntax)
            items = tuple(it for it in every if not it.raw.startswith(syntax.comment))
            if items and title:
                title = False
            elif items and all(it.key is not None and it.key.lower() in known
                               and not it.folded for it in items):
                if len(items) == len(every):
                    # The whole paragraph goes, with one of the blank lines around it.
                    end = pos
                    if not at_end and (run == 0 or _is_blank_at(text, _last_line(text, run))):
                        end = _next_line(text, pos)
                    spans: tuple[tuple[int, int], ...] = ((run, end),)
                else:
                    spans = tuple((it.start, it.end) for it in items)
                out.append(Stray(spans, items))
            run = -1
        elif not blank and run < 0:
            run = pos
        if at_end:
            return out
        pos = _next_line(text, pos)


def _without(text: str, items: Sequence[Item], strays: Sequence[Stray] = ()) -> str:
    spans = [(it.start, _content_end(text, it)) for it in items]
    spans += [span for st in strays for span in st.spans]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


def _content_end(text: str, item: Item) -> int:
    """End of an item without the whitespace-only lines git folded into it."""
    end = item.end
    while True:
        prev = _last_line(text, end)
        if prev <= item.start or not _is_blank_at(text, prev):
            return end
        end = prev


def _eol_at(text: str, pos: int) -> str:
    """The line ending of the line that ends at `pos` (or of the first line)."""
    if pos > 0 and text[pos - 1] == "\n":
        return "\r\n" if pos > 1 and text[pos - 2] == "\r" else "\n"
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def apply(message: str, want: Sequence[tuple[str, str]], names: TrailerNames, *,
          syntax: Syntax = Syntax(), tree: str | None = None,
          inherited: Sequence[tuple[str, str]] = ()) -> str:
    """`message` with authgate's trailers merged in; the same string when nothing moves.

    `want` is what the verdict calls for (see `wanted`); `inherited` are authgate
    trailers from elsewhere that must not be lost (HEAD's, for an amend that sees no
    diff); `tree` binds the result to the content it was computed on."""
    blk = block(message, syntax)
    field_of = _field_of(names)
    found: dict[str, list[Item]] = {}
    for it in _ours(blk, names):
        found.setdefault(field_of[(it.key or "").lower()], []).append(it)
    strays = _strays(message, blk, names, syntax)
    old: dict[str, list[str]] = {f: [it.claim for it in items] for f, items in found.items()}
    for st in strays:
        for it in st.items:
            old.setdefault(field_of[(it.key or "").lower()], []).append(it.value)
    new_values: dict[str, list[str]] = {}
    for key, val in [*want, *inherited]:
        if key.lower() in field_of:
            new_values.setdefault(field_of[key.lower()], []).append(val)

    final: dict[str, str] = {}
    for field in _ORDER[:-1]:
        merged = merge_value(field, new_values.get(field, []), old.get(field, []))
        if merged is not None:
            final[field] = merged
    if final or "tree" in old:
        bound = tree or merge_value("tree", new_values.get("tree", []), old.get("tree", []))
        if bound:
            final["tree"] = bound
    if not final:
        return message

    expected = [(k, v) for k, v in parse(message, syntax=syntax)
                if k.lower() not in field_of]
    expected += [(getattr(names, f), final[f]) for f in _ORDER if f in final]
    # Collapsing duplicates removes trailer lines, which can tip a mixed paragraph
    # under git's 25% rule; then the duplicates are rewritten instead.
    for collapse in (True, False):
        out = _edit(message, blk, found, strays, final, names, syntax, collapse)
        if out == message:
            return message
        if _reads_as(out, expected, names, syntax):
            return out
    return message


def _reads_as(text: str, expected: Sequence[tuple[str, str]], names: TrailerNames,
              syntax: Syntax) -> bool:
    """Whether git reads `text` with every other trailer as before and ours as meant."""
    field_of = _field_of(names)
    items = [it for it in block(text, syntax).items if it.key is not None]
    if [(it.key, it.value) for it in items if (it.key or "").lower() not in field_of] != \
            [kv for kv in expected if kv[0].lower() not in field_of]:
        return False
    # An author's folded trailer says its claim on its own line (see Item.claim).
    return all(any((it.key or "").lower() == key.lower()
                   and _same(field_of[key.lower()], it.claim, value) for it in items)
               for key, value in expected if key.lower() in field_of)


def _line_end(segment: str) -> str:
    if segment.endswith("\r\n"):
        return "\r\n"
    return "\n" if segment.endswith("\n") else ""


def _edit(message: str, blk: Block, found: Mapping[str, Sequence[Item]],
          strays: Sequence[Stray], final: Mapping[str, str], names: TrailerNames,
          syntax: Syntax, collapse: bool) -> str:
    edits = [(a, b, "") for st in strays for a, b in st.spans]
    # trailer.separators may leave ':' out; git then reads only its own separators.
    sep = ":" if ":" in syntax.separators else syntax.separators[:1] or ":"
    kept: list[Item] = []
    unsaid: list[str] = []  # fields whose only trailers are the author's folded ones
    for field, items in found.items():
        value = final[field]
        # An author's folded trailer is their text: kept as written, never rewritten.
        frozen = [it for it in items if it.folded]
        kept += frozen
        plain = [it for it in items if not it.folded]
        if not plain and not any(_same(field, value, it.claim) for it in frozen):
            unsaid.append(field)
        for n, it in enumerate(plain):
            end = _content_end(message, it)
            if n and collapse:
                edits.append((it.start, end, ""))
                continue
            kept.append(it)
            if not _same(field, value, it.value):
                eol = _line_end(message[it.start:end])
                edits.append((it.start, end, f"{getattr(names, field)}{sep} {value}{eol}"))

    missing = [f for f in _ORDER if f in final and (f not in found or f in unsaid)]
    groups: dict[int, list[str]] = {}
    mode: dict[int, str] = {}
    for f in missing:
        # Beside the ones already there, in the order `wanted` writes them.
        later = [found[g][0].start for g in _ORDER[_ORDER.index(f) + 1:]
                 if g in found and g not in unsaid]
        if later and f not in found:
            at, where = min(later), "block"
        else:
            at, where = _insertion_point(message, blk, kept, syntax)
        groups.setdefault(at, []).append(f)
        mode[at] = where
    for at, group in groups.items():
        where = mode[at]
        eol = _eol_at(message, at)
        before = message[:at]
        if where == "paragraph":
            if not stripspace(before, syntax.comment):
                continue  # no title to stand under: git would read ours as the title
            if not before.endswith("\n"):
                gap = eol + eol
            else:
                gap = "" if _is_blank_at(before, _last_line(before, len(before))) else eol
        else:
            gap = "" if at == 0 or message[at - 1] == "\n" else eol
        lines = "".join(f"{getattr(names, f)}{sep} {final[f]}{eol}" for f in group)
        edits.append((at, at, gap + lines))

    out = message
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _insertion_point(message: str, blk: Block, kept: Sequence[Item],
                     syntax: Syntax) -> tuple[int, str]:
    """Where new authgate trailers go: after the ones already there; else at the end of
    the trailer block but above a trailing run of git-generated lines (so a sign-off
    stays last); else a new paragraph where git would start one."""
    if kept:
        return max(_content_end(message, it) for it in kept), "block"
    content = [it for it in blk.items
               if it.raw.strip(_SPACE) and not it.raw.startswith(syntax.comment)]
    if not content:
        return blk.end, "paragraph"
    idx = len(content)
    while idx > 0 and content[idx - 1].raw.startswith(GIT_GENERATED):
        idx -= 1
    if idx < len(content):
        return content[idx].start, "block"
    return _content_end(message, content[-1]), "block"


def remove(message: str, names: TrailerNames, syntax: Syntax = Syntax()) -> str:
    """`message` without authgate's trailers (for a message that is otherwise empty)."""
    blk = block(message, syntax)
    return _without(message, [it for it in _ours(blk, names) if not it.folded],
                    _strays(message, blk, names, syntax))


# --- the message file --------------------------------------------------------------------

def decode(data: bytes) -> str:
    # surrogateescape: any byte (a latin-1 message, a stray byte) survives the round trip.
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_message(path: str, data: bytes) -> None:
    """Replace the file at `path` with `data` atomically: write a temporary file in the
    same directory, flush it to disk, rename it over the original. A failure (or a kill)
    at any point leaves the original message as it was."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=".authgate-msg-", suffix=".tmp", dir=directory)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

