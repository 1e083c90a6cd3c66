"""`Record`: the base of authgate's value classes, a typing.NamedTuple to type checkers
and, at run time, the same class made by collections.namedtuple.

The values that flow through a check (changes, findings, rules, config, verdicts) are
immutable tuples with named fields. `typing.NamedTuple` checks every field's annotation
when the class is defined; with postponed annotations that compiles each annotation's
text (a ForwardRef), over twice the cost of the class itself: some 8 ms of every
commit hook's start-up over the classes a commit loads. Nothing reads the annotations at
run time, so `Record` makes the class from the same fields, defaults, methods and
docstring without checking them; mypy checks them instead, as a NamedTuple.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    # What typing.NamedTuple copies from the class body besides the fields.
    _NOT_COPIED = frozenset(("__module__", "__name__", "__annotations__"))

    class _RecordMeta(type):
        def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> type:
            if not bases:  # Record itself
                return super().__new__(mcs, name, bases, ns)
            annotations = ns.get("__annotations__", {})
            fields = tuple(annotations)
            defaults = [ns[f] for f in fields if f in ns]
            if any(f not in ns for f in fields[len(fields) - len(defaults):]):
                raise TypeError(f"{name}: a field without a default follows one with one")
            cls = collections.namedtuple(name, fields, defaults=defaults,
                                         module=ns["__module__"])
            cls.__annotations__ = annotations
            for key, value in ns.items():
                if key not in _NOT_COPIED and key not in fields:
                    setattr(cls, key, value)
            return cls

    class Record(metaclass=_RecordMeta):
        """Base of a value class: `class Finding(Record): rule_id: str ...`."""
