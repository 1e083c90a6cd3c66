"""A range of commits read for `authgate verify`: which commits, and each one's
metadata, message and diff.

Cost is what matters here: a pull request can carry thousands of commits. So the list
comes from one `git rev-list`, and the metadata and patches of a whole batch of
commits from one `git log --no-walk --stdin -p --raw -z`, split on a marker that holds
a random nonce (a commit message cannot forge a boundary it cannot predict). Each
commit's diff is read once, as the same bytes `changes.commit` would get from `git
diff`, and parsed by the same `changes.parse_diff`, so a commit verified in CI is
judged on exactly what its hooks saw. GitPython would spawn a `git diff` per commit
for the patches anyway and add its import; the rev-list and log calls here are all the
walking verify needs.

A merge commit is judged on what it adds beyond its parents: the diff from the merge
git makes on its own (`git merge-tree --write-tree`, conflict markers and all) to the
merge as committed. A clean merge adds nothing; a conflict resolution shows the lines
it wrote, and content slipped in with `merge --no-commit` (or a side's change reverted
while resolving) shows as what it is.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from authgate import gitio
from authgate.changes import ChangeSet, Identity, blob_ids, blob_sizes, parse_diff

ZERO_ID = ("0" * 40, "0" * 64)

# Commits per `git log` call: bounds memory on huge ranges, costs one process each.
BATCH = 400

FULL_DEPTH_HINT = ("fetch with full depth (actions/checkout `fetch-depth: 0`, "
                   "GitLab `GIT_DEPTH: 0`, or `git fetch --unshallow`)")


class RangeError(gitio.GitError):
    """A range the user gave (or the hook was given) that cannot be verified."""


@dataclass(frozen=True)
class Range:
    """Commits reachable from `head` and not from any of `exclude`."""

    label: str  # as shown to people: "BASE..HEAD", or what the push covers
    head: str  # commit id
    base: str | None = None  # commit id of BASE, when there is one
    exclude: tuple[str, ...] = ()  # rev-list arguments after --not


@dataclass(frozen=True)
class Listing:
    commits: tuple[str, ...]  # every commit of the range, oldest first
    merges: tuple[str, ...]  # those of them that are merges


@dataclass(frozen=True)
class RawCommit:
    """One commit as git printed it; becomes a ChangeSet in whichever process judges it."""

    revision: str
    tree: str
    parents: tuple[str, ...]
    author: Identity
    committer: Identity
    message: str
    diff: bytes  # `--raw -p -z` output, the input of changes.parse_diff
    ai_note: str | None = None
    sizes: Mapping[str, int] | None = None  # blob id -> bytes, for parse_diff
    # The message's trailers as git itself reads them (`%(trailers:only,unfold)`, the
    # same as `git interpret-trailers --parse`, with this repository's settings).
    trailers: tuple[tuple[str, str], ...] = ()


# --- which commits ----------------------------------------------------------------

def parse_range(spec: str, *, cwd: str) -> Range:
    """`BASE..HEAD` (either side may be empty: HEAD), or one revision for all its history."""
    if "..." in spec:
        raise RangeError(f"range '{spec}': use BASE..HEAD (two dots); three dots would "
                         "also take commits that are only on the base side")
    if ".." in spec:
        base_spec, head_spec = spec.split("..", 1)
        base_spec, head_spec = base_spec or "HEAD", head_spec or "HEAD"
    else:
        base_spec, head_spec = "", spec
    if not head_spec.strip():
        raise RangeError(f"range '{spec}' is empty: expected BASE..HEAD")
    head = _commit_id(head_spec, spec, cwd)
    if not base_spec or base_spec in ZERO_ID:
        # No base (or the all-zero id CI gives for a branch that did not exist): the
        # whole history of HEAD.
        return Range(label=spec, head=head)
    base = _commit_id(base_spec, spec, cwd)
    return Range(label=spec, head=head, base=base, exclude=(base,))


def pushed_range(environ: Mapping[str, str], *, cwd: str) -> Range:
    """The range of a push, as pre-commit describes it in the hook's environment.

    pre-commit sets PRE_COMMIT_FROM_REF (the remote's commit, or the parent of the
    first new commit of a new branch) and PRE_COMMIT_TO_REF (the pushed commit). A new
    branch that reaches the root commit gets neither: then the pushed commits are
    those not on any remote-tracking ref, or every commit when there is none."""
    from_ref = environ.get("PRE_COMMIT_FROM_REF", "").strip()
    to_ref = environ.get("PRE_COMMIT_TO_REF", "").strip()
    if from_ref and to_ref and from_ref not in ZERO_ID:
        return parse_range(f"{from_ref}..{to_ref}", cwd=cwd)
    target = to_ref or environ.get("PRE_COMMIT_LOCAL_BRANCH", "").strip() or "HEAD"
    head = _commit_id(target, target, cwd)
    has_remotes = bool(gitio.text(["for-each-ref", "--count=1", "--format=%(refname)",
                                   "refs/remotes/"], cwd=cwd))
    if has_remotes:
        return Range(label=f"{target} (commits on no remote-tracking branch)", head=head,
                     exclude=("--remotes",))
    return Range(label=f"{target} (all commits: no remote-tracking branches)", head=head)


def received(lines: str, *, cwd: str) -> list[Range]:
    """The ranges a push brings, from a `pre-receive` hook's stdin (`<old> <new> <ref>`
    per line): an update from its old commit; a new ref, the commits no ref of the
    repository has yet (git has not moved any ref while the hook runs); a deletion,
    or a ref to something other than a commit (a tag of a tree), nothing to verify."""
    out = []
    for line in lines.splitlines():
        parts = line.split()
        if len(parts) != 3:
            raise RangeError(f"pre-receive: expected '<old> <new> <ref>', got {line!r}")
        old, new, ref = parts
        if new in ZERO_ID:
            continue  # a deletion
        head = gitio.resolve(new, cwd=cwd)
        if head is None:
            continue
        if old in ZERO_ID:
            out.append(Range(label=f"{ref} (new: commits no ref has yet)", head=head,
                             exclude=("--all",)))
        else:
            base = _commit_id(old, f"{old}..{new}", cwd)
            out.append(Range(label=f"{ref} {base[:12]}..{head[:12]}", head=head, base=base,
                             exclude=(base,)))
    return out


def list_commits(rng: Range, *, cwd: str) -> Listing:
    """Every commit of the range, oldest first (parents before children)."""
    args = ["rev-list", "--topo-order", "--reverse", "--parents", rng.head]
    if rng.exclude:
        args += ["--not", *rng.exclude]
    commits: list[str] = []
    merges: list[str] = []
    for row in gitio.text(args, cwd=cwd).splitlines():
        ids = row.split()
        if not ids:
            continue
        commits.append(ids[0])
        if len(ids) > 2:
            merges.append(ids[0])
    _refuse_cut_history(rng, commits, cwd)
    return Listing(tuple(commits), tuple(merges))


def _commit_id(rev: str, spec: str, cwd: str) -> str:
    found = gitio.resolve(rev, cwd=cwd)
    if found is not None:
        return found
    if _is_shallow(cwd):
        raise RangeError(f"'{rev}' of range '{spec}' is not in this shallow clone: "
                         + FULL_DEPTH_HINT)
    raise RangeError(f"unknown revision '{rev}' in range '{spec}'")


def _is_shallow(cwd: str) -> bool:
    out = gitio.run(["rev-parse", "--is-shallow-repository"], cwd=cwd, check=False)
    return out.strip() == b"true"


def _refuse_cut_history(rng: Range, ids: Sequence[str], cwd: str) -> None:
    # In a shallow clone the boundary commits look parentless: verified as roots, they
    # would be judged on their whole tree. Refuse rather than report nonsense.
    if not _is_shallow(cwd):
        return
    path = gitio.text(["rev-parse", "--git-path", "shallow"], cwd=cwd)
    try:
        with open(os.path.join(cwd, path), encoding="ascii") as fh:
            boundary = set(fh.read().split())
    except OSError:
        return
    cut = [c for c in ids if c in boundary]
    if cut:
        raise RangeError(f"range '{rng.label}' reaches past the shallow clone's history "
                         f"(at {cut[0][:12]}): " + FULL_DEPTH_HINT)


# --- what each commit says and changes ----------------------------------------------

def read_commits(ids: Sequence[str], *, cwd: str, max_file_size: int,
                 batch: int = BATCH, notes: Mapping[str, str] | None = None
                 ) -> Iterator[RawCommit]:
    """The commits `ids`, in the order given (a merge with what it adds, above).

    `notes`: their git-ai notes when the caller read them already (`ai_notes` of a
    whole range, handed to the workers that each read a part of it)."""
    if notes is None:
        notes = ai_notes(ids, cwd=cwd)
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        for raw in _log(chunk, cwd=cwd, max_file_size=max_file_size):
            if raw.revision in notes:
                raw = RawCommit(**{**raw.__dict__, "ai_note": notes[raw.revision]})
            yield raw


def _log(ids: Sequence[str], *, cwd: str, max_file_size: int) -> Iterator[RawCommit]:
    nonce = secrets.token_hex(8)
    start = f"\x01authgate-{nonce}\x01".encode()
    end = f"\x02authgate-{nonce}\x02".encode()
    # The trailers follow the message, each key and value split and ended by marks
    # that hold the nonce too: a message cannot forge a trailer boundary.
    mark = f"\x03{nonce}\x03"
    fmt = (f"%x00%x01authgate-{nonce}%x01%H%x00%T%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00"
           f"%B%x00%x03{nonce}%x03"
           f"%(trailers:only,unfold,separator=%x04{nonce}%x04,key_value_separator=%x05)"
           f"%x00%x02authgate-{nonce}%x02")
    # --diff-merges=off: a merge's diff comes from `merge_diff`, whatever log.diffMerges.
    args = ["log", "--no-walk=unsorted", "--stdin", "--root", "--no-show-signature",
            "--no-notes", "--encoding=UTF-8", "--diff-merges=off", "--raw", "-p", "-z",
            *gitio.DIFF_FLAGS,
            f"--format={fmt}"]
    out = gitio.run(args, cwd=cwd, stdin=("\n".join(ids) + "\n").encode(),
                    big_file_threshold=max_file_size)
    parts = out.split(b"\x00" + start)[1:]
    commits = []
    for part in parts:
        head, sep, diff = part.partition(end)
        if not sep:
            raise gitio.GitError("git log output was cut short (is the repository corrupt?)")
        sha, tree, parents, an, ae, cn, ce, rest = head.decode("utf-8", "replace").split(
            "\x00", 7)
        body, _, listed = rest.rpartition("\x00" + mark)
        # With -z, git ends the header with NUL and a newline before the raw records;
        # raw records start with ':', so nothing of the diff is lost.
        diff = diff.lstrip(b"\x00\n")
        parent_ids = tuple(parents.split())
        if len(parent_ids) > 1:
            diff = merge_diff(sha, parent_ids, cwd=cwd, max_file_size=max_file_size)
        commits.append(RawCommit(revision=sha, tree=tree, parents=parent_ids,
                                 author=Identity(an, ae), committer=Identity(cn, ce),
                                 message=body, diff=diff,
                                 trailers=_trailers(listed[:-1], nonce)))
    # One `cat-file --batch-check` for the blob sizes of the whole batch, instead of
    # one per commit (a third of the serial time on a 1,000-commit range).
    sizes = blob_sizes([b for c in commits for b in blob_ids(c.diff)], cwd=cwd)
    for c in commits:
        yield RawCommit(**{**c.__dict__,
                           "sizes": {b: sizes[b] for b in blob_ids(c.diff) if b in sizes}})


def _trailers(listed: str, nonce: str) -> tuple[tuple[str, str], ...]:
    out = []
    for entry in listed.split(f"\x04{nonce}\x04"):
        key, sep, value = entry.partition("\x05")
        if sep:
            out.append((key, value))
    return tuple(out)


def merge_diff(merge: str, parents: Sequence[str], *, cwd: str, max_file_size: int) -> bytes:
    """`--raw -p -z` of what `merge` adds beyond its parents (see the module docstring)."""
    auto = _remerge(merge, parents, cwd=cwd)
    return gitio.run(["diff", "--raw", "-p", "-z", *gitio.DIFF_FLAGS, auto, merge], cwd=cwd,
                     big_file_threshold=max_file_size)


# git needs an identity to write the stand-in commits of an octopus re-merge.
_STAND_IN = ("-c", "user.name=authgate", "-c", "user.email=authgate@localhost")


def _remerge(merge: str, parents: Sequence[str], *, cwd: str) -> str:
    """The tree git's own merge of `parents` gives. An octopus is merged a parent at a
    time, through stand-in commits that nothing references (gc removes them)."""
    tree = _merge_tree(merge, parents[0], parents[1], cwd)
    done = [parents[0], parents[1]]
    for parent in parents[2:]:
        head = gitio.text([*_STAND_IN, "commit-tree", "--no-gpg-sign", tree,
                           *(a for p in done for a in ("-p", p)), "-m", "authgate re-merge"],
                          cwd=cwd)
        done = [head]
        tree = _merge_tree(merge, head, parent, cwd)
        done.append(parent)
    return tree


def _merge_tree(merge: str, one: str, two: str, cwd: str) -> str:
    # Exit 1 means conflicts: the tree (first line) then holds the conflict markers,
    # which is what the resolution is compared with.
    out = gitio.run(["merge-tree", "--write-tree", "--allow-unrelated-histories", one, two],
                    cwd=cwd, check=False)
    tree = out.split(b"\n", 1)[0].decode("ascii", "replace").strip()
    if not tree or not all(c in "0123456789abcdef" for c in tree) or len(tree) not in (40, 64):
        raise gitio.GitError(f"cannot re-merge the parents of merge {merge[:12]} to judge it "
                             "(`git merge-tree --write-tree` needs git 2.38 or newer)")
    return tree


def changeset(raw: RawCommit, *, cwd: str, max_file_size: int) -> ChangeSet:
    """The ChangeSet `changes.commit` would build for this commit."""
    files = parse_diff(raw.diff, cwd=cwd, max_file_size=max_file_size, sizes=raw.sizes)
    return ChangeSet(files=files, source="commit", revision=raw.revision, tree=raw.tree,
                     parents=raw.parents, message=raw.message, author=raw.author,
                     committer=raw.committer, ai_note=raw.ai_note)


def ai_notes(ids: Sequence[str], *, cwd: str) -> dict[str, str]:
    """git-ai notes (refs/notes/ai) of the given commits: two git calls for any range."""
    if not ids or gitio.resolve("refs/notes/ai", cwd=cwd) is None:
        return {}
    wanted = set(ids)
    blobs: dict[str, str] = {}
    listing = gitio.text(["notes", "--ref=refs/notes/ai", "list"], cwd=cwd)
    for row in listing.splitlines():
        parts = row.split()
        if len(parts) == 2 and parts[1] in wanted:
            blobs[parts[0]] = parts[1]
    if not blobs:
        return {}
    out = gitio.run(["cat-file", "--batch"], cwd=cwd,
                    stdin=("\n".join(blobs) + "\n").encode())
    notes: dict[str, str] = {}
    pos = 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].decode().split()
        pos = eol + 1
        if len(header) != 3:
            continue
        size = int(header[2])
        notes[blobs[header[0]]] = out[pos:pos + size].decode("utf-8", "replace")
        pos += size + 1  # content, then the newline cat-file adds
    return notes
