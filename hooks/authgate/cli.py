"""The `authgate` command: argument parsing, dispatch, and exit codes.

Exit codes (`exits.Exit`): 0 pass, 1 blocked (or violations found), 2 usage, config
or repository error (one line on stderr), 3 internal error (one line; AUTHGATE_DEBUG=1
for the traceback). `main` is the one error boundary of every command: whatever a
command raises becomes one line here, scrubbed of anything secret-looking. A command
that must say more when it fails (msg: how to get the commit message back) has an
`on_error(args) -> str` whose text is added to that line.

Subcommand modules are imported only when chosen, so `authgate --version` and a
commit with nothing staged stay cheap.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from authgate import __version__
from authgate.exits import Exit, UserError

# The names this module had before the enum; tests and scripts read them.
EXIT_OK, EXIT_BLOCKED, EXIT_USAGE, EXIT_INTERNAL = Exit.OK, Exit.BLOCKED, Exit.USAGE, \
    Exit.INTERNAL

FAMILY_NAMES = {"provenance": "provenance", "leaks": "leak", "leak": "leak",
                "identity": "identity"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus the message; one line is what hooks show well.
        sys.stderr.write(f"authgate: {message} (see `authgate --help`)\n")
        raise SystemExit(Exit.USAGE)


def _families(value: str) -> list[str]:
    out = []
    for name in value.split(","):
        name = name.strip()
        if name not in FAMILY_NAMES:
            raise argparse.ArgumentTypeError(
                f"unknown check family '{name}' (choose from provenance, leaks, identity)")
        out.append(FAMILY_NAMES[name])
    return out


# The report formats, spelled here too so that parsing arguments does not import the
# report module (json, hashlib, the policy): `--version` and an empty commit stay cheap.
# tests/test_cli.py checks this matches report.FORMATS.
FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab")


def _report_target(value: str) -> tuple[str, str]:
    fmt, sep, path = value.partition("=")
    if not sep or fmt not in FORMATS or not path:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not FORMAT=PATH (FORMAT: {', '.join(FORMATS)})")
    return fmt, path


# The git hooks `authgate install` writes (commands/install.HOOKS; tests/test_install.py
# checks they agree), spelled here for the same reason.
GIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "pre-push")

# The subcommands, in the order `authgate --help` lists them.
COMMANDS = ("check", "scan", "msg", "verify", "accept", "codeowners", "config", "rules",
            "explain", "version", "install", "demo")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line. Given the `command` the arguments name, only that command's
    parser is made: the others are never read, and making all twelve cost every hook
    2-3 ms. Without a command (or with one that is not ours, to report): all."""

    def wanted(name: str) -> bool:
        return command not in COMMANDS or command == name

    parser = _Parser(prog="authgate", description=(
        "Governed change for identity code: AI provenance, secret and endpoint leaks, "
        "identity impact, required-review trailers."))
    parser.add_argument("--version", action="version", version=f"authgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(p: argparse.ArgumentParser, formats: bool = True) -> None:
        p.add_argument("--config", metavar="FILE",
                       help="config file (default: .authgate.toml, else pyproject.toml)")
        if formats:
            p.add_argument("--format", choices=FORMATS, default="text")
            p.add_argument("--output", metavar="FILE", help="write the report to FILE")
            p.add_argument("--report", action="append", type=_report_target, default=[],
                           metavar="FORMAT=PATH",
                           help="also write the report in FORMAT to PATH; repeatable "
                           "(one run, every report a CI job needs)")

    if wanted("check"):
        p = sub.add_parser("check", help="check the staged change (pre-commit)")
        common(p)
        p.add_argument("--only", type=_families, metavar="FAMILIES",
                       help="comma-separated: provenance, leaks, identity")
        p.add_argument("filenames", nargs="*", metavar="FILE",
                       help="judge these files whole (default: the staged change)")

    if wanted("scan"):
        p = sub.add_parser("scan", help="check every file of a revision")
        common(p)
        p.add_argument("--rev", default="HEAD", help="revision to scan (default HEAD)")
        p.add_argument("--only", type=_families, metavar="FAMILIES")
        p.add_argument("--jobs", type=int, default=0, help="worker processes (default: all cores)")
        p.add_argument("--no-cache", action="store_true",
                       help="judge every file again, neither reading nor writing the blob "
                            "cache under .git/authgate/")

    if wanted("msg"):
        p = sub.add_parser("msg", help="commit-msg / prepare-commit-msg: trailers or block")
        common(p, formats=False)
        p.add_argument("message_file", help="the commit message file git passes the hook")
        p.add_argument("source", nargs="?", default=None,
                       help="prepare-commit-msg's source "
                            "(message, template, merge, squash, commit)")
        p.add_argument("commit", nargs="?", default=None, help="prepare-commit-msg's commit id")

    if wanted("verify"):
        p = sub.add_parser("verify", help="recompute every commit of a range against its trailers")
        common(p)
        p.add_argument("--range", dest="range", metavar="BASE..HEAD",
                       help="commits to verify (default: the pre-push range pre-commit gives)")
        p.add_argument("--pre-receive", action="store_true",
                       help="run as a server's pre-receive hook: the pushed refs on stdin")
        p.add_argument("--since", metavar="REV",
                       help="verify only commits after REV (adoption; default: verify_since "
                            "of the config)")
        p.add_argument("--jobs", type=int, default=0, help="worker processes (default: all cores)")
        p.add_argument("filenames", nargs="*", help=argparse.SUPPRESS)

    if wanted("accept"):
        p = sub.add_parser("accept", help="accept the last run's findings: allowlist entries "
                           "with a reason, written to the config")
        common(p, formats=False)
        p.add_argument("--last", action="store_true",
                       help="the blocking findings of the last `check` or `scan`")
        p.add_argument("--all", action="store_true",
                       help="with --last: every finding it counted, not only the blocking ones")
        p.add_argument("--reason", required=True, help="why they are safe (kept with each entry)")
        p.add_argument("fingerprints", nargs="*", metavar="FINGERPRINT",
                       help="accept these findings of the last run (as the report shows them)")

    if wanted("codeowners"):
        p = sub.add_parser("codeowners", help="check that security owners own identity paths")
        common(p)
        p.add_argument("--rev", help="read CODEOWNERS and the file list at this revision "
                       "(default: the work tree and the index)")

    if wanted("config"):
        p = sub.add_parser("config", help="print the effective configuration")
        common(p, formats=False)

    if wanted("rules"):
        p = sub.add_parser("rules", help="list the rules")
        common(p, formats=False)

    if wanted("explain"):
        p = sub.add_parser("explain", help="print one rule")
        common(p, formats=False)
        p.add_argument("rule_id")

    if wanted("version"):
        sub.add_parser("version", help="print the version")

    if wanted("install"):
        p = sub.add_parser("install", help="install authgate as plain git hooks (no framework)")
        p.add_argument("-t", "--hook-type", action="append", choices=GIT_HOOKS,
                       help="a hook to install; repeatable (default: all four)")
        p.add_argument("--force", action="store_true",
                       help="replace hooks authgate did not write (kept as <name>.authgate-backup)")

    if wanted("demo"):
        p = sub.add_parser("demo", help="show authgate on a scratch repository")
        p.add_argument("--keep", action="store_true", help="keep the scratch repository")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    parser = build_parser(given[0] if given and not given[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return Exit.USAGE
    if args.command == "version":
        print(f"authgate {__version__}")
        return Exit.OK
    module = importlib.import_module(f"authgate.commands.{args.command}")
    try:
        return int(module.run(args))
    except BaseException as exc:  # the one boundary: every command, every failure
        return _failed(exc, module, args)


def _failed(exc: BaseException, module: object, args: argparse.Namespace) -> int:
    """The exit code for `exc`, after one line on stderr (or, with AUTHGATE_DEBUG set,
    the traceback of an internal error)."""
    from authgate.config import ConfigError
    from authgate.gitio import GitError

    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        _say("interrupted")
        return Exit.INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        return Exit.OK  # the reader went away (`| head`): nothing left to tell
    on_error = getattr(module, "on_error", None)
    note = on_error(args) if callable(on_error) else ""
    if isinstance(exc, (ConfigError, GitError, UserError)):
        # The message names a path or quotes config, which can hold a secret: scrubbed
        # as authgate's own prose (a quoted key name is no password).
        _say(str(exc) + (f" ({note})" if note else ""), prose=True)
        return Exit.USAGE
    if not isinstance(exc, Exception):
        raise exc
    if os.environ.get("AUTHGATE_DEBUG"):
        # The traceback for whoever debugs, and still the internal-error code: a hook
        # runner or CI tells a bug from a block by it.
        import traceback

        traceback.print_exc()
        return Exit.INTERNAL
    # The exception text may quote content: it gets the same redaction as evidence.
    first = str(exc).splitlines()[0] if str(exc) else ""
    _say(f"internal error: {type(exc).__name__}: {first} ("
         + (f"{note}; " if note else "") + "set AUTHGATE_DEBUG=1 for details)")
    return Exit.INTERNAL


def _say(line: str, *, prose: bool = False) -> None:
    """One line on stderr: scrubbed of anything secret-looking, no terminal sequence.
    An exception's own text may quote code; `prose` is authgate's message quoting a
    value (findings.scrub_text tells the two apart)."""
    from authgate.escape import terminal
    from authgate.findings import MAX_SCRUB, scrub_text

    line = line[:MAX_SCRUB]
    if prose:
        import re

        # A commit id in authgate's own message ("'<sha>' of range ...") is what the
        # user needs to read; everything around it is scrubbed.
        parts = re.split(r"\b([0-9a-f]{40}|[0-9a-f]{64})\b", line)
        text = "".join(p if i % 2 else scrub_text(p, code=False) for i, p in enumerate(parts))
    else:
        text = scrub_text(line)
    sys.stderr.write(f"authgate: {terminal(text)}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    raise SystemExit(main())
