"""`authgate install`: authgate as plain git hooks, for teams without a hook framework.

Each hook is a two-line shell script that runs this interpreter's authgate, so a
commit pays for no framework start-up (README: Speed under the frameworks). The
scripts honour `SKIP=<hook id>` with pre-commit's hook ids, so the escape hatch a
blocked commit prints works the same either way. `authgate demo` installs its hooks
with `write_hooks` too.

A hook file that authgate did not write is never replaced without `--force`, and then
it is kept beside the new one as `<name>.authgate-backup`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Iterable

from authgate import __version__, gitio
from authgate.exits import Exit

# git hook -> (the pre-commit hook id that SKIP names, what the hook runs). Arguments
# are git's: prepare-commit-msg gets the message file, its source and a commit id;
# commit-msg the message file.
HOOKS = {
    "pre-commit": ("authgate", "check"),
    "prepare-commit-msg": ("authgate-trailers", 'msg "$@"'),
    "commit-msg": ("authgate-trailers", 'msg "$1"'),
    "pre-push": ("authgate-verify", None),
}

# The first comment line of every hook authgate writes: how a rerun recognises its own.
MARKER = "# authgate hook, written by `authgate install`"

# git gives pre-push one line per ref on stdin: "<local ref> <local id> <remote ref>
# <remote id>". An all-zero local id deletes a branch (nothing to verify); an all-zero
# remote id is a new branch: its commits are those on no remote-tracking branch, as
# `authgate verify` works out when given only the pushed commit (as under pre-commit).
_PRE_PUSH = """\
while read -r local_ref local_id remote_ref remote_id; do
  case "$local_id" in *[!0]*) ;; *) continue ;; esac
  case "$remote_id" in
    *[!0]*) {py} -m authgate verify --range "$remote_id..$local_id" || exit 1 ;;
    *) PRE_COMMIT_TO_REF="$local_id" {py} -m authgate verify || exit 1 ;;
  esac
done
"""


def script(hook: str, python: str) -> str:
    hook_id, command = HOOKS[hook]
    py = shlex.quote(python)
    body = f"exec {py} -m authgate {command}\n" if command else _PRE_PUSH.format(py=py)
    return (f"#!/bin/sh\n{MARKER} (authgate {__version__}).\n"
            f"# Skip it once with SKIP={hook_id} (comma-separated, as under pre-commit).\n"
            f'case ",$(printf %s "${{SKIP:-}}" | tr -d " ")," in '
            f"*,{hook_id},*) exit 0 ;; esac\n{body}")


def hooks_dir(root: str) -> str:
    """Where git runs hooks from: core.hooksPath if set, else the common git dir's
    hooks (shared by every linked worktree)."""
    path = gitio.text(["rev-parse", "--git-path", "hooks"], cwd=root)
    return os.path.normpath(os.path.join(root, path))


class HookInPlace(Exception):
    """A hook authgate did not write is where one would go."""


def write_hooks(directory: str, hooks: Iterable[str], *, python: str = sys.executable,
                force: bool = False) -> list[str]:
    """Write the hooks; return one line per backed-up foreign hook. Refuses before
    writing anything when a foreign hook is in the way and not `force`."""
    hooks = list(hooks)
    foreign = [h for h in hooks if _foreign(os.path.join(directory, h))]
    if foreign and not force:
        raise HookInPlace(", ".join(os.path.join(directory, h) for h in foreign))
    os.makedirs(directory, exist_ok=True)
    notes = []
    for hook in hooks:
        path = os.path.join(directory, hook)
        if hook in foreign:
            os.replace(path, path + ".authgate-backup")
            notes.append(f"{path}: the previous hook is kept as {path}.authgate-backup")
        tmp = f"{path}.authgate-tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(script(hook, python))
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
    return notes


def _foreign(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(512)
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        return True
    return MARKER not in head


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    wanted = list(dict.fromkeys(args.hook_type or HOOKS))
    directory = hooks_dir(root)
    try:
        notes = write_hooks(directory, wanted, force=args.force)
    except HookInPlace as exc:
        sys.stderr.write(f"authgate: {exc}: a hook authgate did not write is installed "
                         "there; nothing was changed (--force replaces it and keeps it "
                         "as <name>.authgate-backup)\n")
        return Exit.USAGE
    for note in notes:
        print(f"authgate: {note}")
    rel = os.path.relpath(directory, root)
    print(f"authgate: installed {', '.join(wanted)} in {rel} "
          f"(running {sys.executable} -m authgate)")
    return Exit.OK
