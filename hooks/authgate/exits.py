"""The exit codes of every command, by name. A hook runner and CI tell a block from
a user's mistake and from authgate's own bug by them, so they never vary."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    BLOCKED = 1  # the change is blocked (check, msg) or a commit violates (verify)
    FINDINGS = 1  # scan, codeowners: something to fix was found
    USAGE = 2  # arguments, configuration, repository: what the user can fix
    CONFIG = 2
    INTERNAL = 3  # authgate's own bug
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

    @classmethod
    def blocked_if(cls, blocked: bool) -> Exit:
        return cls.BLOCKED if blocked else cls.OK


class UserError(Exception):
    """Something the user can fix (a named file, an argument): exit 2, str() is the one
    line cli.py prints. Configuration and git have their own (ConfigError, GitError)."""
