"""Replay real history through authgate: `python bench/replay.py [--jobs 2]`.

Every commit of each pinned range (`bench/replay-corpus.toml`) is judged as the hooks
would have judged it, in-process, by the machinery `authgate verify` uses
(`history.list_commits`, then `verify.judge_range`: the commit's own diff, message,
author and git-ai note) with authgate's DEFAULT config. A replayed repository's own
`.authgate.toml` or `[tool.authgate]` is never read: a project that tuned authgate would
not be measuring authgate. What is reported is the recomputed verdict, not verify's
trailer checks (these projects never ran the hooks, so every commit would "bypass").

Prints, per project and in total: commits judged, commits blocked (a blocking,
unsuppressed finding), blocked commits per rule with redacted examples, the tier
distribution and the high-or-critical share, AI-assisted commits, and, with
`--gitleaks PATH`, how many commits gitleaks flags on the same range (comparison only).
Hand labels (`bench/replay-labels.toml`, keyed by project, sha and rule) are matched
to every block: the report says how many blocks are true, false or still unlabelled,
lists the unlabelled ones, and names labelled blocks that no longer block.
Routing labels (`bench/routing-labels.toml`, keyed by project and sha: should a
security or IAM reviewer see this commit?) give the precision and recall of
"tier >= high", overall and per class, with the misses and false alarms listed;
`--routing-sample OUT` draws such a set from the run, reproducibly.

Nothing printed or written holds a secret: evidence comes redacted from the findings,
subjects are scrubbed by verify, and gitleaks runs with --redact and its report is read
for commit ids, rule ids and locations only, then deleted.

Standard library plus the project (this checkout's `hooks/` comes first on sys.path).
Exit 0 when every project was replayed, 1 when one or more failed (one line each),
2 for bad input (corpus, labels, options).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent


def _hooks_dir(argv: list[str]) -> Path:
    """The `hooks/` folder whose authgate judges: this checkout's, or `--hooks DIR` (to
    measure another branch's checkout without merging it). Read before argparse runs,
    since it decides what is imported."""
    for i, arg in enumerate(argv):
        if arg == "--hooks" and i + 1 < len(argv):
            return Path(argv[i + 1]).resolve()
        if arg.startswith("--hooks="):
            return Path(arg.split("=", 1)[1]).resolve()
    return PROJECT / "hooks"


HOOKS = _hooks_dir(sys.argv[1:])
if not (HOOKS / "authgate" / "__init__.py").is_file():
    print(f"replay: --hooks {HOOKS}: no authgate package there (expected "
          "DIR/authgate/__init__.py)", file=sys.stderr)
    sys.exit(2)
if HOOKS != PROJECT / "hooks":
    sys.dont_write_bytecode = True  # leave another checkout as it was
# Judge with that code, whatever the interpreter has installed.
sys.path.insert(0, str(HOOKS))

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the 3.9 CI run
    import tomli as tomllib

import authgate  # noqa: E402
from authgate import gitio, history  # noqa: E402
from authgate.commands import verify  # noqa: E402
from authgate.config import Config  # noqa: E402
from authgate.findings import Finding, Tier, redact, scrub  # noqa: E402

DEFAULT_REPOS = "/work/replay"
DEFAULT_CORPUS = PROJECT / "bench" / "replay-corpus.toml"
DEFAULT_LABELS = PROJECT / "bench" / "replay-labels.toml"
DEFAULT_ROUTING = PROJECT / "bench" / "routing-labels.toml"
TIERS = tuple(str(t) for t in Tier)  # none, low, medium, high, critical
VERDICTS = ("true", "false")
# Tier reasons kept per commit in the JSON: enough to label routing, bounded in size.
MAX_REASONS = 12


class InputError(Exception):
    """Bad corpus, labels or options: one line, exit 2."""


# --- inputs -----------------------------------------------------------------------

@dataclass(frozen=True)
class Project:
    name: str
    base: str
    head: str
    url: str = ""
    language: str = ""

    @property
    def range(self) -> str:
        return f"{self.base}..{self.head}"


@dataclass(frozen=True)
class Label:
    project: str
    sha: str
    rule: str
    verdict: str  # "true" | "false"
    reason: str
    cls: str = ""  # the false-block class, for grouping


def _toml(path: Path, what: str) -> Mapping[str, Any]:
    try:
        with open(path, "rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except FileNotFoundError as exc:
        raise InputError(f"{path}: {what} not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read {what}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from exc


def _text(entry: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def load_corpus(path: Path) -> list[Project]:
    data = _toml(path, "corpus")
    entries = data.get("project")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: no [[project]] entries")
    out: list[Project] = []
    for i, entry in enumerate(entries, 1):
        where = f"{path}: project {i}"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a table")
        p = Project(name=_text(entry, "name", where), base=_text(entry, "base", where),
                    head=_text(entry, "head", where), url=_text(entry, "url", where, False),
                    language=_text(entry, "language", where, False))
        if p.name in {q.name for q in out}:
            raise InputError(f"{where}: project '{p.name}' is listed twice")
        out.append(p)
    return out


def load_labels(path: Path) -> dict[tuple[str, str, str], Label]:
    """(project, sha, rule) -> label. A missing file is no labels yet."""
    if not path.exists():
        return {}
    data = _toml(path, "labels")
    entries = data.get("label", [])
    if not isinstance(entries, list):
        raise InputError(f"{path}: 'label' must be an array of tables ([[label]])")
    out: dict[tuple[str, str, str], Label] = {}
    for i, entry in enumerate(entries, 1):
        where = f"{path}: label {i}"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a table")
        lab = Label(project=_text(entry, "project", where), sha=_text(entry, "sha", where),
                    rule=_text(entry, "rule", where), verdict=_text(entry, "verdict", where),
                    reason=_text(entry, "reason", where),
                    cls=_text(entry, "class", where, False))
        if lab.verdict not in VERDICTS:
            raise InputError(f"{where}: verdict must be \"true\" or \"false\", "
                             f"got {lab.verdict!r}")
        if len(lab.sha) != 40 or any(c not in "0123456789abcdef" for c in lab.sha):
            raise InputError(f"{where}: sha must be a full 40-hex commit id")
        key = (lab.project, lab.sha, lab.rule)
        if key in out:
            raise InputError(f"{where}: {lab.project} {lab.sha[:12]} {lab.rule} is labelled "
                             "twice")
        out[key] = lab
    return out


# --- replaying one project -----------------------------------------------------------

@dataclass
class Block:
    """One blocked commit: what blocked it, where, and what the labels say."""

    sha: str
    subject: str
    rules: list[str]
    findings: list[dict[str, Any]]  # rule, location, evidence (redacted), message
    ai_assisted: bool
    labels: dict[str, str] = field(default_factory=dict)  # rule -> true/false/unlabelled

    @property
    def status(self) -> str:
        """The commit's block is true when any of its rules is rightly blocking, false
        when every one is labelled false, unlabelled otherwise."""
        seen = set(self.labels.values())
        if "true" in seen:
            return "true"
        if seen == {"false"}:
            return "false"
        return "unlabelled"


@dataclass
class Result:
    project: Project
    commits: int = 0  # judged by verify
    merges: int = 0  # merge commits in the range
    merges_judged: int = 0
    blocks: list[Block] = field(default_factory=list)
    tiers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    ai_assisted: list[str] = field(default_factory=list)
    per_commit: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    gitleaks: dict[str, Any] | None = None
    error: str | None = None

    @property
    def high_or_critical(self) -> int:
        return self.tiers["high"] + self.tiers["critical"]

    def per_rule(self) -> dict[str, list[Block]]:
        out: dict[str, list[Block]] = {}
        for b in self.blocks:
            for r in b.rules:
                out.setdefault(r, []).append(b)
        return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def counted(self, status: str) -> int:
        return sum(1 for b in self.blocks if b.status == status)


# A second guard on evidence that checks already redacted: a run of token characters
# with upper, lower and digits is a key's shape, never an identifier worth reading.
# (detect-secrets' JWT match can end before the signature, which then stays visible.)
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/_\-]{20,}=*")


def guard(text: str) -> str:
    def hide(m: re.Match[str]) -> str:
        run = m[0]
        mixed = (any(c.isupper() for c in run) and any(c.islower() for c in run)
                 and any(c.isdigit() for c in run))
        return redact(run) if mixed else run
    return _TOKEN_RUN.sub(hide, text)


def _finding_row(f: Finding) -> dict[str, Any]:
    # Evidence is redacted by the check that built the finding (findings.py contract);
    # `guard` is belt and braces for what a report of real history prints.
    return {"rule": f.rule_id, "location": f.location, "evidence": guard(f.evidence),
            "message": guard(f.message), "context": f.context}


def _merges(root: str, rng: history.Range) -> list[str]:
    args = ["rev-list", "--merges", rng.head]
    if rng.exclude:
        args += ["--not", *rng.exclude]
    return gitio.text(args, cwd=root).split()


def replay(project: Project, root: str, *, jobs: int,
           labels: Mapping[tuple[str, str, str], Label]) -> Result:
    result = Result(project)
    start = time.monotonic()
    cfg = Config()  # the defaults; never the replayed repository's config
    rng = history.parse_range(project.range, cwd=root)
    listing = history.list_commits(rng, cwd=root)
    merges = set(_merges(root, rng))
    checked = verify.judge_range(listing.commits, cfg, root, jobs=jobs, comment_char="#")
    result.commits = len(checked)
    result.merges = len(merges)
    result.merges_judged = sum(1 for c in checked if c.revision in merges)
    for c in checked:
        v = c.verdict
        result.tiers[str(v.tier)] += 1
        if c.ai_assisted:
            result.ai_assisted.append(c.revision)
        blocking = list(v.blocking)
        rules = sorted({f.rule_id for f in blocking})
        result.per_commit.append({
            "sha": c.revision, "subject": c.subject, "tier": str(v.tier),
            "reasons": [r for r in v.reasons if not r.startswith("blocked:")][:MAX_REASONS],
            "reasons_total": sum(1 for r in v.reasons if not r.startswith("blocked:")),
            "ai_assisted": c.ai_assisted, "ai_tools": list(v.ai_tools),
            "blocked": bool(blocking), "blocking_rules": rules,
            "merge": c.revision in merges,
        })
        if blocking:
            block = Block(sha=c.revision, subject=c.subject, rules=rules,
                          findings=[_finding_row(f) for f in blocking],
                          ai_assisted=c.ai_assisted)
            for r in rules:
                lab = labels.get((project.name, c.revision, r))
                block.labels[r] = lab.verdict if lab else "unlabelled"
            result.blocks.append(block)
    result.seconds = time.monotonic() - start
    return result


# --- gitleaks (comparison only) -------------------------------------------------------

def run_gitleaks(binary: str, project: Project, root: str) -> dict[str, Any]:
    """Commits gitleaks flags on the range, with its default rules. Its report is
    written redacted into a temporary folder, read for ids and locations, deleted."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="replay-gitleaks-") as tmp:
        report = os.path.join(tmp, "report.json")
        # An empty ignore folder and the repository's empty work tree: gitleaks runs
        # with its defaults, as authgate does, whatever .gitleaksignore sits nearby.
        cmd = [binary, "git", f"--log-opts={project.range}", "--no-banner",
               "--report-format", "json", "--report-path", report, "--redact",
               "--exit-code", "0", "--log-level", "error",
               "--gitleaks-ignore-path", tmp, root]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"gitleaks exited {proc.returncode}: {scrub(last)}")
        with open(report, encoding="utf-8") as fh:
            rows = json.load(fh) or []
    commits: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        commits.setdefault(str(row.get("Commit", "")), []).append({
            "rule": str(row.get("RuleID", "")),
            "location": f"{row.get('File', '')}:{row.get('StartLine', '')}"})
    per_rule: dict[str, int] = {}
    for found in commits.values():
        for r in sorted({f["rule"] for f in found}):
            per_rule[r] = per_rule.get(r, 0) + 1
    return {"findings": len(rows), "commits": len(commits),
            "flagged": [{"sha": sha, "findings": found} for sha, found in sorted(commits.items())],
            "per_rule": dict(sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "seconds": round(time.monotonic() - start, 2)}


def gitleaks_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise InputError(f"--gitleaks {binary}: cannot run: {exc.strerror}") from exc
    return out.stdout.strip() or "unknown"


# --- reporting ---------------------------------------------------------------------

def pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:.1f}%" if total else "-"


