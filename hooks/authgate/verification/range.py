"""Verifying a range: every commit read from git in batches, judged (on a pool of
workers when there are many) and summed up as plain data for the reports.

The policy that judges (config, custom rules, the secrets baseline) is the one at
the base of the range, never one the judged commits bring: a pull request cannot
switch off the check of its own later commits. Each change to the policy inside the
range is itself a finding (trust.py). `--config FILE` is read as given.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TextIO

from authgate import changes, config, gitio, history, pool
from authgate.checks import MODULES
from authgate.config import Config
from authgate.findings import Tier
from authgate.rules import FAMILIES, load
from authgate.verification.claims import Checked, judge

TITLE = "authgate verify"
# Fewer commits than this are judged in-process: a pool costs more than it saves.
PARALLEL_MIN_COMMITS = 24

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
        cs = cs._replace(secrets_baseline=_STATE.get("baseline"))
        out.append(judge(cs, cfg, _STATE["rules"], _STATE["comment_char"],
                         root=_STATE["root"], explicit=_STATE.get("explicit"),
                         claimed=raw.trailers))
    return out


def _read_and_judge(chunk: tuple[Sequence[str], Mapping[str, str]]) -> list[Checked]:
    """A worker's share: it reads its own commits from git (one `git log` for the
    chunk) and judges them, so reading runs on every core and overlaps with the other
    workers' judging, and only commit ids and results cross between processes."""
    ids, notes = chunk
    raws = history.read_commits(ids, cwd=_STATE["root"],
                                max_file_size=_STATE["cfg"].max_file_size, notes=notes)
    return _judge_batch(list(raws))


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


def judge_range(ids: Sequence[str], cfg: Config, root: str, *, jobs: int,
                progress: Progress | None = None, comment_char: str = "#",
                policy: str | None = None, explicit: str | None = None) -> list[Checked]:
    """Every commit of `ids`, in order; parallel over commits when there are many.

    `policy` is the commit whose secrets baseline applies (the base of the range, as
    for the config); None: no baseline."""
    # The notes of the whole range in two git calls, whoever reads the commits.
    notes = history.ai_notes(ids, cwd=root)
    baseline = changes.read_blob(f"{policy}:{cfg.baseline}", cwd=root) \
        if policy and ids else None
    _init(cfg, root, comment_char, baseline, explicit)
    if jobs <= 1 or len(ids) < PARALLEL_MIN_COMMITS:
        out = []
        for raw in history.read_commits(ids, cwd=root, max_file_size=cfg.max_file_size,
                                        notes=notes):
            out += _judge_batch([raw])
            if progress:
                progress.advance(1)
        return out
    # Chunks small enough that the last one leaves no worker idle for long (16 of
    # saleor's commits take about a second), large enough that a `git log` per chunk
    # costs nothing next to judging it.
    size = max(4, min(16, len(ids) // (jobs * 8)))
    chunks = ((ids[i:i + size], {c: notes[c] for c in ids[i:i + size] if c in notes})
              for i in range(0, len(ids), size))
    results: list[Checked] = []
    # Finished work is collected in order while the workers go on: bounded memory.
    for done in pool.ordered(_read_and_judge, chunks, jobs=jobs, initializer=_init,
                             initargs=(cfg, root, comment_char, baseline, explicit)):
        results += done
        if progress:
            progress.advance(len(done))
    return results


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



def interesting(c: Checked) -> bool:
    v = c.verdict
    return (not c.ok or v.tier > Tier.NONE or c.ai_assisted
            or any(f.counts for f in v.findings))


def comment_char(root: str) -> str:
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



# --- adopting authgate in a repository with history -----------------------------------

def adoption_point(cfg: Config, root: str, rng: history.Range, *, since: str | None,
                   pushed: bool) -> tuple[str, str] | None:
    """(commit id, where it was set) of the commit verify starts after, if any.

    `--since REV` first (the CI job's own choice, as trusted as the job), then
    `verify_since` of the policy (the base's). A push that has no base to take a
    policy from (the first push of a repository or branch) takes it from the config
    of the pushed commit: pre-push runs on the developer's machine, where
    `--no-verify` skips it anyway, and CI, which holds, reads it only from the base."""
    where = "--since"
    if not since and cfg.verify_since:
        since, where = cfg.verify_since, f"verify_since in {cfg.source}"
    if not since and pushed and rng.base is None:
        pushed_cfg = config.load(root, rev=rng.head)
        if pushed_cfg.verify_since:
            since, where = pushed_cfg.verify_since, f"verify_since in {pushed_cfg.source}"
    if not since:
        return None
    commit = gitio.resolve(f"{since}^{{commit}}", cwd=root)
    if commit is None:
        raise history.RangeError(f"{where}: '{since}' is not a commit in this repository")
    return commit, where


def after(rng: history.Range, commit: str) -> history.Range:
    """`rng` without `commit` and its ancestors."""
    return replace(rng, label=f"{rng.label} after {commit[:12]}",
                   exclude=(*rng.exclude, commit))


def restamp(checked: Sequence[Checked], root: str) -> list[str]:
    """The commands that re-commit, through the hooks, the commits that carry no
    authgate trailers (made before the hooks were installed, or with them off), and
    the adoption point to set instead. [] when no commit lacks its trailers."""
    from authgate.verification.claims import MISSING, TREE

    bare = [c for c in checked if any(p.rule_id in (MISSING, TREE) for p in c.problems)]
    if not bare:
        return []
    oldest, newest = bare[0].revision, bare[-1].revision
    parent = gitio.resolve(f"{oldest}^", cwd=root)
    onto = parent[:12] if parent else "--root"
    return [
        f"{len(bare)} commit{'s lack' if len(bare) != 1 else ' lacks'} the trailers the hooks "
        f"write (made before authgate was installed, or with its hooks off), the oldest "
        f"{oldest[:12]}. With the hooks installed, re-commit them through the hooks "
        "(each is judged whole and stamped; a blocking finding stops the rebase there):",
        f"    git rebase --exec 'git commit --amend --no-edit --allow-empty' {onto}",
        "  then push again. Or start verifying after them: set the adoption point (that "
        "commit and its ancestors are not verified) in your config's [tool.authgate]",
        f'    verify_since = "{newest}"',
        "  (CI reads it from the base of the range; or pass `authgate verify --since REV`).",
    ]
