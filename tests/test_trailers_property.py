"""Property: whatever the message, `git interpret-trailers --parse` reads our trailers,
reads every other trailer as before, nothing else in the message changes, and applying
twice equals applying once. git is the oracle; hypothesis writes the messages."""

from __future__ import annotations

import os
import re
import string
import subprocess
from collections.abc import Mapping, Sequence

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from authgate import trailers
from authgate.config import TrailerNames
from authgate.findings import Tier
from authgate.trailers import SCISSORS, Syntax

NAMES = TrailerNames()
FIELDS = ("impact", "reviews", "ai", "suppressed", "tree")
OURS = {getattr(NAMES, f).lower(): f for f in FIELDS}
OUR_LINE = re.compile("(?i)^(?:" + "|".join(re.escape(k) for k in OURS) + r")\s*:")
DIVIDER = re.compile(r"(?m)^---[ \t\r\n]")

# Comment characters git accepts, the ordinary one and odd ones (':' is also a separator).
COMMENT = st.sampled_from(["#", ";", "@", "!", "%", "|", "*", "$", ":"])
WORDS = st.text(alphabet=string.ascii_letters + string.digits + " .,:-_#;()<>@!%|*$/",
                max_size=14)
VALUES = st.text(alphabet=string.ascii_letters + string.digits + " .,-<>@", max_size=14)
OUR_VALUES = st.one_of(
    st.sampled_from(["low", "medium", "high", "critical", "code-owner", "iam, security",
                     "claude-code", "yes", "no", "2", "0123abcd"]), VALUES)
KEYS = st.sampled_from(["Signed-off-by", "Reviewed-by", "Co-Authored-By", "Fixes", "Bug",
                        "Identity-Impact", "Requires-Review", "requires-review",
                        "AI-Assisted", "Authgate-Tree", "Authgate-Suppressed"])
REVIEWS = st.lists(st.sampled_from(["code-owner", "iam", "security"]), min_size=1,
                   unique=True).map(", ".join)
WANTS = st.fixed_dictionaries({}, optional={
    "impact": st.sampled_from(["low", "medium", "high", "critical"]),
    "reviews": REVIEWS,
    "ai": st.sampled_from(["claude-code", "copilot", "yes"]),
    "suppressed": st.integers(1, 9).map(str),
})
TREES = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, str]:
    cc = draw(COMMENT)
    trailer = st.builds(lambda k, sep, v: f"{k}{sep}{v}", KEYS,
                        st.sampled_from([": ", ":", " : ", ":\t"]),
                        st.one_of(OUR_VALUES, VALUES))
    continuation = st.builds(lambda ws, v: ws + v, st.sampled_from([" ", "  ", "\t"]), VALUES)
    comment = WORDS.map(lambda w: cc + w)
    blank = st.sampled_from(["", " ", "\t"])
    cherry = st.just("(cherry picked from commit 0123abc)")
    lines = [draw(st.one_of(WORDS, comment))]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(draw(blank))
        lines += draw(st.lists(st.one_of(WORDS, trailer, continuation, comment, cherry),
                               min_size=1, max_size=4))
    if draw(st.booleans()):
        lines.append("")
        lines += draw(st.lists(st.one_of(trailer, trailer, trailer, continuation, comment,
                                         cherry, WORDS), min_size=1, max_size=6))
    lines += draw(st.lists(st.one_of(comment, blank), max_size=3))
    tail = draw(st.sampled_from(["", "scissors", "divider"]))
    if tail == "scissors":
        lines += [f"{cc} {SCISSORS}", "diff --git a/x b/x", "--- a/x", "+Requires-Review: no"]
    elif tail == "divider":
        lines += [draw(st.sampled_from(["---", "--- ", "---\tnote"])), "Bug: 12"]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(lines) + draw(st.sampled_from([eol, ""]))
    return text, cc


def git_parse(message: str, comment: str) -> list[tuple[str, str]]:
    proc = subprocess.run(["git", "-c", f"core.commentChar={comment}", "interpret-trailers",
                           "--parse"], input=message.encode(), capture_output=True,
                          check=True, timeout=20)
    out = []
    for line in proc.stdout.decode().split("\n")[:-1]:
        key, _, value = line.partition(": ")
        out.append((key, value))
    return out


def git_would_hang(text: str, cc: str) -> bool:
    # git 2.39 loops forever on a scissors line that follows a `---` divider; such a
    # message cannot be committed with git anyway, so the oracle cannot judge it.
    scissors = ("\n" + text).find(f"\n{cc} {SCISSORS}\n")
    divider = DIVIDER.search(text)
    return scissors >= 0 and divider is not None and divider.start() < scissors


def residue(text: str) -> list[str]:
    """The message without our trailer lines and blank lines. What continues one of
    them stays: an author's explanation under a trailer is never deleted."""
    return [line for line in text.split("\n")
            if not OUR_LINE.match(line) and line.strip(" \t\r")]


def terminated(text: str, result: str) -> str:
    """`text` with the line ending a write adds when its last line had none."""
    last = text.rsplit("\n", 1)[-1]
    if text.endswith("\n") or result.endswith("\n" + last):
        return text
    return text + ("\r\n" if f"\n{last}\r\n" in "\n" + result else "\n")


def blank_lines(text: str) -> int:
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return sum(1 for line in lines if not line.strip(" \t\r"))


