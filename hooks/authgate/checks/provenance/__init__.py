"""AI provenance: who (or what) wrote a change, with evidence, and the defects AI edits
leave behind.

The catalog is data (`rules/provenance.toml`, whose header documents each kind and its
`[rule.params]`); this module only knows how each kind reads the ChangeSet:

- `identity`, `trailer`, `message`: the commit message (commit-msg stage and commits)
  and the author and committer (commits);
- `env`: the agent variables captured at local stages;
- `path`, `line`, `window`: the files and their added lines;
- `meta`: Agent Trace records (index) and git-ai notes (commits).

Every text is matched after NFKC with zero-width and bidi controls removed, so a
marker cannot hide behind an invisible character or a full-width letter. Evidence
findings warn: policy turns strong ones into AI-Assisted. Artifacts, bidi controls and
committed transcripts are defects whose rules block by default.

The package, by part: `plan` (the catalog compiled once per rule set, text
normalization, the finding builder), `message` (the commit message, author and
committer), `files` (path, line and window rules on the added lines) and `records`
(Agent Trace records and git-ai notes, imported only when a change carries one); the
agent variables and `run` are here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from authgate.changes import ChangeSet
from authgate.checks.provenance.files import _from_file
from authgate.checks.provenance.message import _from_message
from authgate.checks.provenance.plan import _finding, _Plan, _plan, normalize, slug
from authgate.config import Config
from authgate.findings import Finding, scrub
from authgate.rules import RuleSet

# Values that mean "not set" for an agent variable or "no" for a disclosure trailer.
OFF_VALUES = frozenset({"", "0", "false", "no", "off"})


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    plan = _plan(rules)
    findings: list[Finding] = []
    findings += _from_message(changes, plan, config)
    findings += _from_environment(changes.environment, plan)
    for fc in changes.files:
        findings += _from_file(fc, plan)
    # Agent Trace records and git-ai notes are rare: their reader is imported only
    # when a change carries one.
    if changes.agent_trace and "agent-trace" in plan.meta:
        from authgate.checks.provenance.records import _from_agent_trace

        findings += _from_agent_trace(changes, plan)
    if changes.ai_note and "git-ai" in plan.meta:
        from authgate.checks.provenance.records import _from_git_ai

        findings += _from_git_ai(changes.ai_note, plan)
    return findings


def _from_environment(env: Mapping[str, str], plan: _Plan) -> list[Finding]:
    if not env:
        return []
    out: list[Finding] = []
    claimed: set[str] = set()
    for entry in plan.envs:
        seen = []
        for name, pattern in entry.vars:
            value = env.get(name)
            if value is None or (entry.fallback and name in claimed):
                continue
            value = normalize(value).strip()
            if value.lower() in OFF_VALUES or (pattern and not re.search(pattern, value)):
                continue
            seen.append((name, value))
        if not seen:
            continue
        claimed.update(n for n, _ in seen)
        tool = slug(seen[0][1], plan.aliases) if entry.rule.params.get("tool_from_value") else None
        evidence = ", ".join(f"{n}={v}" for n, v in seen)
        out.append(_finding(entry.rule, evidence=scrub(evidence), context="environment",
                            tool=tool))
    return out
