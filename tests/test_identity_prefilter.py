"""The identity checks' prefilters pass every line the slow path would match.

Per file, one pass over the joined lines at C speed says which lines can match (the
catalog's keywords, the literal strings every match of a pattern starts with); only
those are read line by line. A large corpus of staged tests is searched by each case
pattern only where a match can start, over the texts' case folds. Each shortcut is
checked here against the slow path it replaces, over the rule catalog's own patterns
and keywords, with text that mixes them with noise, upper case and the non-ASCII
letters `re` folds to ASCII ones; and once through real git and `authgate scan`."""

from __future__ import annotations

import json
import re
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authgate.checks.identity import spec as spec_mod
from authgate.checks.identity.text import (
    _GATES,
    FEW_LINES,
    FEW_READS,
    GATE_AFTER,
    Corpus,
    KeywordIndex,
    Lines,
    Rx,
    _gate,
    can_match,
    fold,
    leads,
    needs,
)
from authgate.config import Config

from testing import Repo
from testing.identity import rules

CAT = spec_mod.catalog(rules(Config()))
KEYWORDS = sorted({k for s in (*CAT.content, *CAT.lines, *CAT.windows)
                   for k in s.rule.keywords})
FACTORS = [f.pattern for w in CAT.windows for f in w.factors]
assert CAT.tests is not None
CASES = [c.pattern for c in CAT.tests.cases]
# Letters `re` matches to ASCII ones under IGNORECASE, and letters whose case changes.
ODD = ["\u0130", "\u0131", "\u017f", "\u212a", "\u03a3", "\u00c9", "\u00df", "\t", "\r"]


def test_fold_is_what_ignorecase_reads_over_the_whole_of_unicode() -> None:
    every = "".join(chr(cp) for cp in range(sys.maxunicode + 1) if cp != 10)
    folded = fold(every)
    assert len(folded) == len(every)  # one character for one: lines keep their places
    for cls in (r"\w", r"\s", r"\d", r"."):
        assert [m.start() for m in re.finditer(cls, every)] == \
            [m.start() for m in re.finditer(cls, folded)], cls
    # Where an ASCII letter matches case-insensitively, the fold is that letter.
    letters = [m.start() for m in re.finditer("[a-z]", every, re.IGNORECASE)]
    assert letters == [m.start() for m in re.finditer("[a-z]", folded)]
    assert all(re.fullmatch(folded[i], every[i], re.IGNORECASE) for i in letters)


def test_leads_are_read_from_the_pattern() -> None:
    assert leads(r"(?:ab|c)d+\b(?i:x)") == {"abd", "cd"}
    assert leads(r"\bfoo[xy]z") == {"fooxz", "fooyz"}
    assert leads(r"(?<![\w.])jwt\.decode\(") == {"jwt.decode("}
    assert leads(r"a?b") == {"ab", "b"}  # the optional `a`: a match may start with `b`
    assert leads(r"[\"']?\bexpiresIn\s*[:=]") == {'"expiresIn', "'expiresIn", "expiresIn"}
    assert leads(r"a\w*b") == {"a"}  # shorter leads stand for longer ones
    assert leads(r"[a-z]+_token") is None
    assert leads(r"x|") is None  # an empty branch: a match may be empty


def _line(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    noise = st.text(alphabet="aZ_ .(=:\"'-" + "".join(ODD), max_size=6)
    return st.lists(st.one_of(parts, parts.map(str.upper), parts.map(str.title), noise),
                    max_size=6).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line(st.sampled_from(KEYWORDS)), max_size=12))
@example(["\u0130d = 1", "LOG.info(x)", "", "none\u212aey", "s\u017fession"])
def test_keyword_lines_wake_exactly_what_each_line_would(texts: list[str]) -> None:
    index = CAT.keyword
    expected = {i: index.rules(t.lower()) for i, t in enumerate(texts)}
    assert index.lines(texts) == {i: r for i, r in expected.items() if r}
    # A file's rules: only they are woken, on the lines that wake one of them.
    for asked in ASKED:
        assert index.lines(texts, asked) == {i: r & asked for i, r in expected.items()
                                             if r & asked}


# Each keyword's rules, read from the catalog as written.
OWNERS: dict[str, list[str]] = {}
for _spec in (*CAT.content, *CAT.lines, *CAT.windows):
    for _k in _spec.rule.keywords:
        OWNERS.setdefault(_k, []).append(_spec.id)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line(st.sampled_from(KEYWORDS)), max_size=12))
@example(["loggers = 1", "session_id", "\u0130d"])
def test_a_new_keyword_index_wakes_the_same_rules_before_and_after_its_automaton(
        texts: list[str]) -> None:
    # A commit's few lines are read keyword by keyword; a tree's through the automaton.
    index = KeywordIndex(OWNERS)
    expected = [frozenset(r for k, rs in OWNERS.items() if k and k in t.lower() for r in rs)
                for t in texts]
    assert [index.rules(t.lower()) for t in texts] == expected
    for _ in range(FEW_READS):
        index.rules("")
    assert [index.rules(t.lower()) for t in texts] == expected