def has_content(text: str, cc: str) -> bool:
    """Whether anything but comments stands above the divider and the scissors line."""
    end = len(text)
    divider = DIVIDER.search(text)
    if divider:
        end = divider.start()
    scissors = ("\n" + text).find(f"\n{cc} {SCISSORS}\n")
    if scissors >= 0:
        end = min(end, scissors)
    return any(line.strip(" \t\r") and not line.startswith(cc)
               for line in text[:end].split("\n"))


def tokens(value: str) -> set[str]:
    return {t.strip().lower() for t in value.split(",") if t.strip()}


def tier(value: str) -> Tier | None:
    """As `authgate verify` reads an impact trailer: its first word."""
    words = value.replace(",", " ").replace(";", " ").split()
    return Tier[words[0].upper()] if words and words[0].upper() in Tier.__members__ else None


def at_least(field: str, got: Sequence[str], floor: str) -> bool:
    """Whether the values git reads for `field` claim at least `floor`, read as
    `authgate verify` reads them: the highest tier and count, the union of names."""
    if field == "impact":
        need = tier(floor)
        tiers = [t for t in map(tier, got) if t is not None]
        return need is None or (bool(tiers) and max(tiers) >= need)
    union = set().union(*(tokens(v) for v in got))
    if field == "reviews":
        return union >= tokens(floor)
    if field == "ai":
        named = tokens(floor) - {"yes", "no", "none", "true", "false", "unknown"}
        return bool(any(v.strip() for v in got) or not floor.strip()) and union >= named
    if field == "suppressed":
        counts = [int(v) for v in got if v.strip().isdigit()]
        return not floor.strip().isdigit() or (bool(counts) and max(counts) >= int(floor))
    return True


def check_ours(after: Sequence[tuple[str, str]], floors: Mapping[str, list[str]],
               tree: str) -> None:
    got: dict[str, list[str]] = {}
    for key, value in after:
        if key.lower() in OURS:
            got.setdefault(OURS[key.lower()], []).append(value)
    for field, needs in floors.items():
        assert got.get(field), f"{field} not recognised by git"
        for need in needs:
            assert at_least(field, got[field], need), (field, got[field], need)
    if floors:
        # verify holds the commit to the last Authgate-Tree; an author's own (folded,
        # so kept as written) may stand above it.
        assert got.get("tree", [""])[-1] == tree


def pairs(want: Mapping[str, str], tree: str) -> list[tuple[str, str]]:
    out = [(getattr(NAMES, f), v) for f, v in want.items()]
    return [*out, (NAMES.tree, tree)] if out else out


# A few seconds in CI; AUTHGATE_PROPERTY_EXAMPLES=5000 for a deep run.
PROPERTY = settings(max_examples=int(os.environ.get("AUTHGATE_PROPERTY_EXAMPLES", "120")),
                    deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])


@PROPERTY
@given(case=messages(), want=WANTS, tree=TREES)
def test_git_reads_our_trailers_and_nothing_else_changes(
        case: tuple[str, str], want: dict[str, str], tree: str) -> None:
    text, cc = case
    assume(not git_would_hang(text, cc))
    syntax = Syntax(comment=cc)
    once = trailers.apply(text, pairs(want, tree), NAMES, syntax=syntax, tree=tree)
    assert trailers.apply(once, pairs(want, tree), NAMES, syntax=syntax, tree=tree) == once

    before, after = git_parse(text, cc), git_parse(once, cc)
    assert trailers.parse(text, cc) == before
    assert trailers.parse(once, cc) == after
    assert [kv for kv in after if kv[0].lower() not in OURS] == \
        [kv for kv in before if kv[0].lower() not in OURS]
    assert residue(once) == residue(terminated(text, once))
    assert blank_lines(once) <= blank_lines(text) + 1

    floors: dict[str, list[str]] = {f: [v] for f, v in want.items()}
    for key, value in before:  # what was there is never weakened or dropped
        if key.lower() in OURS and OURS[key.lower()] != "tree":
            floors.setdefault(OURS[key.lower()], []).append(value)
    if any(key.lower() in OURS for key, _ in before):
        floors.setdefault("tree", [])
    if has_content(text, cc):
        check_ours(after, floors, tree)
    else:
        assert once == text  # nowhere to stand: a trailer would become the subject


@PROPERTY
@given(case=messages(), first=WANTS, second=WANTS, tree=TREES)
# An author's folded Requires-Review reads, unfolded, as "code-owner 0": it does not
# say code-owner, so ours must stand beside it (found by this property).
@example(case=("\n\nSigned-off-by: low\nRequires-Review: code-owner\n 0\n"
               "Signed-off-by: low\n", "#"),
         first={}, second={"reviews": "code-owner"}, tree="0" * 40)
def test_a_later_verdict_never_weakens_an_earlier_one(
        case: tuple[str, str], first: dict[str, str], second: dict[str, str],
        tree: str) -> None:
    text, cc = case
    assume(not git_would_hang(text, cc) and has_content(text, cc))
    syntax = Syntax(comment=cc)
    one = trailers.apply(text, pairs(first, "0" * 40), NAMES, syntax=syntax, tree="0" * 40)
    two = trailers.apply(one, pairs(second, tree), NAMES, syntax=syntax, tree=tree)
    floors: dict[str, list[str]] = {}
    for want in (first, second):
        for field, value in want.items():
            floors.setdefault(field, []).append(value)
    check_ours(git_parse(two, cc), floors, tree)
    assert residue(two) == residue(terminated(text, two))
