"""`authgate scan`: judge every file of a revision, as a full-tree audit.

The tree is read a batch of files at a time and judged by `scanning.py` (on all cores
by default); each committed blob's findings are kept under the git directory
(scancache.py) so an unchanged file is judged once; `--no-cache` judges everything
again. The policy decides once over all of the findings.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

from authgate import changes, config, gitio, lastrun, pool
from authgate.commands import output
from authgate.exits import Exit
from authgate.policy import decide
from authgate.report import Subject
from authgate.rules import FAMILIES
from authgate.scanning import judge_batches


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    cfg = config.load(root, args.config)
    families = tuple(args.only) if args.only else FAMILIES
    if gitio.resolve(args.rev, cwd=root) is None:
        raise gitio.GitError(f"unknown revision '{args.rev}'")
    meta = changes.tree_meta(args.rev, cwd=root, baseline=cfg.baseline)

    def batches(read: Callable[[str, str, str], bool] | None
                ) -> Iterable[changes.TreeBatch]:
        return changes.tree_listing(args.rev, cwd=root, max_file_size=cfg.max_file_size,
                                    read=read)

    judged = judge_batches(meta, batches, cfg, families, pool.workers(args.jobs),
                           None if args.no_cache else gitio.git_dir(root), cwd=root)
    verdict = decide(judged.findings, cfg)
    subjects = [Subject(label=f"tree {args.rev}", verdict=verdict,
                        revision=meta.revision, skipped=judged.skipped)]
    output.emit(args, subjects)
    # For `authgate accept --last` (redacted, bounded: lastrun.py).
    lastrun.record(gitio.git_dir(root), "scan", subjects)
    return Exit.blocked_if(verdict.blocked)


