"""`authgate scan`: judge every file of a revision, as a full-tree audit."""

from __future__ import annotations

import argparse

from authgate import changes, config, gitio
from authgate.commands import output
from authgate.pipeline import evaluate, skipped
from authgate.report import Subject
from authgate.rules import FAMILIES


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    cfg = config.load(root, args.config)
    families = tuple(args.only) if args.only else FAMILIES
    if gitio.resolve(args.rev, cwd=root) is None:
        raise gitio.GitError(f"unknown revision '{args.rev}'")
    whole = changes.tree(args.rev, cwd=root, max_file_size=cfg.max_file_size)
    verdict = evaluate(whole, cfg, families)
    output.emit(args, [Subject(label=f"tree {args.rev}", verdict=verdict,
                               revision=whole.revision, skipped=skipped(whole))])
    return 1 if verdict.blocked else 0
