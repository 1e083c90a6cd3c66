"""Judging a change as the pre-commit hook does, through real git: a scratch
repository commits the file's old version, stages its new one, and authgate reads the
staged diff (`changes.staged`) and decides (`pipeline.evaluate`, every family, default
config). In-process, so that a class's cases in five languages stay quick; the end to
end runs through the `authgate` command are in the test files themselves."""

from __future__ import annotations

from dataclasses import dataclass

from authgate import changes, pipeline
from authgate.config import Config
from authgate.findings import Action, Finding, Tier
from authgate.policy import Verdict

from testing.repo import Repo


@dataclass(frozen=True)
class Case:
    """One change to one file: its old text ("" for a new file) and its new text."""

    id: str
    path: str
    before: str
    after: str


def judge(repo: Repo, case: Case) -> Verdict:
    repo.write("README.md", "# app\n")
    if case.before:
        repo.write(case.path, case.before)
    repo.add()
    repo.commit("base")
    repo.write(case.path, case.after)
    repo.add(case.path)
    return pipeline.evaluate(changes.staged(cwd=str(repo.path)), Config())


def rule_ids(verdict: Verdict, prefix: str = "identity.") -> list[str]:
    return sorted({f.rule_id for f in verdict.findings if f.rule_id.startswith(prefix)
                   and f.action is not Action.OFF})


def found(verdict: Verdict, rule: str) -> Finding:
    hits = [f for f in verdict.findings if f.rule_id == rule]
    assert len(hits) == 1, [f"{f.rule_id}: {f.message}" for f in verdict.findings]
    return hits[0]


def leaks(verdict: Verdict) -> list[str]:
    return [f"{f.rule_id}: {f.message}" for f in verdict.findings if f.family == "leak"]


def topics(verdict: Verdict) -> set[str]:
    return {item.topic for item in verdict.checklist}


__all__ = ["Action", "Case", "Tier", "found", "judge", "leaks", "rule_ids", "topics"]