def _one_line(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def project_lines(r: Result, examples: int) -> list[str]:
    p = r.project
    if r.error:
        return [f"{p.name}: FAILED: {r.error}"]
    merges = (f"{r.merges} merge{'s' if r.merges != 1 else ''} in range, "
              f"{r.merges_judged} judged") if r.merges else "no merges in range"
    out = [f"{p.name} ({p.base[:12]}..{p.head[:12]}): {r.commits} commits judged ({merges}), "
           f"{len(r.blocks)} blocked ({pct(len(r.blocks), r.commits)}), high-or-critical "
           f"{r.high_or_critical} ({pct(r.high_or_critical, r.commits)}), AI-assisted "
           f"{len(r.ai_assisted)} [{r.seconds:.1f} s]"]
    out.append("  tiers: " + ", ".join(f"{t} {r.tiers[t]}" for t in TIERS))
    if r.blocks:
        out.append(f"  blocks labelled: {r.counted('true')} true, {r.counted('false')} false, "
                   f"{r.counted('unlabelled')} unlabelled")
    for rule, blocks in r.per_rule().items():
        out.append(f"  {rule}: {len(blocks)} commit{'s' if len(blocks) != 1 else ''}")
        for b in blocks[:examples]:
            f = next(f for f in b.findings if f["rule"] == rule)
            label = b.labels.get(rule, "unlabelled")
            out.append(f"    {b.sha[:12]} [{label}] {f['location']}: "
                       f"{_one_line(f['evidence'] or '-', 70)} -- {_one_line(f['message'], 90)}")
    if r.gitleaks is not None and "error" in r.gitleaks:
        out.append(f"  gitleaks: FAILED: {r.gitleaks['error']}")
    elif r.gitleaks is not None:
        g = r.gitleaks
        rules = ", ".join(f"{k} {v}" for k, v in g["per_rule"].items()) or "-"
        both = len({f["sha"] for f in g["flagged"]} & {b.sha for b in r.blocks})
        out.append(f"  gitleaks: {g['commits']} commits flagged, {both} of them blocked by "
                   f"authgate ({g['findings']} findings; {rules}) [{g['seconds']:.1f} s]")
    return out


def totals(results: Sequence[Result]) -> dict[str, Any]:
    ok = [r for r in results if not r.error]
    commits = sum(r.commits for r in ok)
    tiers = {t: sum(r.tiers[t] for r in ok) for t in TIERS}
    hc = tiers["high"] + tiers["critical"]
    per_rule: dict[str, int] = {}
    for r in ok:
        for rule, blocks in r.per_rule().items():
            per_rule[rule] = per_rule.get(rule, 0) + len(blocks)
    with_gl = [r for r in ok if r.gitleaks is not None and "error" not in r.gitleaks]
    return {
        "projects": len(ok), "failed": [r.project.name for r in results if r.error],
        "commits": commits, "merges": sum(r.merges for r in ok),
        "merges_judged": sum(r.merges_judged for r in ok),
        "blocked": sum(len(r.blocks) for r in ok),
        "blocked_true": sum(r.counted("true") for r in ok),
        "blocked_false": sum(r.counted("false") for r in ok),
        "blocked_unlabelled": sum(r.counted("unlabelled") for r in ok),
        "per_rule": dict(sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "tiers": tiers, "high_or_critical": hc,
        "high_or_critical_share": round(hc / commits, 4) if commits else None,
        "ai_assisted": sum(len(r.ai_assisted) for r in ok),
        "gitleaks_commits": sum(int(r.gitleaks["commits"]) for r in with_gl if r.gitleaks)
        if with_gl else None,
        "seconds": round(sum(r.seconds for r in ok), 1),
    }


def table_lines(results: Sequence[Result], t: Mapping[str, Any]) -> list[str]:
    """Markdown tables, ready for bench/README.md."""
    ok = [r for r in results if not r.error]
    gl = t["gitleaks_commits"] is not None
    out = ["| project | commits | blocked | false | true | unlabelled | high+critical | "
           "AI-assisted |" + (" gitleaks flags |" if gl else ""),
           "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if gl else "")]
    for r in ok:
        row = (f"| {r.project.name} | {r.commits} | {len(r.blocks)} | {r.counted('false')} | "
               f"{r.counted('true')} | {r.counted('unlabelled')} | {r.high_or_critical} "
               f"({pct(r.high_or_critical, r.commits)}) | {len(r.ai_assisted)} |")
        if gl:
            g = r.gitleaks
            row += f" {g['commits'] if g and 'error' not in g else '-'} |"
        out.append(row)
    row = (f"| **total** | {t['commits']} | {t['blocked']} ({pct(t['blocked'], t['commits'])})"
           f" | {t['blocked_false']} | {t['blocked_true']} | {t['blocked_unlabelled']} | "
           f"{t['high_or_critical']} ({pct(t['high_or_critical'], t['commits'])}) | "
           f"{t['ai_assisted']} |")
    if gl:
        row += f" {t['gitleaks_commits']} ({pct(t['gitleaks_commits'], t['commits'])}) |"
    out.append(row)
    if t["per_rule"]:
        out += ["", "| rule | blocked commits | false | true | unlabelled |",
                "|---|---:|---:|---:|---:|"]
        for rule, n in t["per_rule"].items():
            st = [b.labels[rule] for r in ok for b in r.blocks if rule in b.rules]
            out.append(f"| `{rule}` | {n} | {st.count('false')} | {st.count('true')} | "
                       f"{st.count('unlabelled')} |")
    out += ["", "| tier | commits |", "|---|---:|"]
    out += [f"| {tier} | {t['tiers'][tier]} ({pct(t['tiers'][tier], t['commits'])}) |"
            for tier in TIERS]
    return out


def label_lines(results: Sequence[Result],
                labels: Mapping[tuple[str, str, str], Label]) -> list[str]:
    """Unlabelled blocks (to label next), and labelled blocks that no longer block."""
    ok = [r for r in results if not r.error]
    out: list[str] = []
    pending = [(r.project.name, b, rule) for r in ok for b in r.blocks for rule in b.rules
               if b.labels[rule] == "unlabelled"]
    if pending:
        out.append(f"unlabelled blocks ({len(pending)}; add them to the labels file):")
        for name, b, rule in pending:
            f = next(f for f in b.findings if f["rule"] == rule)
            out.append(f"  {name} {b.sha} {rule} {f['location']}: "
                       f"{_one_line(f['evidence'] or '-', 70)}")
    current = {(r.project.name, b.sha, rule) for r in ok for b in r.blocks for rule in b.rules}
    replayed = {r.project.name for r in ok}
    gone = [lab for key, lab in sorted(labels.items())
            if lab.project in replayed and key not in current]
    if gone:
        n_false = sum(1 for lab in gone if lab.verdict == "false")
        out.append(f"labelled blocks that no longer block: {len(gone)} "
                   f"({n_false} false, now fixed; {len(gone) - n_false} true, recall lost)")
        for lab in gone:
            if lab.verdict == "true":
                out.append(f"  TRUE BLOCK LOST: {lab.project} {lab.sha} {lab.rule}: "
                           f"{lab.reason}")
    return out


def stubs(results: Sequence[Result]) -> str:
    """TOML entries for the unlabelled blocks, to fill in and append to the labels file."""
    out = []
    for r in results:
        for b in r.blocks:
            for rule in b.rules:
                if b.labels[rule] != "unlabelled":
                    continue
                f = next(f for f in b.findings if f["rule"] == rule)
                out.append(
                    f"[[label]]\nproject = {json.dumps(r.project.name)}\n"
                    f"sha = \"{b.sha}\"\nrule = {json.dumps(rule)}\nverdict = \"\"\n"
                    f"class = \"\"\n"
                    f"# {_one_line(f['location'] + ': ' + (f['evidence'] or '-'), 100)}\n"
                    f"reason = \"\"\n")
    return "\n".join(out)


def as_json(results: Sequence[Result], t: Mapping[str, Any], meta: Mapping[str, Any]
            ) -> dict[str, Any]:
    projects = []
    for r in results:
        p = r.project
        entry: dict[str, Any] = {"name": p.name, "url": p.url, "language": p.language,
                                 "base": p.base, "head": p.head}
        if r.error:
            entry["error"] = r.error
            projects.append(entry)
            continue
        entry.update({
            "commits": r.commits, "merges": r.merges, "merges_judged": r.merges_judged,
            "blocked": len(r.blocks),
            "blocked_true": r.counted("true"), "blocked_false": r.counted("false"),
            "blocked_unlabelled": r.counted("unlabelled"),
            "per_rule": {rule: len(b) for rule, b in r.per_rule().items()},
            "tiers": r.tiers, "high_or_critical": r.high_or_critical,
            "ai_assisted": r.ai_assisted, "seconds": round(r.seconds, 1),
            "blocked_commits": [
                {"project": p.name, "sha": b.sha, "subject": b.subject, "rules": b.rules,
                 "labels": b.labels, "status": b.status, "ai_assisted": b.ai_assisted,
                 "findings": b.findings} for b in r.blocks],
            "commit_tiers": r.per_commit,
            "gitleaks": r.gitleaks,
        })
        projects.append(entry)
    return {"meta": dict(meta), "total": dict(t), "projects": projects}


# --- routing: should a security or IAM reviewer see this change? (issue 12) ------------
#
# A hand-labelled set of commits drawn from the corpus says, per commit, whether a
# security or IAM reviewer should see it. Routing is right when exactly those commits
# are rated high or critical: precision and recall of "tier >= high" against the labels.

ROUTING_CLASSES = ("token", "password", "session", "authz", "ci-identity", "exposure",
                   "migration", "settings", "crypto", "none")
# How a labelled commit came into the set: drawn at random from the commits the code
# under measurement rated high or critical ("high+"), or from the rest ("rest"); or
# picked by hand for a class issue 12 names ("targeted").
SAMPLES = ("high+", "rest", "targeted")
HIGH = ("high", "critical")
ROUTING_SEED = 12  # the number; change it and the set is another set
ROUTING_PER_STRATUM = 8


@dataclass(frozen=True)
class RoutingLabel:
    project: str
    sha: str
    review: bool
    cls: str
    reason: str
    sample: str


@dataclass
class Routing:
    """The labels, and the size of each random stratum when the set was drawn (to
    weigh a draw back to the corpus: 8 of 22 is not 8 of 167)."""

    labels: dict[tuple[str, str], RoutingLabel] = field(default_factory=dict)
    strata: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


def _sha(entry: Mapping[str, Any], where: str) -> str:
    sha = _text(entry, "sha", where)
    if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha):
        raise InputError(f"{where}: sha must be a full 40-hex commit id")
    return sha


def load_routing(path: Path) -> Routing:
    data = _toml(path, "routing labels")
    out = Routing()
    strata = data.get("stratum", [])
    commits = data.get("commit", [])
    if not isinstance(strata, list) or not isinstance(commits, list):
        raise InputError(f"{path}: 'stratum' and 'commit' must be arrays of tables")
    for i, entry in enumerate(strata, 1):
        where = f"{path}: stratum {i}"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a table")
        project, sample = _text(entry, "project", where), _text(entry, "sample", where)
        population, drawn = entry.get("population"), entry.get("drawn")
        if sample not in ("high+", "rest"):
            raise InputError(f"{where}: sample must be \"high+\" or \"rest\"")
        if not (isinstance(population, int) and isinstance(drawn, int)
                and 0 < drawn <= population):
            raise InputError(f"{where}: population and drawn must be integers, "
                             "0 < drawn <= population")
        out.strata[(project, sample)] = (population, drawn)
    for i, entry in enumerate(commits, 1):
        where = f"{path}: commit {i}"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a table")
        review = entry.get("review")
        if not isinstance(review, bool):
            raise InputError(f"{where}: review must be true or false")
        lab = RoutingLabel(project=_text(entry, "project", where), sha=_sha(entry, where),
                           review=review, cls=_text(entry, "class", where),
                           reason=_text(entry, "reason", where),
                           sample=_text(entry, "sample", where))
        if lab.cls not in ROUTING_CLASSES:
            raise InputError(f"{where}: class must be one of {', '.join(ROUTING_CLASSES)}; "
                             f"got {lab.cls!r}")
        if lab.sample not in SAMPLES:
            raise InputError(f"{where}: sample must be one of {', '.join(SAMPLES)}")
        if lab.sample != "targeted" and (lab.project, lab.sample) not in out.strata:
            raise InputError(f"{where}: no [[stratum]] for {lab.project} {lab.sample}")
        if (lab.project, lab.sha) in out.labels:
            raise InputError(f"{where}: {lab.project} {lab.sha[:12]} is labelled twice")
        out.labels[(lab.project, lab.sha)] = lab
    return out


def routing_sample(results: Sequence[Result], per_stratum: int = ROUTING_PER_STRATUM,
                   seed: int = ROUTING_SEED) -> list[tuple[Project, str, int, list[str]]]:
    """Draw the routing set: per project, `per_stratum` commits rated high or critical
    and as many of the rest, at random with a fixed seed. Pools are sorted by sha, and
    each project has its own generator, so the draw depends only on the range and the
    tiers, not on order, --jobs or the other projects. Returns (project, stratum,
    population, shas drawn)."""
    out: list[tuple[Project, str, int, list[str]]] = []
    for r in results:
        if r.error:
            continue
        rng = random.Random(f"routing:{seed}:{r.project.name}")
        judged = [c for c in r.per_commit if not c["merge"]]
        pools = {"high+": sorted(c["sha"] for c in judged if c["tier"] in HIGH),
                 "rest": sorted(c["sha"] for c in judged if c["tier"] not in HIGH)}
        for stratum, pool in pools.items():
            if pool:
                out.append((r.project, stratum, len(pool),
                            rng.sample(pool, min(per_stratum, len(pool)))))
    return out


def routing_stubs(results: Sequence[Result], drawn: Sequence[tuple[Project, str, int,
                                                                  list[str]]]) -> str:
    """The drawn set as TOML to label: a [[stratum]] per draw, a [[commit]] per sha
    with review and class left empty (the loader refuses them until filled in)."""
    commits = {(r.project.name, c["sha"]): c for r in results for c in r.per_commit}
    out = [f"# drawn by bench/replay.py --routing-sample (seed {ROUTING_SEED}, "
           f"{ROUTING_PER_STRATUM} per stratum)\n"]
    for p, stratum, population, shas in drawn:
        out.append(f"[[stratum]]\nproject = {json.dumps(p.name)}\n"
                   f"sample = \"{stratum}\"\npopulation = {population}\n"
                   f"drawn = {len(shas)}\n")
    for p, stratum, _, shas in drawn:
        for sha in shas:
            c = commits[(p.name, sha)]
            out.append(f"[[commit]]\nproject = {json.dumps(p.name)}\nsha = \"{sha}\"\n"
                       f"sample = \"{stratum}\"\n"
                       f"# {c['tier']}: {_one_line(c['subject'], 90)}\n"
                       f"review = \"\"\nclass = \"\"\nreason = \"\"\n")
    return "\n".join(out)


def _score(pairs: Iterable[tuple[bool, bool, float]]) -> dict[str, Any]:
    """(labelled review, rated high+, weight) -> counts, precision, recall."""
    tp = fp = fn = tn = 0.0
    for review, high, w in pairs:
        if review and high:
            tp += w
        elif high:
            fp += w
        elif review:
            fn += w
        else:
            tn += w
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None}


def routing_report(results: Sequence[Result], routing: Routing) -> dict[str, Any]:
    """Precision and recall of tier >= high against the labels, over the labelled
    commits of the projects replayed: overall, per class, and weighted back to the
    corpus (random draws only, each counting for population / drawn commits)."""
    ok = [r for r in results if not r.error]
    judged = {(r.project.name, c["sha"]): c for r in ok for c in r.per_commit}
    replayed = {r.project.name for r in ok}
    rows: list[tuple[RoutingLabel, dict[str, Any]]] = []
    missing: list[RoutingLabel] = []
    for key, lab in sorted(routing.labels.items()):
        if lab.project not in replayed:
            continue
        if key in judged:
            rows.append((lab, judged[key]))
        else:
            missing.append(lab)

    def high(c: Mapping[str, Any]) -> bool:
        return c["tier"] in HIGH

    overall = _score((lab.review, high(c), 1.0) for lab, c in rows)
    classes = {}
    for cls in ROUTING_CLASSES:
        mine = [(lab, c) for lab, c in rows if lab.cls == cls]
        if mine:
            classes[cls] = dict(_score((lab.review, high(c), 1.0) for lab, c in mine),
                                labelled=len(mine))
    samples = {}
    for sample in SAMPLES:
        mine = [(lab, c) for lab, c in rows if lab.sample == sample]
        if mine:
            samples[sample] = dict(_score((lab.review, high(c), 1.0) for lab, c in mine),
                                   labelled=len(mine))
    weighted = _score((lab.review, high(c),
                       routing.strata[(lab.project, lab.sample)][0]
                       / routing.strata[(lab.project, lab.sample)][1])
                      for lab, c in rows if lab.sample != "targeted")

    def row(lab: RoutingLabel, c: Mapping[str, Any]) -> dict[str, Any]:
        return {"project": lab.project, "sha": lab.sha, "class": lab.cls,
                "review": lab.review, "sample": lab.sample, "reason": lab.reason,
                "tier": c["tier"], "subject": c["subject"], "tier_reasons": c["reasons"]}

    return {
        "labelled": len(rows), "review": sum(1 for lab, _ in rows if lab.review),
        "no_review": sum(1 for lab, _ in rows if not lab.review),
        "targeted": sum(1 for lab, _ in rows if lab.sample == "targeted"),
        "overall": overall, "classes": classes, "samples": samples, "weighted": weighted,
        "misses": [row(lab, c) for lab, c in rows if lab.review and not high(c)],
        "false_alarms": [row(lab, c) for lab, c in rows if not lab.review and high(c)],
        "not_judged": [{"project": lab.project, "sha": lab.sha} for lab in missing],
    }


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def routing_lines(rep: Mapping[str, Any], source: str) -> list[str]:
    o, w = rep["overall"], rep["weighted"]
    if not rep["labelled"] and not rep["not_judged"]:
        return [f"routing ({source}): no labelled commit in the projects replayed"]
    out = [f"routing ({source}): {rep['labelled']} labelled commits ({rep['review']} "
           f"review, {rep['no_review']} no review; {rep['targeted']} targeted), "
           f"high-or-critical: precision {_ratio(o['precision'])} "
           f"({o['tp']:.0f}/{o['tp'] + o['fp']:.0f}), recall {_ratio(o['recall'])} "
           f"({o['tp']:.0f}/{o['tp'] + o['fn']:.0f})",
           f"  weighted to the corpus (random draws, population/drawn each): precision "
           f"{_ratio(w['precision'])}, recall {_ratio(w['recall'])}",
           "", "| class | labelled | review | rated high+ | review and high+ | precision | "
           "recall |", "|---|---:|---:|---:|---:|---:|---:|"]
    for cls, s in rep["classes"].items():
        out.append(f"| {cls} | {s['labelled']} | {s['tp'] + s['fn']:.0f} | "
                   f"{s['tp'] + s['fp']:.0f} | {s['tp']:.0f} | {_ratio(s['precision'])} | "
                   f"{_ratio(s['recall'])} |")
    all_row = (f"| **all** | {rep['labelled']} | {rep['review']} | {o['tp'] + o['fp']:.0f} | "
               f"{o['tp']:.0f} | {_ratio(o['precision'])} | {_ratio(o['recall'])} |")
    out.append(all_row)
    out += ["", "| sample | labelled | review | rated high+ | review and high+ | precision | "
            "recall |", "|---|---:|---:|---:|---:|---:|---:|"]
    for sample, s in rep["samples"].items():
        out.append(f"| {sample} | {s['labelled']} | {s['tp'] + s['fn']:.0f} | "
                   f"{s['tp'] + s['fp']:.0f} | {s['tp']:.0f} | {_ratio(s['precision'])} | "
                   f"{_ratio(s['recall'])} |")
    out.append(all_row)
    for key, title in (("misses", "misses (labelled review, rated below high)"),
                       ("false_alarms", "false alarms (labelled no review, rated high+)")):
        rows = rep[key]
        if not rows:
            continue
        out += ["", f"{title}: {len(rows)}"]
        for m in rows:
            why = "; ".join(m["tier_reasons"][:3]) or "no tier reason"
            out.append(f"  {m['project']} {m['sha'][:12]} [{m['tier']}] {m['class']}: "
                       f"{_one_line(m['reason'], 100)}")
            out.append(f"    tier reasons: {_one_line(why, 160)}")
    if rep["not_judged"]:
        out += ["", f"labelled but not judged in the replayed ranges: "
                f"{len(rep['not_judged'])} (wrong sha or project?)"]
        out += [f"  {m['project']} {m['sha']}" for m in rep["not_judged"]]
    return out


# --- main --------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="bench/replay.py",
        description="Replay pinned ranges of real history through authgate's verify "
                    "machinery (default config) and report blocks, tiers and labels.")
    ap.add_argument("repos", nargs="?", default=DEFAULT_REPOS,
                    help=f"folder holding one git directory per project (default "
                         f"{DEFAULT_REPOS})")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS),
                    help="pinned ranges (default bench/replay-corpus.toml)")
    ap.add_argument("--labels", default=str(DEFAULT_LABELS),
                    help="hand labels (default bench/replay-labels.toml)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="replay only this project (repeatable, or comma-separated)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="worker processes per range (default 1)")
    ap.add_argument("--examples", type=int, default=3,
                    help="redacted examples per rule and project (default 3)")
    ap.add_argument("--json", metavar="OUT", help="write machine-readable results here")
    ap.add_argument("--gitleaks", metavar="PATH",
                    help="a gitleaks binary: also count the commits it flags per range")
    ap.add_argument("--hooks", metavar="DIR", default=str(HOOKS),
                    help="judge with the authgate package under DIR, e.g. another "
                         "worktree's hooks/ (default: this checkout's)")
    ap.add_argument("--stubs", metavar="OUT",
                    help="write TOML label stubs for the unlabelled blocks here")
    ap.add_argument("--routing", metavar="LABELS", default=None,
                    help="routing labels: report precision and recall of tier >= high "
                         "against them (default bench/routing-labels.toml when it exists)")
    ap.add_argument("--routing-sample", metavar="OUT",
                    help=f"draw a routing set from this run ({ROUTING_PER_STRATUM} "
                         f"high-or-critical and {ROUTING_PER_STRATUM} other commits per "
                         f"project, seed {ROUTING_SEED}) and write it here as TOML to label")
    return ap.parse_args(argv)


