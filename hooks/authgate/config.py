"""`[tool.authgate]` in pyproject.toml, or a `.authgate.toml`: the Config, where it is
read from, and how it prints.

Every key has a default, so no config at all is a valid config. What a valid config is
lives in schema.py, which checks the whole table when it loads: an unknown key, a
value of the wrong type or a rule id that names no rule is a `ConfigError` whose one
line names the file, the key and what was expected.

Where the config is read from is part of the policy (README, "Threat model"): the
hooks read it from the index (`rev=INDEX`: what is being committed, never an
untracked or unstaged file), `authgate verify` from the base of the range it judges
(a revision), other commands from the work tree. `--config FILE` is read as given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from authgate.record import Record

CONFIG_FILES = (".authgate.toml", "pyproject.toml")
# `rev` for `load`: the index, i.e. what is being committed.
INDEX = ":"
# Above this git refuses core.bigFileThreshold on some platforms (a 32-bit long).
MAX_FILE_SIZE_LIMIT = 2**31 - 1
# Trailers that git or other tools own: authgate rewrites its own trailers, so a
# config naming one of these would overwrite a sign-off, a co-author or a review.
RESERVED_TRAILERS = frozenset(name.lower() for name in (
    "Signed-off-by", "Co-authored-by", "Co-developed-by", "Reviewed-by",
    "Security-Reviewed-by", "Acked-by", "Tested-by", "Reported-by", "Suggested-by",
    "Helped-by", "Requested-by", "Mentored-by", "Based-on-patch-by", "Original-patch-by",
    "Assisted-by", "Generated-by", "Cc", "Fixes", "Closes", "Resolves", "Link", "Refs",
    "References", "See-also", "Bug", "Change-Id", "Message-Id", "Cherry-picked-from",
    "Reverts", "Release-note"))
ACTIONS = ("block", "annotate", "warn", "off")
TIERS = ("none", "low", "medium", "high", "critical")
SEVERITIES = ("info", "low", "medium", "high", "critical")
# Kinds of content that is not source (contentkind.py, rules/content.toml): the keys of
# `[tool.authgate.content]`, with `source`.
CONTENT_KINDS = ("generated", "minified", "vendored", "lock", "data")


class ConfigError(Exception):
    """A user-fixable problem with configuration; str() is the one line to print."""


class TrailerNames(Record):
    impact: str = "Identity-Impact"
    reviews: str = "Requires-Review"
    ai: str = "AI-Assisted"
    tree: str = "Authgate-Tree"
    suppressed: str = "Authgate-Suppressed"


class AllowEntry(Record):
    """A config allowlist entry: a finding matching all given fields is suppressed."""

    reason: str
    rule: str = ""
    path: str = ""  # a gitignore-style glob
    hash: str = ""  # sha256 of the matched value, as printed by `authgate check`
    # A finding's fingerprint as the text report shows it (`authgate accept` writes it).
    fingerprint: str = ""


class Config(Record):
    """The effective configuration. Its mapping defaults are shared by every Config:
    nothing changes a Config's mappings (they are typed read-only)."""

    source: str = "(defaults)"
    # Files larger than this are reported as skipped, never read.
    max_file_size: int = 2_000_000
    # gitignore-style globs that no check looks at.
    exclude: tuple[str, ...] = ()
    # Repository policy on AI assistance: allow, disclose (trailer required) or forbid.
    ai: str = "allow"
    # Hosts the endpoint-leak rules treat as internal or as production.
    internal_domains: tuple[str, ...] = ()
    production_domains: tuple[str, ...] = ()
    # Code owners that must own every identity-sensitive path (`authgate codeowners`).
    security_owners: tuple[str, ...] = ()
    # Who may approve: identities (emails) accepted in Reviewed-by trailers by verify.
    approvers: tuple[str, ...] = ()
    require_approval: bool = False
    # tier -> reviews it requires.
    reviews: Mapping[str, tuple[str, ...]] = {
        "low": ("code-owner",), "medium": ("code-owner",),
        "high": ("code-owner", "iam", "security"),
        "critical": ("code-owner", "iam", "security"),
    }
    # rule id or id prefix ("leak.endpoint", "identity") -> action.
    policy: Mapping[str, str] = {}
    # identity tier at or above which AI-assisted changes need negative-case tests
    # to pass without blocking.
    missing_tests_ai_action: str = "block"
    trailers: TrailerNames = TrailerNames()
    # Rules: ids to disable, severities to change, and user rules in catalog format.
    disable: tuple[str, ...] = ()
    severity: Mapping[str, str] = {}
    custom_rules: tuple[Mapping[str, Any], ...] = ()
    # Identity path tiers added by the user: tier -> globs.
    paths: Mapping[str, tuple[str, ...]] = {}
    # Content that is not source: kind (or "source") -> globs the user adds.
    content: Mapping[str, tuple[str, ...]] = {}
    allowlist: tuple[AllowEntry, ...] = ()
    baseline: str = ".secrets.baseline"
    # Where `verify` starts (adoption): this commit and its ancestors are not verified.
    verify_since: str = ""



