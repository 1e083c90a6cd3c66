"""`authgate check`: judge the staged change (the pre-commit hooks), with the staged config."""

from __future__ import annotations

import argparse

from authgate import changes, config, gitio
from authgate.exits import Exit


def run(args: argparse.Namespace) -> int:
    root, git_dir = gitio.locations()
    # The index's config, as the commit will carry it; a different one in the work
    # tree is reported, not obeyed (README, "Threat model").
    cfg, notices = config.load_staged(root, args.config)
    staged = changes.staged(cwd=root, max_file_size=cfg.max_file_size, baseline=cfg.baseline)
    if args.filenames:
        # Files named that are not the commit are an audit of the work tree, as `scan`
        # is: judged with the work tree's config (the commit gate uses the index's).
        judged = check_named_files(args, root, config.load(root, args.config), staged)
        if judged is not None:
            return judged
    if not staged.files:
        return Exit.OK
    # Imported only now: a commit with nothing staged loads no rules and no report.
    from authgate.commands import output
    from authgate.pipeline import evaluate_staged, skipped
    from authgate.report import Subject
    from authgate.rules import FAMILIES, agent_variables

    families = tuple(args.only) if args.only else FAMILIES
    if "provenance" in families:
        # Who git will record as author and committer: an assistant's own identity
        # is seen now, not only by verify once the commit exists; and the agent
        # variables the env rules read (read now: an empty commit loads no catalog).
        staged = changes.with_identities(staged, cwd=root)
        staged = changes.with_environment(staged, agent_variables(cfg))
    verdict = evaluate_staged(staged, cfg, git_dir, families, root=root,
                              explicit=args.config)
    subject = Subject(label="staged", verdict=verdict, revision=staged.revision,
                      skipped=skipped(staged, cfg), notes=notices)
    output.emit(args, [subject])
    from authgate import lastrun

    # For `authgate accept --last` (redacted, bounded: lastrun.py).
    lastrun.record(git_dir, "check", [subject])
    if verdict.blocked and args.format == "text" and not args.output:
        from authgate import guidance

        print("\n".join(guidance.how_to_proceed(
            verdict, (guidance.content_hook_id(families), guidance.TRAILERS_HOOK))))
    return Exit.blocked_if(verdict.blocked)


# --- files named on the command line (pre-commit --all-files / --files, a direct call) ---

def check_named_files(args: argparse.Namespace, root: str, cfg: config.Config,
                      staged: changes.ChangeSet) -> int | None:
    """Judge the named files whole, as `scan` judges a tree; None when the names are
    the staged change, which `run` judges as usual (namedfiles.py says when)."""

    from authgate.namedfiles import judges_staged, read

    # A name that cannot be judged is a NamedFileError: one line and exit 2 (cli.py).
    if judges_staged(args.filenames, staged, root=root):
        return None
    files = read(args.filenames, root=root, staged=staged, max_file_size=cfg.max_file_size)
    # Imported once the names are known not to be the commit: a commit stays lean.
    import os

    from authgate.commands import output
    from authgate.pipeline import skipped
    from authgate.policy import decide
    from authgate.report import Subject
    from authgate.rules import FAMILIES
    from authgate.scanning import judge_whole

    families = tuple(args.only) if args.only else FAMILIES
    verdict = decide(judge_whole(files, cfg, families, os.cpu_count() or 1), cfg)
    subjects = [Subject(label=f"files ({len(files.files)})", verdict=verdict,
                        revision=staged.revision, skipped=skipped(files, cfg))]
    output.emit(args, subjects)
    from authgate import lastrun

    lastrun.record(gitio.git_dir(root), "check", subjects)
    if verdict.blocked and args.format == "text" and not args.output:
        from authgate.guidance import how_to_proceed

        # No SKIP line: these files are not a commit being made.
        print("\n".join(how_to_proceed(verdict, skip=())))
    return Exit.blocked_if(verdict.blocked)
