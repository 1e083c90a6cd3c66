"""`authgate check`: judge the staged change (the pre-commit hooks), with the staged config."""

from __future__ import annotations

import argparse

from authgate import changes, config, gitio

# Prefixes of environment variables worth capturing for provenance: cheap to filter
# here, and the check itself decides which ones mean an agent.
ENV_PREFIXES = ("CLAUDE", "GEMINI", "CODEX", "COPILOT", "CURSOR", "GOOSE", "CRUSH",
                "OPENCODE", "AI_AGENT", "AGENT", "AIDER", "AMP", "WINDSURF", "CLINE",
                "OPENHANDS", "REPL_", "DEVIN", "JULES", "QWEN", "KIRO")


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    # The index's config, as the commit will carry it; a different one in the work
    # tree is reported, not obeyed (README, "Threat model").
    cfg, notices = config.load_staged(root, args.config)
    staged = changes.staged(cwd=root, max_file_size=cfg.max_file_size,
                            env_prefixes=ENV_PREFIXES, baseline=cfg.baseline)
    if not staged.files:
        return 0
    # Imported only now: a commit with nothing staged loads no rules and no report.
    from authgate.commands import output
    from authgate.pipeline import evaluate_staged, skipped
    from authgate.report import Subject
    from authgate.rules import FAMILIES

    families = tuple(args.only) if args.only else FAMILIES
    verdict = evaluate_staged(staged, cfg, gitio.git_dir(root), families, root=root,
                              explicit=args.config)
    subject = Subject(label="staged", verdict=verdict, revision=staged.revision,
                      skipped=skipped(staged), notes=notices)
    output.emit(args, [subject])
    return 1 if verdict.blocked else 0