def load(root: str, explicit: str | None = None, *, rev: str | None = None) -> Config:
    """The effective config of the repository at `root`.

    `explicit` (`--config FILE`, the user's choice) is read from the file system.
    Otherwise `rev` says where: None for the work tree, `INDEX` for the index, or a
    commit id; the files are then read with git, never from the work tree."""
    if explicit is not None:
        path = explicit if os.path.isabs(explicit) else os.path.join(root, explicit)
        if not os.path.isfile(path):
            raise ConfigError(f"{explicit}: config file not found")
        return _from_bytes(_read_file(path, explicit), os.path.basename(path), explicit)
    if rev is None:
        for name in CONFIG_FILES:
            path = os.path.join(root, name)
            if os.path.isfile(path):
                return _from_bytes(_read_file(path, name), name, name)
        return Config()
    return from_blobs(read_at(root, rev), rev)


def load_staged(root: str, explicit: str | None = None) -> tuple[Config, tuple[str, ...]]:
    """The config the hooks judge a commit with: the index's (what is being committed),
    plus one notice per config file whose work-tree copy says something else (an
    untracked `.authgate.toml`, unstaged edits): reported, never silently obeyed."""
    if explicit is not None:
        return load(root, explicit), ()
    blobs = read_at(root, INDEX)
    return from_blobs(blobs, INDEX), unstaged(root, blobs)


def read_at(root: str, rev: str, names: tuple[str, ...] = CONFIG_FILES
            ) -> dict[str, bytes | None]:
    """The config files at `rev` (`INDEX` for the index), in one git call; None for a
    file that is absent there (or is not a file)."""
    from authgate import gitio  # only the hooks and verify read config with git

    specs = [f":{name}" if rev == INDEX else f"{rev}:{name}" for name in names]
    objects = gitio.read_objects(specs, cwd=root)
    return {name: obj[2] if obj is not None and obj[1] == "blob" else None
            for name, obj in zip(names, objects)}


def from_blobs(blobs: Mapping[str, bytes | None], rev: str) -> Config:
    where = "staged" if rev == INDEX else f"at {rev[:12]}"
    for name in CONFIG_FILES:
        data = blobs.get(name)
        if data is not None:
            return _from_bytes(data, name, f"{name} ({where})")
    return Config(source=f"(defaults: no config file {where})")


def unstaged(root: str, blobs: Mapping[str, bytes | None]) -> tuple[str, ...]:
    """A notice for each config file whose work-tree copy differs in meaning from the
    staged one (untracked, modified, deleted)."""
    out = []
    for name in CONFIG_FILES:
        staged = blobs.get(name)
        path = os.path.join(root, name)
        try:
            with open(path, "rb") as fh:
                work: bytes | None = fh.read() if os.path.isfile(path) else None
        except OSError:
            work = None
        if work == staged or _same_table(work, staged, name):
            continue
        what = "[tool.authgate] in pyproject.toml" if name == "pyproject.toml" else name
        if staged is None:
            state = f"{name} is not staged"
        elif work is None:
            state = f"{name} is deleted in the work tree but staged"
        else:
            state = f"{what} has unstaged changes"
        out.append(f"{state}: authgate follows the staged config, not the work tree "
                   f"(`git add {name}` to apply it)")
    return tuple(out)


def _same_table(a: bytes | None, b: bytes | None, name: str) -> bool:
    """Whether two copies of a config file say the same to authgate (line endings,
    comments and, in pyproject.toml, other tools' tables aside)."""
    try:
        return bool(_authgate_table(a, name) == _authgate_table(b, name))
    except Exception:  # unreadable on either side: they differ
        return False


def _authgate_table(data: bytes | None, name: str) -> Any:
    if data is None:
        return None
    doc = _toml(data, name)
    if name == "pyproject.toml":
        tool = doc.get("tool", {})
        return tool.get("authgate") if isinstance(tool, Mapping) else tool
    return doc


def authgate_table_changed(old: bytes | None, new: bytes | None) -> bool:
    """Whether a change to pyproject.toml changes `[tool.authgate]` (one unreadable
    side counts as a change)."""
    return not _same_table(old, new, "pyproject.toml")


