"""The words free-text search indexes and looks for: Swedish stems, safe to quote."""

import re

from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister import search
from systemfel.brister.domain import (
    MAX_QUERY_WORDS,
    MAX_STEM_LENGTH,
    search_query_words,
    search_stems,
    search_words,
)


def test_inflections_share_a_stem():
    assert search_words("läkarbyten") == search_words("läkarbyte") == ["läkarbyt"]
    assert search_words("sjukpenningen") == ["sjukpenning"]


def test_stems_are_case_folded_and_each_given_once():
    assert search_stems("ÅTGÄRD", "Åtgärd åtgärd Straße") == "åtgärd strass"


def test_a_number_is_split_into_its_parts():
    assert search_stems("SF-2026-0007") == "sf 2026 0007"


def test_punctuation_symbols_and_query_syntax_are_not_words():
    text = 'a"b* -c:d AND NEAR(e) 😀 \x00 f_g'
    assert search_words(text) == ["a", "b", "c", "d", "and", "near", "e", "f", "g"]


def test_a_very_long_word_is_cut():
    assert search_words("x" * 10_000) == ["x" * MAX_STEM_LENGTH]


def test_a_query_has_at_most_so_many_words():
    words = " ".join(f"ord{n}" for n in range(100))
    assert len(search_query_words(words)) == MAX_QUERY_WORDS


@given(st.text())
def test_words_are_letters_and_digits_only(text):
    for word in search_words(text):
        assert word and all(char.isalnum() for char in word)
        assert len(word) <= MAX_STEM_LENGTH


def test_a_one_letter_word_is_looked_for_whole_and_longer_ones_as_beginnings():
    assert search.fts5_query(["a", "sj"]) == 'search_stems : "a" AND search_stems : "sj"*'
    assert search.tsquery(["a", "sj"]) == "'a' & 'sj':*"


def test_a_search_within_verksamheter_names_them_in_the_fts5_query():
    assert search.fts5_query(["tolk"], {3, 12}) == (
        'search_stems : "tolk"* AND (verksamhet_id : "3" OR verksamhet_id : "12")'
    )


FTS5_TERM = r'search_stems : "([^"]|"")*"\*?'
TSQUERY_TERM = r"'([^'\\]|''|\\\\)*'(:\*)?"


@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_the_query_texts_quote_every_word(words):
    fts5 = search.fts5_query(words)
    assert re.fullmatch(f"{FTS5_TERM}( AND {FTS5_TERM})*", fts5, re.DOTALL)
    tsquery = search.tsquery(words)
    assert re.fullmatch(f"{TSQUERY_TERM}( & {TSQUERY_TERM})*", tsquery, re.DOTALL)
