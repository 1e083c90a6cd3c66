"""Linear time everywhere: no input makes authgate's own text processing super-linear.

A hook that a crafted line can stall is a hook people switch off, and Python's `re`
backtracks: `[^;]+;` tried from every `addr=` of a line is quadratic. So every shipped
pattern (each rule's `regex` in rules/*.toml, each family's keyword gate), the
evidence scrubber, the comment/string tracker (checks/context.py) and the message
parsing (trailers, co-authors, addresses) runs here against adversarial inputs built
from its own parse tree: for each repeat in a pattern, the text that reaches it
followed by a long run of what the repeat takes, that unit repeated from every
possible start, and each literal of the pattern repeated.

Growth is measured, not absolute time: the worst input of each pattern (found at 2 and 8 KB)
is timed at 100 KB and at 1 MB. Linear code takes about 10x longer for 10x the input,
quadratic code 100x; more than FACTOR fails. Each run is bounded by a timer, so a
super-linear pattern fails in seconds rather than hanging the suite.
"""

from __future__ import annotations

import gc
import itertools
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import pytest

from authgate import findings, trailers
from authgate.changes import ChangeSet
from authgate.checks import context, provenance
from authgate.checks.provenance import message as provenance_message
from authgate.config import Config

if sys.version_info >= (3, 11):
    from re import _constants as C
    from re import _parser as P

    import tomllib
else:  # pragma: no cover
    import sre_constants as C
    import sre_parse as P

    import tomli as tomllib

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"),
                                reason="the time bound needs setitimer (POSIX)")

SMALL, MID, LARGE = 2_000, 100_000, 1_000_000
# Linear: ~10x from MID to LARGE. Quadratic: ~100x. Generous for a loaded machine.
FACTOR = 40
# Below this at LARGE nothing can hang, whatever the ratio says (timer noise).
NOISE = 0.15
SMALL_LIMIT, MID_LIMIT = 0.25, 1.0

# Characters tried against every repeated class, besides the pattern's own literals.
ALPHABET = "aA0 _-./:=@;,?&#'\"<>()[]{}\\\tx%+*!|$`"

