"""A commit held to its trailers: what the content demands, what the message claims,
and the problems between them (the `verify.*` rule ids).

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

Everything here is pure but `judge`, which runs the checks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from authgate import trailers
from authgate.changes import ChangeSet, Status
from authgate.config import Config, TrailerNames
from authgate.findings import Action, Finding, Severity, Tier, scrub
from authgate.pipeline import evaluate, skipped
from authgate.policy import Verdict
from authgate.rules import FAMILIES, RuleSet

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
    live = [f for f in verdict.findings if f.counts and f.path]
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
          root: str | None = None, explicit: str | None = None,
          claimed: Sequence[tuple[str, str]] | None = None) -> Checked:
    """Recompute one commit and hold it to its trailers: `claimed`, as git read them
    (history.RawCommit.trailers), else read from the message as git would."""
    full = evaluate(changes, cfg, FAMILIES, rules, root=root, explicit=explicit)
    # A git-ai note is written after the commit (post-commit), so the hooks could not
    # have seen it: the trailers are held to the verdict without it, while the note
    # still counts as AI evidence for blocking and for the range summary.
    claim = evaluate(changes._replace(ai_note=None), cfg, FAMILIES, rules, root=root,
                     explicit=explicit) if changes.ai_note else full
    message = changes.message or ""
    if claimed is None:
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
        fingerprint=fingerprint(changes), anchor=where, skipped=skipped(changes, cfg))


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
    v = c.verdict._replace(findings=(*c.problems, *c.verdict.findings), blocked=True)
    notes = ("trailers: " + ("; ".join(f"{k}: {val}" for k, val in c.claims) or "none"),)
    return replace(c, verdict=v, notes=notes)

