"""detect-secrets over the added lines of a change, with detect-secrets' own semantics.

detect-secrets scans whole files; authgate hands it only the added lines, so the cost of
a commit grows with what it adds, not with the size of the files it touches. What
detect-secrets would see of those lines is rebuilt here:

- its plugins and filters, configured exactly as `detect-secrets-hook` configures them:
  all built-in plugins with the default filters, or the `plugins_used` and
  `filters_used` of a `.secrets.baseline` (detect-secrets' own only: an entry that
  names code or a file to read is refused); never network verification;
- `pragma: allowlist secret` on the line, and `pragma: allowlist nextline secret` on the
  line above (a context line of the diff, or an added one);
- its file transformers: YAML values and INI/`.env` assignments are re-quoted
  (`key: "value"`) before the plugins run, so an unquoted `TOKEN=8f14e45f...` in a
  `.env` file is found as it is by `detect-secrets scan`. Each line is scanned as it
  is and as transformed, and the findings are united: authgate reports at least what
  detect-secrets reports on the same lines (tests/test_secrets_parity.py);
- a baseline: a finding whose (file, type, hashed secret) is in it passes.

What a finding is worth (a credential, uncertain, or no secret at all) is judged at the
end of this module, `judge`; checks/leaks.py grades that by where the line sits.

detect-secrets is imported only when some added line could hold a secret: `prefilter`
is one regular expression assembled from what each enabled plugin cannot match without
(its literal prefixes, keywords, minimum quoted-run lengths), so it never drops a line
a plugin would report (proved on the corpus by tests/test_secrets_prefilter.py).
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib.util
import json
import math
import os
import posixpath
import re
import sys
import time
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authgate.changes import ChangeSet, FileChange, Status
from authgate.config import ConfigError
from authgate.pathmatch import any_match

# --- baseline ------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """What `.secrets.baseline` says: the engine settings and the accepted findings."""

    plugins_used: tuple[Mapping[str, Any], ...] | None
    filters_used: tuple[Mapping[str, Any], ...] | None
    # (filename, secret type, SHA-1 of the secret): detect-secrets' own identity of a
    # finding; line numbers do not count, so a moved secret stays accepted.
    accepted: frozenset[tuple[str, str, str]]

    def accepts(self, filename: str, secret_type: str, secret_hash: str) -> bool:
        return (filename, secret_type, secret_hash) in self.accepted


def parse_baseline(text: str, source: str = ".secrets.baseline") -> Baseline:
    """Read a detect-secrets baseline; a file that is not one is a ConfigError."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: not a detect-secrets baseline (invalid JSON: {exc})"
                          ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results", {}), dict):
        raise ConfigError(f"{source}: not a detect-secrets baseline (expected an object "
                          "with 'results')")

    def table_list(key: str) -> tuple[Mapping[str, Any], ...] | None:
        value = doc.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ConfigError(f"{source}: key '{key}' must be a list of objects")
        return tuple(value)

    plugins_used, filters_used = table_list("plugins_used"), table_list("filters_used")
    _refuse_code(plugins_used, filters_used, source)
    accepted = set()
    for filename, items in doc.get("results", {}).items():
        if not isinstance(items, list):
            raise ConfigError(f"{source}: results for '{filename}' must be a list")
        for item in items:
            if not isinstance(item, dict) or "type" not in item or "hashed_secret" not in item:
                raise ConfigError(f"{source}: a result for '{filename}' lacks type or "
                                  "hashed_secret")
            name = filename.replace("\\", "/")
            accepted.add((name, str(item["type"]), str(item["hashed_secret"])))
    return Baseline(plugins_used=plugins_used, filters_used=filters_used,
                    accepted=frozenset(accepted))


# detect-secrets' own filters: the only ones a baseline may name. detect-secrets imports
# whatever a filter path names: a `file://` path, or a dotted name looked up on
# sys.path, where the repository itself sits when authgate runs as `python -m`. The
# baseline is content of the change being judged, so either would run code the change
# chose, inside `check` on every clone and inside `verify` in CI.
_OWN_FILTERS = frozenset(f"detect_secrets.filters.{name}" for name in (
    "allowlist.is_line_allowlisted",
    "common.is_baseline_file", "common.is_ignored_due_to_verification_policies",
    "common.is_invalid_file",
    "gibberish.should_exclude_secret",
    "heuristic.is_indirect_reference", "heuristic.is_likely_id_string",
    "heuristic.is_lock_file", "heuristic.is_non_text_file",
    "heuristic.is_not_alphanumeric_string", "heuristic.is_potential_uuid",
    "heuristic.is_prefixed_with_dollar_sign", "heuristic.is_sequential_string",
    "heuristic.is_swagger_file", "heuristic.is_templated_secret",
    "regex.should_exclude_file", "regex.should_exclude_line", "regex.should_exclude_secret",
))
_HINT = "authgate runs no code from the repository; write your own patterns as " \
        "[[tool.authgate.rules.custom]] rules"


def _refuse_code(plugins_used: Sequence[Mapping[str, Any]] | None,
                 filters_used: Sequence[Mapping[str, Any]] | None, source: str) -> None:
    """A ConfigError (one line) for a baseline entry that would make detect-secrets
    import code or read a file the baseline names; such a baseline never reaches it."""
    for plugin in plugins_used or ():
        name, path = plugin.get("name"), plugin.get("path")
        if path is not None or name not in BUILTIN_PLUGINS:
            what = _shown(path if path is not None else name)
            raise ConfigError(f"{source}: plugins_used names {what}, a plugin detect-secrets "
                              f"would import from a file; refused: {_HINT}")
    for entry in filters_used or ():
        path = entry.get("path")
        if path == "detect_secrets.filters.wordlist.should_exclude_secret":
            raise ConfigError(f"{source}: filters_used names a word list file "
                              f"({_shown(entry.get('file_name'))}) that detect-secrets would "
                              "read; refused: authgate reads no files a baseline names")
        if path not in _OWN_FILTERS:
            raise ConfigError(f"{source}: filters_used names {_shown(path)}, code detect-secrets "
                              f"would import; refused: {_HINT}")
        if path == "detect_secrets.filters.gibberish.should_exclude_secret" and "model" in entry:
            raise ConfigError(f"{source}: filters_used gives the gibberish filter a model file "
                              f"({_shown(entry['model'])}) that detect-secrets would read; "
                              "refused: leave out `model` to use detect-secrets' own")


