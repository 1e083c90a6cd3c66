"""The one place that runs git.

Every call goes through `run()` so the flags that make git's output independent of
the user's configuration are spelled out once. The hot path (a commit) spawns git a
handful of times and never imports GitPython: its import alone costs about 0.09 s,
half of what a hook may spend (see README, "Dependencies").
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Sequence

# Options that neutralise user config which changes what `git diff` prints.
# - core.quotepath=false: raw -z output never quotes, but patch headers would.
# - diff.noprefix / mnemonicPrefix: patch headers keep the a/ b/ form we skip over.
# - diff.relative: would cut the diff down to the current directory.
# - diff.suppressBlankEmpty: prints an empty context line without its " " tag, which
#   would shift every line number after it.
# - core.bigFileThreshold: blobs above it are diffed as binary, so a 200 MB file
#   costs git nothing; changes then reports it as skipped by size.
# - color.ui / diff.external / textconv are turned off per command below.
_CONFIG = (
    "-c", "core.quotepath=false",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "diff.suppressBlankEmpty=false",
    "-c", "color.ui=false",
    "-c", "core.autocrlf=false",
)

# Diff flags used by every content query: deterministic rename detection (not
# whatever diff.renames says), no external diff or textconv drivers, full blob ids.
DIFF_FLAGS = (
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--find-renames=50%",
    "--no-abbrev",
    "--full-index",
    "--ignore-submodules=none",
    "--submodule=short",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--unified=3",
    # diff.orderFile reorders output and fails outright when the file is missing.
    f"-O{os.devnull}",
)


class GitError(Exception):
    """git failed in a way the user can act on (not a repository, bad revision)."""


def run(
    args: Sequence[str],
    *,
    cwd: str | None = None,
    stdin: bytes | None = None,
    big_file_threshold: int | None = None,
    check: bool = True,
) -> bytes:
    """Run `git args...` and return stdout as bytes."""
    cmd = ["git", *_CONFIG]
    if big_file_threshold is not None:
        cmd += ["-c", f"core.bigFileThreshold={big_file_threshold}"]
    cmd += list(args)
    env = dict(os.environ)
    # A pager or a prompt would hang a hook; LC_ALL=C keeps messages parseable.
    env.update({"GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    # GIT_DIFF_OPTS overrides --unified; GIT_EXTERNAL_DIFF is the env form of diff.external.
    env.pop("GIT_EXTERNAL_DIFF", None)
    env.pop("GIT_DIFF_OPTS", None)
    try:
        # Without input, stdin is closed: a hook's stdin may be a terminal, and a git
        # command that reads it would wait for the user.
        proc = subprocess.run(
            cmd, cwd=cwd, input=stdin if stdin is not None else b"", capture_output=True,
            env=env,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(err[-1] if err else f"git {' '.join(args)} exited {proc.returncode}")
    return proc.stdout


def text(args: Sequence[str], *, cwd: str | None = None) -> str:
    return run(args, cwd=cwd).decode("utf-8", "replace").strip()


def toplevel(cwd: str | None = None) -> str:
    try:
        return text(["rev-parse", "--show-toplevel"], cwd=cwd)
    except GitError as exc:
        raise GitError(f"not a git repository ({exc})") from exc


def git_dir(cwd: str | None = None) -> str:
    """This work tree's git directory (a linked worktree has its own)."""
    return text(["rev-parse", "--absolute-git-dir"], cwd=cwd)


def locations(cwd: str | None = None) -> tuple[str, str]:
    """`toplevel` and `git_dir` from one git call (every call costs a hook a few
    milliseconds). git prints one per line: a path holding a line break makes that
    ambiguous, and then each is asked for alone."""
    try:
        out = text(["rev-parse", "--show-toplevel", "--absolute-git-dir"], cwd=cwd)
    except GitError as exc:
        raise GitError(f"not a git repository ({exc})") from exc
    parts = out.split("\n")
    if len(parts) == 2:
        return parts[0], parts[1]
    top = toplevel(cwd)
    return top, git_dir(top)


def resolve(rev: str, *, cwd: str | None = None) -> str | None:
    """The full id of rev, or None when it does not exist (an unborn HEAD)."""
    out = run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"],
              cwd=cwd, check=False)
    value = out.decode().strip()
    return value or None


def read_objects(names: Sequence[str], *, cwd: str | None = None
                 ) -> list[tuple[str, str, bytes] | None]:
    """Each object `names` names (`REV`, `REV^{commit}`, `REV:path`, `:path` in the
    index) as (id, type, content), or None where there is none, from one git call.
    A name is one line of git's input: one holding a line break is a ValueError."""
    if any("\n" in name for name in names):
        raise ValueError("an object name holds a line break")
    if not names:
        return []
    out = run(["cat-file", "--batch"], cwd=cwd, stdin=("\n".join(names) + "\n").encode())
    found: list[tuple[str, str, bytes] | None] = []
    pos = 0
    for _ in names:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            found.append((header[0].decode(), header[1].decode(), out[pos:pos + size]))
            pos += size + 1  # the content, then the newline cat-file adds
        else:
            found.append(None)  # "<name> missing" (or ambiguous)
    return found


def config_value(key: str, *, cwd: str | None = None) -> str | None:
    out = run(["config", "--get", key], cwd=cwd, check=False).decode("utf-8", "replace")
    return out.rstrip("\n") if out else None


EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

# Opening a FIFO for reading waits for a writer; with O_NONBLOCK it returns at once
# and fstat then says what it is. (Not on Windows, which has no FIFOs in a work tree.)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class FileTooLarge(Exception):
    """A work-tree file over the size authgate reads."""


def read_file(path: str, limit: int) -> bytes | None:
    """The bytes of a regular file of the work tree, or None when there is none.

    Content from a repository can make a path anything: a symlink to /dev/zero (endless
    input), a FIFO (a read that never returns), a device. Only a regular file is read,
    and only up to `limit` bytes (FileTooLarge beyond)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > limit:
            raise FileTooLarge(f"{path}: {info.st_size} bytes (more than {limit})")
        chunks = []
        size = 0
        while True:
            # The size read may still grow while reading: the limit holds for the data.
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FileTooLarge(f"{path}: more than {limit} bytes")
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
