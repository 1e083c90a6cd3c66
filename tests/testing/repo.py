"""A scratch git repository driven through the real git binary, and authgate run in it:
in this process (`Repo.main`, most CLI tests) or as a process (`Repo.authgate`, where
the process boundary is what a test is about)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """What a test reads from an authgate run: the fields of subprocess.CompletedProcess
    the suite uses, the same whichever way authgate ran."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


# How `Repo.main` runs authgate (`--authgate-cli`, tests/conftest.py): "inprocess", or
# "subprocess" (every call a real process, to compare), or "both" (each call both
# ways, failing the test where they differ; state a call leaves behind is seen by the
# second run, so a stateful command can differ for that reason alone).
MODE = {"cli": "inprocess"}


def _decode(data: bytes) -> str:
    # As subprocess.run(text=True) reads a child's output: UTF-8 (the suite's locale),
    # universal newlines.
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None).read()


def run_main(args: Sequence[str], cwd: Path, env: Mapping[str, str],
             input: bytes | None = None) -> Result:
    """`authgate.cli.main(args)` in this process, as `python -m authgate` would run it:
    in `cwd`, with exactly `env` as os.environ, stdin holding `input`, stdout and stderr
    captured with the encodings a child gets under LC_ALL=C.UTF-8. The working
    directory, environment and standard streams are restored after. An exception that
    escapes main() (a child would print a traceback) is raised here."""
    from authgate.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="surrogateescape")
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace")
    stdin = io.TextIOWrapper(io.BytesIO(input or b""), encoding="utf-8")
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors, --help, --version
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                stderr.write(f"{exc.code}\n")
                code = 1
        stdout.flush()
        stderr.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Result(tuple(args), code, _decode(out.getvalue()), _decode(err.getvalue()))


def run_process(args: Sequence[str], cwd: Path, env: Mapping[str, str],
                input: bytes | None = None) -> Result:
    """`python -m authgate args...` as a child process."""
    proc = subprocess.run([sys.executable, "-m", "authgate", *args], cwd=cwd,
                          capture_output=True, text=True, env=dict(env),
                          input=None if input is None else input.decode())
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


class Repo:
    """A scratch git repository driven through the real git binary."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str, input: bytes | None = None, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run(["git", *args], cwd=self.path, input=input,
                              capture_output=True, env={**os.environ, **(env or {})})
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: "
                                 f"{proc.stderr.decode(errors='replace')}")
        return proc

    def out(self, *args: str) -> str:
        return self.git(*args).stdout.decode("utf-8", "replace").strip()

    def write(self, rel: str, content: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_bytes(content.encode("utf-8"))
        else:
            target.write_bytes(content)
        return target

    def add(self, *paths: str) -> None:
        self.git("add", "--", *(paths or (".",)))

    def commit(self, message: str = "change", *extra: str) -> str:
        self.git("commit", "-q", "--no-verify", "-m", message, *extra)
        return self.out("rev-parse", "HEAD")

    def main(self, *args: str, env: dict[str, str] | None = None,
             input: bytes | None = None) -> Result:
        """authgate's `main(args)` in this process, in this repository, with the test's
        environment plus `env`. For what authgate decides and prints; a test about the
        process itself (exit under a hook runner, `python -m`, the hook cache bound to
        the git process, the worker pools) uses `authgate`."""
        environ = {**os.environ, **(env or {})}
        if MODE["cli"] == "subprocess":
            return run_process(args, self.path, environ, input)
        result = run_main(args, self.path, environ, input)
        if MODE["cli"] == "both":
            child = run_process(args, self.path, environ, input)
            assert result == child, f"in-process {result!r}\n   a process {child!r}"
        return result

    def authgate(self, *args: str, env: dict[str, str] | None = None,
                 input: bytes | None = None) -> Result:
        """`python -m authgate args...` as a child process, in this repository."""
        return run_process(args, self.path, {**os.environ, **(env or {})}, input)
