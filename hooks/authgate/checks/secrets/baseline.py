"""`.secrets.baseline`: the engine settings and accepted findings it holds, read from
the change's own content and refused where it names code or a file to read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from authgate.changes import ChangeSet, Status
from authgate.checks.secrets.gate import BUILTIN_PLUGINS
from authgate.config import ConfigError
from authgate.record import Record


class Baseline(Record):
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
