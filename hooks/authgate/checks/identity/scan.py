"""One file of a change as the identity rules read it: its path class and the text
of its sides, each built the first time a rule needs it."""

from __future__ import annotations

from dataclasses import dataclass

from authgate.changes import FileChange
from authgate.findings import Finding

from .paths import PathClass
from .text import Rx


@dataclass
class FileScan:
    fc: FileChange
    pc: PathClass
    findings: list[Finding]
    new_text: str | None = None  # the file's visible new lines, built on demand
    changed_lower: str | None = None  # its added and removed lines, lower-cased
    defined: dict[str, set[str]] | None = None  # unit regex -> names the change defines
    absent_seen: dict[str, bool] | None = None  # absence regex -> found in new lines

    def shows(self, rx: Rx) -> bool:
        """Whether `rx` occurs anywhere in the file's new lines: asked once per file
        and pattern, however many lines match (an absence check read the whole file
        once per matching line)."""
        if self.absent_seen is None:
            self.absent_seen = {}
        if rx.source not in self.absent_seen:
            self.absent_seen[rx.source] = rx.search(self.visible()) is not None
        return self.absent_seen[rx.source]

    def visible(self) -> str:
        if self.new_text is None:
            self.new_text = "\n".join(ln.text for h in self.fc.hunks for ln in h.lines
                                      if ln.kind != "-")
        return self.new_text

    def changed(self) -> str:
        if self.changed_lower is None:
            self.changed_lower = "\n".join(ln.text for h in self.fc.hunks for ln in h.lines
                                            if ln.kind != " ").lower()
        return self.changed_lower

    def names(self, unit: Rx) -> set[str]:
        if self.defined is None:
            self.defined = {}
        if unit.source not in self.defined:
            found = set()
            for ln in self.fc.added:
                m = unit.search(ln.text)
                if m:
                    found.add(next(g for g in m.groups() if g))
            self.defined[unit.source] = found
        return self.defined[unit.source]
