"""`[tool.authgate]` in pyproject.toml, or a `.authgate.toml`: read, defaulted, validated.

Every key has a default, so no config at all is a valid config. An unknown key or a
value of the wrong type is a `ConfigError` whose one line names the file, the key and
what was expected: a typo must never silently switch a check off.

Where the config is read from is part of the policy (README, "Threat model"): the
hooks read it from the index (`rev=INDEX`: what is being committed, never an
untracked or unstaged file), `authgate verify` from the base of the range it judges
(a revision), other commands from the work tree. `--config FILE` is read as given.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the 3.9 CI run
    import tomli as tomllib

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


class ConfigError(Exception):
    """A user-fixable problem with configuration; str() is the one line to print."""


@dataclass(frozen=True)
class TrailerNames:
    impact: str = "Identity-Impact"
    reviews: str = "Requires-Review"
    ai: str = "AI-Assisted"
    tree: str = "Authgate-Tree"
    suppressed: str = "Authgate-Suppressed"


@dataclass(frozen=True)
class AllowEntry:
    """A config allowlist entry: a finding matching all given fields is suppressed."""

    reason: str
    rule: str = ""
    path: str = ""  # a gitignore-style glob
    hash: str = ""  # sha256 of the matched value, as printed by `authgate check`


@dataclass(frozen=True)
class Config:
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
    reviews: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "low": ("code-owner",), "medium": ("code-owner",),
        "high": ("code-owner", "iam", "security"),
        "critical": ("code-owner", "iam", "security"),
    })
    # rule id or id prefix ("leak.endpoint", "identity") -> action.
    policy: Mapping[str, str] = field(default_factory=dict)
    # identity tier at or above which AI-assisted changes need negative-case tests
    # to pass without blocking.
    missing_tests_ai_action: str = "block"
    trailers: TrailerNames = field(default_factory=TrailerNames)
    # Rules: ids to disable, severities to change, and user rules in catalog format.
    disable: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    custom_rules: tuple[Mapping[str, Any], ...] = ()
    # Identity path tiers added by the user: tier -> globs.
    paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    allowlist: tuple[AllowEntry, ...] = ()
    baseline: str = ".secrets.baseline"
    # Where `verify` starts (adoption): this commit and its ancestors are not verified.
    verify_since: str = ""


# key -> (expected type description, validator/converter). Sections are nested dicts.
def _str_list(v: Any) -> tuple[str, ...] | None:
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(v)
    return None


def _one_of(options: tuple[str, ...]) -> Any:
    def check(v: Any) -> str | None:
        return v if isinstance(v, str) and v in options else None
    check.expected = "one of " + " | ".join(f'"{o}"' for o in options)  # type: ignore[attr-defined]
    return check


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else None


def _size(v: Any) -> int | None:
    return v if _int(v) is not None and v <= MAX_FILE_SIZE_LIMIT else None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _bool(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


_str_list.expected = "an array of strings"  # type: ignore[attr-defined]
_int.expected = "a positive integer"  # type: ignore[attr-defined]
_size.expected = f"a positive integer up to {MAX_FILE_SIZE_LIMIT}"  # type: ignore[attr-defined]
_str.expected = "a string"  # type: ignore[attr-defined]
_bool.expected = "a boolean"  # type: ignore[attr-defined]

_TOP = {
    "max_file_size": _size,
    "exclude": _str_list,
    "ai": _one_of(("allow", "disclose", "forbid")),
    "internal_domains": _str_list,
    "production_domains": _str_list,
    "security_owners": _str_list,
    "approvers": _str_list,
    "require_approval": _bool,
    "baseline": _str,
    "verify_since": _str,
}
_SECTIONS = ("reviews", "policy", "trailers", "rules", "paths", "allowlist")


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
    out = gitio.run(["cat-file", "--batch"], cwd=root, stdin=("\n".join(specs) + "\n").encode())
    found: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
            size = int(header[2])
            found[name] = out[pos:pos + size] if header[1] == b"blob" else None
            pos += size + 1  # the content, then the newline cat-file adds
        else:
            found[name] = None  # "<spec> missing" (or ambiguous)
    return found


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
    doc = tomllib.loads(data.decode("utf-8"))
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


def _from_bytes(raw: bytes, name: str, shown: str) -> Config:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
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
    """Validate a config table; every error names `source` and the dotted key."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: expected a table")
    values: dict[str, Any] = {"source": source}
    for key, raw in table.items():
        if key in _TOP:
            values[key] = _check(source, key, raw, _TOP[key])
            if key == "exclude":
                _globs(source, key, values[key])
        elif key == "reviews":
            values["reviews"] = _reviews(source, raw)
        elif key == "policy":
            values.update(_policy(source, raw))
        elif key == "trailers":
            values["trailers"] = _trailers(source, raw)
        elif key == "rules":
            values.update(_rules(source, raw))
        elif key == "paths":
            values["paths"] = _tier_map(source, "paths", raw)
        elif key == "allowlist":
            values["allowlist"] = _allowlist(source, raw)
        else:
            known = ", ".join(sorted([*_TOP, *_SECTIONS]))
            raise ConfigError(f"{source}: unknown key '{key}' (known: {known})")
    return Config(**values)


