"""The reviewer checklist: from a change's findings, what its reviewers must verify.

Pure: findings in, items out. Which rule raises which items is data
(`rules/checklist.toml`, by rule-id prefix); policy calls `build` and puts the result
in the Verdict, outputs only show it. Only the topics a finding raised appear, so a
change that touches no identity code has no checklist at all.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from authgate.findings import Finding
from authgate.ruleids import any_matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Item:
    item: str  # what to verify, in the guidance's words
    topic: str  # "token", "password", "session", "migration", "exposure" or "ci"
    locations: tuple[str, ...]  # "path:line" of each finding that raised it


@dataclass(frozen=True)
class Topic:
    name: str
    rules: tuple[str, ...]  # rule ids or id prefixes (matched at a dot)
    items: tuple[str, ...]

    def matches(self, rule_id: str) -> bool:
        return any_matches(self.rules, rule_id)


@functools.lru_cache(maxsize=1)
def catalog() -> tuple[Topic, ...]:
    data = tomllib.loads(resources.files("authgate").joinpath("rules").joinpath("checklist.toml")
                         .read_text(encoding="utf-8"))
    return tuple(Topic(t["name"], tuple(t["rules"]), tuple(t["items"]))
                 for t in data["topic"])


def build(findings: Iterable[Finding]) -> tuple[Item, ...]:
    """The items the counted findings (not suppressed, not off) raise, in catalog
    order; an item two topics share comes once, under the first, with all locations."""
    counted = [f for f in findings if f.counts and f.family == "identity"]
    if not counted:
        return ()
    texts: dict[str, str] = {}  # item -> topic
    where: dict[str, list[str]] = {}
    for topic in catalog():
        raised = [f for f in counted if topic.matches(f.rule_id)]
        if not raised:
            continue
        locations = sorted({f.location for f in raised}, key=_location_order)
        for text in topic.items:
            texts.setdefault(text, topic.name)
            seen = where.setdefault(text, [])
            seen.extend(loc for loc in locations if loc not in seen)
    return tuple(Item(text, topic, tuple(where[text])) for text, topic in texts.items())


def _location_order(location: str) -> tuple[str, int]:
    path, _, line = location.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (location, 0)
