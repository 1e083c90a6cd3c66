"""What a file's name says as words: `named_for` finds a topic's word in a name or a
folder (auth_backend.py, LoginController.java, oauth2/), never a piece of a longer
one. Globs are `pathmatch`'s (`in_scope`, `any_glob`, matched without case here)."""

from __future__ import annotations

from collections.abc import Sequence


def _boundary(name: str, i: int) -> bool:
    """Whether a word may start or end at position `i` of a file name: at either end,
    next to punctuation, where camelCase turns (jwtAuth, JwtAuth, JWTAuth), or between
    letters and digits (oauth2)."""
    if i <= 0 or i >= len(name):
        return True
    a, b = name[i - 1], name[i]
    if not a.isalnum() or not b.isalnum():
        return True
    if a.isdigit() != b.isdigit():
        return True
    if a.islower() and b.isupper():
        return True
    # An acronym ends where a capitalised word starts: JWT|Auth.
    return a.isupper() and b.isupper() and i + 1 < len(name) and name[i + 1].islower()


def named_for(words: Sequence[str], path: str) -> str | None:
    """How the path names one of `words`: a whole word of its file name (auth_backend.py,
    LoginController.java, sessions.py) or a whole folder name (auth/, oauth2/); never
    a piece of a longer name (oauthlib/, better-auth/, author.py, tokenizer.py), nor a
    program's folder under cmd/ (cmd/jwt/ is the project's command-line tool).
    Returns the reason ("word 'auth'", "folder 'auth/'") or None."""
    if not words:
        return None
    *folders, name = path.split("/")
    for i, folder in enumerate(folders):
        if i and folders[i - 1].lower() == "cmd":
            continue  # cmd/<program>/ names a program (Go's layout), like a project name
        lowered = folder.lower()
        for w in words:
            if lowered in (w, w + "s"):
                return f"folder '{folder}/'"
    lowered = name.lower()
    for w in words:
        start = lowered.find(w)
        while start != -1:
            end = start + len(w)
            if end < len(lowered) and lowered[end] == "s" and _boundary(name, end + 1):
                end += 1
            if _boundary(name, start) and _boundary(name, end):
                return f"word '{w}'"
            start = lowered.find(w, start + 1)
    return None
