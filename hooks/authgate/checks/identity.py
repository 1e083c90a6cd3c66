"""Placeholder until the identity family lands."""

from __future__ import annotations

from authgate.changes import ChangeSet
from authgate.config import Config
from authgate.findings import Finding
from authgate.rules import RuleSet


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    return []
