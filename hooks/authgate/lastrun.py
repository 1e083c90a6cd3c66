"""The last run's findings, kept for `authgate accept --last`.

`check` and `scan` write what they found to `.git/authgate/last-run.json`; `accept`
reads it to write allowlist entries. The file holds only what every report shows:
each counted finding's fingerprint, rule, action, place and redacted message, never
evidence and never a secret (a value enters a fingerprint only as a hash). It is
bounded (MAX_FINDINGS entries, each field cut to MAX_FIELD characters, one file
replaced whole by a rename, so a symlink planted there is replaced, not followed) and
read back with a size cap and every field's type checked: anything else is "no usable
record", one line and exit 2, never a crash. Local state: whoever can write `.git`
can write this, and what it says only reaches the config through a file the user
then commits and a reviewer reads (`identity.gate.policy-changed`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from authgate.config import ConfigError
from authgate.findings import anchor, short_fingerprint
from authgate.record import Record

if TYPE_CHECKING:
    from authgate.report import Subject

FILE = os.path.join("authgate", "last-run.json")
SCHEMA = "authgate-last-run/1"
MAX_FINDINGS = 500
MAX_FIELD = 300
MAX_BYTES = 1_000_000


class Recorded(Record):
    fingerprint: str
    rule: str
    action: str
    location: str  # "path:line", the anchor for a finding without a file, or "(commit)"
    message: str


class LastRun(Record):
    command: str
    time: str
    findings: tuple[Recorded, ...]
    more: int  # findings left out past MAX_FINDINGS


def _cut(text: str) -> str:
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD - 1] + "…"


def record(git_dir: str, command: str, subjects: Sequence[Subject]) -> None:
    """Keep the counted findings of this run (not suppressed, not off) for `accept`.
    A git directory that cannot be written only costs `accept --last` its record."""
    found: dict[str, Recorded] = {}
    total = 0
    for s in subjects:
        for f in s.verdict.findings:
            if not f.counts:
                continue
            fp = short_fingerprint(f)
            if fp in found:
                continue
            total += 1
            if len(found) >= MAX_FINDINGS:
                continue
            where = anchor(f)
            location = f.location if where is None else \
                f"{where[0]}:{where[1]}" if where[1] else where[0]
            found[fp] = Recorded(fp, f.rule_id, str(f.action), _cut(location), _cut(f.message))
    doc = {"schema": SCHEMA, "command": command,
           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "findings": [r._asdict() for r in found.values()], "more": total - len(found)}
    folder = os.path.join(git_dir, os.path.dirname(FILE))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".last-run-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False)
            os.replace(tmp, os.path.join(git_dir, FILE))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass


def read(git_dir: str) -> LastRun:
    """The last run's record; ConfigError (exit 2, one line) when there is none."""
    from authgate import gitio

    path = os.path.join(git_dir, FILE)
    try:
        raw = gitio.read_file(path, MAX_BYTES)
    except gitio.FileTooLarge:
        raw = b""
    if raw is None:
        raise ConfigError("no findings recorded yet: run `authgate check` (or commit) first, "
                          "then `authgate accept --last`")
    try:
        doc = json.loads(raw.decode("utf-8"))
        return _parse(doc)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise ConfigError(f"{path}: not a record authgate wrote; run `authgate check` "
                          "again") from None


_FP = re.compile(r"[0-9a-f]{12}")
_RULE = re.compile(r"[a-z0-9][a-z0-9._-]*")


def _parse(doc: Any) -> LastRun:
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ValueError("schema")
    items = doc["findings"]
    if not isinstance(items, list) or len(items) > MAX_FINDINGS:
        raise ValueError("findings")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("finding")
        values = {k: item[k] for k in ("fingerprint", "rule", "action", "location", "message")}
        if not all(isinstance(v, str) and len(v) <= MAX_FIELD for v in values.values()):
            raise ValueError("field")
        if not _FP.fullmatch(values["fingerprint"]) or not _RULE.fullmatch(values["rule"]):
            raise ValueError("fingerprint or rule")
        out.append(Recorded(**values))
    more = doc.get("more", 0)
    command, stamp = doc["command"], doc["time"]
    if not (isinstance(more, int) and isinstance(command, str) and isinstance(stamp, str)):
        raise ValueError("header")
    return LastRun(command[:40], stamp[:40], tuple(out), max(more, 0))