def _shown(value: Any) -> str:
    """A value of the baseline as one short line (it may hold anything, even newlines)."""
    text = repr(value if isinstance(value, str) else str(value))
    return text if len(text) <= 80 else text[:77] + "..."


def baseline_text(changes: ChangeSet, path: str) -> str | None:
    """The baseline's content, when the change carries all of it.

    `ChangeSet.secrets_baseline` (the blob at `path` in the index or commit, when the
    change layer provides it) wins; otherwise a baseline added by this very change (or
    a tree scan) is rebuilt from its added lines. A baseline that is only modified by
    the change shows just its hunks and cannot be read here."""
    given = getattr(changes, "secrets_baseline", None)
    if isinstance(given, str):
        return given
    for fc in changes.files:
        if fc.path != path or fc.skipped:
            continue
        if fc.status is Status.ADDED or changes.source == "tree":
            return "\n".join(ln.text for ln in fc.added) + "\n"
    return None


# --- what detect-secrets would see of a line -----------------------------------------

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


@dataclass(frozen=True)
class View:
    """A line as one detect-secrets pass sees it, with the line above as that pass sees
    it (`pragma: allowlist nextline secret` reads it)."""

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


# --- the lossless prefilter ----------------------------------------------------------

_B64 = r"a-z0-9+/\\\-_="  # Base64HighEntropyString's charset (with IGNORECASE)
_HEX = r"0-9a-f"
DEFAULT_LIMITS = {"Base64HighEntropyString": 4.5, "HexHighEntropyString": 3.0}


@dataclass(frozen=True)
class _Need:
    """What every line a plugin reports contains: one of `literals` (any case), or a
    match of `pattern` in a line of at least `min_len` characters that holds one of
    `guards` (any case). Quoted patterns need a quote in the line."""

    literals: tuple[str, ...] = ()
    pattern: str | None = None
    min_len: int = 0
    guards: tuple[str, ...] = ()
    quoted: bool = False


# Per built-in plugin, from its patterns in detect-secrets 1.5.0. Where a plugin writes
# \d, so does this (\d also matches non-ASCII digits).
_NEEDS: dict[str, tuple[_Need, ...]] = {
    "AWSKeyDetector": (_Need(literals=("a3t", "abia", "acca", "akia", "asia")),
                       _Need(pattern=r"""['"][0-9a-z/+]{40}['"]""", quoted=True)),
    "ArtifactoryDetector": (_Need(literals=("akc",)),
                            _Need(pattern=r"AP[\da-f][a-z0-9]{8}", min_len=11, guards=("ap",))),
    "AzureStorageKeyDetector": (_Need(literals=("accountkey=",)),),
    "BasicAuthDetector": (_Need(literals=("://",)),),
    "CloudantDetector": (_Need(literals=("cloudant.com",)), _Need(
        pattern=r"cl(?:oudant|ou)?[_-]?(?:api)?(?:key|pwd|pw|pass|token)",
        guards=("key", "pw", "pass", "token"))),
    # Its shortest token is 1 + 23 + 1 + 6 + 1 + 27 = 59 characters.
    "DiscordBotTokenDetector": (_Need(
        pattern=r"[MNO][a-z\d_-]{23,25}\.[a-z\d_-]{6}\.[a-z\d_-]{27}", min_len=59,
        guards=(".",)),),
    "GitHubTokenDetector": (_Need(literals=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),),
    "GitLabTokenDetector": (_Need(literals=(
        "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-",
        "glagent-", "gloas-", "gr1348941")),),
    # Its pattern also needs key|pwd|password|pass|token before the 44 characters.
    "IbmCloudIamDetector": (_Need(pattern="[a-z0-9_-]{44}", min_len=44,
                                  guards=("key", "pwd", "pass", "token")),),
    "IbmCosHmacDetector": (_Need(literals=("secret",)),),
    "JwtTokenDetector": (_Need(literals=("eyj",)),),
    "KeywordDetector": (_Need(literals=("key", "pass", "pwd", "secret", "contrase")),),
    "MailchimpDetector": (_Need(literals=("-us",)),),
    "NpmDetector": (_Need(literals=("_authtoken=",)),),
    "OpenAIDetector": (_Need(literals=("t3blbkfj",)),),
    "PrivateKeyDetector": (_Need(literals=("private key", "putty-user-key-file-2")),),
    "PypiTokenDetector": (_Need(literals=("pypi-age",)),),
    "SendGridDetector": (_Need(pattern=r"SG\.[a-z0-9_-]{22}\.", min_len=26, guards=("sg.",)),),
    "SlackDetector": (_Need(literals=("xox", "hooks.slack.com")),),
    "SoftlayerDetector": (
        _Need(pattern="s(?:oftlayer|l)[_-]?(?:api)?(?:key|pwd|pass|token)",
              guards=("key", "pwd", "pass", "token")),
        # The plugin's own URL pattern leaves its dots unescaped.
        _Need(pattern="api.softlayer.com", guards=("softlayer",))),
    "SquareOAuthDetector": (_Need(literals=("sq0csp-",)),),
    "StripeDetector": (_Need(literals=("k_live_",)),),
    "TelegramBotTokenDetector": (_Need(pattern=r"\d{8}:[0-9a-z_-]{35}", min_len=44,
                                       guards=(":",)),),
    "TwilioKeyDetector": (_Need(pattern="(?:AC|SK)[a-z0-9]{32}", min_len=34,
                                guards=("ac", "sk")),),
}
BUILTIN_PLUGINS = (*sorted(_NEEDS), "Base64HighEntropyString", "HexHighEntropyString",
                   "IPPublicDetector")
