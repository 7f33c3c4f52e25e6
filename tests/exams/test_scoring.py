"""Scoring: overall score, grade and CEFR level from component scores, checked against DESIGN.md."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rvs.exams.catalogue import read_catalogue
from rvs.exams.scoring import CesScheme, Outcome, ScoreError, Status, compute, round_half_up, scheme_for
from tests.exams import QUALIFICATIONS

CATALOGUE = {exam["code"]: exam for exam in read_catalogue()}
TODAY_RULES = dt.date(2025, 6, 14)


def scheme(code: str, on: dt.date = TODAY_RULES) -> CesScheme:
    found = scheme_for(CATALOGUE[code]["scoring"], on)
    assert found is not None
    return found


def uniform(code: str, value: int | str) -> dict[str, int | str]:
    return {component: value for component, _ in QUALIFICATIONS[code]["components"]}


def expected_band(code: str, overall: int) -> tuple[str | None, str | None]:
    for low, high, grade, cefr in QUALIFICATIONS[code]["bands"]:
        if low <= overall <= high:
            return grade, cefr
    raise AssertionError(f"{overall} is in no band of {code}")


def boundaries() -> list[Any]:
    """Both ends of every band of every Cambridge English Qualification, from DESIGN.md."""
    cases = []
    for code, exam in QUALIFICATIONS.items():
        for low, high, grade, cefr in exam["bands"]:
            for overall in (low, high):
                cases.append(pytest.param(code, overall, grade, cefr, id=f"{code}-{overall}"))
    return cases


class TestBoundaries:
    @pytest.mark.parametrize(("code", "overall", "grade", "cefr"), boundaries())
    def test_it_gives_the_grade_and_level_of_the_design_table_at_every_band_boundary(
        self, code: str, overall: int, grade: str | None, cefr: str | None
    ) -> None:
        outcome = compute(scheme(code), uniform(code, overall))
        assert outcome.status == Status.RESULT
        assert outcome.overall == overall
        assert (outcome.grade, outcome.cefr) == (grade, cefr)

    @pytest.mark.parametrize("code", QUALIFICATIONS)
    def test_it_reports_no_score_just_below_reported_from(self, code: str) -> None:
        below = QUALIFICATIONS[code]["reported_from"] - 1
        outcome = compute(scheme(code), uniform(code, below))
        assert outcome == Outcome(Status.NOT_REPORTED, None, None, None, "No score reported", {})

    @pytest.mark.parametrize("code", QUALIFICATIONS)
    def test_it_reports_the_lowest_reported_score_without_certificate(self, code: str) -> None:
        lowest = QUALIFICATIONS[code]["reported_from"]
        outcome = compute(scheme(code), uniform(code, lowest))
        assert (outcome.status, outcome.overall, outcome.grade, outcome.cefr) == (Status.RESULT, lowest, None, None)
        assert outcome.label == "No certificate"

    @pytest.mark.parametrize(
        ("code", "overall", "label"),
        [
            ("c1-advanced", 210, "Grade A"),
            ("c1-advanced", 193, "Grade B"),
            ("c1-advanced", 180, "Grade C"),
            ("c1-advanced", 179, "B2 level"),
            ("b2-first", 140, "B1 level"),
            ("a2-key", 100, "A1 level"),
            ("c2-proficiency", 199, "C1 level"),
        ],
    )
    def test_it_labels_results_as_the_statement_of_results_does(self, code: str, overall: int, label: str) -> None:
        assert compute(scheme(code), uniform(code, overall)).label == label


class TestRounding:
    def test_it_rounds_a_half_up_not_to_even(self) -> None:
        # B1 Preliminary: (139 + 140 + 139 + 140) / 4 = 139.5 -> 140, Grade C at B1, not A2.
        outcome = compute(scheme("b1-preliminary"), {"reading": 139, "writing": 140, "listening": 139, "speaking": 140})
        assert (outcome.overall, outcome.grade, outcome.cefr) == (140, "C", "B1")
        # A2 Key: (2 * 118 + 119 + 119) / 4 = 118.5 -> 119, where round() would give 118 (half to even).
        outcome = compute(scheme("a2-key"), {"reading_and_writing": 118, "listening": 119, "speaking": 119})
        assert outcome.overall == 119

    def test_it_weights_a2_key_reading_and_writing_twice(self) -> None:
        # (2 * 150 + 120 + 130) / 4 = 137.5 -> 138 (a plain mean of the three would give 133).
        outcome = compute(scheme("a2-key"), {"reading_and_writing": 150, "listening": 120, "speaking": 130})
        assert (outcome.overall, outcome.grade, outcome.cefr) == (138, "B", "A2")

    def test_it_rounds_a_mean_of_five_to_the_nearest(self) -> None:
        # (176 + 180 + 169 + 185 + 178) / 5 = 177.6 -> 178
        scores = {"reading": 176, "use_of_english": 180, "writing": 169, "listening": 185, "speaking": 178}
        outcome = compute(scheme("b2-first"), scores)
        assert (outcome.overall, outcome.grade, outcome.cefr, outcome.label) == (178, "B", "B2", "Grade B")
        assert outcome.components == scores

    @settings(deadline=None)
    @given(numerator=st.integers(min_value=0, max_value=10**6), denominator=st.integers(min_value=1, max_value=50))
    def test_it_rounds_half_up_for_any_fraction(self, numerator: int, denominator: int) -> None:
        expected = math.floor(Fraction(numerator, denominator) + Fraction(1, 2))
        assert round_half_up(numerator, denominator) == expected

    @settings(max_examples=300, deadline=None)
    @given(data=st.data(), code=st.sampled_from(sorted(QUALIFICATIONS)))
    def test_it_computes_overall_as_the_weighted_mean_rounded_half_up(self, data: Any, code: str) -> None:
        exam = QUALIFICATIONS[code]
        rules = scheme(code)
        values = st.integers(min_value=rules.component_min, max_value=exam["scale_max"])
        scores = {component: data.draw(values, label=component) for component, _ in exam["components"]}
        total = sum(weight * scores[component] for component, weight in exam["components"])
        weights = sum(weight for _, weight in exam["components"])
        expected = int((Decimal(total) / Decimal(weights)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        outcome = compute(rules, scores)
        if expected < exam["reported_from"]:
            assert outcome.status == Status.NOT_REPORTED
            assert (outcome.overall, outcome.grade, outcome.cefr, outcome.components) == (None, None, None, {})
        else:
            assert outcome.status == Status.RESULT
            assert outcome.overall == expected
            assert (outcome.grade, outcome.cefr) == expected_band(code, expected)
            assert outcome.components == scores

    def test_it_accepts_scores_given_as_text(self) -> None:
        outcome = compute(scheme("b2-first"), {**uniform("b2-first", " 180 "), "reading": "181"})
        assert outcome.overall == 180
        assert outcome.components["reading"] == 181


class TestRanges:
    @settings(max_examples=200, deadline=None)
    @given(data=st.data(), code=st.sampled_from(sorted(QUALIFICATIONS)))
    def test_it_rejects_a_component_outside_its_range_naming_it(self, data: Any, code: str) -> None:
        rules = scheme(code)
        components = QUALIFICATIONS[code]["components"]
        bad_component, _ = data.draw(st.sampled_from(components), label="component")
        bad = data.draw(
            st.integers(max_value=rules.component_min - 1) | st.integers(min_value=rules.scale_max + 1),
            label="score",
        )
        scores: dict[str, int | str] = uniform(code, rules.scale_max)
        scores[bad_component] = data.draw(st.sampled_from([bad, str(bad)]), label="as text?")
        with pytest.raises(ScoreError) as info:
            compute(rules, scores)
        assert info.value.component == bad_component
        label = next(c.label for c in rules.components if c.code == bad_component)
        assert label in info.value.message
        assert f"{rules.component_min}-{rules.scale_max}" in info.value.message

    @pytest.mark.parametrize("code", QUALIFICATIONS)
    def test_it_accepts_both_ends_of_the_component_range(self, code: str) -> None:
        rules = scheme(code)
        assert rules.scale_max == QUALIFICATIONS[code]["scale_max"]
        for value in (rules.component_min, rules.scale_max):
            compute(rules, uniform(code, value))

    def test_it_reports_every_bad_component_at_once(self) -> None:
        scores: dict[str, int | str] = {**uniform("c1-advanced", 190), "reading": 211, "speaking": "abc"}
        with pytest.raises(ScoreError) as info:
            compute(scheme("c1-advanced"), scores)
        assert [error.component for error in info.value.errors] == ["reading", "speaking"]

    def test_it_names_a_missing_component(self) -> None:
        scores = uniform("b2-first", 170)
        del scores["use_of_english"]
        with pytest.raises(ScoreError) as info:
            compute(scheme("b2-first"), scores)
        assert info.value.component == "use_of_english"
        assert "Use of English score is missing" in info.value.message

    @pytest.mark.parametrize("value", ["", "  ", "abc", "17O", "1_50", "+150", "150.0", "1e2", "١٥٠", "１５０", "-150"])
    def test_it_rejects_what_is_not_a_plain_whole_number(self, value: str) -> None:
        with pytest.raises(ScoreError) as info:
            compute(scheme("b2-first"), {**uniform("b2-first", 170), "writing": value})
        assert info.value.component == "writing"


class TestStatuses:
    @pytest.mark.parametrize(("status", "label"), [(Status.PENDING, "Pending"), (Status.WITHHELD, "Withheld")])
    def test_it_shows_no_scores_for_pending_or_withheld(self, status: str, label: str) -> None:
        for scores in ({}, uniform("c2-proficiency", 225)):
            outcome = compute(scheme("c2-proficiency"), scores, status=status)
            assert outcome == Outcome(status, None, None, None, label, {})

    @pytest.mark.parametrize("flag", ["X", "x", " X "])
    def test_it_shows_no_scores_when_absent_from_part(self, flag: str) -> None:
        scores: dict[str, int | str] = {**uniform("b2-first", 185), "speaking": flag}
        outcome = compute(scheme("b2-first"), scores)
        assert outcome.status == Status.ABSENT_PART
        assert (outcome.overall, outcome.grade, outcome.cefr, outcome.components) == (None, None, None, {})

    def test_it_shows_no_scores_when_absent_from_all(self) -> None:
        outcome = compute(scheme("a2-key"), {"reading_and_writing": "Z", "listening": "z", "speaking": "Z"})
        assert outcome.status == Status.ABSENT_ALL
        assert (outcome.overall, outcome.grade, outcome.cefr, outcome.components) == (None, None, None, {})

    @pytest.mark.parametrize("other", [150, "X"])
    def test_it_refuses_z_mixed_with_scores_or_x_naming_the_component(self, other: int | str) -> None:
        scores: dict[str, int | str] = {"reading_and_writing": other, "listening": " Z ", "speaking": other}
        with pytest.raises(ScoreError) as info:
            compute(scheme("a2-key"), scores)
        assert info.value.component == "listening"
        assert "every component or none" in info.value.message

    def test_it_still_checks_ranges_when_a_part_is_absent(self) -> None:
        with pytest.raises(ScoreError) as info:
            compute(scheme("b2-first"), {**uniform("b2-first", 170), "speaking": "X", "reading": 250})
        assert info.value.component == "reading"


class TestDateVersions:
    @pytest.mark.parametrize("code", ["a2-key", "a2-key-for-schools"])
    def test_it_uses_pass_labels_for_a2_key_before_2020(self, code: str) -> None:
        old = scheme(code, dt.date(2019, 12, 31))
        expected = {145: "Pass with Distinction", 135: "Pass with Merit", 125: "Pass", 110: None}
        for overall, grade in expected.items():
            assert compute(old, uniform(code, overall)).grade == grade
        assert compute(old, uniform(code, 145)).cefr == "B1"

    @pytest.mark.parametrize("code", ["a2-key", "a2-key-for-schools", "b1-preliminary", "b1-preliminary-for-schools"])
    def test_it_keeps_the_same_boundaries_and_levels_under_the_old_labels(self, code: str) -> None:
        old = scheme(code, dt.date(2019, 12, 31))
        labels = {"A": "Pass with Distinction", "B": "Pass with Merit", "C": "Pass", None: None}
        for low, high, grade, cefr in QUALIFICATIONS[code]["bands"]:
            for overall in (low, high):
                outcome = compute(old, uniform(code, overall))
                assert (outcome.overall, outcome.grade, outcome.cefr) == (overall, labels[grade], cefr)

    @pytest.mark.parametrize("code", ["a2-key", "a2-key-for-schools"])
    def test_it_uses_grades_from_2020(self, code: str) -> None:
        new = scheme(code, dt.date(2020, 1, 1))
        assert [compute(new, uniform(code, v)).grade for v in (145, 135, 125)] == ["A", "B", "C"]

    def test_it_has_no_rules_before_the_first_version(self) -> None:
        assert scheme_for(CATALOGUE["a2-key"]["scoring"], dt.date(2014, 12, 31)) is None

    def test_it_picks_the_newest_version_in_force_whatever_the_order(self) -> None:
        versions = list(reversed(CATALOGUE["a2-key"]["scoring"]))
        assert scheme_for(versions, dt.date(2024, 1, 1)) == scheme("a2-key", dt.date(2024, 1, 1))
        assert scheme("a2-key", dt.date(2024, 1, 1)).valid_from == dt.date(2020, 1, 1)

    @pytest.mark.parametrize("code", ["celta", "tkt", "linguaskill-general", "a2-flyers", "delta"])
    def test_it_has_no_ces_rules_for_exams_that_cannot_be_verified(self, code: str) -> None:
        assert scheme_for(CATALOGUE[code]["scoring"], TODAY_RULES) is None
