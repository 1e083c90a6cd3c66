"""Worker processes for the commands that judge a lot at once (`scan`, `verify`).

One place decides how many workers "all cores" means (the cores this process may run
on, not the machine's) and runs work on them in order, collecting results while more
is submitted so memory stays bounded by the window, not by the size of the work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def workers(requested: int) -> int:
    """`--jobs N` as given; 0 (or less): every core this process is allowed to use."""
    if requested > 0:
        return requested
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered(fn: Callable[[In], Out], items: Iterable[In], *, jobs: int,
            initializer: Callable[..., None] | None = None,
            initargs: Sequence[Any] = (), window: int = 8) -> Iterator[Out]:
    """`fn` over `items` on `jobs` processes, results in the order of `items`.

    `items` is consumed lazily: at most `jobs * window` are in flight, so a producer
    that reads as it goes (git output) overlaps with the judging."""
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer,
                             initargs=tuple(initargs)) as pool:
        pending: list[Future[Out]] = []
        for item in items:
            pending.append(pool.submit(fn, item))
            while pending and (pending[0].done() or len(pending) > jobs * window):
                yield pending.pop(0).result()
        for fut in pending:
            yield fut.result()



class Lazy:
    """A pool of `jobs` worker processes started by the first job it is given: work
    that turns out small never pays for one (scan of a small tree)."""

    def __init__(self, jobs: int, initializer: Callable[..., None] | None = None,
                 initargs: Sequence[Any] = ()) -> None:
        self.jobs = jobs
        self._start = (initializer, tuple(initargs))
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def submit(self, fn: Callable[[In], Out], item: In) -> Future[Out]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs,
                                             initializer=self._start[0],
                                             initargs=self._start[1])
        return self._pool.submit(fn, item)

    def __enter__(self) -> Lazy:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
