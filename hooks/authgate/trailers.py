"""Commit-message trailers, read and written exactly as `git interpret-trailers` does.

(First cut: the message-stage work replaces `parse` with a full implementation.)
"""

from __future__ import annotations

import re

from authgate.config import TrailerNames
from authgate.policy import Verdict

_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9-]+)\s*:\s*(?P<value>.*)$")


def parse(message: str, comment_char: str = "#") -> list[tuple[str, str]]:
    """The trailers of `message` as git reads them: (key, value) in order."""
    lines = [ln for ln in message.splitlines() if not ln.startswith(comment_char)]
    while lines and not lines[-1].strip():
        lines.pop()
    block: list[str] = []
    for ln in reversed(lines):
        if not ln.strip():
            break
        block.insert(0, ln)
    if len(block) == len(lines):  # the only paragraph is the subject, not trailers
        return []
    out = []
    for ln in block:
        m = _TRAILER.match(ln)
        if not m:
            return []
        out.append((m["key"], m["value"].strip()))
    return out


def wanted(verdict: Verdict, names: TrailerNames, tree: str | None) -> list[tuple[str, str]]:
    """The trailers a verdict calls for, in the order they are written."""
    out: list[tuple[str, str]] = []
    if verdict.tier > 0:
        out.append((names.impact, str(verdict.tier)))
    if verdict.required_reviews:
        out.append((names.reviews, ", ".join(verdict.required_reviews)))
    if verdict.ai_assisted:
        out.append((names.ai, ", ".join(verdict.ai_tools) or "yes"))
    if verdict.suppressed:
        out.append((names.suppressed, str(verdict.suppressed)))
    if out and tree:
        out.append((names.tree, tree))
    return out
