"""Git state turned into a `ChangeSet`: what changed, line by line, and who says so.

Three sources: the staged index (`staged`), one commit (`commit`), and the whole tree
at a revision (`tree`, or `tree_batches` a batch of files at a time: `tree_listing`
cuts the listing into batches and `read_batch` reads one, in whichever process judges
it); a range of
commits is read in batches by `history.py`. Content always
comes from git objects, never the working tree: during `git add -p` or `git commit
<paths>` the working tree and the index differ, and the index is what gets committed.

The package, by part: `model` (the values), `reading` (the three sources, asking git),
`diff` (the raw diff parsed into files), `binary` (text that git calls binary, read
as text) and `hunks` (a patch section's hunks).
"""

from __future__ import annotations

from authgate.changes.diff import (
    blob_ids,
    blob_sizes,
    parse_diff,
)
from authgate.changes.model import (
    DEFAULT_MAX_FILE_SIZE,
    MODE_SUBMODULE,
    MODE_SYMLINK,
    ChangeSet,
    FileChange,
    Hunk,
    Identity,
    Line,
    Status,
)
from authgate.changes.reading import (
    TRACE_LIMIT,
    TreeBatch,
    commit,
    parse_ident,
    read_batch,
    read_blob,
    staged,
    tree,
    tree_batches,
    tree_listing,
    tree_meta,
    with_environment,
    with_identities,
)

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "MODE_SUBMODULE",
    "MODE_SYMLINK",
    "TRACE_LIMIT",
    "ChangeSet",
    "FileChange",
    "Hunk",
    "Identity",
    "Line",
    "Status",
    "TreeBatch",
    "blob_ids",
    "blob_sizes",
    "commit",
    "parse_diff",
    "parse_ident",
    "read_batch",
    "read_blob",
    "staged",
    "tree",
    "tree_batches",
    "tree_listing",
    "tree_meta",
    "with_environment",
    "with_identities",
]
