"""The exam catalogue: the data file, the Exam table loaded from it, and DESIGN.md's exam table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from rvs.exams.catalogue import DEFAULT_CATALOGUE, read_catalogue, sync_catalogue
from rvs.exams.models import Exam
from rvs.exams.scoring import parse_scheme, scheme_for
from rvs.results.importer import SCORE_COLUMNS
from tests.exams import NOT_VERIFIABLE, QUALIFICATIONS

RAW = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))


def ces_schemes() -> list[Any]:
    return [pytest.param(name, data, id=name) for name, data in RAW["schemes"].items() if data["kind"] == "ces"]


class TestQualifications:
    pytestmark = pytest.mark.django_db

    @pytest.mark.parametrize("code", QUALIFICATIONS)
    def test_it_lists_every_cambridge_english_qualification_as_verifiable(self, code: str) -> None:
        exam = Exam.objects.get(code=code)
        assert exam.name == QUALIFICATIONS[code]["name"]
        assert exam.family == "Cambridge English Qualifications"
        assert exam.verifiable is True

    @pytest.mark.parametrize("code", QUALIFICATIONS)
    def test_it_scores_each_qualification_as_the_design_table_says(self, code: str) -> None:
        expected = QUALIFICATIONS[code]
        exam = Exam.objects.get(code=code)
        for version in exam.scoring:
            rules = parse_scheme(version["from"], version["scheme"])
            assert [(c.code, c.weight) for c in rules.components] == expected["components"]
            assert rules.scale_max == expected["scale_max"]
            assert rules.reported_from == expected["reported_from"]
            assert [(b.min, b.max, b.cefr) for b in rules.bands] == [
                (lo, hi, cefr) for lo, hi, _, cefr in expected["bands"]
            ]
        current = scheme_for(exam.scoring, dt.date(2025, 1, 1))
        assert current is not None
        assert [(b.min, b.max, b.grade, b.cefr) for b in current.bands] == expected["bands"]

    def test_it_has_no_other_verifiable_exam(self) -> None:
        assert set(Exam.objects.filter(verifiable=True).values_list("code", flat=True)) == set(QUALIFICATIONS)

    @pytest.mark.parametrize(("code", "family"), NOT_VERIFIABLE.items())
    def test_it_lists_other_recognised_exams_as_not_verifiable(self, code: str, family: str) -> None:
        exam = Exam.objects.get(code=code)
        assert exam.family == family
        assert exam.verifiable is False
        assert exam.scoring, "the rules are kept as data even for exams that cannot be verified"

    def test_it_loaded_the_whole_catalogue_file_into_the_table(self) -> None:
        in_file = read_catalogue()
        assert Exam.objects.count() == len(in_file)
        for exam in in_file:
            row = Exam.objects.get(code=exam["code"])
            assert (row.name, row.family, row.verifiable, row.scoring) == (
                exam["name"],
                exam["family"],
                exam["verifiable"],
                exam["scoring"],
            )


class TestSchemes:
    @pytest.mark.parametrize(("name", "data"), ces_schemes())
    def test_it_covers_reported_from_to_scale_max_without_gaps_or_overlaps(self, name: str, data: Any) -> None:
        rules = parse_scheme("2000-01-01", data)
        for overall in range(rules.reported_from, rules.scale_max + 1):
            holding = [band for band in rules.bands if band.min <= overall <= band.max]
            assert len(holding) == 1, f"{name}: {overall} is in {len(holding)} bands"
        assert min(band.min for band in rules.bands) == rules.reported_from
        assert max(band.max for band in rules.bands) == rules.scale_max
        assert all(band.min <= band.max for band in rules.bands)

    @pytest.mark.parametrize(("name", "data"), ces_schemes())
    def test_it_names_only_components_the_import_file_has_columns_for(self, name: str, data: Any) -> None:
        codes = [component["code"] for component in data["components"]]
        assert set(codes) <= set(SCORE_COLUMNS)
        assert len(codes) == len(set(codes))
        assert all(component["weight"] >= 1 for component in data["components"])
        assert data["component_min"] < data["reported_from"] <= data["scale_max"]

    @pytest.mark.parametrize(("name", "data"), ces_schemes())
    def test_it_gives_a_grade_only_with_a_cefr_level(self, name: str, data: Any) -> None:
        for band in data["bands"]:
            assert band["label"]
            if band["grade"]:
                assert band["cefr"]

    def test_it_versions_every_exam_with_distinct_known_dates(self) -> None:
        for exam in RAW["exams"]:
            dates = [version["from"] for version in exam["scoring"]]
            assert dates, exam["code"]
            assert len(set(dates)) == len(dates)
            for version in exam["scoring"]:
                dt.date.fromisoformat(version["from"])
                assert version["scheme"] in RAW["schemes"]

    def test_it_has_unique_codes_and_names(self) -> None:
        codes = [exam["code"] for exam in RAW["exams"]]
        names = [exam["name"] for exam in RAW["exams"]]
        assert len(set(codes)) == len(codes)
        assert len(set(names)) == len(names)


class TestSync:
    pytestmark = pytest.mark.django_db

    def test_it_is_idempotent(self) -> None:
        before = list(Exam.objects.values_list("pk", "code", "position"))
        assert sync_catalogue(Exam) == len(before)
        assert list(Exam.objects.values_list("pk", "code", "position")) == before

    def test_it_updates_an_exam_from_an_edited_file(self, tmp_path: Path) -> None:
        edited = json.loads(json.dumps(RAW))
        celta = next(exam for exam in edited["exams"] if exam["code"] == "celta")
        celta["name"] = "CELTA (Certificate in Teaching English to Speakers of Other Languages)"
        path = tmp_path / "catalogue.json"
        path.write_text(json.dumps(edited), encoding="utf-8")
        sync_catalogue(Exam, path)
        assert Exam.objects.get(code="celta").name.startswith("CELTA (Certificate")
        assert Exam.objects.count() == len(RAW["exams"])
