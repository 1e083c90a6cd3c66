"""The gate's own policy: which files hold it, and a finding for every change to them.

authgate's policy is its config (`.authgate.toml`, `[tool.authgate]` in
pyproject.toml, a `--config FILE` inside the repository) and the detect-secrets
baseline that config names. The hooks judge a commit with the index's policy and
`authgate verify` judges a range with its base's (config.py), so a change to the
policy takes effect only once it has landed. Until then it is itself a finding,
`identity.gate.policy-changed` (tier high: it needs the reviews a high-impact change
needs), and the policy being changed cannot silence it: the finding is made from
the whole change (no `exclude` applies), outside the catalog the config trims
(`rules.disable`), past suppressions, and policy may make it stricter, never weaker.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from typing import Any

from authgate import gitio
from authgate.changes import ChangeSet, FileChange, Line, Status
from authgate.config import Config
from authgate.config import _authgate_table as authgate_table
from authgate.findings import ACTION_ORDER, Finding, from_rule
from authgate.policy import action_for
from authgate.rules import Rule, load

RULE = "identity.gate.policy-changed"
_PYPROJECT = "pyproject.toml"
_SECTION = re.compile(r"^\s*\[\[?\s*[\"']?tool[\"']?\s*\.\s*[\"']?authgate\b")
_HEADER = re.compile(r"^\s*\[")


def watched(cfg: Config, root: str | None = None, explicit: str | None = None
            ) -> dict[str, str]:
    """Repository path -> what it holds, for every file of the policy."""
    out = {".authgate.toml": ".authgate.toml", _PYPROJECT: "[tool.authgate] in pyproject.toml"}
    baseline = _inside(cfg.baseline, root)
    if baseline:
        out.setdefault(baseline, f"the secrets baseline {baseline}")
    chosen = _inside(explicit, root) if explicit else None
    if chosen:
        out.setdefault(chosen, f"the config file {chosen}")
    return out


def _inside(path: str, root: str | None) -> str | None:
    """`path` relative to the repository root, when it is inside it."""
    if os.path.isabs(path):
        if root is None:
            return None
        path = os.path.relpath(path, root)
    norm = os.path.normpath(path).replace(os.sep, "/")
    return None if norm.startswith("../") or norm in (".", "..") else norm


def findings(changes: ChangeSet, cfg: Config, *, root: str | None = None,
             explicit: str | None = None) -> list[Finding]:
    """One finding per policy file the change touches (a tree scan changes nothing)."""
    if changes.source == "tree":
        return []
    paths = watched(cfg, root, explicit)
    out = []
    for fc in changes.files:
        path = fc.path if fc.path in paths else fc.old_path if fc.old_path in paths else None
        if path is None:
            continue
        rule = _rule()
        line = _first_line(fc)
        if path == _PYPROJECT:
            changed, line = _pyproject(fc, root)
            if not changed:
                continue
        what = paths[path]
        status = fc.status.value if fc.status is not Status.RENAMED \
            else f"renamed from {fc.old_path}"
        out.append(from_rule(rule, rule.message.format(what=what), path=fc.path, line=line,
                             evidence=status, context="config"))
    return out


def _rule() -> Rule:
    # The shipped definition, whatever the config disables or re-grades.
    found = load(Config(), ("identity",)).get(RULE)
    if found is None:  # pragma: no cover - the catalog is part of the package
        raise RuntimeError(f"rule {RULE} is missing from rules/identity.toml")
    return found


def pinned(cfg: Config, gate: Sequence[Finding]) -> Config:
    """`cfg` with policy that cannot make the gate's findings weaker than the rule."""
    if not gate:
        return cfg
    policy = dict(cfg.policy)
    for f in gate:
        if ACTION_ORDER[action_for(f, cfg.policy)] < ACTION_ORDER[f.action]:
            # The full id with the context is the longest key there is: it wins.
            policy[f"{f.rule_id}@{f.context}"] = f.action.value
    return cfg._replace(policy=policy)


def _first_line(fc: FileChange) -> int | None:
    for hunk in fc.hunks:
        for ln in hunk.lines:
            if ln.kind != " ":
                return ln.number
    return None


def _pyproject(fc: FileChange, root: str | None) -> tuple[bool, int | None]:
    """Whether the change to pyproject.toml changes `[tool.authgate]`, and a line in
    it. The whole file is compared, not the hunks: a line appended far below the
    table's header comes in a hunk without the header."""
    if fc.skipped:
        return True, None  # unread (too large, binary): any change may be the table's
    # Each side counts only where it is pyproject.toml (a rename may move it).
    old_blob = fc.old_blob if (fc.old_path or fc.path) == _PYPROJECT else None
    new_blob = fc.blob if fc.path == _PYPROJECT else None
    if not _table_changed(old_blob, new_blob, root):
        return False, None
    old, new = _blob(old_blob, root), _blob(new_blob, root)
    added = _in_sections(new, [ln for h in fc.hunks for ln in h.lines if ln.kind == "+"])
    removed = _in_sections(old, [ln for h in fc.hunks for ln in h.lines if ln.kind == "-"])
    return True, added or removed or _first_line(fc)


def _table_changed(old: str | None, new: str | None, root: str | None) -> bool:
    """config.authgate_table_changed of two blobs, each blob read and parsed once per
    process: verify meets pyproject.toml in commit after commit, each one's new blob
    the next one's old."""
    (old_ok, old_table), (new_ok, new_table) = _table(old, root), _table(new, root)
    return not (old_ok and new_ok and old_table == new_table)


@functools.lru_cache(maxsize=16)
def _table(blob: str | None, root: str | None) -> tuple[bool, Any]:
    """(readable, the [tool.authgate] table) of a pyproject.toml blob."""
    data = _blob(blob, root)
    try:
        return True, authgate_table(data, _PYPROJECT)
    except Exception:  # unreadable: it differs from anything, as in config._same_table
        return False, None


@functools.lru_cache(maxsize=16)
def _blob(blob: str | None, root: str | None) -> bytes | None:
    # Blob ids name content: the cache cannot go stale.
    if blob is None:
        return None
    return gitio.run(["cat-file", "blob", blob], cwd=root)


def _in_sections(data: bytes | None, lines: Sequence[Line]) -> int | None:
    """The first of `lines` that sits inside a `[tool.authgate...]` table of `data`."""
    if data is None or not lines:
        return None
    inside = set()
    current = False
    for number, text in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if _HEADER.match(text):
            current = bool(_SECTION.match(text))
        if current:
            inside.add(number)
    for ln in lines:
        if ln.number in inside:
            return ln.number
    return None

