"""`authgate verify`: recompute every commit of a range and hold it to its trailers.

git records nothing about whether hooks ran: a trailer is a claim. For each commit
the verdict is recomputed from the commit alone (its diff, message, author and
committer, its git-ai note; never an environment; a merge on what it adds beyond its
parents, see history.py) and compared with the trailers it carries:

- `verify.trailers.missing`: the content needs trailers and the commit has none
  ("hooks bypassed"), or one of them is missing;
- `verify.trailers.weaker`: a trailer claims less than the content demands;
- `verify.tree.mismatch`: `Authgate-Tree` is not the commit's tree (the content
  changed after the hooks ran);
- `verify.blocking.landed`: the commit holds blocking findings and landed anyway;
- `verify.ai.removed`: an earlier commit of the range with the same change says
  AI-Assisted, this rewrite of it does not;
- `verify.approval.missing`: `require_approval` and no Reviewed-by /
  Security-Reviewed-by trailer from an approver.

The policy that judges (config, custom rules, the secrets baseline) is the one at
the base of the range, never one the judged commits bring: a pull request cannot
switch off the check of its own later commits. Each change to the policy inside the
range is itself a finding (trust.py). `--config FILE` is read as given.

Exit 0 when every commit holds, 1 when one does not, 2 for a range that cannot be
verified (unknown revision, a shallow clone missing the base).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from authgate import changes, config, escape, gitio, history, trailers
from authgate.changes import ChangeSet, Status
from authgate.checks import MODULES
from authgate.commands import output
from authgate.config import Config, ConfigError, TrailerNames
from authgate.findings import Action, Finding, Severity, Tier, scrub
from authgate.pipeline import evaluate, skipped
from authgate.policy import Verdict
from authgate.report import Subject, markdown_checklist, render
from authgate.rules import FAMILIES, RuleSet, load

TITLE = "authgate verify"

MISSING = "verify.trailers.missing"
WEAKER = "verify.trailers.weaker"
TREE = "verify.tree.mismatch"
LANDED = "verify.blocking.landed"
AI_REMOVED = "verify.ai.removed"
APPROVAL = "verify.approval.missing"

# rule id -> (title, severity, how to fix)
RULES: Mapping[str, tuple[str, Severity, str]] = {
    MISSING: ("Trailers missing: hooks bypassed", Severity.HIGH,
              "commit through the authgate hooks (no --no-verify, no SKIP=) so the trailers "
              "are written, then get the reviews they require"),
    WEAKER: ("Trailers weaker than the content demands", Severity.HIGH,
             "restore the trailers the hooks wrote (authgate never weakens them) and get "
             "the reviews the content requires"),
    TREE: ("Authgate-Tree differs from the commit's tree", Severity.HIGH,
           "the content changed after the hooks ran (amend, rebase or edit with hooks "
           "off): re-commit it through the hooks so the trailers describe this content"),
    LANDED: ("Blocking findings in a commit that landed", Severity.CRITICAL,
             "fix the blocking findings in a new commit; a commit that policy blocks must "
             "not reach a protected branch"),
    AI_REMOVED: ("AI-Assisted trailer removed by a rewrite", Severity.HIGH,
                 "keep the AI-Assisted trailer when rewriting (rebase, cherry-pick, amend)"),
    APPROVAL: ("Approval evidence missing", Severity.HIGH,
               "get the review and record it as a Reviewed-by (or Security-Reviewed-by) "
               "trailer from an identity listed in `approvers`"),
}

# Fewer commits than this are judged in-process: a pool costs more than it saves.
PARALLEL_MIN_COMMITS = 24
APPROVAL_KEYS = ("reviewed-by", "security-reviewed-by")
_NEGATIVE = {"no", "none", "false", "0", "n/a", "-"}
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_EMAIL = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


@dataclass(frozen=True)
class Checked:
    """One commit after verification: what it is, what it needs, what it claims."""

    revision: str
    subject: str  # first message line, scrubbed
    verdict: Verdict  # the recomputed verdict (`finish` puts the verify findings first)
    problems: tuple[Finding, ...]
    claims: tuple[tuple[str, str], ...]  # the authgate trailers it carries
    ai_claim: str | None  # the AI trailer's value, when it claims AI assistance
    fingerprint: str | None  # patch fingerprint: finds a rewrite of the same change
    anchor: tuple[str | None, int | None] = (None, None)  # where its verify findings point
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def short(self) -> str:
        return self.revision[:12]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def ai_assisted(self) -> bool:
        return self.verdict.ai_assisted or self.ai_claim is not None


# --- comparing a verdict with the trailers (pure) -----------------------------------

def _values(claimed: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    # git matches trailer keys case-insensitively.
    out: dict[str, list[str]] = {}
    for key, value in claimed:
        out.setdefault(key.lower(), []).append(value.strip())
    return out


def _items(values: Sequence[str]) -> set[str]:
    return {v.strip().lower() for value in values for v in value.split(",") if v.strip()}


def _shown(value: str) -> str:
    """A trailer value to quote: an object id abbreviated, anything else scrubbed (a
    hand-written trailer can hold anything, a secret included)."""
    return value[:12] if _OBJECT_ID.fullmatch(value) else scrub(value)


def _shown_claim(claim: str | None) -> str | None:
    # The summary and the json quote it: a hand-written trailer can hold a secret.
    return scrub(claim) if claim else claim


def _ai_claim(got: Mapping[str, list[str]], names: TrailerNames) -> str | None:
    values = [v for v in got.get(names.ai.lower(), []) if v.lower() not in _NEGATIVE]
    return ", ".join(values) if values else None


def compare(changes: ChangeSet, verdict: Verdict, claimed: Sequence[tuple[str, str]],
            names: TrailerNames) -> list[tuple[str, str]]:
    """(rule id, message) for every way the trailers fall short of `verdict`."""
    got = _values(claimed)
    out: list[tuple[str, str]] = []
    tree_claims = got.get(names.tree.lower(), [])
    if tree_claims and changes.tree and tree_claims[-1] != changes.tree:
        out.append((TREE, f"{names.tree} is {_shown(tree_claims[-1])} but the commit's tree is "
                          f"{changes.tree[:12]}: the content changed after the hooks ran"))
    expected = trailers.wanted(verdict, names, changes.tree)
    if not expected:
        return out
    ours = {n.lower() for n in (names.impact, names.reviews, names.ai, names.tree,
                                names.suppressed)}
    if not ours & set(got):
        needs = "; ".join(f"{k}: {v}" for k, v in expected if k != names.tree)
        out.append((MISSING, f"hooks bypassed: the content needs {needs}, and the commit "
                             "carries no authgate trailer"))
        return out
    for key, value in expected:
        have = got.get(key.lower(), [])
        shown = ", ".join(_shown(v) for v in have)
        if not have:
            what = "the trailers were not written by the hooks" if key == names.tree \
                else f"the content needs {key}: {value}"
            out.append((MISSING, f"{key} missing: {what}"))
        elif key == names.impact:
            tiers = [t for t in (trailers.tier_of(v) for v in have) if t is not None]
            if not tiers or max(tiers) < verdict.tier:
                out.append((WEAKER, f"{key}: {shown} is weaker than the "
                                    f"{verdict.tier} the content demands"))
        elif key == names.reviews:
            listed = _items(have)
            lacking = [r for r in verdict.required_reviews if r.lower() not in listed]
            if lacking:
                out.append((WEAKER, f"{key}: {shown} lacks "
                                    f"{', '.join(lacking)} that the content requires"))
        elif key == names.ai:
            if _ai_claim(got, names) is None:
                out.append((WEAKER, f"{key}: {shown}, but the content shows AI "
                                    f"assistance ({value})"))
        elif key == names.suppressed:
            counts = [int(v) for v in have if v.isdigit()]
            if not counts or max(counts) < verdict.suppressed:
                out.append((WEAKER, f"{key}: {shown}, but {verdict.suppressed} "
                                    "findings are suppressed"))
    return out


def _email(identity: str) -> str:
    m = _EMAIL.search(identity)
    return (m.group(1) if m else identity).strip().lower()


def approval(changes: ChangeSet, verdict: Verdict, claimed: Sequence[tuple[str, str]],
             cfg: Config) -> list[tuple[str, str]]:
    """Reviewed-by evidence from configured approvers, when policy asks for it.

    An author's approval of their own commit does not count."""
    if not cfg.require_approval or not verdict.required_reviews:
        return []
    approvers = {_email(a) for a in cfg.approvers}
    author = changes.author.email.lower() if changes.author else ""
    got = _values(claimed)
    by_key = {k: [_email(v) for v in got.get(k, [])] for k in APPROVAL_KEYS}
    valid = {k: [e for e in v if e in approvers and e != author] for k, v in by_key.items()}
    self_note = " (the author's own approval does not count)" if author in {
        e for v in by_key.values() for e in v} else ""
    if "security" in {r.lower() for r in verdict.required_reviews}:
        if not valid["security-reviewed-by"]:
            return [(APPROVAL, "the content requires a security review and no "
                               "Security-Reviewed-by trailer names an approver" + self_note)]
        return []
    if not valid["reviewed-by"] and not valid["security-reviewed-by"]:
        return [(APPROVAL, f"the content requires review ({', '.join(verdict.required_reviews)})"
                           " and no Reviewed-by trailer names an approver" + self_note)]
    return []


