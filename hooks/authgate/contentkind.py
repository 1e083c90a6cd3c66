"""What kind of content a file is: source, or content that is not source (generated,
minified, vendored, lock or data), by its path and by what the change shows of it.

The checks are written for code people write. A lock file's checksums, a recorded
HTTP cassette, a minified bundle or a vendored library holds keywords, long random
strings and host names by the thousand, and what it says decides nothing a reviewer
of this change decides. Such a file is read for provider-pattern secrets only (a
provider's token format, a private key with its body: real credentials still block),
never silently: every report lists it (`pipeline.skipped`, one line per file in JSON,
one summary line in text and markdown).

The kinds are data (`rules/content.toml`); the user's `[tool.authgate.content]` adds
globs to a kind or forces files back to source (`source`, which beats everything).
This module is the one home of the question "what kind of content is this file":
identity's generated-header cap and the report ask it here.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Mapping, Sequence
from operator import itemgetter

from authgate.changes import ChangeSet, FileChange, Status
from authgate.config import CONTENT_KINDS, Config
from authgate.record import Record

CATALOG = "content.toml"
KINDS = CONTENT_KINDS
# The reason a skipped entry gives (`path: <PROVIDER_ONLY> (<kind>)`): the reports
# group entries by it.
PROVIDER_ONLY = "read for provider secrets only"


class _Kind(Record):
    name: str
    paths: Globs
    min_bytes: int
    header: re.Pattern[str] | None
    long_lines: bool


class Catalog(Record):
    kinds: tuple[_Kind, ...]
    source: Globs  # the catalog's own "always source" paths
    head_lines: int
    long_line: int
    long_line_bytes: int
    long_line_spaces: float
    # The user's: globs forced to source, and globs added to a kind (in KINDS order).
    user_source: Globs | None = None
    user_kinds: tuple[tuple[str, Globs], ...] = ()


_WILD = frozenset("*?[\\")


class Globs:
    """Globs with pathmatch's gitignore semantics, matched without compiling most of
    them: this runs on every commit, and compiling some 80 globs costs more than the
    rest of the classification. A bare name (`go.sum`) matches a path segment, a bare
    directory (`vendor/`) a segment that is not the last, a bare `*suffix` (`*.min.js`)
    a segment's end; any other glob is compiled (pathmatch) the first time a path
    holds each of its literal segments."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.names: set[str] = set()
        self.dirs: set[str] = set()
        self.suffixes: list[str] = []
        self.other: list[tuple[str, frozenset[str]]] = []
        for pattern in patterns:
            p = pattern.strip()
            dir_only = p.endswith("/")
            body = p.rstrip("/")
            if body.startswith("**/"):
                body = body[3:]
            plain = not (_WILD & set(body[1:])) and "/" not in body and body
            if plain and body[0] not in _WILD:
                (self.dirs if dir_only else self.names).add(body)
            elif plain and body[0] == "*" and not dir_only:
                self.suffixes.append(body[1:])
            else:
                literal = frozenset(seg for seg in p.strip("/").split("/")
                                    if seg and not (_WILD & set(seg)))
                self.other.append((pattern, literal))
        self.suffix_tuple = tuple(self.suffixes)

    def __bool__(self) -> bool:
        return bool(self.names or self.dirs or self.suffixes or self.other)

    def match(self, path: str) -> bool:
        parts = path.split("/")
        if self.names and not self.names.isdisjoint(parts):
            return True
        if self.dirs and not self.dirs.isdisjoint(parts[:-1]):
            return True
        if self.suffix_tuple and any(part.endswith(self.suffix_tuple) for part in parts):
            return True
        if self.other:
            from authgate.pathmatch import matches

            segments = set(parts)
            return any(literal <= segments and matches(pattern, path)
                       for pattern, literal in self.other)
        return False


@functools.lru_cache(maxsize=1)
def _shipped() -> Catalog:
    from authgate.rules import parsed

    doc = parsed(CATALOG)
    kinds = []
    for table in doc.get("kind", []):
        name = table["name"]
        if name not in KINDS:  # pragma: no cover - the catalog is part of the package
            raise ValueError(f"rules/{CATALOG}: unknown kind {name!r}")
        header = table.get("header")
        kinds.append(_Kind(name=name, paths=Globs(table.get("paths", ())),
                           min_bytes=int(table.get("min_bytes", 0)),
                           header=re.compile(header) if header else None,
                           long_lines=bool(table.get("long_lines", False))))
    return Catalog(kinds=tuple(kinds), source=Globs(doc.get("source", {}).get("paths", ())),
                   head_lines=int(doc["head_lines"]), long_line=int(doc["long_line"]),
                   long_line_bytes=int(doc["long_line_bytes"]),
                   long_line_spaces=float(doc["long_line_spaces"]))


def catalog(config: Config | None = None) -> Catalog:
    """The shipped kinds with the config's `[tool.authgate.content]` on top."""
    content: Mapping[str, tuple[str, ...]] = getattr(config, "content", None) or {}
    return _with_user(tuple(sorted((k, tuple(v)) for k, v in content.items())))


@functools.lru_cache(maxsize=8)
def _with_user(content: tuple[tuple[str, tuple[str, ...]], ...]) -> Catalog:
    shipped = _shipped()
    if not content:
        return shipped
    table = dict(content)
    kinds = tuple((k, Globs(table[k])) for k in KINDS if table.get(k))
    return shipped._replace(user_source=Globs(table.get("source", ())), user_kinds=kinds)


