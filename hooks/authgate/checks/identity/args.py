"""A call's arguments read with balanced brackets and strings, so the second
positional argument is the second argument and not the second key of a dict literal
in the first (`jwt.encode({"sub": uid, "aud": AUD}, key, algorithm="HS256")`).
Strings are found by `context.string_ranges`, the one lexer of literals; what is here
is the bracket and comma logic on the code between them."""

from __future__ import annotations

import re

from authgate.checks.context import code_runs
from authgate.record import Record

from .text import Rx

_OPEN = {"(": ")", "[": "]", "{": "}"}
_KEYWORD = Rx(r"^\s*([A-Za-z_]\w*)\s*=(?!=)\s*(.*)$", re.DOTALL)
_LITERAL = Rx(
    r"""^\s*[bBrRuUfF]{0,2}(?P<q>["'`])(?P<body>(?:\\.|(?!(?P=q)).){2,})(?P=q)\s*$""", re.DOTALL)


class Arg(Record):
    text: str  # the argument as written (for a keyword argument: its value)
    name: str | None  # the keyword, for `name=value`


def call_args(call: str) -> list[Arg]:
    """The arguments of the call whose text starts at its opening parenthesis.
    A call cut short (the hunk ends) gives the arguments read so far."""
    if not call.startswith("("):
        return []
    out: list[Arg] = []
    stack: list[str] = []
    start = 1
    for run_start, run_end in code_runs(call, 1, after_word=True):
        for i in range(run_start, run_end):
            c = call[i]
            if c in _OPEN:
                stack.append(_OPEN[c])
            elif stack and c == stack[-1]:
                stack.pop()
            elif not stack and c in ",)":
                out.append(_arg(call[start:i]))
                if c == ")":
                    return [a for a in out if a.text.strip()]
                start = i + 1
    out.append(_arg(call[start:]))
    return [a for a in out if a.text.strip()]


def _arg(text: str) -> Arg:
    m = _KEYWORD.match(text)
    return Arg(m[2].strip(), m[1]) if m else Arg(text.strip(), None)


def literal(text: str) -> str | None:
    """The body of `text` when it is a plain string literal of two characters or
    more (no interpolation); else None."""
    m = _LITERAL.match(text)
    if m is None:
        return None
    body = m["body"]
    if (m["q"] == "`" and "${" in body) or (m["q"] == '"' and "#{" in body):
        return None
    prefix = text.strip()[: text.strip().index(m["q"])].lower()
    if "f" in prefix:
        return None
    return body