def fingerprint(changes: ChangeSet) -> str | None:
    """Like `git patch-id`: the changed lines per path, blind to line numbers and
    whitespace, so a rebased or cherry-picked commit matches its original."""
    h = hashlib.sha256()
    seen = False
    for fc in sorted(changes.files, key=lambda f: f.path):
        h.update(fc.path.encode("utf-8", "surrogateescape") + b"\x00")
        if fc.binary or fc.skipped:
            h.update((fc.blob or "").encode() + b"\x00")
        for hunk in fc.hunks:
            for ln in hunk.lines:
                if ln.kind in "+-":
                    h.update(ln.kind.encode() + "".join(ln.text.split()).encode(
                        "utf-8", "surrogateescape") + b"\x00")
        seen = True
    return h.hexdigest() if seen else None


def _anchor(verdict: Verdict, changes: ChangeSet) -> tuple[str | None, int | None]:
    # Verify findings point at what drives them, so code scanning (which rejects a
    # result without a location) and editors can show them.
    live = [f for f in verdict.findings if f.suppressed is None and f.action is not Action.OFF
            and f.path]
    for f in live:
        if f.action is Action.BLOCK:
            return f.path, f.line
    for f in live:
        if verdict.tier > Tier.NONE and f.tier == verdict.tier:
            return f.path, f.line
    present = [f for f in changes.files if f.status is not Status.DELETED] or changes.files
    return (present[0].path, None) if present else (None, None)


