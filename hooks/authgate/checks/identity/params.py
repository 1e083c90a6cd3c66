"""Typed reads of a rule's params table: each wrong key is a ParamError that names it
(`key 'params.variant[0].regex' does not compile: ...`), raised when the catalog is
built, never half-way through a commit. A user's regexes compile here; shipped ones
compile the first time a change needs them (`text.Rx`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .text import Rx


class ParamError(ValueError):
    """A rule's params do not fit its kind; the message names the key."""


class Params:
    """Typed reads of one params table (or a sub-table), each a ParamError when wrong."""

    def __init__(self, table: Mapping[str, Any], allowed: Sequence[str], label: str,
                 strict: bool) -> None:
        if not isinstance(table, Mapping):
            raise ParamError(f"{label} must be a table")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            raise ParamError(f"unknown key '{label}{unknown[0]}' "
                             f"(known: {', '.join(sorted(allowed))})")
        self.table, self.label, self.strict = table, label, strict

    def _get(self, key: str, kinds: tuple[type, ...], what: str) -> Any:
        value = self.table.get(key)
        if value is not None and (not isinstance(value, kinds)
                                  or (bool not in kinds and isinstance(value, bool))):
            raise ParamError(f"key '{self.label}{key}' must be {what}, got {value!r}")
        return value

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._get(key, (str,), "a string")
        return default if value is None else str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, (bool,), "true or false")
        return default if value is None else bool(value)

    def number(self, key: str, default: float | None = None) -> float | None:
        value = self._get(key, (int, float), "a number")
        return default if value is None else float(value)

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        value = self.text(key, default) or default
        if value not in options:
            raise ParamError(f"key '{self.label}{key}' must be one of {', '.join(options)}")
        return value

    def rx(self, key: str, required: bool = False) -> Rx | None:
        value = self.text(key)
        if value is None:
            if required:
                raise ParamError(f"key '{self.label}{key}' is required (a regex)")
            return None
        return self._compiled(key, value)

    def rxs(self, key: str) -> tuple[Rx, ...]:
        value = self.table.get(key)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise ParamError(f"key '{self.label}{key}' must be a regex or a list of regexes")
        return tuple(self._compiled(key, v) for v in items)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParamError(f"key '{self.label}{key}' must be an array of strings")
        return tuple(value)

    def tables(self, key: str) -> list[Mapping[str, Any]]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise ParamError(f"key '{self.label}{key}' must be an array of tables")
        return value

    def sub(self, table: Mapping[str, Any], key: str, index: int,
            allowed: Sequence[str]) -> Params:
        return Params(table, allowed, f"{self.label}{key}[{index}].", self.strict)

    def _compiled(self, key: str, value: str) -> Rx:
        rx = Rx(value)
        if self.strict:
            try:
                rx.rx  # noqa: B018 -- compiling is the check
            except re.error as exc:
                raise ParamError(f"key '{self.label}{key}' does not compile: {exc}") from exc
        return rx
