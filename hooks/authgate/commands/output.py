"""Writing a report where the user asked: stdout or `--output FILE`, plus every
`--report FORMAT=PATH` (one run writes each report a CI job needs)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from authgate.config import ConfigError
from authgate.report import Subject, render


def use_color(stream: object) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off.
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def emit(args: argparse.Namespace, subjects: Sequence[Subject], title: str = "authgate") -> None:
    fmt = getattr(args, "format", "text")
    target = getattr(args, "output", None)
    for extra_fmt, path in reports(args):
        write_file(path, render(extra_fmt, subjects, color=False, title=title), "--report")
    if target:
        write_file(target, render(fmt, subjects, color=False, title=title))
        return
    text = render(fmt, subjects, color=use_color(sys.stdout), title=title)
    sys.stdout.write(text)
    sys.stdout.flush()


def reports(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The `--report FORMAT=PATH` pairs, in the order given."""
    return list(getattr(args, "report", None) or ())


def write_file(target: str, text: str, option: str = "--output") -> None:
    """Write a report to `--output` (or `--report`): a path that cannot be written (a
    missing folder, a directory, no permission) is the user's to fix, so it is one
    line and exit 2."""
    try:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise ConfigError(f"{option} {target}: cannot write the report "
                          f"({exc.strerror or exc})") from exc
