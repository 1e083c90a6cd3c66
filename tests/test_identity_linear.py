"""The identity checks stay linear in the size of the change: an absence check asks
the file once per pattern, not once per matching line, and a near-window check reads
its window, not the whole hunk, per match (issue: 8,000 matching lines took > 12 s)."""

from __future__ import annotations

import time
from collections.abc import Callable

from authgate.changes import FileChange

from testing.identity import added, check


def _seconds(make: Callable[[int], FileChange], n: int) -> float:
    change = make(n)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        found = check(change)
        best = min(best, time.perf_counter() - start)
    assert found, "the adversarial change must exercise the rule"
    return best


def _growth(make: Callable[[int], FileChange]) -> float:
    small, large = _seconds(make, 1_000), _seconds(make, 8_000)
    return large / max(small, 1e-3)


def test_an_absence_check_on_thousands_of_matching_lines_is_linear() -> None:
    # Every line is a login that keeps the session id; none regenerates it.
    def logins(n: int) -> FileChange:
        return added("routes/login.js", *(f"  req.login(user{i}, done)" for i in range(n)))

    assert _growth(logins) < 24  # 8x the lines: linear ~8x, quadratic ~64x


def test_a_near_window_check_on_thousands_of_matching_lines_is_linear() -> None:
    # A list item belongs to the nearest key above it: each "*" item asks its window.
    def wildcards(n: int) -> FileChange:
        return added("infra/policy.json", '"Action": [', *('  "*",' for _ in range(n)), "]")

    assert _growth(wildcards) < 24
