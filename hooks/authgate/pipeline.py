"""The flow every command shares: a ChangeSet through the checks to a Verdict.

Besides the checks' findings, a change to the gate's own policy gets its finding
from trust.py, made from the whole change and held to the rule's action whatever
the config says (the policy cannot silence a change to itself)."""

from __future__ import annotations

from collections.abc import Iterable

from authgate import hookcache, trust
from authgate.changes import ChangeSet
from authgate.checks import run_all
from authgate.config import Config
from authgate.findings import Finding
from authgate.pathmatch import any_match
from authgate.policy import Verdict, decide
from authgate.rules import FAMILIES, RuleSet, load


def evaluate(changes: ChangeSet, config: Config, families: Iterable[str] = FAMILIES,
             rules: RuleSet | None = None, *, root: str | None = None,
             explicit: str | None = None) -> Verdict:
    wanted = tuple(families)
    if rules is None:
        rules = load(config, wanted)
    found = [*run_all(changes, rules, config, wanted),
             *_gate(changes, config, wanted, root, explicit)]
    return _decide(found, config)


def evaluate_staged(staged: ChangeSet, config: Config, git_dir: str,
                    families: Iterable[str] = FAMILIES, message: str | None = None, *,
                    root: str | None = None, explicit: str | None = None) -> Verdict:
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
        findings = [*run_all(content, rules, config, wanted),
                    *_gate(content, config, wanted, root, explicit)]
        hookcache.store(git_dir, key, findings)
    if message is not None and "provenance" in wanted:
        rules = rules or load(config, ("provenance",))
        only_message = ChangeSet(files=(), source=staged.source, revision=staged.revision,
                                 message=message)
        findings = [*findings, *run_all(only_message, rules, config, ("provenance",))]
    return _decide(findings, config)


def _gate(changes: ChangeSet, config: Config, wanted: tuple[str, ...], root: str | None,
          explicit: str | None) -> list[Finding]:
    if "identity" not in wanted:
        return []
    return trust.findings(changes, config, root=root, explicit=explicit)


def _decide(findings: list[Finding], config: Config) -> Verdict:
    gate = [f for f in findings if f.rule_id == trust.RULE]
    return decide(findings, trust.pinned(config, gate))


def skipped(changes: ChangeSet, config: Config | None = None) -> tuple[str, ...]:
    """"path: reason" for each file the checks did not read whole: not read at all (too
    large, a submodule, unmerged; binary files are not listed), or read for provider
    secrets only, as content that is not source (contentkind.py; `config` for the
    user's `[content]`, the defaults without one). The reports list the first kind one
    by one and count the second in one line."""
    from authgate import contentkind

    notread = [f"{f.path}: {f.skipped}" for f in changes.files
               if f.skipped and f.skipped != "binary"]
    excluded = config.exclude if config is not None else ()
    files = tuple(f for f in changes.files if not (excluded and any_match(excluded, f.path)))
    return tuple(notread + contentkind.skipped_entries(changes._replace(files=files), config))
