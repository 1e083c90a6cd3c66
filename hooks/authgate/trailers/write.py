"""Writing authgate's trailers into a message where git itself would put them
(`git commit -s`, `git interpret-trailers`), merged with those already there, and
re-read before it is kept: other trailers must read exactly as before."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from authgate.config import TrailerNames
from authgate.trailers.claims import _ORDER, _field_of, _same, merge_value
from authgate.trailers.read import (
    _SPACE,
    GIT_GENERATED,
    SIGN_OFF,
    Block,
    Item,
    Syntax,
    _is_blank_at,
    _items,
    _last_line,
    _next_line,
    _scissors,
    block,
    parse,
    stripspace,
)

# git's defaults (`#` comments, `:` separators): a frozen value, shared.
GIT = Syntax()


def is_empty(message: str, names: TrailerNames, syntax: Syntax = GIT,
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


def ours(message: str, names: TrailerNames, syntax: Syntax = GIT) -> list[tuple[str, str]]:
    """authgate's own trailers in `message` (e.g. HEAD's, for an amend)."""
    blk = block(message, syntax)
    items = [*_ours(blk, names), *(it for st in _strays(message, blk, names, syntax)
                                   for it in st.items)]
    return [(it.key, it.claim) for it in items if it.key is not None]


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
          syntax: Syntax = GIT, tree: str | None = None,
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
    return all(any((it.key or "").lower() == key.lower()
                   and _same(field_of[key.lower()], it.value, value) for it in items)
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
        # git, and so verify, reads a folded trailer unfolded: it says the claim only
        # when its whole value does, else ours is added beside it.
        if not plain and not any(_same(field, value, it.value) for it in frozen):
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


def remove(message: str, names: TrailerNames, syntax: Syntax = GIT) -> str:
    """`message` without authgate's trailers (for a message that is otherwise empty)."""
    blk = block(message, syntax)
    return _without(message, [it for it in _ours(blk, names) if not it.folded],
                    _strays(message, blk, names, syntax))