def _check(source: str, key: str, raw: Any, conv: Any) -> Any:
    value = conv(raw)
    if value is None:
        raise ConfigError(f"{source}: key '{key}' must be {conv.expected}, got {raw!r}")
    return value


def _table(source: str, key: str, raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: key '{key}' must be a table, got {raw!r}")
    return raw


def _reviews(source: str, raw: Any) -> Mapping[str, tuple[str, ...]]:
    merged = dict(Config().reviews)
    merged.update(_tier_map(source, "reviews", raw))
    return merged


def _tier_map(source: str, key: str, raw: Any) -> Mapping[str, tuple[str, ...]]:
    out = {}
    for tier, value in _table(source, key, raw).items():
        if tier not in TIERS:
            raise ConfigError(f"{source}: unknown key '{key}.{tier}' (tiers: {', '.join(TIERS)})")
        out[tier] = _check(source, f"{key}.{tier}", value, _str_list)
        if key == "paths":
            _globs(source, f"{key}.{tier}", out[tier])
    return out


def _globs(source: str, key: str, globs: Any) -> None:
    """Every glob of `key` compiles: a broken one is the user's to fix, not a crash."""
    from authgate.pathmatch import compile_glob

    for glob in globs if isinstance(globs, (list, tuple)) else (globs,):
        if not isinstance(glob, str):
            continue  # the type is checked (and reported) where the value is read
        try:
            compile_glob(glob)
        except (re.error, ValueError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, re.error) else str(exc)
            raise ConfigError(f"{source}: key '{key}' has an invalid glob {glob!r}: "
                              f"{why}") from exc


def _policy(source: str, raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    actions: dict[str, str] = {}
    for key, value in _table(source, "policy", raw).items():
        if key == "missing_tests_ai":
            out["missing_tests_ai_action"] = _check(source, "policy.missing_tests_ai", value,
                                                    _one_of(ACTIONS))
        else:
            actions[key] = _check(source, f"policy.{key}", value, _one_of(ACTIONS))
    out["policy"] = actions
    return out


def _trailers(source: str, raw: Any) -> TrailerNames:
    known = {f.name for f in fields(TrailerNames)}
    values = {}
    for key, value in _table(source, "trailers", raw).items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key 'trailers.{key}' "
                              f"(known: {', '.join(sorted(known))})")
        text = _check(source, f"trailers.{key}", value, _str)
        if not text or not all(c.isascii() and (c.isalnum() or c == "-") for c in text):
            raise ConfigError(f"{source}: key 'trailers.{key}' must be a trailer name "
                              f"(ASCII letters, digits, '-'), got {value!r}")
        if text.lower() in RESERVED_TRAILERS:
            raise ConfigError(f"{source}: key 'trailers.{key}' must not be {text!r}: git or "
                              "other tools own that trailer, and authgate rewrites its own")
        values[key] = text
    names = TrailerNames(**values)
    # Set keys first, so that a clash names the key the user wrote.
    order = sorted((f.name for f in fields(TrailerNames)), key=lambda k: k not in values)
    seen: dict[str, str] = {}
    for key in order:
        name = getattr(names, key)
        other = seen.setdefault(name.lower(), key)
        if other != key:
            raise ConfigError(f"{source}: key 'trailers.{other}' must differ from "
                              f"'trailers.{key}' (both are {name!r})")
    return names


def _rules(source: str, raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in _table(source, "rules", raw).items():
        if key == "disable":
            out["disable"] = _check(source, "rules.disable", value, _str_list)
        elif key == "severity":
            sev = {}
            for rid, level in _table(source, "rules.severity", value).items():
                sev[rid] = _check(source, f"rules.severity.{rid}", level, _one_of(SEVERITIES))
            out["severity"] = sev
        elif key == "custom":
            if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
                raise ConfigError(f"{source}: key 'rules.custom' must be an array of tables "
                                  "([[tool.authgate.rules.custom]])")
            for i, rule in enumerate(value):
                _custom_rule(source, f"rules.custom[{i}]", rule)
            out["custom_rules"] = tuple(value)
        else:
            raise ConfigError(f"{source}: unknown key 'rules.{key}' "
                              "(known: custom, disable, severity)")
    return out


# Nesting deeper than this in a custom rule is no rule the checks could read.
_MAX_DEPTH = 8


def _custom_rule(source: str, where: str, rule: Mapping[str, Any]) -> None:
    """What can be checked of a custom rule before a check reads it: its globs, and
    that each `params` value has the type the shipped rules give the same parameter
    (the checks read params as they read their own catalog's)."""
    for key in ("paths", "exclude_paths"):
        if key in rule:
            _globs(source, f"{where}.{key}", rule[key])
    params = rule.get("params")
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise ConfigError(f"{source}: key '{where}.params' must be a table, got {params!r}")
    rid = rule.get("id")
    family = rid.split(".", 1)[0] if isinstance(rid, str) else ""
    _conforms(source, f"{where}.params", params, _param_shapes(family), 0)


@dataclass
class _Shape:
    """The types one parameter takes in the shipped catalogs (learned, not written)."""

    kinds: set[str] = field(default_factory=set)
    items: _Shape | None = None  # of an array's elements
    keys: dict[str, _Shape] = field(default_factory=dict)  # of a table's keys

    def learn(self, value: Any) -> None:
        self.kinds.add(_kind(value))
        if isinstance(value, list):
            for item in value:
                self.items = self.items or _Shape()
                self.items.learn(item)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                self.keys.setdefault(k, _Shape()).learn(v)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return "a date or time"


_SHAPES: dict[str, _Shape] = {}


def _param_shapes(family: str) -> _Shape:
    if family not in _SHAPES:
        from authgate import rules  # the catalogs import this module

        shape = _Shape()
        if family in rules.FAMILIES:
            for rule in rules.load(Config(), (family,)):
                shape.learn(dict(rule.params))
        _SHAPES[family] = shape
    return _SHAPES[family]


def _conforms(source: str, key: str, value: Any, shape: _Shape | None, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ConfigError(f"{source}: key '{key}' is nested too deeply")
    if shape is not None and shape.kinds and _kind(value) not in shape.kinds:
        expected = " or ".join(sorted(shape.kinds))
        raise ConfigError(f"{source}: key '{key}' must be {expected}, got {value!r}")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _conforms(source, f"{key}[{i}]", item, shape.items if shape else None, depth + 1)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            sub = shape.keys.get(k) if shape else None
            _conforms(source, f"{key}.{k}", v, sub, depth + 1)
            if k in ("paths", "exclude_paths"):
                _globs(source, f"{key}.{k}", v)


def _allowlist(source: str, raw: Any) -> tuple[AllowEntry, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: key 'allowlist' must be an array of tables "
                          "([[tool.authgate.allowlist]])")
    entries = []
    for i, item in enumerate(raw):
        where = f"allowlist[{i}]"
        item = _table(source, where, item)
        unknown = set(item) - {"reason", "rule", "path", "hash"}
        if unknown:
            raise ConfigError(f"{source}: unknown key '{where}.{sorted(unknown)[0]}' "
                              "(known: hash, path, reason, rule)")
        if "reason" not in item:
            raise ConfigError(f"{source}: key '{where}.reason' is required "
                              "(a string saying why)")
        reason = _check(source, f"{where}.reason", item["reason"], _str)
        if not reason.strip():
            raise ConfigError(f"{source}: key '{where}.reason' must say why (it is required)")
        entry = AllowEntry(reason=reason, **{k: _check(source, f"{where}.{k}", item[k], _str)
                                             for k in ("rule", "path", "hash") if k in item})
        if entry.path:
            _globs(source, f"{where}.path", entry.path)
        if not (entry.rule or entry.path or entry.hash):
            raise ConfigError(f"{source}: key '{where}' needs at least one of rule, path, hash")
        entries.append(entry)
    return tuple(entries)


def as_toml(cfg: Config) -> str:
    """The effective config, printed in the form a user would write it.

    It parses back (as `pyproject.toml`, or saved as `.authgate.toml`) to the same
    config: every key, defaults included."""
    q = _toml_value
    lines = [f"# effective authgate config, from {_one_line(cfg.source)}", "[tool.authgate]"]
    for name in _TOP:
        lines.append(f"{name} = {q(getattr(cfg, name))}")
    lines += ["", "[tool.authgate.reviews]"]
    lines += [f"{_toml_key(t)} = {q(v)}" for t, v in cfg.reviews.items()]
    lines += ["", "[tool.authgate.policy]", f"missing_tests_ai = {q(cfg.missing_tests_ai_action)}"]
    lines += [f"{_toml_key(k)} = {q(v)}" for k, v in sorted(cfg.policy.items())]
    lines += ["", "[tool.authgate.trailers]"]
    lines += [f"{f.name} = {q(getattr(cfg.trailers, f.name))}" for f in fields(TrailerNames)]
    lines += ["", "[tool.authgate.rules]", f"disable = {q(cfg.disable)}",
              f"severity = {q(cfg.severity)}"]
    lines += ["", "[tool.authgate.paths]"]
    lines += [f"{_toml_key(t)} = {q(v)}" for t, v in cfg.paths.items()]
    for entry in cfg.allowlist:
        lines += ["", "[[tool.authgate.allowlist]]"]
        lines += [f"{k} = {q(getattr(entry, k))}" for k in ("rule", "path", "hash", "reason")
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
