"""Results import: every bad file is refused whole with each problem placed; good files import once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from rvs.core import ern as ern_codec
from rvs.core.models import AuditEntry
from rvs.results.importer import COLUMNS, ImportRejected, RowError, parse, results_import
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.services import secret_number_matches
from tests.factories import CandidateFactory, CentreFactory, ResultFactory

pytestmark = pytest.mark.django_db

MODELS = (Candidate, Result, ComponentScore, Centre, CandidateNameToken)
# Fixed, not generated: parametrize ids must be the same in every xdist worker.
_VALID = ern_codec.from_random(random.Random(2026))
TYPO = _VALID[:-1] + next(ch for ch in "01" if ch != _VALID[-1])  # a wrong check character
B2_SCORES = {"reading": "176", "use_of_english": "180", "writing": "169", "listening": "185", "speaking": "178"}


def row(**values: str) -> dict[str, str]:
    """A good B2 First row; keyword arguments replace values (``status`` adds that column)."""
    base = {
        "candidate_id": "ABC123456",
        "secret_number": "0421",
        "first_name": "Zoë",
        "last_name": "Nguyễn",
        "date_of_birth": "2004-03-09",
        "email": "zoe@example.org",
        "exam": "B2 First",
        "exam_date": "2025-06-14",
        "centre_number": "PL123",
        "centre_name": "Kraków Language Centre",
        "place_of_entry": "Kraków",
        "country": "Poland",
        "reading": "",
        "writing": "",
        "listening": "",
        "speaking": "",
        "use_of_english": "",
        "reading_and_writing": "",
        "reference_number": "",
        "photo": "",
    }
    scores = B2_SCORES if "status" not in values else {}
    return {**base, **scores, **values}


def a2_key(**values: str) -> dict[str, str]:
    no_b2 = dict.fromkeys(B2_SCORES, "")
    return row(
        exam="A2 Key", **{**no_b2, "reading_and_writing": "150", "listening": "120", "speaking": "130", **values}
    )


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    bom: bool = False,
    newline: str = "\n",
) -> bytes:
    header = header or list(COLUMNS) + (["status"] if any("status" in r for r in rows) else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def write(tmp_path: Path, data: bytes | list[dict[str, str]], name: str = "results.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else csv_bytes(data))
    return path


def do_import(path: Path) -> Any:
    return results_import(actor="test", data=path.read_bytes(), base_dir=path.parent, source=path.name)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def rejected(path: Path) -> list[RowError]:
    """Import ``path`` expecting a refusal that changes nothing; the errors it gave."""
    before = counts()
    with pytest.raises(ImportRejected) as info:
        do_import(path)
    assert counts() == before, "a refused file must import nothing"
    assert info.value.errors
    return info.value.errors


def where(errors: list[RowError]) -> set[tuple[int, str]]:
    return {(error.line, error.column) for error in errors}


def column_number(name: str) -> int:
    return list(COLUMNS).index(name) + 1


def image(path: Path, kind: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (30, 40), "teal").save(path, kind)
    return path


class TestHeader:
    def test_it_names_a_missing_column(self, tmp_path: Path) -> None:
        header = [name for name in COLUMNS if name != "email"]
        errors = rejected(write(tmp_path, csv_bytes([row()], header=header)))
        assert [(e.line, e.column) for e in errors] == [(1, "email")]
        assert "missing" in errors[0].message

    def test_it_names_an_unknown_column_with_its_number(self, tmp_path: Path) -> None:
        header = [*COLUMNS, "nickname"]
        errors = rejected(write(tmp_path, csv_bytes([row(nickname="Zo")], header=header)))
        assert [(e.line, e.column, e.column_number) for e in errors] == [(1, "nickname", len(COLUMNS) + 1)]
        assert "unknown column" in str(errors[0])

    def test_it_names_a_duplicated_column(self, tmp_path: Path) -> None:
        header = [*COLUMNS[:13], "reading", *COLUMNS[13:]]
        errors = rejected(write(tmp_path, csv_bytes([row()], header=header)))
        assert [(e.line, e.column, e.column_number) for e in errors] == [(1, "reading", 14)]
        assert "twice" in errors[0].message

    def test_it_accepts_columns_in_any_order_and_case(self, tmp_path: Path) -> None:
        header = list(reversed(COLUMNS))
        data = csv_bytes([row()], header=header).replace(b"candidate_id", b" Candidate_ID ", 1)
        report = do_import(write(tmp_path, data))
        assert len(report.created) == 1

    @pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n"])
    def test_it_refuses_an_empty_file(self, tmp_path: Path, data: bytes) -> None:
        assert rejected(write(tmp_path, data))

    def test_it_refuses_a_file_larger_than_allowed(self, tmp_path: Path, settings: Any) -> None:
        settings.IMPORT_MAX_BYTES = 1024
        errors = rejected(write(tmp_path, [row(candidate_id=f"ABC{n:06d}") for n in range(10)]))
        assert [(e.line, e.message) for e in errors] == [(0, "the file is larger than 1024 bytes")]

    def test_it_refuses_more_rows_than_allowed(self, tmp_path: Path, settings: Any) -> None:
        settings.IMPORT_MAX_ROWS = 2
        errors = rejected(write(tmp_path, [row(candidate_id=f"ABC{n:06d}") for n in range(3)]))
        assert [(e.line, e.message) for e in errors] == [(4, "the file has more than 2 rows")]

    def test_it_refuses_a_header_without_rows(self, tmp_path: Path) -> None:
        errors = rejected(write(tmp_path, csv_bytes([])))
        assert "no results" in errors[0].message


class TestBadRows:
    @pytest.mark.parametrize(
        ("column", "value", "reason"),
        [
            ("date_of_birth", "09/03/2004", "YYYY-MM-DD"),
            ("date_of_birth", "2004-02-30", "YYYY-MM-DD"),
            ("date_of_birth", "20040309", "YYYY-MM-DD"),
            ("date_of_birth", "2004-W10-2", "YYYY-MM-DD"),
            ("date_of_birth", "", "YYYY-MM-DD"),
            ("date_of_birth", "1899-12-31", "not a plausible date of birth"),
            ("exam_date", "2025-13-01", "YYYY-MM-DD"),
            ("exam_date", "14 June 2025", "YYYY-MM-DD"),
            ("exam_date", "2004-03-09", "not after the date of birth"),
            ("reading", "79", "outside 80-190"),
            ("speaking", "191", "outside 80-190"),
            ("writing", "abc", "not a whole number"),
            ("writing", "1_70", "not a whole number"),
            ("listening", "", "missing"),
            ("exam", "B3 Second", "not an exam of the catalogue"),
            ("exam", "CELTA", "cannot be verified"),
            ("exam", "Linguaskill General", "cannot be verified"),
            ("candidate_id", "AB1", "4-32 letters and digits"),
            ("candidate_id", "ABC-123456", "4-32 letters and digits"),
            ("candidate_id", "ıBC123456", "4-32 letters and digits"),
            ("candidate_id", "", "4-32 letters and digits"),
            ("secret_number", "421", "exactly 4 digits"),
            ("secret_number", "04210", "exactly 4 digits"),
            ("secret_number", "04a1", "exactly 4 digits"),
            ("secret_number", "٠٤٢١", "exactly 4 digits"),
            ("centre_number", "PL 123", "2-16 letters and digits"),
            ("email", "zoe@", "not an email address"),
            ("last_name", "", "is required"),
            ("last_name", "-", "has no letters or digits"),
            ("country", "", "is required"),
            ("first_name", "Z" * 201, "longer than 200"),
            ("reading_and_writing", "150", "must be empty for this exam"),
            ("reference_number", "not an ern", "has 18 characters; this one has 8"),
            ("reference_number", "ERN#1", "cannot be part of one"),
            ("reference_number", TYPO, "typing error"),
            ("status", "Absent", "is not a status"),
        ],
    )
    def test_it_places_the_problem_at_its_line_and_column(
        self, tmp_path: Path, column: str, value: str, reason: str
    ) -> None:
        rows = [row(candidate_id="GOOD00001"), row(**{column: value})]
        errors = rejected(write(tmp_path, rows))
        mine = [error for error in errors if error.column == column]
        assert mine, errors
        assert all(error.line == 3 for error in errors), "the good row on line 2 has no problem"
        assert reason in mine[0].message
        number = len(COLUMNS) + 1 if column == "status" else column_number(column)
        assert mine[0].column_number == number
        assert str(mine[0]).startswith(f"line 3, column {number} ({column}): ")

    def test_it_refuses_an_exam_date_in_the_future(self, tmp_path: Path) -> None:
        tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
        errors = rejected(write(tmp_path, [row(exam_date=tomorrow)]))
        assert where(errors) == {(2, "exam_date")}

    def test_it_refuses_an_exam_date_without_scoring_rules(self, tmp_path: Path) -> None:
        errors = rejected(write(tmp_path, [row(exam_date="2010-06-14")]))
        assert where(errors) == {(2, "exam_date")}
        assert "no scoring rules" in errors[0].message

    def test_it_lists_every_problem_of_every_row(self, tmp_path: Path) -> None:
        rows = [
            row(candidate_id="GOOD00001"),
            row(candidate_id="BAD000002", reading="300", speaking="12", email="nope"),
            row(candidate_id="BAD000003", exam="CELTA"),
            row(candidate_id="BAD000004", date_of_birth="yesterday"),
        ]
        errors = rejected(write(tmp_path, rows))
        assert where(errors) == {
            (3, "reading"),
            (3, "speaking"),
            (3, "email"),
            (4, "exam"),
            (5, "date_of_birth"),
        }

    def test_it_counts_values(self, tmp_path: Path) -> None:
        good = csv_bytes([row()])
        data = good + b"ABC999999,0421,Ann\n" + good.split(b"\n")[1] + b",extra\n"
        errors = rejected(write(tmp_path, data))
        assert [(e.line, e.message) for e in errors] == [
            (3, f"expected {len(COLUMNS)} values, found 3"),
            (4, f"expected {len(COLUMNS)} values, found {len(COLUMNS) + 1}"),
        ]

    @pytest.mark.parametrize("status", ["Pending", "Withheld"])
    def test_it_refuses_a_status_with_scores(self, tmp_path: Path, status: str) -> None:
        errors = rejected(write(tmp_path, [row(status=status, reading="176")]))
        assert where(errors) == {(2, "reading")}
        assert "must be empty when the status is" in errors[0].message

    def test_it_refuses_z_mixed_with_scores(self, tmp_path: Path) -> None:
        errors = rejected(write(tmp_path, [row(speaking="Z")]))
        assert where(errors) == {(2, "speaking")}

    def test_it_refuses_a_nul_character_naming_its_column(self, tmp_path: Path) -> None:
        errors = rejected(write(tmp_path, [row(), row(candidate_id="ABC000009", first_name="Zo\x00e")]))
        assert where(errors) == {(3, "first_name")}
        assert "NUL" in errors[0].message

    def test_it_reports_the_line_a_record_starts_on_when_a_value_spans_lines(self, tmp_path: Path) -> None:
        rows = [row(centre_name="Kraków Language Centre\nAnnex", reading="10"), row(candidate_id="X", reading="10")]
        errors = rejected(write(tmp_path, rows))
        assert where(errors) == {(2, "reading"), (4, "reading"), (4, "candidate_id")}


class TestBadBytes:
    def test_it_places_a_latin_1_byte_at_its_line_character_and_column(self, tmp_path: Path) -> None:
        good = csv_bytes([row(candidate_id="GOOD00001"), row(last_name="Muller")])
        data = good.replace(b"Muller", "Müller".encode("latin-1"))
        errors = rejected(write(tmp_path, data))
        assert len(errors) == 1
        error = errors[0]
        line_text = data.split(b"\n")[2]
        character = len(line_text[: line_text.index(b"\xfc")].decode()) + 1  # counted in characters, not bytes
        assert (error.line, error.column, error.column_number) == (3, "last_name", column_number("last_name"))
        assert f"byte 0xFC at character {character} is not UTF-8" in error.message

    def test_it_places_every_bad_byte_of_a_latin_1_file(self, tmp_path: Path) -> None:
        rows = [
            row(first_name="Zoë", last_name="Müller", centre_name="Kraków Centre", place_of_entry="Kraków"),
            row(candidate_id="ABC999999", first_name="Ann", last_name="Muller", centre_name="Kraków Centre"),
        ]
        text = csv_bytes(rows).decode("utf-8")
        errors = rejected(write(tmp_path, text.encode("latin-1")))
        assert where(errors) == {
            (2, "first_name"),
            (2, "last_name"),
            (2, "centre_name"),
            (2, "place_of_entry"),
            (3, "centre_name"),
            (3, "place_of_entry"),
        }

    def test_it_places_a_bad_byte_in_the_header(self, tmp_path: Path) -> None:
        data = csv_bytes([row()]).replace(b"email", b"e\xe9mail", 1)
        errors = rejected(write(tmp_path, data))
        assert [(e.line, e.column_number) for e in errors] == [(1, column_number("email"))]
        assert "character" in errors[0].message


class TestCrossRow:
    def test_it_refuses_the_same_ern_twice_in_a_file(self, tmp_path: Path) -> None:
        reference = ern_codec.generate()
        rows = [
            row(candidate_id="ABC000001", reference_number=reference),
            row(candidate_id="ABC000002", reference_number=ern_codec.display(reference).lower()),
        ]
        errors = rejected(write(tmp_path, rows))
        assert where(errors) == {(3, "reference_number")}
        assert "line 2" in errors[0].message

    def test_it_refuses_an_ern_another_result_has(self, tmp_path: Path) -> None:
        taken = ResultFactory().ern
        errors = rejected(write(tmp_path, [row(reference_number=taken)]))
        assert where(errors) == {(2, "reference_number")}

    def test_it_refuses_the_same_result_twice_in_a_file(self, tmp_path: Path) -> None:
        errors = rejected(write(tmp_path, [row(), row(reading="177")]))
        assert where(errors) == {(3, "exam_date")}

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("secret_number", "9999"),
            ("first_name", "Zoe"),
            ("last_name", "Nguyen"),
            ("date_of_birth", "2004-03-10"),
            ("email", "other@example.org"),
        ],
    )
    def test_it_refuses_a_candidate_described_differently_on_two_rows(
        self, tmp_path: Path, column: str, value: str
    ) -> None:
        rows = [row(), row(exam="A2 Key", **a2_scores(), **{column: value})]
        errors = rejected(write(tmp_path, rows))
        assert where(errors) == {(3, column)}

    def test_it_refuses_a_centre_described_differently_on_two_rows(self, tmp_path: Path) -> None:
        rows = [row(), row(candidate_id="ABC000002", centre_name="Warsaw Language Centre")]
        errors = rejected(write(tmp_path, rows))
        assert where(errors) == {(3, "centre_name")}

    def test_it_refuses_a_candidate_on_record_with_another_secret_number_or_name(self, tmp_path: Path) -> None:
        CandidateFactory(candidate_number="ABC123456", secret_number="1111", last_name="Nguyễn")
        errors = rejected(write(tmp_path, [row(secret_number="2222", first_name="Zoë")]))
        assert where(errors) == {(2, "secret_number"), (2, "first_name"), (2, "date_of_birth")}

    def test_it_refuses_a_centre_on_record_under_another_name(self, tmp_path: Path) -> None:
        CentreFactory(number="PL123", name="Somewhere Else", city="Kraków")
        errors = rejected(write(tmp_path, [row()]))
        assert where(errors) == {(2, "centre_name")}


def a2_scores() -> dict[str, str]:
    return {**dict.fromkeys(B2_SCORES, ""), "reading_and_writing": "150", "listening": "120", "speaking": "130"}


class TestPhotos:
    def test_it_refuses_a_missing_photo(self, tmp_path: Path) -> None:
        errors = rejected(write(tmp_path, [row(photo="photos/nobody.jpg")]))
        assert where(errors) == {(2, "photo")}
        assert "does not exist" in errors[0].message

    @pytest.mark.parametrize("path", ["../outside.png", "photos/../../outside.png", "{outside}"])
    def test_it_refuses_a_photo_outside_the_folder_of_the_file(self, tmp_path: Path, path: str) -> None:
        outside = image(tmp_path / "outside.png")
        folder = tmp_path / "batch"
        folder.mkdir()
        errors = rejected(write(folder, [row(photo=path.format(outside=outside))]))
        assert where(errors) == {(2, "photo")}
        assert "inside the folder" in errors[0].message

    def test_it_refuses_a_link_pointing_outside_the_folder(self, tmp_path: Path) -> None:
        outside = image(tmp_path / "outside.png")
        folder = tmp_path / "batch"
        folder.mkdir()
        (folder / "face.png").symlink_to(outside)
        errors = rejected(write(folder, [row(photo="face.png")]))
        assert "inside the folder" in errors[0].message

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"not an image at all", "not a readable image"),
            (b"GIF89a" + bytes(40), "not a readable image"),
            ("truncated-png", "not a readable image"),
            ("bad-crc-png", "not a readable image"),
            ("gif", "must be a JPEG or PNG"),
        ],
    )
    def test_it_refuses_what_is_not_a_jpeg_or_png_image(self, tmp_path: Path, content: Any, reason: str) -> None:
        path = tmp_path / "face.jpg"
        if content == "gif":
            Image.new("P", (4, 4)).save(path, "GIF")
        elif content == "truncated-png":
            image(path, "PNG")
            path.write_bytes(path.read_bytes()[:70])
        elif content == "bad-crc-png":  # Pillow raises SyntaxError for this one, not OSError
            data = bytearray(image(path, "PNG").read_bytes())
            data[data.index(b"IEND") - 5] ^= 0xFF  # the last byte of the image data's checksum
            path.write_bytes(bytes(data))
        else:
            path.write_bytes(content)
        errors = rejected(write(tmp_path, [row(photo="face.jpg")]))
        assert where(errors) == {(2, "photo")}
        assert reason in errors[0].message

    def test_it_refuses_a_directory_as_a_photo(self, tmp_path: Path) -> None:
        (tmp_path / "photos").mkdir()
        errors = rejected(write(tmp_path, [row(photo="photos")]))
        assert where(errors) == {(2, "photo")}

    @pytest.mark.parametrize("name", ["a\x00.png", "x" * 300 + ".png", "/".join(["y" * 200] * 30)])
    def test_it_refuses_an_unusable_file_name(self, tmp_path: Path, name: str) -> None:
        errors = rejected(write(tmp_path, [row(photo=name)]))
        assert where(errors) == {(2, "photo")}

    def test_it_refuses_a_photo_larger_than_allowed(self, tmp_path: Path, settings: Any) -> None:
        settings.PHOTO_MAX_BYTES = 1024
        path = tmp_path / "big.png"
        Image.effect_noise((200, 200), 64).save(path, "PNG")
        errors = rejected(write(tmp_path, [row(photo="big.png")]))
        assert "larger than 1024 bytes" in errors[0].message

    def test_it_refuses_photos_when_not_reading_from_disk(self) -> None:
        with pytest.raises(ImportRejected) as info:
            results_import(actor="test", data=csv_bytes([row(photo="face.png")]), base_dir=None)
        assert where(info.value.errors) == {(2, "photo")}


class TestGoodFiles:
    @pytest.mark.parametrize("bom", [False, True])
    @pytest.mark.parametrize("newline", ["\n", "\r\n"])
    def test_it_imports_with_or_without_bom_and_any_line_ending(self, tmp_path: Path, bom: bool, newline: str) -> None:
        data = csv_bytes([row(), row(candidate_id="ABC000002", first_name="Łukasz")], bom=bom, newline=newline)
        report = do_import(write(tmp_path, data))
        assert [line for line, _ in report.created] == [2, 3]
        assert Candidate.objects.get(candidate_number="ABC123456").first_name == "Zoë"
        assert Candidate.objects.get(candidate_number="ABC000002").first_name == "Łukasz"

    def test_it_computes_overall_grade_and_cefr(self, tmp_path: Path) -> None:
        report = do_import(write(tmp_path, [row()]))
        result = Result.objects.get()
        assert report.created == [(2, result)]
        # (176 + 180 + 169 + 185 + 178) / 5 = 177.6 -> 178
        assert (result.status, result.overall_score, result.grade, result.cefr, result.result_label) == (
            Result.Status.RESULT,
            178,
            "B",
            "B2",
            "Grade B",
        )
        assert [(c.position, c.code, c.label, c.score) for c in result.components.all()] == [
            (0, "reading", "Reading", 176),
            (1, "use_of_english", "Use of English", 180),
            (2, "writing", "Writing", 169),
            (3, "listening", "Listening", 185),
            (4, "speaking", "Speaking", 178),
        ]
        assert (result.exam.code, result.exam_date, result.centre.number) == ("b2-first", dt.date(2025, 6, 14), "PL123")

    def test_it_weights_a2_key_reading_and_writing_twice(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [a2_key()]))
        result = Result.objects.get()
        assert (result.overall_score, result.grade, result.cefr) == (138, "B", "A2")

    def test_it_uses_the_grade_labels_in_force_on_the_exam_date(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [a2_key(exam_date="2019-06-14")]))
        assert Result.objects.get().grade == "Pass with Merit"

    def test_it_finds_the_exam_by_name_whatever_the_case_or_by_code(self, tmp_path: Path) -> None:
        rows = [row(exam="b2 FIRST"), row(exam="c1-advanced", candidate_id="ABC000002")]
        do_import(write(tmp_path, rows))
        assert sorted(Result.objects.values_list("exam__code", flat=True)) == ["b2-first", "c1-advanced"]

    def test_it_keeps_the_candidate_centre_and_name_index(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row(candidate_id="abc123456", email="Zoe@Example.org", centre_number="pl123")]))
        candidate = Candidate.objects.get()
        assert candidate.candidate_number == "ABC123456"
        assert (candidate.first_name, candidate.last_name, candidate.sort_name) == ("Zoë", "Nguyễn", "nguyen zoe")
        assert candidate.date_of_birth == dt.date(2004, 3, 9)
        assert candidate.email == "zoe@example.org"
        assert "0421" not in candidate.secret_hash
        assert secret_number_matches(candidate, "0421")
        assert sorted(candidate.name_tokens.values_list("token", flat=True)) == ["nguyen", "zoe"]
        centre = Centre.objects.get()
        assert (centre.number, centre.name_folded, centre.city, centre.city_folded) == (
            "PL123",
            "krakow language centre",
            "Kraków",
            "krakow",
        )

    def test_it_reads_quoted_values_with_commas_quotes_and_line_breaks(self, tmp_path: Path) -> None:
        centre = 'Language Centre "Wawel", Kraków\nAnnex'
        do_import(write(tmp_path, [row(last_name="Nguyễn, Jr", centre_name=centre)]))
        assert Candidate.objects.get().last_name == "Nguyễn, Jr"
        assert Centre.objects.get().name == centre

    def test_it_attaches_new_results_to_a_candidate_on_record(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row()]))
        do_import(write(tmp_path, [a2_key()], name="second.csv"))
        assert Candidate.objects.count() == 1
        assert Result.objects.count() == 2
        assert CandidateNameToken.objects.count() == 2

    def test_it_copies_photos_into_storage_named_by_their_content(self, tmp_path: Path) -> None:
        image(tmp_path / "photos" / "zoe.png", "PNG")
        image(tmp_path / "photos" / "ann.JPG", "JPEG")
        image(tmp_path / "photos" / "trick.html", "PNG")
        rows = [
            row(photo="photos/zoe.png"),
            row(candidate_id="ABC000002", photo="photos/ann.JPG"),
            row(candidate_id="ABC000003", photo="./photos/trick.html"),
        ]
        report = do_import(write(tmp_path, rows))
        stored = [result.photo.name for _, result in report.created]
        assert [Path(name).suffix for name in stored] == [".png", ".jpg", ".png"]
        for (_, result), source in zip(report.created, ("zoe.png", "ann.JPG", "trick.html"), strict=True):
            result.refresh_from_db()
            assert result.photo.name.startswith("photos/")
            assert str(result.public_id) in result.photo.name
            with default_storage.open(result.photo.name) as stored_file:
                assert stored_file.read() == (tmp_path / "photos" / source).read_bytes()

    @pytest.mark.parametrize(
        ("values", "status", "label"),
        [
            ({"status": "Pending"}, Result.Status.PENDING, "Pending"),
            ({"status": "withheld"}, Result.Status.WITHHELD, "Withheld"),
            ({"speaking": "X"}, Result.Status.ABSENT_PART, "Absent from part of the exam (X)"),
            ({**dict.fromkeys(B2_SCORES, "Z")}, Result.Status.ABSENT_ALL, "Absent from all parts (Z)"),
            ({**dict.fromkeys(B2_SCORES, "120")}, Result.Status.NOT_REPORTED, "No score reported"),
        ],
    )
    def test_it_stores_results_without_scores_with_no_scores(
        self, tmp_path: Path, values: dict[str, str], status: str, label: str
    ) -> None:
        report = do_import(write(tmp_path, [row(), row(candidate_id="ABC000002", **values)]))
        result = report.created[1][1]
        result.refresh_from_db()
        assert (result.status, result.overall_score, result.grade, result.cefr) == (status, None, "", "")
        assert result.result_label == label
        assert not result.components.exists()
        assert ern_codec.is_valid(result.ern)

    def test_it_keeps_a_given_reference_number(self, tmp_path: Path) -> None:
        reference = ern_codec.generate()
        do_import(write(tmp_path, [row(reference_number=ern_codec.display(reference).lower())]))
        assert Result.objects.get().ern == reference

    def test_it_generates_valid_distinct_erns(self, tmp_path: Path) -> None:
        rows = [row(candidate_id=f"ABC{n:06d}") for n in range(30)]
        do_import(write(tmp_path, rows))
        erns = list(Result.objects.values_list("ern", flat=True))
        assert len(set(erns)) == 30
        assert all(ern_codec.is_valid(value) and len(value) == ern_codec.LENGTH for value in erns)

    def test_it_skips_blank_lines(self, tmp_path: Path) -> None:
        data = csv_bytes([row()]) + b"\n,,,,,,,,,,,,,,,,,,,\n\n"
        assert len(do_import(write(tmp_path, data)).created) == 1

    def test_it_audits_the_import(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row()]))
        entry = AuditEntry.objects.get(action="results.imported")
        assert entry.actor_label == "test"
        assert entry.data == {"source": "results.csv", "created": 1, "unchanged": 0}

    def test_it_parses_without_writing(self, tmp_path: Path) -> None:
        before = counts()
        rows = parse(csv_bytes([row()]), base_dir=tmp_path)
        assert [(parsed.line, parsed.outcome.overall) for parsed in rows] == [(2, 178)]
        assert counts() == before


class TestIdempotency:
    def test_it_changes_nothing_when_the_same_file_comes_again(self, tmp_path: Path) -> None:
        image(tmp_path / "zoe.png")
        path = write(tmp_path, [row(photo="zoe.png"), a2_key(), row(candidate_id="ABC000002", status="Pending")])
        first = do_import(path)
        snapshot = list(Result.objects.order_by("pk").values())
        before = counts()
        photos = sorted(default_storage.listdir("photos")[1])
        second = do_import(path)
        assert (len(first.created), first.unchanged) == (3, 0)
        assert (second.created, second.unchanged) == ([], 3)
        assert counts() == before
        assert list(Result.objects.order_by("pk").values()) == snapshot, "no second ERN, nothing touched"
        assert sorted(default_storage.listdir("photos")[1]) == photos

    def test_it_accepts_the_same_file_with_the_erns_it_gave(self, tmp_path: Path) -> None:
        report = do_import(write(tmp_path, [row()]))
        given = report.created[0][1].ern_display
        again = do_import(write(tmp_path, [row(reference_number=given)], name="with-erns.csv"))
        assert again.unchanged == 1

    def test_it_refuses_another_ern_for_a_result_on_record(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row()]))
        errors = rejected(write(tmp_path, [row(reference_number=ern_codec.generate())], name="other.csv"))
        assert where(errors) == {(2, "reference_number")}

    def test_it_refuses_a_changed_score_naming_it(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row()]))
        errors = rejected(write(tmp_path, [row(reading="177", speaking="170")], name="changed.csv"))
        assert [(e.line, e.column) for e in errors] == [(2, "reading"), (2, "speaking")]
        assert errors[0].message.startswith("was 176, the file says 177")
        assert "imported before" in errors[0].message
        assert "back office" in errors[0].message
        assert Result.objects.get().components.get(code="reading").score == 176

    def test_it_refuses_a_changed_status(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row(status="Pending")]))
        errors = rejected(write(tmp_path, [row()], name="results-out.csv"))
        assert errors[0].line == 2
        assert "Pending" in errors[0].message
        assert "imported before" in errors[0].message

    def test_it_refuses_a_changed_centre(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row()]))
        moved = row(centre_number="PL999", centre_name="Warsaw Centre", place_of_entry="Warsaw")
        errors = rejected(write(tmp_path, [moved], name="moved.csv"))
        assert where(errors) == {(2, "centre_number")}

    def test_it_imports_nothing_of_a_file_mixing_new_rows_and_a_changed_one(self, tmp_path: Path) -> None:
        do_import(write(tmp_path, [row()]))
        image(tmp_path / "new.png")
        rows = [row(candidate_id="ABC000002", photo="new.png"), row(reading="177")]
        errors = rejected(write(tmp_path, rows, name="mixed.csv"))
        assert where(errors) == {(3, "reading")}
        assert not default_storage.exists("photos") or default_storage.listdir("photos")[1] == []

    def test_it_removes_stored_photos_when_the_write_fails(self, tmp_path: Path, monkeypatch: Any) -> None:
        image(tmp_path / "zoe.png")

        def fail(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(ComponentScore.objects, "bulk_create", fail)
        before = counts()
        with pytest.raises(RuntimeError):
            do_import(write(tmp_path, [row(photo="zoe.png")]))
        assert counts() == before
        assert default_storage.listdir("photos")[1] == []


# --- Broken files from hypothesis: refused, never a crash, never a row written ---------------------------------

BAD_VALUES = {
    "candidate_id": "!",
    "secret_number": "12",
    "first_name": "x" * 201,
    "last_name": "",
    "date_of_birth": "yesterday",
    "email": "not-an-email",
    "exam": "B3 Second",
    "exam_date": "2025-13-01",
    "centre_number": "!",
    "centre_name": "",
    "place_of_entry": "",
    "country": "",
    "reading": "lots",
    "writing": "lots",
    "listening": "lots",
    "speaking": "lots",
    "use_of_english": "lots",
    "reading_and_writing": "lots",
    "reference_number": "NOT-AN-ERN",
    "photo": "../../etc/passwd",
}
GOOD_VALUES = {
    **{name: [value] for name, value in row().items()},
    "candidate_id": ["ABC123456", "abc000002", "XYZ999999"],
    "exam": ["B2 First", "A2 Key", "C2 Proficiency", "CELTA", "c1 advanced"],
    "exam_date": ["2025-06-14", "2019-12-31", "2010-01-01"],
    "reading": ["176", "X", "Z", "", "80", "230"],
    "reading_and_writing": ["", "150", "Z"],
    "photo": ["", "face.png", "../face.png", "a\x00b"],
}
texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)


@st.composite
def broken_files(draw: Any) -> bytes:
    header = list(COLUMNS) + draw(st.sampled_from([[], ["status"]]))
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        values = {
            name: draw(st.sampled_from(GOOD_VALUES.get(name, [""])) | texts if name != "status" else texts)
            for name in header
        }
        rows.append(values)
    victim = draw(st.sampled_from(rows))
    column = draw(st.sampled_from(list(BAD_VALUES)))
    victim[column] = BAD_VALUES[column]
    return csv_bytes(rows, header=header, bom=draw(st.booleans()), newline=draw(st.sampled_from(["\n", "\r\n"])))


@st.composite
def mangled_files(draw: Any) -> bytes:
    data = bytearray(csv_bytes([row(), a2_key(candidate_id="ABC000002")]))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        position = draw(st.integers(min_value=0, max_value=len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip":
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[position]
    return bytes(data)


class TestBrokenFiles:
    SETTINGS = settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )

    @SETTINGS
    @given(data=st.binary(max_size=400))
    def test_it_refuses_random_bytes(self, tmp_path: Path, data: bytes) -> None:
        rejected(write(tmp_path, data))

    @SETTINGS
    @given(data=broken_files())
    def test_it_refuses_rows_with_a_bad_value_among_random_ones(self, tmp_path: Path, data: bytes) -> None:
        image(tmp_path / "face.png")
        rejected(write(tmp_path, data))

    @SETTINGS
    @given(data=mangled_files())
    def test_it_either_refuses_a_mangled_file_or_imports_it_whole(self, tmp_path: Path, data: bytes) -> None:
        before = counts()
        with transaction.atomic():  # each example starts from an empty database
            report, errors = None, []
            try:
                report = do_import(write(tmp_path, data))
            except ImportRejected as exc:
                errors = exc.errors
            if report is None:
                assert errors
                assert counts() == before
            else:
                assert Result.objects.count() == before["Result"] + len(report.created)
                assert report.total >= 1
            transaction.set_rollback(True)
