"""Suppression with accountability: inline allow comments need a reason; config
allowlists match by rule, path and value hash; every suppression is counted."""

from __future__ import annotations

from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate.checks import suppress
from authgate.config import Config, parse
from authgate.findings import Action, Finding, Severity, value_hash


def change(path: str, *texts: str) -> ChangeSet:
    lines = tuple(Line("+", t, None, i + 1) for i, t in enumerate(texts))
    return ChangeSet(files=(FileChange(path, Status.ADDED, hunks=(Hunk(1, 1, lines),)),),
                     source="index")


def hit(line: int, rule: str = "leak.endpoint.private-ip", path: str = "app/x.py") -> Finding:
    return Finding(rule, Severity.HIGH, "private address", path=path, line=line,
                   action=Action.BLOCK, value_hash=value_hash("10.1.2.3"))


def test_inline_allow_with_reason_on_the_same_line() -> None:
    cs = change("app/x.py", 'HOST = "10.1.2.3"  # authgate: allow leak.endpoint -- docker net')
    [f] = suppress([hit(1)], cs, Config())
    assert f.suppressed == "inline: docker net"


def test_inline_allow_alone_on_the_line_above() -> None:
    cs = change("app/x.py", "# authgate: allow leak.endpoint.private-ip -- compose network",
                'HOST = "10.1.2.3"')
    [f] = suppress([hit(2)], cs, Config())
    assert f.suppressed == "inline: compose network"


def test_inline_allow_without_reason_is_not_honoured() -> None:
    cs = change("app/x.py", 'HOST = "10.1.2.3"  # authgate: allow leak.endpoint')
    [f] = suppress([hit(1)], cs, Config())
    assert f.suppressed is None


def test_inline_allow_for_another_rule_does_not_apply() -> None:
    cs = change("app/x.py", 'HOST = "10.1.2.3"  # authgate: allow leak.secret -- no')
    [f] = suppress([hit(1)], cs, Config())
    assert f.suppressed is None


def test_inline_allow_after_code_does_not_cover_the_next_line() -> None:
    cs = change("app/x.py", 'A = 1  # authgate: allow leak.endpoint -- a', 'HOST = "10.1.2.3"')
    [f] = suppress([hit(2)], cs, Config())
    assert f.suppressed is None


def test_config_allowlist_by_rule_path_and_hash() -> None:
    cfg = parse({"allowlist": [{"rule": "leak.endpoint", "path": "deploy/",
                                "hash": value_hash("10.1.2.3"), "reason": "staging net"}]}, "t")
    cs = change("deploy/compose.yml")
    [inside] = suppress([hit(1, path="deploy/compose.yml")], cs, cfg)
    [outside] = suppress([hit(1, path="app/x.py")], cs, cfg)
    assert inside.suppressed == "config: staging net"
    assert outside.suppressed is None
