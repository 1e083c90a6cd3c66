"""Files named on the command line, as a `ChangeSet` of whole files.

`authgate check` judges the staged change. pre-commit also runs hooks on files that
are not the change: `pre-commit run --all-files` (what pre-commit.ci runs), `--files
F...`, and people call `authgate check FILE...` themselves. Those files are judged
whole, every line an added line, as `authgate scan` judges a tree.

Which mode: no names, or names that are the staged change, judge the staged diff.
Inside `git commit` (git sets GIT_INDEX_FILE for its hooks) pre-commit passes the
staged paths minus what its own filters drop, possibly split over several runs when
the command line would be too long, so any subset of the staged paths is the staged
change; outside a commit only exactly the staged paths are.

Content: a named file with staged changes is read from the index (what would be
committed); any other from the work tree, regular files only and at most
`max_file_size` bytes, as git would see them (a NUL byte in the first 8000 marks
binary).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence

from authgate import changes, gitio
from authgate.changes import ChangeSet, FileChange, Status
from authgate.changes.hunks import _whole_file
from authgate.exits import UserError

# git's own binary test (xdiff-interface.c): a NUL in the first 8000 bytes.
_BINARY_SNIFF = 8000
# Pathspecs per git call: far below any platform's argument limit.
_CHUNK = 1000


class NamedFileError(UserError):
    """A named file that cannot be judged at all (missing, outside the repository)."""


def judges_staged(names: Sequence[str], staged: ChangeSet, *, root: str,
                  environ: Mapping[str, str] | None = None) -> bool:
    """True when these names mean "the staged change" (see the module docstring)."""
    if not names:
        return True
    environ = os.environ if environ is None else environ
    changed = {f.path for f in staged.files if f.status is not Status.DELETED}
    given = set(repo_paths(names, root=root))
    if environ.get("GIT_INDEX_FILE"):
        return given <= changed
    return given == changed


def repo_paths(names: Sequence[str], *, root: str) -> list[str]:
    """Each name (relative to the current directory, as a shell or pre-commit gives it)
    as a repository path with `/` separators, in order, duplicates dropped."""
    top = os.path.realpath(root)
    out: dict[str, None] = {}
    for name in names:
        # The directory resolved (a symlinked checkout), the name itself not: a link
        # is judged as the link it is, not as whatever it points at.
        here = os.path.abspath(name)
        full = os.path.join(os.path.realpath(os.path.dirname(here)), os.path.basename(here))
        rel = os.path.relpath(full, top)
        if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
            raise NamedFileError(f"{name}: not a file inside the repository {root}")
        out[rel.replace(os.sep, "/")] = None
    return list(out)


def read(names: Sequence[str], *, root: str, staged: ChangeSet,
         max_file_size: int) -> ChangeSet:
    """The named files, whole: staged ones from the index, others from the work tree."""
    paths = repo_paths(names, root=root)
    in_index = {f.path for f in staged.files if f.status is not Status.DELETED}
    from_index = [p for p in paths if p in in_index]
    files = {f.path: f for f in _from_index(from_index, root, max_file_size)}
    for path in paths:
        if path not in files:
            files[path] = _from_work_tree(path, root, max_file_size)
    baseline = staged.secrets_baseline
    return ChangeSet(files=tuple(files[p] for p in paths), source="tree",
                     revision=staged.revision, secrets_baseline=baseline)


def _from_index(paths: list[str], root: str, max_file_size: int) -> list[FileChange]:
    if not paths:
        return []
    empty = _empty_tree(root)
    out: list[FileChange] = []
    for i in range(0, len(paths), _CHUNK):
        specs = [f":(literal){p}" for p in paths[i:i + _CHUNK]]
        raw = gitio.run(["diff", "--cached", "--raw", "-p", "-z", *gitio.DIFF_FLAGS,
                         "--no-renames", empty, "--", *specs],
                        cwd=root, big_file_threshold=max_file_size)
        out.extend(changes.parse_diff(raw, cwd=root, max_file_size=max_file_size))
    return out


def _empty_tree(root: str) -> str:
    # sha1 or sha256: ask git rather than hard-code the id.
    return gitio.run(["hash-object", "-t", "tree", "--stdin"], cwd=root,
                     stdin=b"").decode().strip()


def _from_work_tree(path: str, root: str, max_file_size: int) -> FileChange:
    full = os.path.join(root, path)
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        raise NamedFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise NamedFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    mode = "100755" if st.st_mode & stat.S_IXUSR else "100644"
    base = FileChange(path=path, status=Status.ADDED, mode=mode, size=st.st_size)
    if not stat.S_ISREG(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
        return base._replace(skipped=kind)
    if st.st_size > max_file_size:
        return base._replace(skipped=f"too large ({st.st_size} bytes > {max_file_size})")
    try:
        with open(full, "rb") as fh:
            content = fh.read(max_file_size + 1)
    except OSError as exc:
        raise NamedFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if b"\x00" in content[:_BINARY_SNIFF]:
        return base._replace(binary=True, skipped="binary")
    return base._replace(size=len(content), hunks=_whole_file(content, "+"))
