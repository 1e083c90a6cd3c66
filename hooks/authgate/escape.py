"""One escaping function per output kind. Whatever authgate prints comes from the
change it judges (paths, commit subjects, trailer values, file content), so every
piece of it goes through the function for where it is printed:

- `terminal`: a terminal or a log. Control and other invisible characters (ESC, CR,
  LF, BEL, bidi overrides) are written as `\\x1b`-style escapes, so a file name can
  neither start a new line (a forged `::error` workflow command, a fake "ok" line)
  nor send a terminal sequence (OSC, CSI).
- `markdown`: inline markdown (a table cell, a list item, a heading). Everything
  that renders is escaped: emphasis (`*`, `_`, `~`), links and images (`[`, `]`,
  `!`), raw HTML (`<`, `>`, `&`), code (backtick), table cells (`|`), a heading or
  quote at the start; CR and LF become spaces, so `app/auth/__init__.py` and
  `**/*auth*` show as written.
- `annotation_data` / `annotation_property`: GitHub workflow commands
  (`::error file=F,title=T::data`): `%`, CR, LF (and in properties `:`, `,`, tab)
  percent-encoded, as the runner decodes them.

Stdlib only and imported by the message hook: no cost on the commit path.
"""

from __future__ import annotations

import re


def terminal(text: str) -> str:
    """Control and other non-printable characters as escapes; one line stays one line."""
    if text.isprintable():
        return text
    # Surrogate escapes (bytes of a non-UTF-8 path) are left for the writer, which shows
    # them as U+FFFD.
    return "".join(c if c.isprintable() or c == " " or 0xDC80 <= ord(c) <= 0xDCFF
                   else repr(c)[1:-1] for c in text)


def terminal_lines(text: str) -> str:
    """Like `terminal`, but CR and LF stay: for formats that escape them their own way."""
    return "\n".join("\r".join(terminal(p) for p in line.split("\r"))
                     for line in text.split("\n"))


# Characters that render in (GitHub-flavoured) markdown wherever they are, escaped
# with a backslash (CommonMark lets any ASCII punctuation be escaped so); `<`, `>`
# and `&` become entities, so no raw HTML gets through.
_MD_ESCAPE = frozenset("\\`*_[]!|~")
_MD_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# At the start of a line: a heading, a list item, an ordered list item.
_MD_LEAD = re.compile(r"^(?:#|[+-](?=\s)|=+$|\d+(?=[.)](?:\s|$)))")


def markdown(text: str) -> str:
    """Inline markdown that renders as the plain text it was: no emphasis, link,
    image, HTML, code span, heading, list or table cell break from content."""
    text = " ".join(terminal(text.replace("\r", " ").replace("\n", " ")).split())
    out = "".join(_MD_HTML.get(c) or ("\\" + c if c in _MD_ESCAPE else c) for c in text)
    m = _MD_LEAD.match(out)
    if m:
        out = out[:m.end()] + "\\" + out[m.end():] if m[0][0].isdigit() else "\\" + out
    return out


_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY = {**_DATA, "\t": "%09", ":": "%3A", ",": "%2C"}


def _percent(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c) or terminal(c) for c in text)


def annotation_data(text: str) -> str:
    """The message part of a GitHub workflow command (`::error ...::data`)."""
    return _percent(text, _DATA)


def annotation_property(text: str) -> str:
    """A property value (`file=`, `title=`) of a GitHub workflow command."""
    return _percent(text, _PROPERTY)
