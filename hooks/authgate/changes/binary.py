r"""Text that git calls binary.

git calls a file binary for a NUL byte in its first 8000 bytes (xdiff-interface.c,
buffer_is_binary), and for `-diff`, `binary` or a `diff=driver` whose driver says so
in .gitattributes. Either way a change could hide a file from every check: a Python
file that starts with `\x00` is still read by Python and by detect-secrets-hook, which
finds the key in it. So a "binary" file whose content is text, a stray NUL or two
aside, is read like any text; one that is not stays skipped.
"""

from __future__ import annotations

import codecs
import posixpath

from authgate import gitio
from authgate.changes.hunks import _parse_hunks, _whole_file
from authgate.changes.model import FileChange

# git's own window for the NUL test.
_BINARY_SNIFF = 8000

# Media, archives, fonts and compiled objects: binary by name, never read to find out
# (a commit of images should not cost their bytes).
_BINARY_NAMES = frozenset((
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd",
    ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".jar",
    ".war", ".class", ".pyc", ".pyo", ".so", ".dll", ".dylib", ".exe", ".o", ".a", ".lib",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".m4a", ".mov", ".avi",
    ".wav", ".ogg", ".webm", ".flac", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
    ".odt", ".dmg", ".iso", ".bin", ".sqlite", ".db", ".mo", ".wasm", ".npy", ".pkl"))



def _text_despite_nul(content: bytes) -> bool:
    """Text with at most a few NUL (or other control) bytes: what an editor, Python and
    detect-secrets read as text. UTF-16, images and archives are not."""
    sample = content[:_BINARY_SNIFF]
    allowed = max(4, len(sample) // 100)
    if sample.count(0) > allowed:
        return False
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\x0c\x1b\x00")
    if controls > allowed:
        return False
    try:
        # The sample may end inside a character: only a bad sequence counts.
        codecs.getincrementaldecoder("utf-8")().decode(sample.replace(b"\x00", b""),
                                                         final=False)
    except UnicodeDecodeError:
        return False
    return True



def _reveal_hidden_text(files: tuple[FileChange, ...], *, cwd: str | None,
                        max_file_size: int) -> tuple[FileChange, ...]:
    candidates = [f for f in files if f.skipped == "binary" and not f.is_submodule
                  and posixpath.splitext(f.path)[1].lower() not in _BINARY_NAMES]
    if not candidates:
        return files
    contents = _blobs([b for f in candidates for b in (f.old_blob, f.blob) if b], cwd=cwd)
    revealed: dict[str, FileChange] = {}
    for f in candidates:
        old = contents.get(f.old_blob or "", b"")
        new = contents.get(f.blob or "", b"")
        if not (_text_despite_nul(old) and _text_despite_nul(new)):
            continue
        if f.old_blob and f.blob:
            out = gitio.run(["diff", "--text", *gitio.DIFF_FLAGS, f.old_blob, f.blob],
                            cwd=cwd)
            hunks = _parse_hunks(out)
        else:
            hunks = _whole_file(new, "+") if f.blob else _whole_file(old, "-")
        revealed[f.path] = f._replace(binary=False, skipped=None, hunks=hunks)
    return tuple(revealed.get(f.path, f) for f in files)



def _blobs(ids: list[str], *, cwd: str | None) -> dict[str, bytes]:
    wanted = sorted(set(ids))
    out = gitio.run(["cat-file", "--batch"], cwd=cwd, stdin=("\n".join(wanted) + "\n").encode())
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        found[header[0].decode()] = out[pos:pos + size]
        pos += size + 1  # the content, then the newline cat-file adds
    return found
