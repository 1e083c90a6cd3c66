"""The values a change is made of: `ChangeSet`, `FileChange`, `Hunk`, `Line`, `Status`
and `Identity`, plain and immutable; everything downstream reads only these."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

from authgate.record import Record

DEFAULT_MAX_FILE_SIZE = 2_000_000

MODE_SYMLINK = "120000"

MODE_SUBMODULE = "160000"



class Status(str, enum.Enum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type-changed"



_STATUS = {"A": Status.ADDED, "M": Status.MODIFIED, "D": Status.DELETED,
           "R": Status.RENAMED, "C": Status.COPIED, "T": Status.TYPE_CHANGED}



class Line(Record):
    """One line of a diff. `kind` is '+', '-' or ' ' (context).

    `new` is the line number in the new blob (None for a removed line), `old` the
    number in the old blob (None for an added line). A tuple, not a dataclass: a
    tree scan makes one for every line of every file, and a frozen dataclass cost
    three times the memory and time to build."""

    kind: str
    text: str
    old: int | None
    new: int | None

    @property
    def number(self) -> int:
        return self.new if self.new is not None else (self.old or 0)



class Hunk(Record):
    old_start: int
    new_start: int
    lines: tuple[Line, ...]

    @property
    def added(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "+")

    @property
    def removed(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "-")



class FileChange:
    """One changed file. A class with slots rather than a NamedTuple because
    contentkind keeps a weak reference to each (a tuple cannot have one), and rather
    than a dataclass because defining one costs every hook the `dataclasses` import
    and the compiling of its generated methods. Immutable: mypy rejects assigning to a
    Final attribute; `_replace` makes a changed copy."""

    _fields = ("path", "status", "old_path", "mode", "old_mode", "blob", "old_blob",
               "binary", "size", "skipped", "hunks")
    __slots__ = (*_fields, "__weakref__")

    path: Final[str]
    status: Final[Status]
    old_path: Final[str | None]
    mode: Final[str]
    old_mode: Final[str]
    blob: Final[str | None]
    old_blob: Final[str | None]
    # git found the content binary (a NUL byte); text that .gitattributes calls
    # binary is read like any text.
    binary: Final[bool]
    # Bytes of the new blob (of the old blob for a deletion).
    size: Final[int]
    # Why the content was not read: "submodule", "binary", "unmerged", or
    # "too large (N bytes > LIMIT)" when either side exceeds max_file_size.
    skipped: Final[str | None]
    hunks: Final[tuple[Hunk, ...]]

    def __init__(self, path: str, status: Status, old_path: str | None = None,
                 mode: str = "100644", old_mode: str = "000000", blob: str | None = None,
                 old_blob: str | None = None, binary: bool = False, size: int = 0,
                 skipped: str | None = None, hunks: tuple[Hunk, ...] = ()) -> None:
        self.path = path
        self.status = status
        self.old_path = old_path
        self.mode = mode
        self.old_mode = old_mode
        self.blob = blob
        self.old_blob = old_blob
        self.binary = binary
        self.size = size
        self.skipped = skipped
        self.hunks = hunks

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._fields}

    def _replace(self, **changes: Any) -> FileChange:
        return FileChange(**{**self._asdict(), **changes})

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is FileChange and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "FileChange(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields) + ")"

    @property
    def added(self) -> tuple[Line, ...]:
        return tuple(ln for h in self.hunks for ln in h.lines if ln.kind == "+")

    @property
    def removed(self) -> tuple[Line, ...]:
        return tuple(ln for h in self.hunks for ln in h.lines if ln.kind == "-")

    @property
    def is_symlink(self) -> bool:
        return self.mode == MODE_SYMLINK

    @property
    def is_submodule(self) -> bool:
        return MODE_SUBMODULE in (self.mode, self.old_mode)



class Identity(Record):
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"



class ChangeSet(Record):
    """What one commit (made or about to be made) changes, as plain values."""

    files: tuple[FileChange, ...]
    source: str  # "index", "commit" or "tree"
    revision: str | None = None  # the commit id, or HEAD for the index
    tree: str | None = None  # the tree id of the new content
    parents: tuple[str, ...] = ()
    message: str | None = None
    author: Identity | None = None
    committer: Identity | None = None
    # Agent-related environment variables, captured only for local stages.
    environment: Mapping[str, str] = {}
    # Provenance records that live outside the diff: the Agent Trace JSONL of the
    # work tree (index source) and the git-ai note of the commit (commit source).
    agent_trace: str | None = None
    ai_note: str | None = None
    # The detect-secrets baseline as of this content (the index's or the commit's
    # copy), so findings it already records pass as they do with detect-secrets-hook.
    secrets_baseline: str | None = None

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def with_message(self, message: str | None) -> ChangeSet:
        return self._replace(message=message)