_ALNUM_FILTER = "detect_secrets.filters.heuristic.is_not_alphanumeric_string"


def _min_run(limit: float) -> int:
    # Shannon entropy is at most log2(length): a string must be longer than 2**limit
    # characters to exceed the limit.
    return math.floor(2 ** limit) + 1


@dataclass(frozen=True)
class Gate:
    """The prefilter: `search(line)` is false only for a line no configured plugin can
    report. ASCII lines take the fast path: the lower-cased line against lower-case
    literals and patterns (no IGNORECASE, which makes sre try every alternative at
    every position), shape patterns only where their guards allow. Other lines go
    through one case-insensitive regex of it all, as Unicode case folding needs."""

    literals: re.Pattern[str] | None
    quoted: re.Pattern[str] | None
    # (minimum line length, guard words as one pattern or None, the shape pattern)
    shapes: tuple[tuple[int, re.Pattern[str] | None, re.Pattern[str]], ...]
    full: re.Pattern[str]

    def search(self, line: str) -> bool:
        if not line.isascii():
            return self.full.search(line) is not None
        low = line.lower()
        if self.literals is not None and self.literals.search(low):
            return True
        if self.quoted is not None and ('"' in line or "'" in line) and \
                self.quoted.search(line):
            return True
        n = len(line)
        for min_len, guard, pattern in self.shapes:
            if n >= min_len and (guard is None or guard.search(low)) and pattern.search(low):
                return True
        return False


def _lowered(pattern: str) -> re.Pattern[str]:
    """`pattern` for matching a lower-cased ASCII line as IGNORECASE would match the
    line itself. Lower-casing a pattern would turn \\S into \\s: none may have one."""
    if re.search(r"\\[A-Z]", pattern):
        raise ValueError(f"prefilter pattern with an upper-case escape: {pattern}")
    return re.compile(pattern.lower())


def prefilter(plugins_used: Sequence[Mapping[str, Any]] | None = None,
              filters_used: Sequence[Mapping[str, Any]] | None = None) -> Gate | None:
    """The gate for these settings (default: detect-secrets' defaults); None when some
    plugin is unknown (a custom plugin): then every line is scanned."""
    key = json.dumps([plugins_used, filters_used], sort_keys=True, default=str)
    return _prefilter(key)


