"""Building ChangeSets in memory for the identity tests, from hunk text or from a
unified diff (the precision fixtures are real `git diff` output); their own tests are
in tests/test_identity_support.py.

Checks are pure over a ChangeSet, so their tests need no repository; the few tests
that need git (the CLI) live in test_identity_cli.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate.config import Config
from authgate.findings import Finding
from authgate.rules import RuleSet, load

_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def hunks(body: str) -> tuple[Hunk, ...]:
    """Hunks from lines that start with '+', '-' or ' ' (and optional @@ headers).

    Without a header the hunk starts at line 1 of both sides."""
    out: list[Hunk] = []
    lines: list[Line] = []
    old_start = new_start = old = new = 1
    started = False
    for raw in body.splitlines():
        m = _HEADER.match(raw)
        if m:
            if started:
                out.append(Hunk(old_start, new_start, tuple(lines)))
            old_start, new_start = max(int(m[1]), 1), max(int(m[2]), 1)
            old, new, lines, started = old_start, new_start, [], True
            continue
        if not raw or raw[0] not in "+- ":
            continue
        started = True
        tag, text = raw[0], raw[1:]
        if tag == "+":
            lines.append(Line("+", text, None, new))
            new += 1
        elif tag == "-":
            lines.append(Line("-", text, old, None))
            old += 1
        else:
            lines.append(Line(" ", text, old, new))
            old += 1
            new += 1
    if started:
        out.append(Hunk(old_start, new_start, tuple(lines)))
    return tuple(out)


def fc(path: str, body: str = "", status: Status = Status.MODIFIED,
       old_path: str | None = None) -> FileChange:
    return FileChange(path=path, status=status, old_path=old_path, hunks=hunks(body))


def added(path: str, *lines: str) -> FileChange:
    """A new file holding `lines`."""
    return fc(path, "\n".join("+" + ln for ln in lines), Status.ADDED)


def changeset(*files: FileChange) -> ChangeSet:
    return ChangeSet(files=tuple(files), source="index")


def parse_unified(text: str) -> ChangeSet:
    """A ChangeSet from `git diff` output (paths from the `diff --git` lines)."""
    files: list[FileChange] = []
    for section in re.split(r"(?m)^(?=diff --git )", text):
        if not section.startswith("diff --git "):
            continue
        head, _, body = section.partition("\n@@")
        m = re.match(r"diff --git a/(\S+) b/(\S+)", head)
        assert m, head
        status = Status.ADDED if "\nnew file mode" in head else (
            Status.DELETED if "\ndeleted file mode" in head else Status.MODIFIED)
        files.append(fc(m[2], "@@" + body if body else "", status,
                        m[1] if m[1] != m[2] else None))
    return ChangeSet(files=tuple(files), source="commit")


_RULES: dict[str, RuleSet] = {}


def rules(config: Config | None = None) -> RuleSet:
    cfg = config or Config()
    if config is not None:
        return load(cfg, ("identity",))
    if "default" not in _RULES:
        _RULES["default"] = load(cfg, ("identity",))
    return _RULES["default"]


def check(*files: FileChange, config: Config | None = None) -> list[Finding]:
    from authgate.checks import identity

    cfg = config or Config()
    return identity.run(changeset(*files), rules(config), cfg)


def ids(findings: Iterable[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)
