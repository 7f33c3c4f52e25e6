"""Name folding: the one way stored names and search terms are compared."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rvs.core.normalise import fold, prefix_upper_bound, tokens

FOLDED = re.compile(r"([a-z0-9]+( [a-z0-9]+)*)?")
FOLDED_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789 "


class TestFoldExamples:
    @pytest.mark.parametrize(
        ("text", "folded"),
        [
            ("Müller", "muller"),
            ("MÜLLER", "muller"),
            ("Søren", "soren"),
            ("Łukasz", "lukasz"),
            ("Nguyễn", "nguyen"),
            ("O'Brien", "obrien"),
            ("O’Brien", "obrien"),
            ("O‘Brien", "obrien"),
            ("Oʼbrien", "obrien"),
            ("Ørsted", "orsted"),
            ("ØRSTED", "orsted"),
            ("Çağlar", "caglar"),
            ("Straße", "strasse"),
            ("Đorđević", "dordevic"),
            ("Александр", "aleksandr"),
            ("АЛЕКСАНДР", "aleksandr"),
            ("Γιώργος Παπαδόπουλος", "giorgos papadopoulos"),
            ("ΓΙΏΡΓΟΣ ΠΑΠΑΔΌΠΟΥΛΟΣ", "giorgos papadopoulos"),
            ("Ξενοφών", "xenophon"),
            ("ΞΕΝΟΦΩΝ", "xenophon"),
            ("Jean-Luc  Picard", "jean luc picard"),
            ("  Anne-Marie\tO'Neil ", "anne marie oneil"),
            ("", ""),
            ("--", ""),
        ],
    )
    def test_it_folds_names_as_exam_boards_print_them(self, text: str, folded: str) -> None:
        assert fold(text) == folded

    def test_it_treats_none_as_empty(self) -> None:
        assert fold(None) == ""  # type: ignore[arg-type]


class TestFoldProperties:
    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def test_it_is_idempotent(self, text: str) -> None:
        assert fold(fold(text)) == fold(text)

    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def test_it_gives_lower_case_ascii_words_separated_by_single_spaces(self, text: str) -> None:
        folded = fold(text)
        assert folded.isascii()
        assert FOLDED.fullmatch(folded), folded

    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def test_it_ignores_case(self, text: str) -> None:
        folded = fold(text)
        assert fold(text.upper()) == folded
        assert fold(text.lower()) == folded
        assert fold(text.casefold()) == folded

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet=st.characters(codec="ascii", categories=["Lu", "Ll", "Nd"])))
    def test_it_keeps_ascii_letters_and_digits(self, text: str) -> None:
        assert fold(text) == text.lower()

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.text(min_size=1), max_size=5))
    def test_it_folds_apostrophes_away_but_not_word_breaks(self, words: list[str]) -> None:
        joined = " ".join(words)
        assert fold(joined.replace("'", "’")) == fold(joined)


class TestTokens:
    def test_it_gives_the_folded_words_in_order_without_repeats(self) -> None:
        assert tokens("Anna-Maria ANNA Wójcik") == ["anna", "maria", "wojcik"]

    @settings(deadline=None)
    @given(st.text())
    def test_it_keeps_words_short_enough_for_the_index(self, text: str) -> None:
        found = tokens(text)
        assert len(found) == len(set(found))
        assert all(0 < len(token) <= 64 for token in found)
        assert all(token in fold(text).split() or len(token) == 64 for token in found)


class TestPrefixUpperBound:
    @settings(deadline=None)
    @given(st.text(alphabet=FOLDED_CHARACTERS.strip(), min_size=1), st.text(alphabet=FOLDED_CHARACTERS))
    def test_it_bounds_exactly_the_folded_strings_starting_with_the_prefix(self, prefix: str, other: str) -> None:
        bound = prefix_upper_bound(prefix)
        for text in (other, prefix + other, prefix[:-1] + other):
            assert (prefix <= text < bound) == text.startswith(prefix), (prefix, text, bound)