def problem(rule: str, message: str, revision: str, where: tuple[str | None, int | None]
            ) -> Finding:
    title, severity, fix = RULES[rule]
    return Finding(rule_id=rule, severity=severity, message=message, path=where[0],
                   line=where[1], evidence=f"commit {revision[:12]}", title=title, fix=fix,
                   context="message", action=Action.BLOCK)


def judge(changes: ChangeSet, cfg: Config, rules: RuleSet, comment_char: str, *,
          root: str | None = None, explicit: str | None = None) -> Checked:
    """Recompute one commit and hold it to its trailers."""
    full = evaluate(changes, cfg, FAMILIES, rules, root=root, explicit=explicit)
    # A git-ai note is written after the commit (post-commit), so the hooks could not
    # have seen it: the trailers are held to the verdict without it, while the note
    # still counts as AI evidence for blocking and for the range summary.
    claim = evaluate(replace(changes, ai_note=None), cfg, FAMILIES, rules, root=root,
                     explicit=explicit) if changes.ai_note else full
    message = changes.message or ""
    claimed = trailers.parse(message, comment_char)
    names = cfg.trailers
    found = compare(changes, claim, claimed, names)
    if full.blocked:
        ids = sorted({f.rule_id for f in full.blocking})
        found.append((LANDED, f"{len(full.blocking)} blocking finding"
                              f"{'s' if len(full.blocking) != 1 else ''} landed: {', '.join(ids)}"))
    found += approval(changes, full, claimed, cfg)
    where = _anchor(full, changes)
    revision = changes.revision or ""
    problems = tuple(problem(rule, msg, revision, where) for rule, msg in found)
    ours = {n.lower() for n in (names.impact, names.reviews, names.ai, names.tree,
                                names.suppressed, *APPROVAL_KEYS)}
    claims = tuple((k, _shown(v)) for k, v in claimed if k.lower() in ours)
    subject = scrub(message.strip().splitlines()[0] if message.strip() else "(no message)")
    return Checked(
        revision=revision, subject=subject[:72], verdict=full, problems=problems,
        claims=claims, ai_claim=_shown_claim(_ai_claim(_values(claimed), names)),
        fingerprint=fingerprint(changes), anchor=where, skipped=skipped(changes))