def test_a_line_rule_without_its_own_regex_uses_the_rules() -> None:
    # Compiled when first asked, as the rule's own pattern: the same regex, same flags.
    shared = [(s, v) for s in CAT.lines for v in s.variants if s.rule.regex is not None
              and isinstance(v.pattern, Rx) and v.pattern.source == s.rule.regex]
    assert len(shared) > 10
    for s, v in shared:
        assert isinstance(v.pattern, Rx)
        assert s.rule.pattern is not None
        assert (v.pattern.rx.pattern, v.pattern.rx.flags) == (s.rule.pattern.pattern,
                                                              s.rule.pattern.flags)


# Keywords inside, across and at the start of each other, one of them non-ASCII, and
# rules that share keywords.
NESTED = {"log": ["r-log"], "logger": ["r-logger", "r-log"], "ogg": ["r-ogg"],
          "gge": ["r-gge"], "ses": ["r-ses"], "session": ["r-session"], "sess": ["r-ses"],
          "\u00e9t\u00e9": ["r-ete"], "k": ["r-k"], "key": ["r-key"]}
NESTED_ASKED = [None, frozenset({"r-log", "r-ses"}), frozenset({"r-ete", "r-k"}),
                frozenset({"r-none"})]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(
    st.sampled_from(sorted(NESTED)), st.sampled_from(sorted(NESTED)).map(str.upper),
    st.text(alphabet="lgoesk\u00e9\u00c9t \u212a\u0130\u03a3", max_size=5)),
    max_size=6).map("".join), max_size=10))
@example(["loggers", "sessession", "LOGGE", "\u00c9T\u00c9 \u212aey", "\u0130 log"])
def test_keyword_lines_are_each_lines_keywords_however_they_overlap(
        texts: list[str]) -> None:
    # The definition, line by line: the rules of every keyword the lowered line holds.
    expected = {i: frozenset(r for k, rs in NESTED.items() if k in t.lower() for r in rs)
                for i, t in enumerate(texts)}
    index = KeywordIndex(NESTED)
    for asked in NESTED_ASKED:
        want = {i: r if asked is None else r & asked for i, r in expected.items()}
        assert index.lines(texts, asked) == {i: r for i, r in want.items() if r}
    # Line by line, through the automaton too (past the substring reads).
    for _ in range(FEW_READS):
        index.rules("")
    assert {i: index.rules(t.lower()) for i, t in enumerate(texts)} == expected


ASKED = [frozenset(s.id for s in CAT.lines if s.rule.paths == ()),
         frozenset({"identity.content.session", "identity.jwt.none-algorithm"}),
         frozenset({"no.such.rule"})]


def test_keyword_lines_take_the_slow_path_for_a_keyword_with_a_newline() -> None:
    index = KeywordIndex({"a\nb": ["r-ab"], "log": ["r-log"]})
    assert index.lines(["x a", "b log", "none"]) == {1: frozenset({"r-log"})}


def _matching(rx: Rx) -> st.SearchStrategy[str]:
    return st.from_regex(rx.rx, fullmatch=True).filter(lambda s: "\n" not in s)


@pytest.mark.parametrize("rx", FACTORS + CASES, ids=lambda rx: rx.source[:40])
def test_a_pattern_is_tried_on_every_line_it_can_match(rx: Rx) -> None:
    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.lists(st.one_of(_matching(rx), _line(_matching(rx)), _line(st.just(""))),
                    max_size=8))
    def check(texts: list[str]) -> None:
        many = texts * (FEW_LINES // max(len(texts), 1) + 1)  # past the few-lines path
        can = set(rx.lines(Lines(many)))
        assert {i for i, t in enumerate(many) if rx.search(t)} <= can
        # Once compiled, the prefilter reads a few lines too (a tree's short files).
        assert {i for i, t in enumerate(texts) if rx.search(t)} <= set(rx.lines(Lines(texts)))

    check()


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("rx", [*CASES, CAT.tests.failure], ids=lambda rx: rx.source[:40])
def test_a_case_is_found_in_a_corpus_exactly_where_it_matches(rx: Rx | None,
                                                              large: bool) -> None:
    assert rx is not None

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.lists(st.one_of(_line(_matching(rx)), _line(st.just(""))), max_size=5))
    def check(texts: list[str]) -> None:
        corpus = Corpus(["\n".join(texts[:2]), *texts[2:]])
        if large:
            corpus.size = 1 << 30  # read as a whole tree's tests: only where a match starts
        assert rx.found_in(corpus) == any(rx.search(t) for t in corpus.texts)

    check()


