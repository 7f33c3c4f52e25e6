"""Identity matching that forgives how names are written: keys, query terms, ranking, reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rvs.core.names import (
    EXACT,
    KEY_PREFIX,
    PREFIX,
    VARIANT,
    explain,
    index_terms,
    query_terms,
    word_key,
)
from rvs.core.normalise import fold, prefix_upper_bound
from tests.core.name_pairs import DECOYS, NAME_PAIRS

POPULATION = sorted({(first, last) for _, first, last, _ in NAME_PAIRS} | set(DECOYS))


def _same_person(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Names with the same letters (van den Berg, Vandenberg) cannot be told apart by a search."""
    return fold(" ".join(a)).replace(" ", "") == fold(" ".join(b)).replace(" ", "")


def test_the_table_is_large_enough_and_spans_scripts() -> None:
    assert len(NAME_PAIRS) >= 60
    stored = "".join(first + last for _, first, last, _ in NAME_PAIRS)
    assert any("\u0400" <= ch <= "\u04ff" for ch in stored)  # Cyrillic
    assert any("\u0370" <= ch <= "\u03ff" for ch in stored)  # Greek


@pytest.mark.parametrize(
    ("written", "first", "last"),
    [(w, f, last) for w, f, last, _ in NAME_PAIRS],
    ids=[f"{i:02d}-{fold(w).replace(' ', '-')}" for i, (w, *_rest) in enumerate(NAME_PAIRS)],
)
def test_it_ranks_the_stored_form_first(written: str, first: str, last: str) -> None:
    wanted = explain(written, first, last)
    assert wanted is not None, f"{written!r} does not find {first} {last}"
    assert wanted.reasons, "every match says why"
    for other in POPULATION:
        if _same_person(other, (first, last)):
            continue
        match = explain(written, *other)
        assert match is None or match.rank > wanted.rank, (
            f"{written!r}: {' '.join(other)} {match} ranks with or above {first} {last} {wanted}"
        )


def test_it_finds_through_the_stored_terms_what_explain_finds() -> None:
    """What the index holds is enough: every query term hits a stored term by prefix or by key."""
    for written, first, last, _ in NAME_PAIRS:
        stored = index_terms(f"{first} {last}")
        for term in query_terms(written):
            by_prefix = any(term.word <= s < prefix_upper_bound(term.word) for s in stored)
            assert by_prefix or term.stored_key in stored, (written, term, sorted(stored))


class TestRanking:
    def test_exact_before_prefix_before_variant(self) -> None:
        exact = explain("Anna Muller", "Anna", "Müller")
        prefix = explain("Anna Mul", "Anna", "Müller")
        variant = explain("Anna Mueller", "Anna", "Müller")
        assert exact
        assert prefix
        assert variant
        assert (exact.tier, prefix.tier, variant.tier) == (EXACT, PREFIX, VARIANT)
        assert exact.rank < prefix.rank < variant.rank
        assert exact.reasons == ("exact name",)

    def test_it_says_why(self) -> None:
        swapped = explain("Garcia Maria", "María José", "García")
        assert swapped is not None
        assert "given and family names in the other order" in swapped.reasons
        assert "middle name not given" in swapped.reasons
        spelled = explain("Alexander", "Александр", "Иванов")
        assert spelled is not None
        assert spelled.reasons == ("“alexander” is a spelling of “aleksandr”",)
        together = explain("Smithjones", "Mary", "Smith-Jones")
        assert together is not None
        assert together.reasons[-1] == "“smithjones” is “smith jones” written together"

    def test_closer_spellings_rank_higher(self) -> None:
        muller = explain("Mueller", "Anna", "Müller")
        miller = explain("Mueller", "Anna", "Miller")
        assert muller
        assert miller
        assert muller.rank < miller.rank

    def test_every_word_must_match(self) -> None:
        assert explain("Anna Schmidt", "Anna", "Müller") is None
        assert explain("", "Anna", "Müller") is None
        assert explain("Anna", "", "") is None


class TestKeys:
    @pytest.mark.parametrize(
        "spellings",
        [
            ("Mohammed", "Muhammad", "Mohamed", "Mohammad"),
            ("Aleksandr", "Alexander", "Александр"),
            ("Yevgeny", "Evgeny", "Jewgeni", "Евгений"),
            ("Tchaikovsky", "Chaikovskii", "Tschaikowski", "Чайковский"),
            ("Mueller", "Muller", "Müller"),
        ],
        ids=["mohammed", "alexander", "evgeny", "tchaikovsky", "mueller"],
    )
    def test_spellings_share_a_key(self, spellings: tuple[str, ...]) -> None:
        keys = {word_key(fold(s)) for s in spellings}
        assert len(keys) == 1, keys

    def test_different_names_keep_different_keys(self) -> None:
        assert word_key("smith") != word_key("schmidt")
        assert word_key("anna") != word_key("hanna")

    def test_keys_stay_out_of_prefix_ranges(self) -> None:
        terms = index_terms("Anna Müller")
        assert {t for t in terms if t.startswith(KEY_PREFIX)} == {"~an", "~mlr", "~anmlr"}
        assert all("a" <= t < prefix_upper_bound("z") for t in terms if not t.startswith(KEY_PREFIX))

    def test_short_starts_look_for_no_variants_but_spelled_out_names_do(self) -> None:
        assert [t.key for t in query_terms("mar ngu nguy")] == ["", "", ""]  # skeletons mr, ng: noise
        assert explain("mar", "Mira", "Smith") is None
        assert [t.key for t in query_terms("Tatyana Petr")] == ["tn", "ptr"]
        tatyana = explain("Tatyana", "Татьяна", "Волкова")
        assert tatyana is not None
        assert tatyana.tier == VARIANT

    def test_particles_join_the_next_word(self) -> None:
        assert [t.word for t in query_terms("Maria de la Cruz")] == ["maria", "delacruz"]
        assert [t.word for t in query_terms("Sean O Brien")] == ["sean", "obrien"]
        assert [t.word for t in query_terms("van")] == ["van"]


@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=20))
def test_it_never_fails_on_any_text(query: str, first: str, last: str) -> None:
    match = explain(query, first, last)
    terms = index_terms(f"{first} {last}")
    assert all(len(t) <= 65 for t in terms)
    if match is not None:
        assert match.reasons
        for term in query_terms(query):
            assert any(term.word <= s < prefix_upper_bound(term.word) for s in terms) or term.stored_key in terms


@given(st.from_regex(r"[A-Za-zÀ-ÿ]{2,12}", fullmatch=True), st.from_regex(r"[A-Za-zÀ-ÿ]{2,12}", fullmatch=True))
def test_the_exact_name_is_always_an_exact_match(first: str, last: str) -> None:
    match = explain(f"{first} {last}", first, last)
    assert match is not None
    assert match.tier == EXACT
    assert not match.swapped
