"""Findings of committed blobs, kept between `authgate scan` runs.

A file's leak and provenance findings depend only on its content, its path and what
judges it (the catalogs, the config, the baseline, authgate's version), so `scan`
judges each (blob, path) once: the findings are stored under the git directory keyed
by the blob id, the path and a fingerprint of everything else, and a second scan of
an unchanged tree only reads the tree. The identity family reads the tree as a whole
(tests next to decisions, moves between files): its findings are kept for the tree
id, so they are reused only when no file changed.

What is stored is what the reports show: evidence and messages already redacted
(`checks.redact_lines`), values only as SHA-256, plus the positions (`start:end`) of
secrets on their lines so the run can redact other families' findings with them;
never a secret's text. The file is bounded (the entries used last are kept), written
to a temporary file and renamed (a concurrent scan loses at most its own entries),
and anything unexpected in it (damaged, another version, hostile) is a miss, never a
crash. Only `scan` imports this module: the commit path never pays for it.

Local state is not a security boundary (as with hookcache.py): whoever can write
`.git` can make a local scan see anything. An audit that trusts nothing local, or CI
on a fresh clone, runs without it (`--no-cache`, or there is simply no file yet).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources

from authgate import __version__
from authgate.changes import FileChange
from authgate.config import Config, as_toml
from authgate.findings import Finding
from authgate.hookcache import _finding, _plain, _read

FILE = os.path.join("authgate", "scan-cache.json")
FORMAT = 1
# The file stays below this; a tree of 100,000 clean files needs about 6 MB.
MAX_BYTES = 32 * 1024 * 1024
# Families whose findings for a file depend on that file alone.
FAMILIES = ("provenance", "leak")
_CATALOGS = ("provenance.toml", "leaks.toml", "identity.toml", "content.toml")


def fingerprint(config: Config, families: Iterable[str], baseline: str | None) -> str:
    """Everything but the file that its findings depend on."""
    h = hashlib.sha256()
    rules = resources.files("authgate").joinpath("rules")
    parts = [t.encode("utf-8", "surrogateescape") for t in
             (__version__, ",".join(families), as_toml(config), baseline or "")]
    parts += [rules.joinpath(name).read_bytes() for name in _CATALOGS]
    for data in parts:
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def key(fp: str, fc: FileChange) -> str | None:
    """The entry of one file: None when git gave no blob id to bind to. Whether its
    content was read (binary, over the size limit) follows from the blob and the
    config: a file can be looked up from the tree's listing before it is read."""
    if not fc.blob or fc.blob.strip("0") == "":
        return None
    text = "\x00".join((fp, fc.blob, fc.path, fc.mode, fc.status.value))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def tree_key(fp: str, tree: str | None) -> str | None:
    """The entry of a whole tree's findings (families that read files together)."""
    if not tree:
        return None
    return hashlib.sha256(f"tree\x00{fp}\x00{tree}".encode()).hexdigest()[:40]


def load(git_dir: str) -> dict[str, list[Finding]]:
    """Every readable entry; an empty cache when the file is absent, damaged or from
    another version of authgate."""
    try:
        doc = _read(os.path.join(git_dir, FILE))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT \
                or doc.get("version") != __version__:
            return {}
        raw = doc.get("entries")
        if not isinstance(raw, dict):
            return {}
        out: dict[str, list[Finding]] = {}
        for k, items in raw.items():
            if not isinstance(k, str) or not isinstance(items, list):
                return {}
            found = [_finding(d) for d in items]
            if any(f is None for f in found):
                return {}  # one bad entry: trust none of the file
            out[k] = [f for f in found if f is not None]
        return out
    except Exception:  # absent, damaged or hostile: judge again, never crash
        return {}


def store(git_dir: str, used: Mapping[str, Sequence[Finding]],
          older: Mapping[str, Sequence[Finding]], limit: int = MAX_BYTES) -> None:
    """Write the entries this run used, then the older ones, up to `limit` bytes."""
    head = f'{{"format": {FORMAT}, "version": {json.dumps(__version__)}, "entries": {{'
    parts: list[str] = []
    size = len(head) + 2
    seen: set[str] = set()
    for k, items in [*used.items(), *older.items()]:
        if k in seen:
            continue
        seen.add(k)
        part = f"{json.dumps(k)}: {json.dumps([_plain(f) for f in items])}"
        if size + len(part) + 2 > limit:
            break  # the rest are evicted: least recently used last
        parts.append(part)
        size += len(part) + 2
    target = os.path.join(git_dir, FILE)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".scan-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(head + ", ".join(parts) + "}}")
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only git directory only costs the next scan a full run
