"""`authgate codeowners`: every identity-sensitive path must have the configured
security owners among its effective code owners (GitHub semantics, last match wins).

Reads the tracked file list and CODEOWNERS from the work tree (what the user is
editing), or from a revision when `--rev` is given (what CI checks). Exit 1 when a
path is unowned or lacks the security owners, or when there is no CODEOWNERS at all.
"""

from __future__ import annotations

import argparse
import os

from authgate import codeowners, config, gitio
from authgate.changes import ChangeSet
from authgate.checks import identity, suppress
from authgate.commands import output
from authgate.exits import Exit
from authgate.policy import decide
from authgate.report import Subject
from authgate.rules import load


def _files(root: str, rev: str | None) -> list[str]:
    if rev is None:
        # The index: tracked files plus what is staged, as the next commit will have.
        raw = gitio.run(["ls-files", "-z", "--cached"], cwd=root)
    else:
        raw = gitio.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree",
                         "--end-of-options", rev], cwd=root)
    return [p for p in raw.decode("utf-8", "surrogateescape").split("\x00") if p]


def _read(root: str, rev: str | None, path: str) -> str | None:
    if rev is None:
        # GitHub reads at most 3 MB of CODEOWNERS; never a FIFO or a device.
        try:
            data = gitio.read_file(os.path.join(root, path), 3_000_000)
        except gitio.FileTooLarge as exc:
            raise gitio.GitError(f"{path}: too large for CODEOWNERS ({exc})") from exc
        return data.decode("utf-8", "replace") if data is not None else None
    out = gitio.run(["cat-file", "blob", f"{rev}:{path}"], cwd=root, check=False)
    return out.decode("utf-8", "replace") if out else None


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    cfg = config.load(root, args.config)
    rev = getattr(args, "rev", None)
    if rev is not None and gitio.resolve(rev, cwd=root) is None:
        raise gitio.GitError(f"unknown revision '{rev}'")
    rules = load(cfg, ("identity",))
    chosen = codeowners.choose({loc: _read(root, rev, loc) for loc in codeowners.LOCATIONS})
    parsed = codeowners.parse(chosen[1], chosen[0]) if chosen else None
    sensitive = [(path, pc.message(path).removeprefix(f"path {path} "))
                 for path, pc in identity.sensitive_paths(_files(root, rev), rules, cfg)]
    findings = codeowners.check(parsed, sensitive, cfg.security_owners, rules)
    findings = suppress(findings, ChangeSet(files=(), source="tree"), cfg)
    verdict = decide(findings, cfg)
    source = chosen[0] if chosen else "no CODEOWNERS"
    notes = [f"checked {len(sensitive)} identity path{'s' if len(sensitive) != 1 else ''} "
             f"against {source}" + (f" at {rev}" if rev else "")]
    if cfg.security_owners:
        notes.append(f"security owners: {', '.join(cfg.security_owners)}")
    else:
        notes.append("no security_owners configured: only unowned identity paths are "
                     "reported (set security_owners in [tool.authgate])")
    output.emit(args, [Subject(label="codeowners", verdict=verdict, revision=rev,
                               notes=tuple(notes))])
    return Exit.blocked_if(verdict.blocked)