def _read_file(path: str, shown: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from exc


def tomllib() -> ModuleType:
    """tomllib (tomli before Python 3.11), imported when TOML is parsed: a hook whose
    config and catalogs come from the cache never loads it (about 5 ms)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised by the 3.9 CI run
        import tomli as tomllib
    module: ModuleType = tomllib
    return module


# What authgate reads of a config file, kept between runs as the catalogs are (rules.py,
# "parsed catalogs"): a hook reads the same pyproject.toml on every commit, and parsing
# it, with tomllib's import, cost about 6 ms. One cache file holds what the last few
# files parsed to, each under the SHA-256 of the file's bytes: of a pyproject.toml its
# `tool.authgate` table alone (other tools' tables can hold an index's credentials, and
# authgate keeps nothing of a repository it does not need); a file that does not parse
# is never kept, so its error is raised again on every run.
_TOML_CACHE = "config-toml.marshal"
_TOML_KEPT = 8


def _toml(raw: bytes, name: str) -> dict[str, Any]:
    """`raw` as TOML (of a pyproject.toml, its `tool.authgate` table only, as the only
    key of `tool`): UnicodeDecodeError, TOMLDecodeError and RecursionError as tomllib
    raises them."""
    import hashlib

    from authgate import rules

    pyproject = name == "pyproject.toml"
    # The same bytes read as another kind of file keep all of it.
    key = ("pyproject " if pyproject else "") + hashlib.sha256(raw).hexdigest()
    directory = rules.cache_dir()
    path = os.path.join(directory, _TOML_CACHE) if directory else None
    kept = rules._cached(path, "documents") if path is not None else None
    if kept is not None and isinstance(kept.get(key), dict):
        return dict(kept[key])
    doc: dict[str, Any] = tomllib().loads(raw.decode("utf-8"))
    if pyproject:
        tool = doc.get("tool", {})
        doc = {"tool": {k: v for k, v in tool.items() if k == "authgate"}
               if isinstance(tool, Mapping) else tool}
    if path is not None:
        others = [(k, v) for k, v in (kept or {}).items() if k != key][-(_TOML_KEPT - 1):]
        rules._store(path, "documents", {**dict(others), key: doc})
    return doc


def _from_bytes(raw: bytes, name: str, shown: str) -> Config:
    try:
        data = _toml(raw, name)
    except tomllib().TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: cannot read: not UTF-8 ({exc.reason})") from exc
    except RecursionError as exc:
        raise ConfigError(f"{shown}: invalid TOML: arrays or tables nested too deeply") \
            from exc
    tool = data.get("tool", {})
    if name == "pyproject.toml":
        if not isinstance(tool, Mapping):
            raise ConfigError(f"{shown}: key 'tool' must be a table, got {tool!r}")
        table = tool.get("authgate")
        if table is None:
            return Config(source=f"{shown} (no [tool.authgate]: defaults)")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{shown}: key 'tool.authgate' must be a table, got {table!r}")
        return parse(table, f"{shown} [tool.authgate]")
    # What `authgate config` prints, saved as the file: the same keys, one table down.
    if set(data) == {"tool"} and isinstance(tool, Mapping) and set(tool) == {"authgate"} \
            and isinstance(tool["authgate"], Mapping):
        return parse(tool["authgate"], f"{shown} [tool.authgate]")
    return parse(data, shown)



def parse(table: Mapping[str, Any], source: str) -> Config:
    """Validate a config table (schema.py); every error names `source` and the key."""
    from authgate import schema  # it reads this module's classes

    return schema.parse(table, source)


def as_toml(cfg: Config) -> str:
    """The effective config, printed in the form a user would write it.

    It parses back (as `pyproject.toml`, or saved as `.authgate.toml`) to the same
    config: every key, defaults included."""
    q = _toml_value
    lines = [f"# effective authgate config, from {_one_line(cfg.source)}", "[tool.authgate]"]
    from authgate.schema import TOP

    for name in TOP:
        lines.append(f"{name} = {q(getattr(cfg, name))}")
    lines += ["", "[tool.authgate.reviews]"]
    lines += [f"{_toml_key(t)} = {q(v)}" for t, v in cfg.reviews.items()]
    lines += ["", "[tool.authgate.policy]", f"missing_tests_ai = {q(cfg.missing_tests_ai_action)}"]
    lines += [f"{_toml_key(k)} = {q(v)}" for k, v in sorted(cfg.policy.items())]
    lines += ["", "[tool.authgate.trailers]"]
    lines += [f"{name} = {q(getattr(cfg.trailers, name))}" for name in TrailerNames._fields]
    lines += ["", "[tool.authgate.rules]", f"disable = {q(cfg.disable)}",
              f"severity = {q(cfg.severity)}"]
    lines += ["", "[tool.authgate.paths]"]
    lines += [f"{_toml_key(t)} = {q(v)}" for t, v in cfg.paths.items()]
    lines += ["", "[tool.authgate.content]"]
    lines += [f"{_toml_key(k)} = {q(v)}" for k, v in cfg.content.items()]
    for entry in cfg.allowlist:
        lines += ["", "[[tool.authgate.allowlist]]"]
        lines += [f"{k} = {q(getattr(entry, k))}" for k in ("fingerprint", "rule", "path", "hash",
                                                                 "reason")
                  if getattr(entry, k)]
    for rule in cfg.custom_rules:
        lines += ["", "[[tool.authgate.rules.custom]]"]
        # Nested tables (`params`) as inline tables: one line each, nothing lost.
        lines += [f"{_toml_key(k)} = {q(v)}" for k, v in rule.items()]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _toml_key(key: str) -> str:
    bare = bool(key) and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _toml_string(key)


_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n",
                 "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            # TOML forbids raw control characters in basic strings.
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(x) for x in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}"
                                for k, v in value.items()) + " }"
    return _toml_string(str(value))