def rewrites(checked: Sequence[Checked], names: TrailerNames) -> list[Checked]:
    """Add `verify.ai.removed` where a later commit of the range carries the same change
    as an earlier AI-assisted one without saying so."""
    first_ai: dict[str, Checked] = {}
    out = []
    for c in checked:
        if c.fingerprint and c.fingerprint in first_ai and c.ai_claim is None:
            orig = first_ai[c.fingerprint]
            said = f"{names.ai}: {orig.ai_claim}" if orig.ai_claim else "AI assistance"
            p = problem(AI_REMOVED, f"{names.ai} removed: the same change as {orig.short} "
                                    f"carries {said}", c.revision, c.anchor)
            c = replace(c, problems=(*c.problems, p))
        if c.fingerprint and c.ai_assisted:
            first_ai.setdefault(c.fingerprint, c)
        out.append(c)
    return out


def finish(c: Checked) -> Checked:
    """The verdict that reports show: verify problems first, then what the checks found."""
    if not c.problems:
        return c
    v = replace(c.verdict, findings=(*c.problems, *c.verdict.findings), blocked=True)
    notes = ("trailers: " + ("; ".join(f"{k}: {val}" for k, val in c.claims) or "none"),)
    return replace(c, verdict=v, notes=notes)


# --- running over a range -----------------------------------------------------------

_STATE: dict[str, Any] = {}


def _init(cfg: Config, root: str, comment_char: str, baseline: str | None = None,
          explicit: str | None = None) -> None:
    _STATE.update(cfg=cfg, root=root, comment_char=comment_char, rules=load(cfg, FAMILIES),
                  baseline=baseline, explicit=explicit)
    for family in FAMILIES:  # import the checks once, before any fork copies them
        importlib.import_module(f"authgate.checks.{MODULES[family]}")


def _judge_batch(raws: Sequence[history.RawCommit]) -> list[Checked]:
    cfg: Config = _STATE["cfg"]
    out = []
    for raw in raws:
        cs = history.changeset(raw, cwd=_STATE["root"], max_file_size=cfg.max_file_size)
        cs = replace(cs, secrets_baseline=_STATE.get("baseline"))
        out.append(judge(cs, cfg, _STATE["rules"], _STATE["comment_char"],
                         root=_STATE["root"], explicit=_STATE.get("explicit")))
    return out


