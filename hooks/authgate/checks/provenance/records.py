"""`meta` rules: Agent Trace records (`.agent-trace/traces.jsonl` in the index) and
git-ai notes on a commit, read as evidence naming a tool; imported only when a change
carries one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from authgate.changes import ChangeSet, Status
from authgate.checks.context import file_context
from authgate.checks.provenance.plan import _finding, _Plan, slug
from authgate.findings import Finding, scrub

TRACE_PATH = ".agent-trace/traces.jsonl"


def _malformed(plan: _Plan, what: str, path: str | None, lines: list[int]) -> list[Finding]:
    rule = plan.meta.get("malformed")
    if rule is None or not lines:
        return []
    where = f" (line {lines[0]}" + (f" and {len(lines) - 1} more)" if len(lines) > 1 else ")")
    return [_finding(rule, path=path, line=lines[0] if path else None, context="config",
                     message=f"{len(lines)} unreadable {what} skipped{where if path else ''}")]


def _from_agent_trace(changes: ChangeSet, plan: _Plan) -> list[Finding]:
    """Agent Trace records written at the current HEAD for files that are staged."""
    import json

    text = changes.agent_trace or ""
    head = changes.revision
    # Records are written while editing, against the HEAD the commit will have as
    # parent: a file without it holds nothing for this commit and is not parsed.
    if head and head not in text:
        return []
    staged = {f.path: f for f in changes.files if f.status is not Status.DELETED}
    rule = plan.meta["agent-trace"]
    bad: list[int] = []
    models: dict[tuple[str, str | None], str | None] = {}
    spans: dict[tuple[str, str | None], set[tuple[int, int]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or (head and head not in line):
            continue
        try:
            # A record counts whole or not at all.
            files = list(_trace_files(json.loads(line), head))
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            # RecursionError: a record nested deeper than json can read is malformed too.
            bad.append(number)
            continue
        for path, tool, model, ranges in files:
            if path in staged:
                models.setdefault((path, tool), model)
                spans.setdefault((path, tool), set()).update(ranges)
    out: list[Finding] = []
    for (path, tool), model in models.items():
        ranges = sorted(spans[(path, tool)])
        shown = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:6]) or "file"
        by = f" by {tool or 'an AI tool'}" + (f" ({model})" if model else "")
        out.append(_finding(rule, path=path, line=ranges[0][0] if ranges else None,
                            context=file_context(path), tool=tool,
                            evidence=scrub(f"lines {shown}{by}")))
    return out + _malformed(plan, "Agent Trace record(s)", TRACE_PATH, bad)


def _trace_files(record: Any, head: str | None
                 ) -> Iterator[tuple[str, str | None, str | None, list[tuple[int, int]]]]:
    if not isinstance(record, dict):
        raise TypeError("record is not an object")
    vcs = record.get("vcs") or {}
    revision = vcs.get("revision")
    if (revision or None) != head:
        return
    tool_name = (record.get("tool") or {}).get("name")
    tool = slug(str(tool_name)) if tool_name else None
    for entry in record.get("files") or ():
        path = str(entry["path"])
        path = path[2:] if path.startswith("./") else path
        ranges: list[tuple[int, int]] = []
        model = None
        ai = False
        for conv in entry.get("conversations") or ():
            who = conv.get("contributor") or {}
            for rng in conv.get("ranges") or ():
                by = rng.get("contributor") or who
                if str(by.get("type", "")).lower() in ("ai", "mixed"):
                    ai = True
                    model = model or by.get("model_id") or by.get("model")
                    ranges.append((int(rng["start_line"]), int(rng["end_line"])))
            if not conv.get("ranges") and str(who.get("type", "")).lower() in ("ai", "mixed"):
                ai = True
                model = model or who.get("model_id") or who.get("model")
        if ai:
            yield path, tool, (str(model) if model else None), ranges


def _from_git_ai(note: str, plan: _Plan) -> list[Finding]:
    """A git-ai authorship note (standard v3): per-file attestation lines, `---`, JSON."""
    import json

    lines = note.splitlines()
    split = next((i for i, ln in enumerate(lines) if ln.strip() == "---"), -1)
    try:
        if split < 0:
            raise ValueError("no '---' separator")
        meta = json.loads("\n".join(lines[split + 1:]))
        if not isinstance(meta, dict) or not str(meta.get("schema_version", "")).startswith(
                "authorship/"):
            raise ValueError("not an authorship log")
        agents = {**_agents(meta.get("prompts")), **_agents(meta.get("sessions"))}
        models: dict[tuple[str, str | None], str | None] = {}
        spans: dict[tuple[str, str | None], list[str]] = {}
        path = None
        for ln in lines[:split]:
            if not ln.strip():
                continue
            if not ln[:1].isspace():
                path = ln.strip()
                continue
            parts = ln.split()
            key = parts[0].split("::")[0]
            if key not in agents or path is None:
                continue  # a human (h_...) or unknown key
            tool, model = agents[key]
            models.setdefault((path, tool), model)
            spans.setdefault((path, tool), []).extend(parts[1:2])
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        return _malformed(plan, "git-ai note", None, [1])
    rule = plan.meta["git-ai"]
    out: list[Finding] = []
    for (path, tool), model in models.items():
        ranges = spans[(path, tool)]
        first = re.match(r"\d+", ranges[0]) if ranges else None
        by = f" by {tool or 'an AI agent'}" + (f" ({model})" if model else "")
        out.append(_finding(rule, path=path, line=int(first[0]) if first else None,
                            context=file_context(path), tool=tool,
                            evidence=scrub(f"lines {','.join(ranges) or '?'}{by}")))
    return out


def _agents(table: Any) -> dict[str, tuple[str | None, str | None]]:
    out: dict[str, tuple[str | None, str | None]] = {}
    if not isinstance(table, dict):
        return out
    for key, value in table.items():
        agent = value.get("agent_id") if isinstance(value, dict) else None
        if isinstance(agent, dict):
            tool, model = agent.get("tool"), agent.get("model")
            out[str(key)] = (slug(str(tool)) if tool else None,
                             str(model) if model else None)
    return out
