"""Commit-message trailers, read and written exactly as `git interpret-trailers` does.

Reading follows git's trailer.c (checked against git 2.39, and property-tested with
`git interpret-trailers --parse` as the oracle): the message ends at a `---` divider
or at the scissors line of `git commit -v`; a trailing run of comment and blank lines
(and an old-style `Conflicts:` block) is ignored; the trailer block is the last
paragraph, never the title paragraph, when all of its lines are trailers, or when it
holds a git-recognised trailer (`Signed-off-by: `, `(cherry picked from commit `, or a
`trailer.<name>` configured one) and at least 25% trailers; lines that start with
whitespace continue the trailer above them.

Writing puts authgate's trailers where git itself would (`git commit -s`, `git
interpret-trailers`): at the end of that block, above trailing comments and the
scissors line, and before a trailing run of `Signed-off-by` lines, so that `git commit
--amend -s` still finds its sign-off last and adds no second one. Existing authgate
trailers are updated in place and merged monotonically: a value is never weakened or
dropped, a stricter one replaces a weaker one, and duplicates collapse into one; a
paragraph of them stranded in the body by a squash is folded into the block. One the
author continued on further lines (an explanation under `Identity-Impact:`) is the
author's text: it stays as written, and authgate's own value, when it says more, goes
on a line of its own. Every write is re-read before it is kept: other trailers must
read exactly as before.

The package splits by what it owns: `read` (git's reading), `claims` (the claim
format: what a verdict asks for, merging that never weakens), `write` (where
authgate's trailers go). Everything is pure except `write_message`, here, the one
function that touches the message file (a temporary file beside it, renamed over it).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from authgate.trailers.claims import merge_value, tier_of, wanted
from authgate.trailers.read import (
    AUTO_CANDIDATES,
    GIT_GENERATED,
    SCISSORS,
    SIGN_OFF,
    Block,
    Item,
    Syntax,
    auto_comment_char,
    block,
    parse,
    stripspace,
    visible,
)
from authgate.trailers.write import Stray, apply, is_empty, ours, remove

__all__ = [
    "AUTO_CANDIDATES", "GIT_GENERATED", "SCISSORS", "SIGN_OFF", "Block", "Item", "Stray",
    "Syntax", "apply", "auto_comment_char", "block", "decode", "encode", "is_empty",
    "merge_value", "ours", "parse", "remove", "stripspace", "tier_of", "visible", "wanted",
    "write_message",
]


# --- the message file --------------------------------------------------------------------

def decode(data: bytes) -> str:
    # surrogateescape: any byte (a latin-1 message, a stray byte) survives the round trip.
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_message(path: str, data: bytes) -> None:
    """Replace the file at `path` with `data` atomically: write a temporary file in the
    same directory, flush it to disk, rename it over the original. A failure (or a kill)
    at any point leaves the original message as it was."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=".authgate-msg-", suffix=".tmp", dir=directory)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