class Progress:
    """`N/M commits` on a terminal's stderr, redrawn at most ten times a second; silent
    when stderr is not a terminal or CI is set, so CI logs stay clean."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) and not os.environ.get("CI") \
            and total >= PARALLEL_MIN_COMMITS
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self.last = 0.0

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-6)
        self.stream.write(f"\r{TITLE}: {self.done}/{self.total} commits ({rate:.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _jobs(requested: int) -> int:
    if requested > 0:
        return requested
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def judge_range(ids: Sequence[str], cfg: Config, root: str, *, jobs: int,
                progress: Progress | None = None, comment_char: str = "#",
                policy: str | None = None, explicit: str | None = None) -> list[Checked]:
    """Every commit of `ids`, in order; parallel over commits when there are many.

    `policy` is the commit whose secrets baseline applies (the base of the range, as
    for the config); None: no baseline."""
    raws = history.read_commits(ids, cwd=root, max_file_size=cfg.max_file_size)
    baseline = changes.read_blob(f"{policy}:{cfg.baseline}", cwd=root) \
        if policy and ids else None
    _init(cfg, root, comment_char, baseline, explicit)
    if jobs <= 1 or len(ids) < PARALLEL_MIN_COMMITS:
        out = []
        for raw in raws:
            out += _judge_batch([raw])
            if progress:
                progress.advance(1)
        return out
    size = max(1, min(32, len(ids) // (jobs * 4)))
    results: list[Checked] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init,
                             initargs=(cfg, root, comment_char, baseline, explicit)) as pool:
        pending: list[Future[list[Checked]]] = []
        for chunk in _chunks(raws, size):
            pending.append(pool.submit(_judge_batch, chunk))
            # Collect finished work in order while git reads on: bounded memory.
            while pending and (pending[0].done() or len(pending) > jobs * 8):
                done = pending.pop(0).result()
                results += done
                if progress:
                    progress.advance(len(done))
        for fut in pending:
            done = fut.result()
            results += done
            if progress:
                progress.advance(len(done))
    return results


def _chunks(raws: Iterator[history.RawCommit], size: int
            ) -> Iterator[list[history.RawCommit]]:
    chunk: list[history.RawCommit] = []
    for raw in raws:
        chunk.append(raw)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- the range summary ----------------------------------------------------------------

def summary(rng: history.Range, listing: history.Listing, checked: Sequence[Checked],
            policy: str = "(defaults)") -> dict[str, Any]:
    """What a reviewer or a branch-protection bot needs, as plain data (the `verify`
    object of the json report)."""
    reviews: dict[str, list[str]] = {}
    for c in checked:
        for r in c.verdict.required_reviews:
            reviews.setdefault(r, []).append(c.revision)
    problems: dict[str, int] = {}
    for c in checked:
        for p in c.problems:
            problems[p.rule_id] = problems.get(p.rule_id, 0) + 1
    ai = [{"commit": c.revision, "tools": list(c.verdict.ai_tools),
           "trailer": c.ai_claim, "evidence": list(c.verdict.ai_evidence)}
          for c in checked if c.ai_assisted]
    highest = max((c.verdict.tier for c in checked), default=Tier.NONE)
    return {
        "range": rng.label, "base": rng.base, "head": rng.head, "policy": policy,
        # Merges are judged (on what they add); the key stays for schema/1 readers.
        "commits": len(checked), "merges": list(listing.merges), "merges_skipped": [],
        "violations": [c.revision for c in checked if not c.ok],
        "problems": dict(sorted(problems.items())),
        "identity_impact": str(highest),
        "required_reviews": reviews,
        "ai_assisted": ai,
        "ok": all(c.ok for c in checked),
    }


def _short_list(ids: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(i[:12] for i in ids[:limit])
    return shown + (f", … ({len(ids) - limit} more)" if len(ids) > limit else "")


def summary_lines(s: Mapping[str, Any]) -> list[str]:
    """The summary for people: the last lines of text output and the markdown section."""
    merges = s.get("merges", [])
    head = f"{s['range']}: {s['commits']} commit{'s' if s['commits'] != 1 else ''} verified"
    if merges:
        head += (f" ({len(merges)} merge{'s' if len(merges) != 1 else ''} judged on what "
                 f"{'they add' if len(merges) != 1 else 'it adds'} to "
                 f"{'their' if len(merges) != 1 else 'its'} parents: {_short_list(merges)})")
    lines = [head]
    if s.get("policy"):
        lines.append(f"policy: {s['policy']}")
    if s["required_reviews"]:
        lines.append("requires review: " + "; ".join(
            f"{r} ({len(ids)}: {_short_list(ids)})" for r, ids in s["required_reviews"].items()))
    for a in s["ai_assisted"][:20]:
        said = a["trailer"] or ", ".join(a["tools"]) or "yes"
        why = "; ".join(a["evidence"][:2]) or f"trailer AI-Assisted: {said}"
        lines.append(f"AI-assisted: {a['commit'][:12]} ({said}): {why}")
    if len(s["ai_assisted"]) > 20:
        lines.append(f"AI-assisted: … {len(s['ai_assisted']) - 20} more commits")
    if s["ok"]:
        verdict = "ok" if s["commits"] else f"ok: no commits to verify in {s['range']}"
    else:
        what = ", ".join(f"{rule} {n}" for rule, n in s["problems"].items())
        verdict = f"FAILED: {len(s['violations'])} of {s['commits']} commits violate: {what}"
    lines.append(verdict)
    return lines


def _augment(fmt: str, text: str, s: Mapping[str, Any]) -> str:
    """The rendered report of the commits, with the range summary added."""
    lines = summary_lines(s)
    if fmt == "text":
        return text + "".join(f"{TITLE}: {escape.terminal(ln)}\n" for ln in lines)
    if fmt == "github":
        kind = "notice" if s["ok"] else "error"
        return text + f"::{kind} title={TITLE}::{_gh(' / '.join(lines))}\n"
    if fmt == "json":
        doc = json.loads(text)
        doc["blocked"] = not s["ok"]
        doc["verify"] = dict(s)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        doc = json.loads(text)
        # Added to the run's properties: the reviewer checklist may be there already.
        doc["runs"][0].setdefault("properties", {})["authgate-verify"] = dict(s)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return text


# A job summary holds 1 MiB: tables stop here and say how many rows they left out.
MARKDOWN_ROWS = 200


def markdown(checked: Sequence[Checked], s: Mapping[str, Any]) -> str:
    """A ready $GITHUB_STEP_SUMMARY: the verdict, the range summary, the commits that
    need a reviewer's attention and what was found in them."""
    lines = summary_lines(s)
    out = [f"## {TITLE}", "", f"**{_md(lines[-1])}**", ""]
    out += [f"- {_md(ln)}" for ln in lines[:-1]]
    if s["required_reviews"]:
        out += ["", "| required review | commits |", "|---|---|"]
        out += [f"| {_md(r)} | {_md(_short_list(ids, 20))} |"
                for r, ids in s["required_reviews"].items()]
    shown = [c for c in checked if _interesting(c)]
    if shown:
        out += ["", "| commit | status | identity impact | requires review | AI-assisted | "
                "problems |", "|---|---|---|---|---|---|"]
        for c in shown[:MARKDOWN_ROWS]:
            v = c.verdict
            ai = c.ai_claim or ", ".join(v.ai_tools) or ("yes" if c.ai_assisted else "no")
            probs = "; ".join(p.message for p in c.problems) or "-"
            out.append(f"| `{c.short}` {_md(c.subject)} | {'ok' if c.ok else 'violates'} | "
                       f"{v.tier} | {_md(', '.join(v.required_reviews) or '-')} | {_md(ai)} | "
                       f"{_md(probs)} |")
        if len(shown) > MARKDOWN_ROWS:
            out.append(f"\n… {len(shown) - MARKDOWN_ROWS} more commits (see the json report)")
    rows = [(c, f) for c in shown for f in c.verdict.findings
            if f.suppressed is None and f.action is not Action.OFF]
    if rows:
        out += ["", "| action | rule | commit | where | message |", "|---|---|---|---|---|"]
        for c, f in rows[:MARKDOWN_ROWS]:
            msg = f.message + (f" [{f.evidence}]" if f.evidence and f.rule_id not in RULES
                               else "")
            out.append(f"| {f.action} | `{f.rule_id}` | `{c.short}` | {_md(f.location)} | "
                       f"{_md(msg)} |")
        if len(rows) > MARKDOWN_ROWS:
            out.append(f"\n… {len(rows) - MARKDOWN_ROWS} more findings (see the json report)")
    # What each commit's reviewers must verify, as task lists (report.py renders them).
    out += markdown_checklist([Subject(label=f"{c.short} {c.subject}", verdict=c.verdict)
                               for c in shown[:MARKDOWN_ROWS]], named=True)
    return "\n".join(out) + "\n"


