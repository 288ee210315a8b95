"""The search query language itself: folding, words, the parser's trees and errors, the reference matcher."""

from __future__ import annotations

import random

import pytest

from warehouse.search_query import (
    And,
    Not,
    Or,
    QueryError,
    Term,
    document_line,
    document_words,
    fold,
    match,
    parse,
    words,
)


def t(*ws: str, prefix: bool = False) -> Term:
    return Term(tuple(ws), prefix)


@pytest.mark.parametrize(("text", "expected"), [
    ("München", "munchen"), ("ÉCOLE", "ecole"), ("Straße", "strasse"), ("ﬁnance", "finance"),
    ("İstanbul", "istanbul"), ("Ωmega", "ωmega"), ("plain ascii", "plain ascii"),
])
def test_fold_drops_accents_and_case(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_words_are_runs_of_letters_and_digits() -> None:
    assert words("Climate-change, COVID-19; growth_rate (50%) São Paulo") == [
        "climate", "change", "covid", "19", "growth", "rate", "50", "sao", "paulo"]


def test_adjacency_is_and_and_not_binds_tighter_than_and_tighter_than_or() -> None:
    assert parse("a b") == parse("a AND b") == And((t("a"), t("b")))
    assert parse("a OR b c") == Or((t("a"), And((t("b"), t("c")))))
    assert parse("a b OR c") == Or((And((t("a"), t("b"))), t("c")))
    assert parse("NOT a b") == And((Not(t("a")), t("b")))
    assert parse("NOT a OR b") == Or((Not(t("a")), t("b")))
    assert parse("-a b") == parse("NOT a b")
    assert parse("(a OR b) c") == And((Or((t("a"), t("b"))), t("c")))
    assert parse("NOT (a OR b)") == Not(Or((t("a"), t("b"))))


def test_terms_phrases_and_prefixes() -> None:
    assert parse('"Climate  change"') == t("climate", "change")
    assert parse("climate-change") == t("climate", "change")  # a bare term of several words is a phrase
    assert parse("climat*") == t("climat", prefix=True)
    assert parse("climate-chang*") == t("climate", "chang", prefix=True)
    assert parse("and or not") == And((t("and"), t("or"), t("not")))  # lower case: words, not operators
    assert parse("a-b -c") == And((t("a", "b"), Not(t("c"))))


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty query"), ("   ", "empty query"),
    ("(a OR b", "'(' at column 1 is never closed"), ("a AND (", "'(' at column 7 is never closed"),
    ("a) b", "')' at column 2 closes nothing"), ("()", "empty parentheses"),
    ("a AND", "AND at column 3 has nothing after it"), ("OR a", "OR at column 1 has nothing before it"),
    ("a OR OR b", "OR at column 3 has nothing after it"), ("NOT", "NOT at column 1 has nothing after it"),
    ("a -", "'-' at column 3 has nothing after it"), ('"open phrase', "unclosed quote"),
    ('"--"', "no letters or digits"), ("*", "no letters or digits"), ("foo-*", "* must follow a letter"),
])
def test_malformed_queries_say_what_is_wrong_in_one_line(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=None) as caught:
        parse(query)
    assert message in str(caught.value) and "\n" not in str(caught.value)


DOC = ("Talks in München", "Leaders discussed climate-change; the border wall with Mexico. COVID-19 data.")


@pytest.mark.parametrize(("query", "expected"), [
    ("munchen", True), ("MÜNCHEN", True), ("münch", False), ("münch*", True), ("talk", False), ("talk*", True),
    ('"climate change"', True), ("climate-change", True), ('"change climate"', False),
    ('"border wall"', True), ('"wall border"', False), ('"talks in munchen leaders"', True),  # title runs into text
    ("mexico guatemala", False), ("mexico OR guatemala", True), ("border AND NOT guatemala", True),
    ("border -mexico", False), ("NOT guatemala", True), ("NOT guatemala mexico", True),
    ("guatemala OR wall mexico", True), ("(guatemala OR wall) AND peru", False), ("guatemala OR wall peru", False),
    ("covid-19", True), ('"covid 19"', True), ("covid19", False), ("19", True), ("1*", True),
])
def test_reference_matcher(query: str, expected: bool) -> None:
    assert match(query, *DOC) is expected


@pytest.mark.parametrize("text", ["Climate-change, COVID-19; growth_rate (50%) São Paulo", "  --  ", "",
                                  "ǅemal İ ﬁ ß Ⅻ ²"])
def test_the_indexed_line_holds_the_same_words(text: str) -> None:
    assert document_line(text, text).split() == document_words(text, text)


def test_the_indexed_line_agrees_on_random_unicode() -> None:
    """The bulk path (arrays of code points) and the reference (fold, then the word regex) on any text."""
    rng = random.Random(17)
    for _ in range(300):
        text = "".join(chr(rng.choice([rng.randrange(0x80, 0x3000), rng.randrange(0x10000, 0x30000),
                                       rng.randrange(0x20, 0x80)])) for _ in range(rng.randrange(1, 80)))
        if not 0xD800 <= max(map(ord, text)) <= 0xDFFF:
            assert document_line(text, None).split() == document_words(text, None), text


def test_no_combining_mark_lies_beyond_the_table_of_marks() -> None:
    """document_line asks unicodedata about marks only below COMBINING_END: true of this Python's Unicode."""
    import sys
    import unicodedata

    from warehouse.search_query import COMBINING_END

    beyond = (chr(c) for c in range(COMBINING_END, sys.maxunicode + 1))
    assert not any(unicodedata.combining(c) for c in beyond)


def test_no_letter_or_digit_lies_beyond_the_table_of_letters() -> None:
    """document_line reads letters and digits from a table that stops at ALNUM_END: true of this Python's Unicode."""
    import sys

    from warehouse.search_query import _NOT_WORD, ALNUM_END

    beyond = "".join(chr(c) for c in range(ALNUM_END, sys.maxunicode + 1))
    assert _NOT_WORD.sub("", beyond) == ""