def select(projects: Sequence[Project], only: Iterable[str]) -> list[Project]:
    wanted = [n.strip() for item in only for n in item.split(",") if n.strip()]
    if not wanted:
        return list(projects)
    names = {p.name for p in projects}
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise InputError(f"--only {', '.join(unknown)}: not in the corpus "
                         f"({', '.join(sorted(names))})")
    return [p for p in projects if p.name in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.jobs < 1 or args.examples < 0:
            raise InputError("--jobs must be at least 1 and --examples at least 0")
        projects = select(load_corpus(Path(args.corpus)), args.only)
        labels = load_labels(Path(args.labels))
        routing_path = args.routing or (str(DEFAULT_ROUTING) if DEFAULT_ROUTING.exists()
                                        else None)
        routing = load_routing(Path(routing_path)) if routing_path else None
        if args.gitleaks:
            found = shutil.which(args.gitleaks)
            if not found:
                raise InputError(f"--gitleaks {args.gitleaks}: not an executable")
            args.gitleaks = os.path.abspath(found)
        glv = gitleaks_version(args.gitleaks) if args.gitleaks else None
        if not os.path.isdir(args.repos):
            raise InputError(f"{args.repos}: no such folder (it holds one git directory "
                             "per project of the corpus)")
    except InputError as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    wall = time.monotonic()
    results: list[Result] = []
    for p in projects:
        root = os.path.join(args.repos, p.name)
        try:
            if not os.path.isdir(root):
                raise FileNotFoundError(f"{root} not found (clone {p.url or 'it'} there)")
            r = replay(p, root, jobs=args.jobs, labels=labels)
        except Exception as exc:  # one project failing must not stop the others
            r = Result(p, error=_error(exc))
        if args.gitleaks and not r.error:
            try:
                r.gitleaks = run_gitleaks(args.gitleaks, p, root)
            except Exception as exc:  # authgate's numbers stand without the comparison
                r.gitleaks = {"error": _error(exc)}
        results.append(r)
        print("\n".join(project_lines(r, args.examples)), flush=True)
    t = totals(results)
    t["wall_seconds"] = round(time.monotonic() - wall, 1)
    print()
    print(f"total: {t['projects']} projects, {t['commits']} commits judged, "
          f"{t['blocked']} blocked ({pct(t['blocked'], t['commits'])}: "
          f"{t['blocked_false']} false, {t['blocked_true']} true, "
          f"{t['blocked_unlabelled']} unlabelled), high-or-critical {t['high_or_critical']} "
          f"({pct(t['high_or_critical'], t['commits'])}), AI-assisted {t['ai_assisted']}"
          + (f", gitleaks flags {t['gitleaks_commits']}" if t["gitleaks_commits"] is not None
             else "")
          + f" [{t['wall_seconds']:.0f} s wall, --jobs {args.jobs}]")
    if t["failed"]:
        print(f"failed: {', '.join(t['failed'])}")
    print()
    print("\n".join(table_lines(results, t)))
    extra = label_lines(results, labels)
    if extra:
        print()
        print("\n".join(extra))
    rrep = routing_report(results, routing) if routing is not None else None
    if rrep is not None:
        print()
        print("\n".join(routing_lines(rrep, str(routing_path))))
    if args.stubs:
        with open(args.stubs, "w", encoding="utf-8") as fh:
            fh.write(stubs(results))
    if args.routing_sample:
        with open(args.routing_sample, "w", encoding="utf-8") as fh:
            fh.write(routing_stubs(results, routing_sample(results)))
    if args.json:
        meta = {"authgate": authgate.__version__, "checkout": _checkout(),
                "hooks": str(HOOKS),
                "config": "defaults", "corpus": str(args.corpus), "jobs": args.jobs,
                "gitleaks": glv, "python": sys.version.split()[0],
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with open(args.json, "w", encoding="utf-8") as fh:
            doc = as_json(results, t, meta)
            if rrep is not None:
                doc["routing"] = dict(rrep, labels=str(routing_path))
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    return 1 if t["failed"] else 0


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_one_line(scrub(str(exc)) or '-', 200)}"


def _checkout() -> str | None:
    """The commit of the authgate checkout being measured, so runs can be compared."""
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HOOKS, capture_output=True,
                          text=True)
    return proc.stdout.strip() or None


if __name__ == "__main__":
    sys.exit(main())
