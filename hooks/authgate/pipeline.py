"""The flow every command shares: a ChangeSet through the checks to a Verdict."""

from __future__ import annotations

from collections.abc import Iterable

from authgate.changes import ChangeSet
from authgate.checks import run_all
from authgate.config import Config
from authgate.policy import Verdict, decide
from authgate.rules import FAMILIES, RuleSet, load


def evaluate(changes: ChangeSet, config: Config, families: Iterable[str] = FAMILIES,
             rules: RuleSet | None = None) -> Verdict:
    wanted = tuple(families)
    if rules is None:
        rules = load(config, wanted)
    return decide(run_all(changes, rules, config, wanted), config)


def skipped(changes: ChangeSet) -> tuple[str, ...]:
    return tuple(f"{f.path}: {f.skipped}" for f in changes.files
                 if f.skipped and f.skipped != "binary")