_md = escape.markdown
_gh = escape.annotation_data


def _interesting(c: Checked) -> bool:
    v = c.verdict
    return (not c.ok or v.tier > Tier.NONE or c.ai_assisted
            or any(f.suppressed is None and f.action is not Action.OFF for f in v.findings))


def _comment_char(root: str) -> str:
    value = gitio.config_value("core.commentChar", cwd=root)
    return "#" if not value or value == "auto" else value


def policy_base(rng: history.Range, listing: history.Listing, root: str) -> str | None:
    """The commit whose policy judges the range: its base; for a range without one (a
    new branch's push), the parent of its oldest commit; None when that is a root."""
    if rng.base:
        return rng.base
    if not listing.commits:
        return None
    return gitio.resolve(f"{listing.commits[0]}^1", cwd=root)


def trusted_config(root: str, base: str | None, explicit: str | None) -> Config:
    """The config that judges: `--config FILE` as given, else the base's, never one
    from the commits being judged (a range without a base gets the defaults)."""
    if explicit is not None:
        return config.load(root, explicit)
    if base is None:
        return Config(source="(defaults: the range has no base to take a policy from)")
    return config.load(root, rev=base)


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    rng = history.parse_range(args.range, cwd=root) if args.range \
        else history.pushed_range(os.environ, cwd=root)
    listing = history.list_commits(rng, cwd=root)
    base = policy_base(rng, listing, root)
    cfg = trusted_config(root, base, args.config)
    if cfg.require_approval and not cfg.approvers:
        raise ConfigError(f"{cfg.source}: require_approval is true but 'approvers' is empty "
                          "(list the emails whose Reviewed-by counts)")
    progress = Progress(len(listing.commits))
    try:
        checked = judge_range(listing.commits, cfg, root, jobs=_jobs(args.jobs),
                              progress=progress, comment_char=_comment_char(root),
                              policy=base, explicit=args.config)
    finally:
        progress.close()
    checked = [finish(c) for c in rewrites(checked, cfg.trailers)]
    s = summary(rng, listing, checked, cfg.source)
    target = getattr(args, "output", None)

    def rendered(fmt: str, color: bool) -> str:
        if fmt == "markdown":
            return markdown(checked, s)
        # Bots get every commit; people get the ones with something to say.
        bots = fmt in ("json", "sarif", "gitlab")
        shown = checked if bots else [c for c in checked if _interesting(c)]
        subjects = [Subject(label=f"{c.short} {c.subject}", verdict=c.verdict,
                            revision=c.revision, skipped=c.skipped, notes=c.notes)
                    for c in shown]
        body = render(fmt, subjects, color=color, title=TITLE) if subjects or bots else ""
        return _augment(fmt, body, s)

    # One run, every report: each `--report FORMAT=PATH` file, then the main one.
    for fmt, path in output.reports(args):
        output.write_file(path, rendered(fmt, False), "--report")
    text = rendered(args.format, not target and output.use_color(sys.stdout))
    if target:
        output.write_file(target, text)
        # The log still says how it went; the report is in the file.
        sys.stdout.write(escape.terminal(f"{TITLE}: {summary_lines(s)[-1]} (report: {target})")
                         + "\n")
    else:
        sys.stdout.write(text)
    sys.stdout.flush()
    return 0 if s["ok"] else 1