def _shown(fc: FileChange, limit: int | None = None) -> list[str]:
    """The file's lines as the change shows them from its first line (the new content;
    the old one for a deletion), up to `limit`; [] when the change does not show the
    top of the file."""
    deleted = fc.status is Status.DELETED
    if not fc.hunks or (fc.hunks[0].old_start if deleted else fc.hunks[0].new_start) > 1:
        return []
    drop = "+" if deleted else "-"
    out = []
    for ln in fc.hunks[0].lines:
        if ln.kind != drop:
            out.append(ln.text)
            if limit is not None and len(out) >= limit:
                break
    return out


def _long_lines(fc: FileChange, cat: Catalog) -> bool:
    # A median of at least `long_line` needs one line that long, and most files have
    # none: one pass in C over the lengths (removed lines too, which only makes the
    # longest longer) rules them out before anything is built line by line.
    if max((max(map(len, map(_TEXT, h.lines)), default=0) for h in fc.hunks),
           default=0) < cat.long_line:
        return False
    drop = "+" if fc.status is Status.DELETED else "-"
    texts = [ln.text for h in fc.hunks for ln in h.lines if ln.kind != drop and ln.text.strip()]
    lengths = sorted(len(t) for t in texts)
    total = sum(lengths)
    if not lengths or total < cat.long_line_bytes or lengths[len(lengths) // 2] < cat.long_line:
        return False
    return sum(t.count(" ") for t in texts) < total * cat.long_line_spaces


_TEXT = itemgetter(1)  # a Line's text


# A scan asks the kind of each file several times (its cache key, the families'
# split, the report's skipped list): the answer is kept per FileChange object and
# catalog while the object lives. A weak reference, so a batch is freed as before;
# the catalog is held, so neither id can be reused by another object meanwhile.
_ASKED: dict[tuple[int, int], tuple[weakref.ref[FileChange], Catalog, str | None]] = {}
_ASKED_MAX = 8192


def kind_of(fc: FileChange, config: Config | None = None, cat: Catalog | None = None
            ) -> str | None:
    """The kind of content that is not source this file is, or None for source. Files
    the change does not read (binary, too large, submodules) are not classified: they
    are reported as skipped already."""
    if fc.skipped:
        return None
    cat = cat or catalog(config)
    key = (id(fc), id(cat))
    known = _ASKED.get(key)
    if known is not None and known[0]() is fc and known[1] is cat:
        return known[2]
    kind = _kind(fc, cat)
    if len(_ASKED) >= _ASKED_MAX:
        _ASKED.clear()
    _ASKED[key] = (weakref.ref(fc), cat, kind)
    return kind


def _kind(fc: FileChange, cat: Catalog) -> str | None:
    path = fc.path
    if cat.user_source is not None and cat.user_source.match(path):
        return None
    for name, pattern in cat.user_kinds:
        if pattern.match(path):
            return name
    if cat.source.match(path):
        return None
    for k in cat.kinds:
        if fc.size >= k.min_bytes and k.paths.match(path):
            return k.name
    head: list[str] | None = None
    for k in cat.kinds:
        if k.header is not None:
            head = head if head is not None else _shown(fc, cat.head_lines)
            if any(k.header.search(text) for text in head):
                return k.name
        if k.long_lines and _long_lines(fc, cat):
            return k.name
    return None


def generated_header(lines: Sequence[str]) -> bool:
    """Whether these first lines of a file say it is generated (the catalog's header)."""
    return any(k.header.search(text) for k in _shipped().kinds if k.header is not None
               for text in lines)


def split(changes: ChangeSet, config: Config) -> tuple[ChangeSet, ChangeSet]:
    """(the change with its source files, the change with the other files only). The
    second carries no message, environment or provenance records: only its files are
    read, and only for provider secrets."""
    cat = catalog(config)
    source: list[FileChange] = []
    other: list[FileChange] = []
    for fc in changes.files:
        (other if kind_of(fc, cat=cat) else source).append(fc)
    if not other:
        return changes, changes._replace(files=())
    return (changes._replace(files=tuple(source)),
            ChangeSet(files=tuple(other), source=changes.source, revision=changes.revision,
                      tree=changes.tree, parents=changes.parents,
                      secrets_baseline=changes.secrets_baseline))


def skipped_entries(changes: ChangeSet, config: Config | None) -> list[str]:
    """`path: read for provider secrets only (kind)` for each such file."""
    cat = catalog(config)
    out = []
    for fc in changes.files:
        kind = kind_of(fc, cat=cat)
        if kind:
            out.append(f"{fc.path}: {PROVIDER_ONLY} ({kind})")
    return out


_ENTRY = re.compile(rf"^(?P<path>.*): {re.escape(PROVIDER_ONLY)} \((?P<kind>[a-z-]+)\)$",
                    re.DOTALL)


def summary(entries: Sequence[str]) -> tuple[str | None, list[str]]:
    """The provider-only entries of a skipped list as one line ("3 files read for
    provider secrets only: generated 1, lock 2"), and the other entries as they are."""
    counts: dict[str, int] = {}
    rest = []
    for entry in entries:
        m = _ENTRY.match(entry)
        if m is None:
            rest.append(entry)
        else:
            counts[m["kind"]] = counts.get(m["kind"], 0) + 1
    if not counts:
        return None, rest
    n = sum(counts.values())
    parts = ", ".join(f"{k} {counts[k]}" for k in sorted(counts))
    return f"{n} file{'s' if n != 1 else ''} {PROVIDER_ONLY}: {parts}", rest
