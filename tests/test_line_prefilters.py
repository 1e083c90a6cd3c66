"""The whole-text searches every family's prefilter is built on (`patterns`): a line
is reported exactly when a search of that line alone finds something."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from authgate import patterns

# Few letters, so that words overlap, nest and repeat; a line break, so lines vary;
# non-ASCII letters, whose offsets a search over UTF-8 bytes could get wrong.
_text = st.text(alphabet="abc \n\u00e9\u4e2d", max_size=80)
_words = st.lists(st.text(alphabet="abc\u00e9\u4e2d", min_size=1, max_size=4),
                  min_size=1, max_size=6, unique=True).map(tuple)


def _each_line(text: str, words: tuple[str, ...]) -> list[int]:
    return [i for i, line in enumerate(text.split("\n")) if any(w in line for w in words)]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_text, _words)
# "ab" hides "ba" in "aba" (matches do not overlap): the line is still found once.
@example("x\naba\nb", ("ab", "ba"))
@example("\u4e2d\u00e9a\nb\u00e9ca", ("ca", "\u00e9a"))
def test_a_line_is_found_exactly_when_it_holds_a_word(text: str,
                                                      words: tuple[str, ...]) -> None:
    expected = _each_line(text, words)
    assert patterns.word_lines(text, words) == expected
    assert patterns.hit_lines(text, [re.compile(patterns.trie(words))]) == expected


def test_no_words_find_nothing_and_the_empty_word_every_line() -> None:
    assert patterns.word_lines("a\nb", ()) == []
    assert patterns.word_lines("a\n\nb", ("",)) == [0, 1, 2]