@functools.lru_cache(maxsize=8)
def _prefilter(key: str) -> Gate | None:
    plugins_used, filters_used = json.loads(key)
    if plugins_used is None:
        plugins_used = [{"name": n} for n in BUILTIN_PLUGINS]
    alnum_filter = filters_used is None or any(
        f.get("path") == _ALNUM_FILTER for f in filters_used)
    needs: list[_Need] = []
    for plugin in plugins_used:
        name = plugin.get("name")
        if plugin.get("path") or name not in BUILTIN_PLUGINS:
            return None
        if name in _NEEDS:
            needs.extend(_NEEDS[name])
        elif name == "IPPublicDetector":
            # An IPv4 address has no letter, so the default filter always drops it.
            if not alnum_filter:
                needs.append(_Need(pattern=r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",
                                   min_len=7, guards=(".",)))
        else:
            limit = float(plugin.get("limit", DEFAULT_LIMITS[name]))
            charset = _B64 if name == "Base64HighEntropyString" else _HEX
            needs.append(_Need(pattern=rf"""['"][{charset}]{{{_min_run(limit)},}}['"]""",
                               quoted=True))
    literals = sorted({lit for n in needs for lit in n.literals}, key=lambda x: (-len(x), x))
    quoted = [n.pattern for n in needs if n.quoted and n.pattern]
    shapes = [n for n in needs if not n.quoted and n.pattern]
    every = [re.escape(lit) for lit in literals] + quoted + [n.pattern or "" for n in shapes]
    # The fast path tries shapes only after no literal matched: a guard word that holds
    # a literal ("pwd" holds "pwd") cannot be in the line then, and a shape whose
    # guards are all such words cannot match.
    fast = []
    for n in shapes:
        guards = tuple(g for g in n.guards if not any(lit in g for lit in literals))
        if n.guards and not guards:
            continue
        guard = re.compile("|".join(re.escape(g) for g in guards)) if guards else None
        fast.append((n.min_len, guard, _lowered(n.pattern or "")))

    def union(parts: Sequence[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None

    return Gate(
        literals=re.compile("|".join(re.escape(lit) for lit in literals)) if literals else None,
        quoted=union(quoted),
        shapes=tuple(fast),
        full=union(every) or re.compile(r"(?!)"),
    )


# --- lines of a change ---------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An added line, with the line above it in the new file ('' when unknown) and the
    transformer detect-secrets may apply to its file ("auto": judge by the path)."""

    path: str
    number: int
    text: str
    previous: str
    transformer: str | None = "auto"


_SECTION = re.compile(r"^\s*\[[^\]]*\]\s*$")


def transformer(fc: FileChange) -> str | None:
    """`_transformer` of the path, sharpened by what the diff shows. detect-secrets reads
    an "other" file (`.pypirc`, `.env`) as INI on the first pass when it starts with a
    [section], and with its eager transformer (only if the first pass found nothing)
    otherwise. When the diff shows the top of the file we know which; when it does not,
    the first pass is assumed, which can only add findings."""
    kind = _transformer(fc.path)
    if kind != "eager-ini":
        return kind
    for hunk in fc.hunks:
        if hunk.new_start != 1:
            continue
        for line in hunk.lines:
            stripped = line.text.strip()
            if line.kind == "-" or not stripped or stripped[0] in "#;":
                continue
            return "ini" if _SECTION.match(line.text) else "eager-ini"
    return "ini"


def candidates(fc: FileChange) -> Iterator[Candidate]:
    kind = transformer(fc)
    for hunk in fc.hunks:
        # With the hunk's context lines the line above is known; a hunk that starts at
        # line 1 has none, as for detect-secrets at the top of a file.
        previous = ""
        for line in hunk.lines:
            if line.kind == "-":
                continue
            if line.kind == "+" and line.new is not None:
                yield Candidate(fc.path, line.new, line.text, previous, kind)
            previous = line.text


# --- the engine ----------------------------------------------------------------------


@dataclass(frozen=True)
class SecretHit:
    """One detect-secrets finding. `value` and `token` are raw secrets: the caller
    redacts them and must not keep them.

    `value` is what detect-secrets reports (and hashes into `secret_hash`, as a baseline
    does); `token` is the whole text its pattern matched. They differ where a plugin's
    pattern has a group: the GitHub and GitLab plugins report only the prefix ("ghp"),
    the basic-auth plugin only the password of `://user:password@`, the JWT plugin a
    token without its signature."""

    path: str
    line: int
    secret_type: str
    plugin: str
    value: str
    secret_hash: str  # SHA-1, as in a baseline
    token: str = ""
    # `pragma: allowlist secret` on the line (or `nextline` above) waves it through:
    # kept (when the caller asks) so the report counts it as a suppression.
    allowlisted: bool = False

    @property
    def secret(self) -> str:
        """The credential itself: the token when the value is just its prefix."""
        token = self.token or self.value
        if token != self.value and token.startswith(self.value) and (
                token[len(self.value):len(self.value) + 1] in ("_", "-", ".")
                or self.value.endswith(".")):
            return token
        return self.value


def _may_report(plugin: str, lowered: str) -> bool:
    """False when a plugin cannot report this (lower-cased) line: one whose every
    finding holds one of its literals (_NEEDS) is not run on a line without any. Not
    only faster: some plugins' own patterns are quadratic (NpmDetector's `//.+/:_auth`
    on a line of many `//`), and the literal keeps them off ordinary long lines."""
    needs = _NEEDS.get(plugin)
    if not needs or any(n.pattern for n in needs):
        return True
    return any(lit in lowered for n in needs for lit in n.literals)


def _builtin(plugin: object) -> bool:
    # A custom plugin file may name its class like a built-in one.
    return type(plugin).__module__.startswith("detect_secrets.plugins.")


_JWT_TAIL = re.compile(r"[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+(?:\.[A-Za-z0-9_+/=-]*)?")
_VERIFY_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
# It asks the file system whether the file exists; authgate reads git, not files.
_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"
_ALLOW_FILTER = "detect_secrets.filters.allowlist.is_line_allowlisted"


def scan(lines: Iterable[Candidate], baseline: Baseline | None = None,
         skip_paths: Sequence[str] = (), use_prefilter: bool = True,
         allowlisted: bool = False) -> list[SecretHit]:
    """detect-secrets findings on these added lines, minus the baseline's.

    `use_prefilter=False` hands every line to detect-secrets: the reference the
    prefilter is tested against. `allowlisted=True` keeps the findings its allowlist
    pragma waves through, marked `allowlisted` (detect-secrets drops them silently;
    authgate counts them)."""
    plugins_used = baseline.plugins_used if baseline else None
    filters_used = baseline.filters_used if baseline else None
    gate = prefilter(plugins_used, filters_used) if use_prefilter else None
    first: dict[str, list[tuple[Candidate, View]]] = {}
    eager: dict[str, list[tuple[Candidate, View]]] = {}
    for cand in lines:
        if cand.path in skip_paths:
            continue
        for view in views(cand.path, cand.text, cand.previous, cand.transformer):
            if gate is None or gate.search(view.line):
                (eager if view.eager else first).setdefault(cand.path, []).append((cand, view))
    if not first and not eager:
        return []
    hits = _engine(first, eager, plugins_used, filters_used, gated=use_prefilter,
                   keep_allowlisted=allowlisted)
    if baseline is not None:
        hits = [h for h in hits if not baseline.accepts(h.path, h.secret_type, h.secret_hash)]
    return hits


class _NoNetwork(types.ModuleType):
    """Stands in for `requests` while detect-secrets imports.

    detect-secrets imports requests (about 60 ms with urllib3) only to verify secrets
    online, which authgate never does; at import time it needs nothing but the names
    `requests.Response` (in annotations) and `requests.exceptions.RequestException`
    (in except clauses). Any attribute is an exception class, so both resolve."""

    class Unavailable(Exception):
        pass

    def __getattr__(self, name: str) -> Any:
        return self if name == "exceptions" else self.Unavailable


def _import_detect_secrets_offline() -> None:
    if "detect_secrets.filters.common" in sys.modules:
        return
    stub = None
    if "requests" not in sys.modules:
        stub = sys.modules["requests"] = _NoNetwork("requests")
    try:
        # Every module that imports requests, loaded while the stand-in is there: the
        # scanner, the plugin classes (all of them, as settings will) and the filters.
        import detect_secrets.core.scan
        import detect_secrets.filters.common  # noqa: F401
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        get_mapping_from_secret_type_to_class()
        # Its cache must not outlive the warm-up: settings that name a custom plugin
        # file extend the mapping when they are applied.
        get_mapping_from_secret_type_to_class.cache_clear()
    finally:
        # Gone again at once: anything else in this process gets the real requests.
        if stub is not None and sys.modules.get("requests") is stub:
            del sys.modules["requests"]


def _engine(first: Mapping[str, list[tuple[Candidate, View]]],
            eager: Mapping[str, list[tuple[Candidate, View]]],
            plugins_used: Sequence[Mapping[str, Any]] | None,
            filters_used: Sequence[Mapping[str, Any]] | None,
            gated: bool = True, keep_allowlisted: bool = False) -> list[SecretHit]:
    # detect-secrets costs about 0.1 s to import: only here, once a line needs it.
    _import_detect_secrets_offline()
    from detect_secrets.core.scan import _is_filtered_out, _scan_line
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.settings import default_settings, get_plugins, transient_settings
    from detect_secrets.util.code_snippet import CodeSnippet

    def whole(plugin: Any, line: str, value: str) -> str:
        if isinstance(plugin, RegexBasedDetector):
            for regex in plugin.denylist:
                for m in regex.finditer(line):
                    if value in m.group(0):
                        if type(plugin).__name__ == "JwtTokenDetector":
                            # Its pattern stops lazily before the signature.
                            return _JWT_TAIL.match(line, m.start()).group(0)  # type: ignore[union-attr]
                        return str(m.group(0))
        return value

    if plugins_used is None:
        settings_cm = default_settings()
    else:
        config: dict[str, Any] = {"plugins_used": [dict(p) for p in plugins_used]}
        if filters_used is not None:
            config["filters_used"] = [dict(f) for f in filters_used]
        settings_cm = transient_settings(config)
    hits: dict[tuple[str, int, str, str], SecretHit] = {}

    def walk(path: str, items: Sequence[tuple[Candidate, View]]) -> bool:
        """detect-secrets' _process_line_based_plugins over these lines, with the line
        above given by the diff rather than by reading the file. True on a finding."""
        found = False
        for cand, view in items:
            line = view.line
            snippet = CodeSnippet([view.above, line], max(cand.number - 2, 0), 1)
            if _is_filtered_out(required_filter_parameters=["line"], filename=path,
                                line=line, context=snippet):
                continue
            # The pragma's filter, run here instead of among the others when its hits
            # are kept: what it waves through is marked, not lost.
            pragma = bool(keep) and is_line_allowlisted(filename=path, line=line,
                                                        context=snippet)
            # ASCII only: case folding elsewhere is the full gate's business.
            lowered = line.lower() if gated and line.isascii() else None
            for plugin in plugins:
                if lowered is not None and _builtin(plugin) and \
                        not _may_report(type(plugin).__name__, lowered):
                    continue
                for secret in _scan_line(plugin=plugin, filename=path, line=line,
                                         line_number=cand.number, context=snippet):
                    if _is_filtered_out(required_filter_parameters=["context"],
                                        filename=path, secret=secret.secret_value,
                                        plugin=plugin, line=line, context=snippet):
                        continue
                    # A waved-through finding does not count as one for the eager
                    # pass, as when detect-secrets' filter drops it.
                    found = found or not pragma
                    key = (path, cand.number, secret.type, secret.secret_hash)
                    value = str(secret.secret_value)
                    hit = SecretHit(
                        path=path, line=cand.number, secret_type=secret.type,
                        plugin=type(plugin).__name__, value=value,
                        secret_hash=secret.secret_hash, token=whole(plugin, line, value),
                        allowlisted=pragma)
                    if key not in hits or (hits[key].allowlisted and not pragma):
                        hits[key] = hit
        return found

    # Settings are process-global in detect-secrets: set for this scan, restored after.
    with settings_cm as settings:
        # The pragma counts only where the settings use its filter (a baseline may not).
        keep = keep_allowlisted and _ALLOW_FILTER in settings.filters
        settings.disable_filters(_VERIFY_FILTER, _FILE_FILTER, *((_ALLOW_FILTER,) if keep
                                                                   else ()))
        plugins = get_plugins()
        for path in sorted({*first, *eager}):
            if _is_filtered_out(required_filter_parameters=["filename"], filename=path):
                continue
            # Like scan_file: the eager transformer only when the first pass found
            # nothing (here: on the added lines, so never less than detect-secrets).
            if not walk(path, first.get(path, ())) and path in eager:
                walk(path, eager[path])
    return list(hits.values())


# --- what a finding is worth ---------------------------------------------------------
#
# detect-secrets answers "could this be a secret?"; a block must mean "this is one".
# Each finding is judged here, by its plugin and its value, into one of three kinds:
#
# - CREDENTIAL: a provider's token format (AWS, GitHub, Slack, Stripe, ...), a private
#   key with its body, a signed and unexpired JWT, or a value that looks like a
#   credential (long enough, mixed characters, not words) where the line names a
#   secret;
# - UNCERTAIN: something a reviewer may want to see but that is not certainly a
#   credential: a placeholder or word-made value, a random string not named as a
#   secret, a password for a local host;
# - NONE: no secret at all: a variable or template reference, a name echoing its key,
#   prose, a file or class name, an algorithm name, a hash or id under a name that says
#   so, a lock file's checksums, an unsigned JWT, a PEM header without a key.
#
# checks/leaks.py grades the kind by where the line sits.

CREDENTIAL, UNCERTAIN, NONE = "credential", "uncertain", "none"

# Plugins whose patterns are a provider's token format: what they match is a
# credential by its shape (unless it is an obvious placeholder), in any file.
PROVIDER_PLUGINS = frozenset(_NEEDS) - {"BasicAuthDetector", "JwtTokenDetector",
                                        "KeywordDetector", "PrivateKeyDetector"}
ENTROPY_PLUGINS = frozenset(("Base64HighEntropyString", "HexHighEntropyString"))

# detect-secrets' gibberish filter's model and default limit. Its filter drops every
# value that is not gibberish, which would lose real passwords such as
# `A2TXCeO48mOt71`; here the model only decides whether a value made of letters reads
# as words.
GIBBERISH_LIMIT = 3.7


@dataclass(frozen=True)
class Judgement:
    kind: str  # CREDENTIAL, UNCERTAIN or NONE
    reason: str  # for people: why it is not (certainly) a credential, or what it is
    provider: bool = False  # a provider's token format: it blocks in tests and docs too
    host: str = ""  # basic-auth: the host the password is for


PLACEHOLDER_WORDS = frozenset((
    "password", "passwd", "pass", "pwd", "secret", "changeme", "changeit", "test", "testing",
    "example", "sample", "dummy", "fake", "mock", "foo", "bar", "baz", "foobar", "qux", "xxx",
    "todo", "fixme", "replaceme", "redacted", "none", "null", "nil", "empty", "admin",
    "root", "user", "username", "guest", "letmein", "hunter", "qwerty", "default",
    "placeholder", "yourpassword", "mypassword", "token", "apikey", "key", "value",
    "abc", "abcdef", "secretkey", "notasecret", "notsecret", "insecure", "dev", "local",
    # Default credentials of the images tests and compose files run against.
    "postgres", "postgresql", "mysql", "mariadb", "mongo", "mongodb", "redis", "rabbit",
    "rabbitmq", "sa", "oracle", "tiger", "scott", "minio", "minioadmin", "elastic", "kafka",
))
_LEET = str.maketrans("013457@$", "oieastas")
_PLACEHOLDER_PARTS = ("example", "changeme", "change_me", "change-me", "dummy", "fake",
                      "placeholder", "xxxx", "your_", "your-", "yourpass", "notreal",
                      "not-a-real", "not_a_real", "replace", "redacted", "insecure", "mock")


def entropy(value: str) -> float:
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    n = len(value)
    return -sum(k / n * math.log2(k / n) for k in counts.values())


def is_placeholder(value: str) -> bool:
    """An obviously fake credential: a word like "password" or "changeme" (digits and
    punctuation aside), a template, a masked or repetitive string."""
    v = value.strip().strip("'\"`")
    low = v.lower()
    if not v or low in PLACEHOLDER_WORDS:
        return True
    if (v[0], v[-1]) in (("<", ">"), ("{", "}"), ("[", "]"), ("%", "%")) or v.startswith(
            ("$", "%(", "{{")):
        return True
    # "password123" and "P@ssw0rd" are still the word: digits and symbols dropped, or
    # read as the letters they stand for.
    plain = re.sub(r"[^a-z]", "", low)
    leet = re.sub(r"[^a-z]", "", low.translate(_LEET))
    if not plain or plain in PLACEHOLDER_WORDS or leet in PLACEHOLDER_WORDS:
        return True
    if any(part in low for part in _PLACEHOLDER_PARTS):
        return True
    if low.startswith(("test", "fake", "dummy", "mock", "sample", "example")):
        return True
    return entropy(v) < 2.5


def _provider_placeholder(token: str) -> bool:
    """A provider token made up for documentation: AKIA...EXAMPLE, xoxb-...XXXX."""
    low = token.lower()
    return any(part in low for part in _PLACEHOLDER_PARTS) or entropy(token) < 2.5


# Values that are language or configuration words, not literals anyone would choose.
_LITERAL_WORDS = frozenset((
    "true", "false", "yes", "no", "on", "off", "null", "nil", "none", "undefined", "nan",
    "inherit", "required", "optional", "auto", "string", "str", "bytes", "bool", "boolean",
    "number", "int", "integer", "float", "object", "any", "void", "char", "text", "hidden",
    "unknown", "blank",
))
_REFERENCE = re.compile(
    r"\$\{|\{\{|\$\(|%\(|#\{|<%|\bprocess\.env\b|\bos\.(?:environ|getenv)\b|\bgetenv\(|"
    r"\bENV(?:\[|\.fetch)|System\.getenv|\bsecrets\.[A-Za-z_]|\bvault:|^ref\+|"
    r"^\$[A-Za-z_]|^%[A-Za-z_]+%$|^@Value\(", re.IGNORECASE)
_DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){2,}")
_FILE_NAME = re.compile(
    r"[\w.-]+\.(?:html?|json|ya?ml|txt|js|ts|py|rb|go|java|pem|key|crt|cer|der|p12|pfx|jks|"
    r"png|svg|css|xml|md|env|sh|conf|cfg|ini|toml|sql|tmpl|tpl)", re.IGNORECASE)
_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s@]*", re.IGNORECASE)  # no user info
_PATH = re.compile(r"(?:~|\.{1,2})?/[\w.@%~-]{1,32}(?:/[\w.@%~-]{0,32})*")
_ALGORITHM = re.compile(
    r"sha-?\d+|md5|hs\d+|rs\d+|es\d+k?|ps\d+|eddsa|ed25519|ed448|x25519|x448|"
    r"a\d+(?:cbc-hs\d+|gcm|kw|gcmkw)|rsa(?:-oaep(?:-\d+)?)?|ecdh-es(?:\+a\d+kw)?|"
    r"pbes2-hs\d+\+a\d+kw|dir|aes(?:-?\d+)?(?:-gcm|-cbc)?|hmac(?:-?sha-?\d+)?|bcrypt|"
    r"scrypt|argon2(?:id|i|d)?|pbkdf2(?:[-_]sha\d+)?|basic|bearer|digest|plain", re.IGNORECASE)
# Words too short for the word test that still occur in names and phrases.
_SHORT_WORDS = frozenset(("a", "an", "at", "be", "by", "ci", "db", "do", "go", "id", "if", "in",
                          "io", "is", "it", "me", "my", "no", "of", "ok", "on", "or", "so",
                          "to", "up", "us", "we", "ui", "js", "ts", "v"))
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def words(name: str) -> list[str]:
    """The words of a name or phrase, lower case: clientSecret, CLIENT_SECRET and
    client-secret are all ["client", "secret"]."""
    return [w.lower() for w in _WORDS.findall(name)]


@functools.lru_cache(maxsize=1)
def _letter_pair_costs() -> dict[str, dict[str, float]]:
    """-log P(next letter | letter) from the model detect-secrets ships for its
    gibberish filter (its letter-pair counts of RFC text). Read as data: installing the
    gibberish-detector package instead would switch `detect-secrets scan` and
    `detect-secrets-hook` themselves to their gibberish filter by default."""
    spec = importlib.util.find_spec("detect_secrets")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        return {}
    path = os.path.join(spec.submodule_search_locations[0], "filters", "gibberish",
                        "rfc.model")
    with open(path, encoding="utf-8") as f:
        counts = json.load(f)["counts"]
    costs = {}
    for a, row in counts.items():
        total = sum(row.values())
        costs[a] = {b: -math.log(n / total) for b, n in row.items() if n > 0}
    return costs


def gibberish_score(text: str) -> float:
    """The mean cost of the letter pairs of `text` (lower-cased, within runs of
    letters): about 2-3 for words, above 4 for random letters."""
    costs = _letter_pair_costs()
    unseen = max((c for row in costs.values() for c in row.values()), default=0.0)
    pairs = [costs.get(a, {}).get(b, unseen) for run in re.findall("[a-z]+", text.lower())
             for a, b in zip(run, run[1:])]
    return sum(pairs) / len(pairs) if pairs else 0.0


def reads_as_words(text: str) -> bool:
    """Language, not random letters, by detect-secrets' gibberish model and limit."""
    return gibberish_score(text) <= GIBBERISH_LIMIT


def _word_like(value: str) -> bool:
    """Made of words: `client-secret`, `ForgotPassword`, `attacker-password-123`,
    `N3verSt0red!`; not `A2TXCeO48mOt71` or `5aTkaPthIhFYTMEHeHpA`. Tokens between
    separators are words (digits read as the letters they stand for) or short numbers."""
    tokens = [t for t in re.split(r"[-_.:/=+ ]+", value.rstrip("!?.*#")) if t]
    parts: list[str] = []
    for token in tokens:
        if token.isdigit() and len(token) <= 4:
            continue
        core = re.sub(r"\d{1,4}$", "", token).translate(_LEET)
        if not core.isascii() or not core.isalpha():
            return False
        parts += _WORDS.findall(core)
    short = sum(1 for p in parts if len(p) < 3 and p.lower() not in _SHORT_WORDS)
    if not parts or short * 3 > len(parts):
        return False
    return reads_as_words(" ".join(parts))


def _prose(value: str) -> bool:
    tokens = value.split()
    if len(tokens) < 2:
        return False
    alpha = sum(1 for t in tokens if t.strip(".,:;!?()'\"").isalpha())
    return alpha * 2 >= len(tokens) and alpha >= 2


def value_kind(value: str) -> tuple[str, str]:
    """What a literal value is: CREDENTIAL, UNCERTAIN or NONE, and why."""
    v = value.strip().strip("'\"`")
    if not v:
        return NONE, "empty"
    if v.lower() in _LITERAL_WORDS:
        return NONE, "a language or configuration word"
    if _REFERENCE.search(v):
        return NONE, "a reference to a variable, the environment or a template"
    if _URL.fullmatch(v) or ("/" in v and _PATH.fullmatch(v)):
        return NONE, "a URL or a path"
    if _DOTTED.fullmatch(v) or _FILE_NAME.fullmatch(v):
        return NONE, "a module, class or file name"
    if _ALGORITHM.fullmatch(v):
        return NONE, "an algorithm or scheme name"
    if _prose(v):
        return NONE, "prose"
    if is_placeholder(v):
        return UNCERTAIN, "a placeholder value"
    if _word_like(v):
        return UNCERTAIN, "a value made of words"
    if len(v) < 8 or entropy(v) < 3.0 or re.fullmatch(r"(.{1,16}?)\1+", v):
        return UNCERTAIN, "too short or too regular for a credential"
    if v.isdigit():
        return UNCERTAIN, "a number"
    return CREDENTIAL, "looks like a credential"


# --- the name a value is given ---

_ASSIGN = re.compile(r"(?<![=!<>:])(?::=|=>|<-|=|:)(?![=:/])")
_LAST_NAME = re.compile(r"([A-Za-z_$@][\w$.@-]*)[^\w$.@-]*$")
_ARG_NAME = re.compile(r"""["']([\w.-]+)["']\s*,\s*[^\w,]*$""")


def name_before(line: str, pos: int) -> str:
    """The name the value at `pos` is assigned to (`password = "..."`, `"token": "..."`,
    `SECRET=...`, `param("code_challenge", "...")`), or "" when it has none."""
    head = line[max(0, pos - 160):pos]
    ops = list(_ASSIGN.finditer(head))
    if ops:
        m = _LAST_NAME.search(head[:ops[-1].start()][-100:])
        return m[1] if m else ""
    m = _ARG_NAME.search(head)
    return m[1] if m else ""


_SECRET_NAMES = frozenset((
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token",
    "tokens", "apikey", "credential", "credentials", "creds", "cred", "bearer",
    "authorization", "auth", "privkey", "key", "keys",
))
_STRONG_NAMES = frozenset(("password", "passwd", "passphrase", "secret", "secrets"))
# Names of values that are not secret even next to a secret word: hashes, ids,
# public halves, signatures, places.
_PUBLIC_NAMES = frozenset((
    "public", "pub", "id", "ids", "kid", "cache", "primary", "foreign", "sort", "partition",
    "name", "names", "type", "types", "idempotency", "lookup", "index", "map", "field",
    "column", "prefix", "suffix", "length", "size", "len", "path", "file", "url", "uri",
    "endpoint", "env", "var", "count", "max", "min", "hash", "hashed", "digest", "checksum",
    "fingerprint", "thumbprint", "integrity", "sha", "signature", "sig", "nonce", "salt",
    "iv", "commit", "rev", "revision", "ref", "version", "etag", "uuid", "guid", "format",
    "header", "alg", "algorithm", "kty", "challenge", "verifier", "state", "hint",
))


def secret_name(name: str) -> bool | None:
    """Whether a name says its value is secret: True (`API_KEY`, `clientSecret`),
    False (`kid`, `sha256`, `publicKey`, `code_challenge`: it says the value is not),
    None (no name, or one that says neither: `SESSION`, `n`)."""
    ws = set(words(name))
    if ws & _PUBLIC_NAMES and not ws & _STRONG_NAMES:
        return False
    return True if ws & _SECRET_NAMES else None


def _echoes_name(name: str, value: str) -> bool:
    """`GrantTypePassword = "password"`, `FieldMfaSecrets = "mfa_secrets"`: the value
    is (part of) its own name."""
    vs = words(value)
    return bool(vs) and set(vs) <= set(words(name)) and "".join(vs) == re.sub(
        r"[^a-z]", "", value.lower())


# --- per plugin ---

LOCK_FILES = ("*.lock", "*-lock.json", "*-lock.yaml", "*.lockb", "go.sum", "*.snap",
              "__snapshots__/", "npm-shrinkwrap.json", "gradle.lockfile", "Package.resolved")
_SRI = re.compile(r"(?:sha(?:1|256|384|512))-$", re.IGNORECASE)
_PEM_HEADER = re.compile(r"BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_BODY = re.compile(r"[A-Za-z0-9+/]{40,}")
_ARMOR_HEADER = re.compile(r"[A-Za-z][A-Za-z-]*:\s")


def has_key_body(line: str, following: Sequence[str]) -> bool:
    """Whether a private key's body follows its PEM header: on the same line (after
    `\\n`) or on the next lines; `...` and nothing do not count."""
    m = _PEM_HEADER.search(line)
    if m is None:
        return True  # PuTTY and other formats: trust the plugin
    for text in (line[m.end():], *following[:6]):
        t = text.replace("\\n", " ").replace("\\r", " ").strip().strip("'\"`+,;()[]{}").strip()
        if not t or _ARMOR_HEADER.match(t):
            continue  # Proc-Type:, DEK-Info:, Version: ... come before the body
        return bool(_KEY_BODY.match(t.split()[0]))
    return False


def _b64json(part: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def judge_jwt(token: str, now: float | None = None) -> tuple[str, str]:
    parts = token.split(".")
    header = _b64json(parts[0])
    payload = _b64json(parts[1]) if len(parts) > 1 else None
    if not isinstance(header, dict):
        return UNCERTAIN, "not a readable token"
    if str(header.get("alg", "")).lower() == "none" or len(parts) < 3 or not parts[2]:
        return NONE, "an unsigned token (anyone can make one)"
    claims = payload if isinstance(payload, dict) else {}
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and \
            exp < (time.time() if now is None else now):
        return UNCERTAIN, "an expired token"
    if str(claims.get("role", "")).lower() in ("anon", "anonymous", "public"):
        # Public by design (a Supabase anon key ships in every browser bundle).
        return UNCERTAIN, "a token for anonymous access"
    return CREDENTIAL, "a signed token"


def _occurrences(text: str, value: str, limit: int = 20) -> list[int]:
    out: list[int] = []
    i = text.find(value) if value else -1
    while i >= 0 and len(out) < limit:
        out.append(i)
        i = text.find(value, i + 1)
    return out


def judge(hit: SecretHit, line: str, following: Sequence[str] = (),
          literal: bool = True) -> Judgement:
    """What this finding is worth (see above). `line` is the added line as written,
    `following` the added lines after it, `literal`: an unquoted value on this line is
    a literal (configuration, documentation), not an expression (code)."""
    plugin = hit.plugin
    value = hit.secret
    if plugin in PROVIDER_PLUGINS or plugin not in BUILTIN_PLUGINS:
        if _provider_placeholder(value):
            return Judgement(UNCERTAIN, "a made-up token for documentation", provider=True)
        return Judgement(CREDENTIAL, "a provider's token format", provider=True)
    if plugin == "PrivateKeyDetector":
        if has_key_body(line, following):
            return Judgement(CREDENTIAL, "a private key", provider=True)
        return Judgement(NONE, "a key header without a key")
    if plugin == "JwtTokenDetector":
        return Judgement(*judge_jwt(value))
    if plugin == "IPPublicDetector":
        return Judgement(UNCERTAIN, "an address, not a credential")
    if plugin == "BasicAuthDetector":
        from urllib.parse import unquote

        kind, reason = value_kind(unquote(hit.value))
        at = line.find(hit.value + "@")
        m = re.match(r"@\[?([^\s/:?#'\"`\]]+)", line[at + len(hit.value):]) if at >= 0 \
            else None
        return Judgement(kind, reason, host=m[1] if m else "")
    pos = line.find(hit.value)
    if plugin in ENTROPY_PLUGINS:
        if any_match(LOCK_FILES, hit.path):
            return Judgement(NONE, "a checksum in a lock file or snapshot")
        if pos > 0 and _SRI.search(line[:pos]):
            return Judgement(NONE, "a subresource integrity hash")
        named = secret_name(name_before(line, pos)) if pos >= 0 else None
        if named is False:
            return Judgement(NONE, "a hash, id or public value under a name that says so")
        if named is None:
            return Judgement(UNCERTAIN, "a random string not named as a secret")
        return Judgement(*value_kind(value))
    # KeywordDetector: detect-secrets chose it by the name; judge the value.
    quoted = [i for i in _occurrences(line, hit.value) if i > 0 and line[i - 1] in "\"'`"]
    if quoted:
        pos = quoted[0]
    elif pos >= 0 and not literal:
        return Judgement(NONE, "an expression, not a literal")
    if pos >= 0 and _echoes_name(name_before(line, pos), hit.value):
        return Judgement(NONE, "the value repeats its own name")
    return Judgement(*value_kind(hit.value))
