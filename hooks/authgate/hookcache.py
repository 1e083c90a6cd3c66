"""The staged content's findings, kept between the hooks of one commit.

A commit through all of authgate's hooks judges the same staged content three times
(pre-commit, prepare-commit-msg, commit-msg); only the message differs between them,
and only the provenance family reads the message. The findings of the content are
stored under the git directory with a key that covers everything they depend on,
so the message hooks re-run only the message part. The file holds redacted findings
as every report does (evidence redacted, values only as SHA-256), and one entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from importlib import resources
from typing import Any

from authgate import __version__
from authgate.changes import ChangeSet
from authgate.config import Config, as_toml
from authgate.findings import Action, Finding, Severity, Tier

FILE = os.path.join("authgate", "staged-findings.json")
_CATALOGS = ("provenance.toml", "leaks.toml", "identity.toml")


def key(changes: ChangeSet, config: Config, families: Iterable[str]) -> str | None:
    """What the content findings depend on; None when there is no tree to bind to."""
    if changes.tree is None:
        return None
    h = hashlib.sha256()
    rules = resources.files("authgate").joinpath("rules")
    catalogs = [rules.joinpath(name).read_bytes() for name in _CATALOGS]
    texts = (__version__, ",".join(families), as_toml(config), changes.tree,
             changes.revision or "", repr(sorted(changes.environment.items())),
             changes.agent_trace or "", changes.secrets_baseline or "")
    for data in [t.encode("utf-8", "surrogateescape") for t in texts] + catalogs:
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def load(git_dir: str, wanted: str | None) -> list[Finding] | None:
    if wanted is None:
        return None
    try:
        with open(os.path.join(git_dir, FILE), encoding="utf-8") as fh:
            doc = json.load(fh)
        if doc.get("key") != wanted:
            return None
        return [_finding(d) for d in doc["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, stale or damaged: judge again


def store(git_dir: str, wanted: str | None, findings: Sequence[Finding]) -> None:
    if wanted is None:
        return
    target = os.path.join(git_dir, FILE)
    doc = {"key": wanted, "findings": [_plain(f) for f in findings]}
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".staged-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only git directory only costs the next hook a full run


def _plain(f: Finding) -> dict[str, Any]:
    d = asdict(f)
    d["severity"], d["tier"], d["action"] = int(f.severity), int(f.tier), f.action.value
    return d



def _finding(d: dict[str, Any]) -> Finding:
    names = {f.name for f in fields(Finding)}
    values = {k: v for k, v in d.items() if k in names}
    values["severity"] = Severity(values["severity"])
    values["tier"] = Tier(values["tier"])
    values["action"] = Action(values["action"])
    values["refs"] = tuple(values.get("refs", ()))
    values["extra"] = tuple(tuple(x) for x in values.get("extra", ()))
    return Finding(**values)
