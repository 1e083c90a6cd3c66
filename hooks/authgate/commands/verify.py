"""`authgate verify [--range BASE..HEAD]`: recompute every commit of a range and hold
it to its trailers (the logic, and the `verify.*` rule ids, are in
authgate.verification); pre-push and CI.

Exit 0 when every commit holds, 1 when one does not, 2 for a range that cannot be
verified (unknown revision, a shallow clone missing the base).
"""

from __future__ import annotations

import argparse
import os
import sys

from authgate import escape, gitio, history, pool
from authgate.commands import output
from authgate.config import ConfigError
from authgate.exits import Exit
from authgate.report import Subject, render
from authgate.report.ranges import range_lines

# What the tests and the benchmark reach through this module.
from authgate.verification import (  # noqa: F401
    TITLE,
    Checked,
    Progress,
    adoption_point,
    after,
    approval,
    comment_char,
    compare,
    fingerprint,
    finish,
    interesting,
    judge_range,
    policy_base,
    restamp,
    rewrites,
    summary,
    trusted_config,
)


def run(args: argparse.Namespace) -> int:
    if args.pre_receive:
        # A server's hook: the repository is usually bare (no work tree), and the
        # pushed refs come on stdin.
        root = gitio.git_dir()
        status = Exit.OK
        for rng in history.received(sys.stdin.read(), cwd=root):
            status = max(status, verify(args, root, rng, pushed=False))
        return status
    root = gitio.toplevel()
    rng = history.parse_range(args.range, cwd=root) if args.range \
        else history.pushed_range(os.environ, cwd=root)
    return verify(args, root, rng, pushed=not args.range)


def verify(args: argparse.Namespace, root: str, rng: history.Range, *, pushed: bool) -> Exit:
    listing = history.list_commits(rng, cwd=root)
    base = policy_base(rng, listing, root)
    if base is None and args.pre_receive:
        # New history with no parent in the repository: the default branch's policy.
        base = gitio.resolve("HEAD", cwd=root)
    cfg = trusted_config(root, base, args.config)
    start = adoption_point(cfg, root, rng, since=args.since, pushed=pushed)
    if start:
        rng = after(rng, start[0])
        listing = history.list_commits(rng, cwd=root)
    if cfg.require_approval and not cfg.approvers:
        raise ConfigError(f"{cfg.source}: require_approval is true but 'approvers' is empty "
                          "(list the emails whose Reviewed-by counts)")
    progress = Progress(len(listing.commits))
    try:
        checked = judge_range(listing.commits, cfg, root, jobs=pool.workers(args.jobs),
                              progress=progress, comment_char=comment_char(root),
                              policy=base, explicit=args.config)
    finally:
        progress.close()
    checked = [finish(c) for c in rewrites(checked, cfg.trailers)]
    s = summary(rng, listing, checked, cfg.source)
    target = getattr(args, "output", None)

    def rendered(fmt: str, color: bool) -> str:
        # Bots get every commit; people get the ones with something to say.
        bots = fmt in ("json", "sarif", "gitlab")
        shown = checked if bots else [c for c in checked if interesting(c)]
        subjects = [Subject(label=f"{c.short} {c.subject}", verdict=c.verdict,
                            revision=c.revision, skipped=c.skipped, notes=c.notes)
                    for c in shown]
        return render(fmt, subjects, color=color, title=TITLE, summary=s)

    # One run, every report: each `--report FORMAT=PATH` file, then the main one.
    for fmt, path in output.reports(args):
        output.write_file(path, rendered(fmt, False), "--report")
    text = rendered(args.format, not target and output.use_color(sys.stdout))
    if target:
        output.write_file(target, text)
        # The log still says how it went; the report is in the file.
        sys.stdout.write(escape.terminal(f"{TITLE}: {range_lines(s)[-1]} (report: {target})")
                         + "\n")
    else:
        sys.stdout.write(text)
    sys.stdout.flush()
    if args.format in ("text", "github"):
        # How to proceed, for whoever reads the log (a pre-push, a CI job).
        sys.stderr.write("".join(f"{TITLE}: {escape.terminal(ln)}\n"
                                 for ln in restamp(checked, root)))
    return Exit.blocked_if(not s["ok"])