def test_a_tree_with_a_megabyte_of_tests_is_judged_as_a_small_one(repo: Repo) -> None:
    # The scan reads a large corpus of tests only where a case can start; what it
    # covers must not change: "İnvalid audience" is a wrong-audience test to `re`.
    code = "claims = jwt.decode(token, key, algorithms=['RS256'], audience='api')\n"
    filler = "".join(f"def test_plain_{i}():\n    assert add({i}, 1) == {i + 1}\n"
                     for i in range(24_000))
    tests = ("def test_expired_token_is_rejected():\n"
             "    with pytest.raises(jwt.ExpiredSignatureError):\n"
             "        verify(old)\n"
             "def test_tampered_signature_is_rejected():\n"
             "    with pytest.raises(jwt.InvalidSignatureError):\n"
             "        verify(forged)\n")
    repo.write("app/auth/jwt_verify.py", code)
    repo.write("tests/test_filler.py", filler)

    def uncovered(audience_test: str) -> list[str]:
        repo.write("tests/test_jwt.py", tests + audience_test)
        repo.add()
        repo.commit()
        report = json.loads(repo.main("scan", "--no-cache", "--format", "json").stdout)
        return [f["message"] for f in report["subjects"][0]["findings"]
                if f["rule"] == "identity.tests.negative-uncovered"]

    assert len(filler) > 1 << 20
    assert uncovered("# nothing about the audience\n") == [
        "high-impact change to expiry, signature, audience: no failure-path test yet "
        "for wrong audience or issuer"]
    assert uncovered("def test_\u0130nvalid_audience_is_rejected():\n"
                     "    check('\u0130nvalid audience')\n") == []


def test_a_long_hunk_reads_only_the_lines_a_setting_can_start_on() -> None:
    rounds = next(rx for rx in FACTORS if "BCRYPT_LOG_ROUNDS" in rx.source)
    texts = [f"value_{i} = compute({i})" for i in range(FEW_LINES)]
    texts[123] = "    BCRYPT_LOG_ROUNDS = 4"
    texts[150] = "salt = bcrypt.GENSALT(rounds=4)  # upper case: the rule ignores case"
    assert list(rounds.lines(Lines(texts))) == [123, 150]
    assert [i for i, t in enumerate(texts) if rounds.search(t)] == [123, 150]


# The catalog's line patterns a line is asked about (`lines._may_match`) that an
# automaton of what every match holds turns lines away for first (`text._gate`).
ASKED_PATTERNS = [*(c.rule.pattern for c in CAT.content),
                  *(v.pattern for s in CAT.lines for v in s.variants)]
GATED = sorted({p.source if isinstance(p, Rx) else p.pattern: p for p in ASKED_PATTERNS
                if isinstance(p, (Rx, re.Pattern))
                and _gate(*((p.source, p.flags) if isinstance(p, Rx) else (p.pattern, p.flags)))
                }.items())


def test_the_gated_patterns_include_the_slow_ones() -> None:
    sources = [src for src, _ in GATED]
    assert len(GATED) >= 10
    assert any("current_?user" in s for s in sources)  # an ownership comparison


@pytest.mark.parametrize("pattern", [p for _, p in GATED], ids=lambda p: str(p)[:40])
def test_a_gated_pattern_matches_exactly_the_lines_it_matches(pattern: Rx | re.Pattern[str]
                                                              ) -> None:
    rx = pattern.rx if isinstance(pattern, Rx) else pattern
    words = sorted(needs(rx.pattern, rx.flags, alternatives=True) or ())
    # A tree's many lines: past the few a commit asks about, the gate is built.
    for _ in range(GATE_AFTER + 1):
        if isinstance(pattern, Rx):
            pattern.can_match("")
        can_match(rx, "")
    assert not isinstance(_GATES[rx], int)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.one_of(_line(st.from_regex(rx, fullmatch=True).filter(lambda s: "\n" not in s)),
                     _line(st.sampled_from(words))))
    def check(text: str) -> None:
        expected = rx.search(text) is not None
        if isinstance(pattern, Rx):
            assert pattern.can_match(text) == expected
        assert can_match(rx, text) == expected

    check()


def test_what_every_match_holds_is_read_through_alternatives() -> None:
    # Each alternative holds a name (or a comparison): so does every match.
    assert needs(r"\b\w*Id\s*(?:!=|==)\s*x|\bowner\s*(?:!=|==)", alternatives=True) \
        == {"Id", "owner"}
    assert needs(r"\b\w*(?:!=|==)\s*x|\bowner\s*(?:!=|==)", alternatives=True) \
        == {"!=", "==", "owner"}
    assert needs(r"\b\w*(?:!=|==)\s*x|\bowner\s*(?:!=|==)") is None  # cheap: leads only
    assert needs(r"^\s*(?:if|elif)\b") == {"if", "elif"}
    # An alternative that may hold nothing: nothing is held.
    assert needs(r"\w+|x", alternatives=True) is None
