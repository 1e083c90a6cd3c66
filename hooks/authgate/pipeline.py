"""The flow every command shares: a ChangeSet through the checks to a Verdict."""

from __future__ import annotations

from collections.abc import Iterable

from authgate import hookcache
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


def evaluate_staged(staged: ChangeSet, config: Config, git_dir: str,
                    families: Iterable[str] = FAMILIES, message: str | None = None) -> Verdict:
    """The staged change (plus the message being written, at the message stages).

    The content's findings are shared between the hooks of one commit (hookcache);
    the message is judged fresh, by the only family that reads it."""
    wanted = tuple(families)
    content = staged.with_message(None)
    key = hookcache.key(content, config, wanted)
    findings = hookcache.load(git_dir, key)
    rules: RuleSet | None = None
    if findings is None:
        rules = load(config, wanted)
        findings = run_all(content, rules, config, wanted)
        hookcache.store(git_dir, key, findings)
    if message is not None and "provenance" in wanted:
        rules = rules or load(config, ("provenance",))
        only_message = ChangeSet(files=(), source=staged.source, revision=staged.revision,
                                 message=message)
        findings = [*findings, *run_all(only_message, rules, config, ("provenance",))]
    return decide(findings, config)


def skipped(changes: ChangeSet) -> tuple[str, ...]:
    return tuple(f"{f.path}: {f.skipped}" for f in changes.files
                 if f.skipped and f.skipped != "binary")