SINGLE = {C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN}
REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT} | (
    {C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set())
CATEGORIES: dict[Any, Callable[[str], bool]] = {
    C.CATEGORY_DIGIT: str.isdigit, C.CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
    C.CATEGORY_SPACE: str.isspace, C.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    C.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}


# --- adversarial inputs from a pattern's parse tree ---------------------------------

def _item(item: tuple[Any, Any], c: str) -> bool:
    op, av = item
    if op is C.LITERAL:
        return ord(c) == av
    if op is C.RANGE:
        return bool(av[0] <= ord(c) <= av[1])
    if op is C.CATEGORY:
        return CATEGORIES.get(av, lambda _: False)(c)
    return False


def takes(node: tuple[Any, Any], c: str, icase: bool) -> bool:
    """Whether a one-character node matches c."""
    op, av = node
    forms = {c, c.lower(), c.upper()} if icase else {c}
    if op is C.LITERAL:
        return any(ord(x) == av for x in forms)
    if op is C.NOT_LITERAL:
        return all(ord(x) != av for x in forms)
    if op is C.ANY:
        return c != "\n"
    if op is C.IN:
        negate = bool(av) and av[0][0] is C.NEGATE
        hit = any(_item(it, x) for it in av if it[0] is not C.NEGATE for x in forms)
        return hit != negate
    return False


def example(seq: Any, icase: bool, lits: str) -> str:
    """A short string that matches a sequence of nodes (the first branch, the fewest
    repeats)."""
    out = []
    for op, av in seq:
        if op in SINGLE:
            out.append(next((c for c in lits + ALPHABET if takes((op, av), c, icase)), "a"))
        elif op in REPEATS:
            out.append(example(av[2], icase, lits) * av[0])
        elif op is C.SUBPATTERN:
            out.append(example(av[-1], icase, lits))
        elif op is C.BRANCH:
            out.append(example(av[1][0], icase, lits))
        elif hasattr(C, "ATOMIC_GROUP") and op is C.ATOMIC_GROUP:
            out.append(example(av, icase, lits))
    return "".join(out)


def literals(seq: Any, acc: set[str]) -> set[str]:
    run = ""
    for op, av in seq:
        if op is C.LITERAL:
            run += chr(av)
            continue
        if len(run) > 1:
            acc.add(run)
        run = ""
        if op in REPEATS:
            literals(av[2], acc)
        elif op is C.SUBPATTERN:
            literals(av[-1], acc)
        elif op is C.BRANCH:
            for alt in av[1]:
                literals(alt, acc)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            literals(av[1], acc)
    if len(run) > 1:
        acc.add(run)
    return acc


def _units(body: Any, icase: bool, lits: str) -> list[str]:
    """What one round of a repeat takes: each kind of character a one-character body
    matches (the pattern's own punctuation first), else an example of the body."""
    if len(body) == 1 and body[0][0] in SINGLE:
        return [c for c in dict.fromkeys(lits + ALPHABET) if takes(body[0], c, icase)][:5]
    ex = example(body, icase, lits)
    return [ex] if ex else []


def _repeats(seq: Any, prefix: str, icase: bool, lits: str,
             acc: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    for i, (op, av) in enumerate(seq):
        before = prefix + example(seq[:i], icase, lits)
        if op in REPEATS:
            if av[1] is C.MAXREPEAT or av[1] > 32:
                acc.append((before, _units(av[2], icase, lits)))
            _repeats(av[2], before, icase, lits, acc)
        elif op is C.SUBPATTERN:
            _repeats(av[-1], before, icase, lits, acc)
        elif op is C.BRANCH:
            for alt in av[1]:
                _repeats(alt, before, icase, lits, acc)
    return acc


def shapes(pattern: re.Pattern[str]) -> dict[str, tuple[str, str]]:
    """name -> (head, unit): the input is head followed by unit repeated to size."""
    tree = P.parse(pattern.pattern, pattern.flags)
    icase = bool(pattern.flags & re.IGNORECASE)
    found = literals(list(tree), set())
    lits = "".join(sorted({c for lit in found for c in lit if c != "\n"}))
    out: dict[str, tuple[str, str]] = {}
    for lit in found:
        out[f"{lit!r} repeated"] = ("", lit)
    for head, units in _repeats(list(tree), "", icase, lits, []):
        for unit in units:
            if "\n" in head + unit:
                continue  # every pattern reads one line
            out[f"{head!r} then {unit!r} repeated"] = (head, unit)
            if head + unit:
                out[f"({head!r} + {unit!r}) repeated"] = ("", head + unit)
    return {k: v for k, v in out.items() if v[1] and "\n" not in v[1]}


def build(shape: tuple[str, str], size: int) -> str:
    head, unit = shape
    return head + unit * max(1, (size - len(head)) // len(unit) + 1)


# --- timing --------------------------------------------------------------------------

class _TooSlow(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _TooSlow


def timed(fn: Callable[[str], object], text: str, limit: float) -> float | None:
    """CPU seconds fn(text) took, or None when it used more than `limit` (stopped there:
    `re` checks for signals while it matches). CPU time, not wall time: the suite runs
    on machines busy with other work. With the cyclic collector paused: a full
    collection over what earlier tests left in the process once landed in a 1 MB run
    and cost it 0.18 s, which says nothing of how fn grows."""
    previous = signal.signal(signal.SIGVTALRM, _alarm)
    collecting = gc.isenabled()
    gc.disable()
    signal.setitimer(signal.ITIMER_VIRTUAL, limit)
    start = time.process_time()
    try:
        fn(text)
    except _TooSlow:
        return None
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
        if collecting:
            gc.enable()
    return time.process_time() - start


def growth(name: str, fn: Callable[[str], object],
           inputs: dict[str, tuple[str, str]]) -> list[str]:
    """Problems of fn over these input shapes. Every shape is timed at SMALL and at
    4 x SMALL; the slowest one and the fastest-growing one (a quadratic shape with a
    small constant can hide behind a slow linear one at first) are grown to MID and
    LARGE, and must not grow more than FACTOR times between them."""
    small: dict[str, float] = {}
    grew: dict[str, float] = {}
    for label, shape in inputs.items():
        t = timed(fn, build(shape, SMALL), SMALL_LIMIT)
        t4 = timed(fn, build(shape, 4 * SMALL), 16 * SMALL_LIMIT) if t is not None else None
        if t is None or t4 is None:
            return [f"{name}: {label}: over {SMALL_LIMIT} s at {SMALL // 1000} KB"
                    if t is None else f"{name}: {label}: quadratic from 2 KB to 8 KB"]
        small[label] = t4
        grew[label] = t4 / max(t, 1e-4)
    if not small:
        return []
    chosen = dict.fromkeys((max(small, key=small.__getitem__), max(grew, key=grew.__getitem__)))
    problems: list[str] = []
    for label in chosen:
        problems += _grow(name, fn, label, inputs[label])
    return problems


def _grow(name: str, fn: Callable[[str], object], label: str, shape: tuple[str, str]
          ) -> list[str]:
    t_mid = timed(fn, build(shape, MID), MID_LIMIT)
    if t_mid is None:
        return [f"{name}: {label}: over {MID_LIMIT} s at {MID // 1000} KB"]
    limit = max(1.0, FACTOR * t_mid)
    t_large = timed(fn, build(shape, LARGE), limit)
    if t_large is None:
        return [f"{name}: {label}: {t_mid:.3f} s at {MID // 1000} KB, over {limit:.1f} s "
                f"at {LARGE // 1_000_000} MB"]
    if t_large > NOISE and t_large / max(t_mid, 1e-3) > FACTOR:
        return [f"{name}: {label}: {t_mid:.3f} s at {MID // 1000} KB, {t_large:.3f} s at "
                f"{LARGE // 1_000_000} MB ({t_large / t_mid:.0f}x)"]
    return []


def _scan(pattern: re.Pattern[str]) -> Callable[[str], object]:
    # The checks take the first match (search) or up to a handful (finditer).
    return lambda text: list(itertools.islice(pattern.finditer(text), 20))


def patterns_growth(named: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    problems: list[str] = []
    for name, pattern in named:
        problems += growth(name, _scan(pattern), shapes(pattern))
    return problems


# --- what is measured ----------------------------------------------------------------

CATALOGS = {"provenance": "provenance.toml", "leak": "leaks.toml", "identity": "identity.toml"}


def catalog(family: str) -> list[dict[str, Any]]:
    data = resources.files("authgate").joinpath("rules", CATALOGS[family]).read_bytes()
    rules: list[dict[str, Any]] = tomllib.loads(data.decode("utf-8"))["rule"]
    return rules


def catalog_patterns(family: str) -> Iterator[tuple[str, re.Pattern[str]]]:
    rules = catalog(family)
    for rule in rules:
        if "regex" in rule:
            flags = re.IGNORECASE if rule.get("ignore_case") else 0
            yield rule["id"], re.compile(rule["regex"], flags)
    # The family's keyword gate: every keyword in one alternation, as the checks build it.
    words = sorted({k.lower() for r in rules for k in r.get("keywords", ())},
                   key=lambda k: (-len(k), k))
    if words:
        yield f"{family} keyword gate", re.compile("|".join(re.escape(k) for k in words))


def test_the_generator_finds_the_quadratic_shapes_it_is_meant_to() -> None:
    # The shapes behind the reported hangs come out of the parse tree by themselves.
    presigned = shapes(re.compile(r"https?://[^\s'\"]+?[?&]sig=(?P<s>[^&\s]+)"))
    assert any(head == "" and unit.startswith("http://") for head, unit in presigned.values())
    connection = shapes(re.compile(r"(?:server|addr)\s*=\s*[^;'\"]+;[^'\"]*"))
    assert ("", "server=a") in connection.values()
    # ... and the timing catches a textbook quadratic pattern, and passes a linear one.
    assert patterns_growth([("quadratic", re.compile(r"[a-z]+x"))])
    assert not patterns_growth([("linear", re.compile(r"(?<![a-z])[a-z]+x"))])


@pytest.mark.parametrize("family", sorted(CATALOGS))
def test_every_shipped_pattern_is_linear(family: str) -> None:
    problems = patterns_growth(list(catalog_patterns(family)))
    assert not problems, "super-linear:\n" + "\n".join(problems)


def test_the_content_catalogs_headers_are_linear() -> None:
    # rules/content.toml: the generated-file header is read on every file's first lines.
    data = resources.files("authgate").joinpath("rules", "content.toml").read_bytes()
    kinds = tomllib.loads(data.decode("utf-8"))["kind"]
    named = [(f"content {k['name']} header", re.compile(k["header"])) for k in kinds
             if "header" in k]
    assert named
    problems = patterns_growth(named)
    assert not problems, "super-linear:\n" + "\n".join(problems)


def test_the_scrubber_is_linear() -> None:
    inputs: dict[str, tuple[str, str]] = {}
    for name, value in vars(findings).items():
        if isinstance(value, re.Pattern):
            inputs.update({f"{name}: {k}": v for k, v in shapes(value).items()})
    problems = growth("findings.scrub_text", findings.scrub_text, inputs)
    problems += growth("findings.scrub", findings.scrub, inputs)
    secret = "AKIA" + "Q" * 16
    problems += growth("findings.redact_values",
                       lambda t: findings.redact_values(t + "…", [secret, "a" * 30]),
                       {"value pieces": ("", secret[:10] + "… ")})
    assert not problems, "super-linear:\n" + "\n".join(problems)


CONTEXT_UNITS = ["'", '"', "`", "\\", "\\'", "'a", '"\\"', "#", "//", "/*", "*/", "<!--",
                 "-->", '"""', "'''", "a'", "'#'", " ", "a", "--", "%", ";"]


def test_the_context_tracker_is_linear() -> None:
    shapes_ = {f"{u!r} repeated": ("", u) for u in CONTEXT_UNITS}
    shapes_.update({f"code then {u!r} repeated": ("x = 1 ", u) for u in CONTEXT_UNITS})
    problems: list[str] = []
    # Python (docstrings), C-style (block comments) and markup (<!-- -->) read lines
    # differently; the other languages differ only in their markers.
    for path in ("a.py", "a.js", "a.html"):
        problems += growth(f"comment_flags {path}",
                           lambda t, p=path: context.comment_flags(p, t.split(" ")), shapes_)
    for path in ("a.py", "a.html"):
        problems += growth(f"comment_start {path}", lambda t, p=path: context.comment_start(p, t),
                           shapes_)
    problems += growth("string_ranges", context.string_ranges, shapes_)
    assert not problems, "super-linear:\n" + "\n".join(problems)


MESSAGE_UNITS = ["a", " ", "<", "@", "a@", "<a@", "<a@a", "a.", ".a", ":", "a:", "-", "a-",
                 "Co-authored-by: ", "<a@a.a>", " <", "\t", "(", "a b"]


def _message_check(text: str) -> None:
    provenance.run(ChangeSet(files=(), source="commit", message=text), RULES, CONFIG)


def test_message_parsing_is_linear() -> None:
    shapes_: dict[str, tuple[str, str]] = {}
    for unit in MESSAGE_UNITS:
        for head in ("fix\n\nCo-authored-by: ", "fix\n\nAssisted-by: ", "Generated with "):
            shapes_[f"{head!r} then {unit!r} repeated"] = (head, unit)
    problems = growth("provenance message", _message_check, shapes_)
    problems += growth("trailers.parse", trailers.parse, shapes_)
    problems += growth("trailers.visible", trailers.visible, shapes_)
    for name in ("_TRAILER_LINE", "_EMAIL", "_AGENT_MODEL", "_SCISSORS"):
        problems += patterns_growth([(f"provenance.message.{name}",
                                      getattr(provenance_message, name))])
    assert not problems, "super-linear:\n" + "\n".join(problems)


def _rules() -> Any:
    from authgate.rules import load

    return load(Config(), ("provenance",))


CONFIG = Config()
RULES = _rules()


# --- end to end: the lines behind the reported stalls ----------------------------------

def _quick(repo: Any, *args: str) -> Any:
    """authgate, with the CPU seconds it used: linear code needs about one here, the
    quadratic code it replaced 30 to 100."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "authgate", *args], cwd=repo.path,
                          capture_output=True, text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 10, f"authgate {' '.join(args)} used {cpu:.1f} s of CPU"
    return proc


LONG_LINES = {
    "presigned-url": ("url = 'sig=", "http://", 20_000),  # 140 KB took ~100 s
    "connection-string": ("conn = ", "addr=          ", 8_000),  # 120 KB took ~20 s
    # A line with a finding, so its evidence is scrubbed: 100 KB took ~25 s.
    "scrubber": ("# Certainly! Here is the updated code ", "a", 100_000),
}


@pytest.mark.parametrize("name", sorted(LONG_LINES))
def test_check_reads_a_long_hostile_line_in_linear_time(repo: Any, name: str) -> None:
    head, unit, count = LONG_LINES[name]
    repo.commit("init", "--allow-empty")
    repo.write("app/config.py", head + unit * count + "\n")
    repo.add()
    proc = _quick(repo, "check")
    assert proc.returncode in (0, 1), proc.stderr


def test_the_message_hook_reads_a_long_co_author_line_in_linear_time(repo: Any) -> None:
    repo.commit("init", "--allow-empty")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    message = repo.path / "MSG"
    for value in ("<" + "a@" * 25_000, "a" + " " * 50_000 + "b"):
        message.write_text(f"add index\n\nCo-authored-by: {value}\n", encoding="utf-8")
        proc = _quick(repo, "msg", str(message), "message")
        assert proc.returncode == 0, proc.stderr
