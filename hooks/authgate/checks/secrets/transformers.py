"""What detect-secrets would see of a line: its file-type table and its YAML and INI
(`.env`) transformers, which re-quote a value (`key: "value"`) before the plugins run."""

from __future__ import annotations

import posixpath
import re
import sys

from authgate.record import Record

# detect_secrets.util.filetype.determine_file_type, for the types the transformers and
# the keyword plugin treat apart (the engine itself decides everything else).
_YAML_EXT = (".yaml", ".yml", ".eyaml")
_INI_EXT = (".cnf", ".conf", ".cfg", ".cf", ".ini", ".properties", ".toml")
_KNOWN_EXT = (*_YAML_EXT, *_INI_EXT, ".cls", ".example", ".go", ".java", ".js", ".m", ".php",
              ".py", ".pyi", ".swift", ".tf", ".cs", ".c", ".cpp")
# Of detect-secrets' "other" files, those that can never parse as INI as a whole (its
# eager `.env`-style transformer): code and markup. Anything else may be a `.env`.
_NEVER_INI = (".ts", ".tsx", ".jsx", ".mjs", ".cjs", ".rb", ".rs", ".kt", ".kts", ".scala",
              ".sh", ".bash", ".zsh", ".ps1", ".h", ".hpp", ".cc", ".cxx", ".hh", ".mm",
              ".html", ".htm", ".css", ".scss", ".less", ".vue", ".svelte", ".json", ".xml",
              ".sql", ".lua", ".pl", ".r", ".dart", ".ex", ".exs", ".erl", ".clj", ".hs",
              ".ml", ".fs", ".vb", ".groovy", ".gradle", ".md", ".rst", ".ipynb", ".svg",
              ".txt", ".adoc", ".csv", ".lock")


def transformer_of(path: str) -> str | None:
    """The transformer detect-secrets may apply to this path (see `_transformer`): where
    there is one, an unquoted value is a literal to detect-secrets, as in a `.env`."""
    return _transformer(path)


def _transformer(path: str) -> str | None:
    """Which detect-secrets transformer may rewrite this file: "yaml" and "ini" run
    first (their output replaces the raw lines when the file parses), "eager-ini" (a
    `.env`-style file read as INI) runs only when the first pass found nothing."""
    # As detect-secrets: os.path.splitext, case-sensitive (".env" has no extension).
    ext = posixpath.splitext(path)[1]
    if ext in _YAML_EXT:
        return "yaml"
    if ext in _INI_EXT:
        return "ini"
    if ext not in _KNOWN_EXT and ext not in _NEVER_INI:
        return "eager-ini"
    return None


_YAML_LINE = re.compile(
    r"""^\s*(?:-\s+)*(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{\[&*!|>%@`,\]}-][^#]*?"""
    r"""|-[^\s#][^#]*?)\s*:(?:\s+(?P<rest>\S.*))?$""")
_YAML_COMMENT = re.compile(r"(\s+#[\S ]*)")
_YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
                 "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
                 "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_YAML_HEX = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))")


def _yaml_double(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m[1] or m[2] or m[3]
        if code:
            # \UFFFFFFFF is no character (chr raises OverflowError or ValueError): YAML
            # rejects the scalar, so the line has no YAML form and is judged as text.
            point = int(code, 16)
            if point > sys.maxunicode:
                raise ValueError(f"\\U{code} is not a character")
            return chr(point)
        return _YAML_ESCAPES.get(m[4], "\\" + m[4])
    return _YAML_HEX.sub(one, body)


def _yaml_scalar(text: str) -> str | None:
    """The string a one-line YAML scalar denotes, or None when it is not one."""
    if not text:
        return None
    if text[0] == '"':
        m = re.match(r'"((?:[^"\\]|\\.)*)"', text)
        try:
            return _yaml_double(m[1]) if m else None
        except ValueError:
            return None
    if text[0] == "'":
        m = re.match(r"'((?:[^']|'')*)'", text)
        return m[1].replace("''", "'") if m else None
    if text[0] in "|>{[&*!%@`":
        return None  # block scalars, flow collections, anchors, tags: not one line
    value = re.split(r"\s#", text, maxsplit=1)[0].rstrip()
    return value or None


def yaml_view(text: str) -> str | None:
    """The line detect-secrets' YAML transformer makes of a `key: value` line:
    `key: "value"` plus the line's trailing comment (so inline pragmas survive)."""
    m = _YAML_LINE.match(text)
    if m is None or not m["rest"]:
        return None
    key = _yaml_scalar(m["key"])
    value = _yaml_scalar(m["rest"].strip())
    if key is None or value is None:
        return None
    found = _YAML_COMMENT.search(text.strip())
    comment = found.group(0) if found else ""
    return f'{key}: "{_quote(value)}"{comment}'


def _quote(value: str) -> str:
    return value.replace('"', '\\"')


def ini_view(text: str) -> str | None:
    """The line detect-secrets' config transformer makes of a `key = value` line."""
    if not text or text[0].isspace():
        return None  # blank, or the continuation of a multi-line value
    stripped = text.strip()
    if not stripped or stripped[0] in "#;[":
        return None
    cut = [i for i in (stripped.find("="), stripped.find(":")) if i > 0]
    if not cut:
        return None
    i = min(cut)
    key, value = stripped[:i].strip(), stripped[i + 1:].strip()
    if not key or not value:
        return None
    if value[0] in "'\"" and value[-1] == value[0]:
        value = value[1:-1]
    return f'{key} = "{_quote(value)}"'


_NEXTLINE_CONFIG = re.compile(r"^[#;][ \t]* *pragma: ?allowlist[ -]nextline[ -]secret.*?[ \t]*$")


class View(Record):
    """A line as one detect-secrets pass sees it, with the line above as that pass sees
    it (`pragma: allowlist nextline secret` reads it). A tuple: one per line."""

    line: str
    above: str
    eager: bool = False


def views(path: str, text: str, previous: str, kind: str | None = "auto") -> list[View]:
    """The forms the plugins see of one added line: the line itself, and the form
    detect-secrets' transformer for this file type gives it, if any (`kind`: as
    `transformer` says, by default from the path alone)."""
    text = text.rstrip()
    previous = previous.rstrip()
    out = [View(text, previous)]
    if kind == "auto":
        kind = _transformer(path)
    if kind == "yaml":
        view = yaml_view(text)
        if view is not None:
            # The YAML transformer keeps only values: a comment line above is blank to
            # it, so a nextline pragma does not reach a YAML value (as in detect-secrets).
            out.append(View(view, yaml_view(previous) or ""))
    elif kind is not None:
        view = ini_view(text)
        if view is not None:
            # The config transformer keeps a nextline pragma and blanks other comments.
            above = ini_view(previous) or (
                previous.strip() if _NEXTLINE_CONFIG.match(previous.strip()) else "")
            out.append(View(view, above, eager=kind == "eager-ini"))
    return out
