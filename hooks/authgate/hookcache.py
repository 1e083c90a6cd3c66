"""The staged content's findings, kept between the hooks of one commit.

A commit through all of authgate's hooks judges the same staged content three times
(pre-commit, prepare-commit-msg, commit-msg); only the message differs between them,
and only the provenance family reads the message. The findings of the content are
stored under the git directory with a key that covers everything they depend on,
so the message hooks re-run only the message part. The file holds redacted findings
as every report does (evidence redacted, values only as SHA-256), and one entry.

Local state is not a security boundary: whoever can write `.git` can also remove the
hooks, and CI verification (`authgate verify`) is what holds. Still, a forged entry
must not be an easier way past the hooks than skipping them, so an entry counts only
within the `git commit` whose pre-commit hook wrote it; one from before (a forgery, a
manual `authgate check`, an earlier commit) is a miss and the message hook judges
the content again. The entry names its writer: the `git` process the hook runs
under (pid and start time, from /proc or `ps`), and the identity of the index file
(path, size, mtime, inode). Under git, only an entry from the same git process
counts (the index alone would not do: git does not always rewrite it when a commit
starts, and pre-commit's stash of unstaged changes rewrites it between the hooks of
one commit). Outside git (a hand-run `authgate check` then `authgate msg`), the
index identity decides.
Anything unexpected in the file is a miss too, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from authgate import __version__
from authgate.changes import ChangeSet
from authgate.config import Config, as_toml
from authgate.findings import Action, Finding, Severity, Tier

FILE = os.path.join("authgate", "staged-findings.json")
_CATALOGS = ("provenance.toml", "leaks.toml", "identity.toml", "content.toml")


def key(changes: ChangeSet, config: Config, families: Iterable[str]) -> str | None:
    """What the content findings depend on; None when there is no tree to bind to."""
    if changes.tree is None:
        return None
    h = hashlib.sha256()
    from authgate.rules import catalog_bytes

    catalogs = [catalog_bytes(name) for name in _CATALOGS]
    texts = (__version__, ",".join(families), as_toml(config), changes.tree,
             changes.revision or "", repr(sorted(changes.environment.items())),
             changes.agent_trace or "", changes.secrets_baseline or "",
             # Who commits: provenance judges the author and committer git will record.
             str(changes.author or ""), str(changes.committer or ""))
    for data in [t.encode("utf-8", "surrogateescape") for t in texts] + catalogs:
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


# A real entry is far below this; a larger file is not read.
MAX_BYTES = 64 * 1024 * 1024


def index_identity(git_dir: str) -> list[Any] | None:
    """What identifies this commit's index file: git writes a new one (a new inode and
    mtime) when `git commit` starts, and hooks see GIT_INDEX_FILE when it uses another."""
    path = os.path.abspath(os.environ.get("GIT_INDEX_FILE") or os.path.join(git_dir, "index"))
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]


def git_process() -> list[Any] | None:
    """[pid, start time] of the nearest `git` process above this one (the `git commit`
    running the hooks); None when there is none (a hand-run `authgate check`) or the
    system cannot tell (no /proc and no `ps`, as on Windows)."""
    pid = os.getppid()
    for _ in range(6):  # git -> (sh) -> hook runner -> (sh) -> authgate
        found = _process(pid)
        if found is None:
            return None
        parent, started, name = found
        if name == "git":
            return [pid, started]
        if parent <= 1:
            return None
        pid = parent
    return None


def _process(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, start time, program name) of `pid`."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            line = fh.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return _ps(pid) if not os.path.isdir("/proc/self") else None
    except OSError:
        return None
    # "pid (comm) state ppid ... starttime(22nd field) ..."; comm may hold ") ".
    name = line[line.find("(") + 1:line.rfind(")")]
    rest = line[line.rfind(")") + 2:].split()
    if len(rest) < 20:
        return None
    return int(rest[1]), rest[19], name


def _ps(pid: int) -> tuple[int, str, str] | None:
    # Without /proc (macOS, the BSDs): POSIX ps, one call per ancestor asked about.
    import subprocess

    try:
        out = subprocess.run(["ps", "-o", "ppid=,lstart=,comm=", "-p", str(pid)],
                             capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 7 or not out[0].isdigit():
        return None
    return int(out[0]), " ".join(out[1:6]), os.path.basename(" ".join(out[6:]))


def _writer(git_dir: str) -> dict[str, Any]:
    return {"git": git_process(), "index": index_identity(git_dir)}


def _same_writer(bound: Any, now: dict[str, Any]) -> bool:
    """Whether this entry was written within the same `git commit` (or, outside git,
    for the same index file as it is now)."""
    if not isinstance(bound, dict):
        return False
    if now["git"] is not None:
        return bool(bound.get("git") == now["git"])
    return now["index"] is not None and bound.get("index") == now["index"]


def load(git_dir: str, wanted: str | None) -> list[Finding] | None:
    if wanted is None:
        return None
    try:
        doc = _read(os.path.join(git_dir, FILE))
        if not isinstance(doc, dict) or doc.get("key") != wanted:
            return None
        if not _same_writer(doc.get("writer"), _writer(git_dir)):
            return None
        raw = doc.get("findings")
        if not isinstance(raw, list):
            return None
        out = []
        for d in raw:
            f = _finding(d)
            if f is None:
                return None
            out.append(f)
        return out
    except Exception:  # absent, stale, damaged or hostile: judge again, never crash
        return None


def _read(path: str) -> Any:
    # O_NONBLOCK: a FIFO put in its place must not hang the hook; only a regular file
    # of sane size is read.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_BYTES + 1)
    finally:
        os.close(fd)
    return json.loads(data.decode("utf-8"))


def store(git_dir: str, wanted: str | None, findings: Sequence[Finding]) -> None:
    if wanted is None:
        return
    target = os.path.join(git_dir, FILE)
    doc = {"key": wanted, "writer": _writer(git_dir),
           "findings": [_plain(f) for f in findings]}
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".staged-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only git directory only costs the next hook a full run


def _plain(f: Finding) -> dict[str, Any]:
    d = f._asdict()
    d["severity"], d["tier"], d["action"] = int(f.severity), int(f.tier), f.action.value
    return d



# Finding field -> the JSON types it may hold; anything else makes the entry a miss.
_STR, _OPT_STR = (str,), (str, type(None))
_TYPES: dict[str, tuple[type, ...]] = {
    "rule_id": _STR, "message": _STR, "path": _OPT_STR, "line": (int, type(None)),
    "evidence": _STR, "title": _STR, "fix": _STR, "context": _STR, "strength": _OPT_STR,
    "tool": _OPT_STR, "value_hash": _OPT_STR, "suppressed": _OPT_STR,
}


def _finding(d: Any) -> Finding | None:
    if not isinstance(d, dict):
        return None
    names = set(Finding._fields)
    if not set(d) <= names:
        return None
    for name, types in _TYPES.items():
        value = d.get(name)
        if name in d and (not isinstance(value, types) or isinstance(value, bool)):
            return None
    refs, extra = d.get("refs", []), d.get("extra", [])
    if not (isinstance(refs, list) and all(isinstance(r, str) for r in refs)):
        return None
    if not (isinstance(extra, list) and all(
            isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x)
            for x in extra)):
        return None
    for name in ("severity", "tier"):
        if not isinstance(d.get(name), int) or isinstance(d.get(name), bool):
            return None
    try:
        values = {k: v for k, v in d.items() if k in names}
        values["severity"] = Severity(values["severity"])
        values["tier"] = Tier(values["tier"])
        values["action"] = Action(values["action"])
        values["refs"] = tuple(refs)
        values["extra"] = tuple((x[0], x[1]) for x in extra)
        return Finding(**values)
    except (KeyError, ValueError, TypeError):
        return None
