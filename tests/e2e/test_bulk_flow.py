"""Bulk verification in Chromium: a 20-row applicant file uploaded, the verdicts downloaded and read back."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import Page, expect

from rvs.core import ern as ern_codec
from rvs.organisations.models import Organisation
from rvs.results.models import Result
from tests.e2e.conftest import SignIn
from tests.factories import ResultFactory

Url = Callable[..., str]

NAMES = [
    ("Łukasz", "Wójcik"),
    ("Thị Lan", "Nguyễn"),
    ("Søren", "Ørsted"),
    ("Александр", "Иванов"),
    ("Δημήτρης", "Παπαδόπουλος"),
    ("Anna", "Müller"),
    ("Seán", "O'Brien"),
    ("María José", "García"),
    ("Wei", "Zhang"),
    ("Amara", "Okafor"),
    ("Priya", "Sharma"),
    ("Jürgen", "Schröder"),
]


def _applicant_file(folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """20 applicants with the organisation's own columns; returns the file and (verdict, detail) per row."""
    rows: list[list[str]] = [["Applicant no", "Programme", "Exam Reference Number", "Name", "Date of birth"]]
    expected: list[tuple[str, str]] = []
    for index, (first, last) in enumerate(NAMES):  # 12 verified, written as people write them
        result = ResultFactory(
            candidate__first_name=first,
            candidate__last_name=last,
            candidate__date_of_birth=dt.date(1999, 1, 1) + dt.timedelta(days=37 * index),
        )
        rows.append(
            [
                f"APP-{len(rows):03d}",
                "MSc Physics",
                result.ern_display,
                f"{first} {last}",
                result.candidate.date_of_birth.isoformat(),
            ]
        )
        expected.append(("verified", "match"))
    for _ in range(3):  # wrong date of birth
        result = ResultFactory(candidate__date_of_birth=dt.date(2001, 2, 3))
        rows.append([f"APP-{len(rows):03d}", "BA History", result.ern, result.candidate.full_name, "2001-03-02"])
        expected.append(("mismatch", "date of birth"))
    result = ResultFactory(candidate__first_name="Jane", candidate__last_name="Doe")  # someone else's name
    rows.append([f"APP-{len(rows):03d}", "BA History", result.ern, "John Roe", ""])
    expected.append(("mismatch", "name"))
    rows.append([f"APP-{len(rows):03d}", "MBA", ern_codec.generate(), "", ""])
    expected.append(("not found", "no result"))
    typo = ResultFactory().ern
    typo = typo[:-1] + ("0" if typo[-1] != "0" else "1")
    rows.append([f"APP-{len(rows):03d}", "MBA", typo, "", ""])
    expected.append(("not found", ""))
    withheld = ResultFactory(forced_status="withheld")
    rows.append([f"APP-{len(rows):03d}", "MBA", withheld.ern, "", ""])
    expected.append(("withheld", ""))
    withdrawn = ResultFactory()
    Result.objects.filter(pk=withdrawn.pk).update(status=Result.Status.WITHDRAWN)
    rows.append([f"APP-{len(rows):03d}", "=cmd|' /C calc'!A0", withdrawn.ern, "", ""])
    expected.append(("withdrawn", ""))
    assert len(rows) == 21
    path = folder / "intake-2026.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path, expected


def test_it_checks_a_20_row_intake_and_gives_the_verdicts_back_with_our_columns(
    page: Page,
    sign_in: SignIn,
    ro_user: Any,
    organisation: Organisation,
    url: Url,
    tmp_path: Path,
    screenshot: Callable[[str], None],
) -> None:
    path, expected = _applicant_file(tmp_path)
    sign_in(ro_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bulk verification").click()  # a main tab
    expect(page.get_by_role("heading", name="Bulk verification", level=1)).to_be_visible()
    page.get_by_label("Applicant file (CSV or XLSX)").set_input_files(path)
    page.get_by_role("group", name="Answer as").get_by_label("XLSX").check()
    page.get_by_role("button", name="Verify applicants").click()

    expect(page.get_by_role("heading", name="Your applicants have been checked")).to_be_visible()
    expect(page.get_by_text("20 rows")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="verified")).to_contain_text("12")
    # The 8 rows that did not verify, on screen: line in the file, the number as given, why.
    expect(page.get_by_role("heading", name="8 rows did not verify")).to_be_visible()
    problems = page.get_by_role("table", name="Rows that did not verify, in the order of your file")
    body_rows = problems.locator("tbody tr")
    screenshot("bulk-verification")
    expect(body_rows).to_have_count(8)
    expect(body_rows.nth(0).get_by_role("cell").nth(0)).to_have_text("14")
    expect(body_rows.nth(0)).to_contain_text("the date of birth given does not match the result")
    expect(body_rows.nth(3)).to_contain_text("the name given does not match the result")
    expect(body_rows.nth(4)).to_contain_text("No result has this Exam Reference Number.")
    expect(body_rows.nth(6)).to_contain_text("The result is withheld")
    expect(body_rows.nth(7).get_by_role("cell").nth(0)).to_have_text("21")
    expect(body_rows.nth(7)).to_contain_text("The result was withdrawn by the exam board")
    for width in (390, 320):  # the table scrolls inside its labelled region, the page never sideways
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
    page.set_viewport_size({"width": 1280, "height": 800})

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the answer (XLSX)").click()
    answer = tmp_path / "answer.xlsx"
    info.value.save_as(answer)
    sheet = openpyxl.load_workbook(answer).active
    assert sheet is not None
    table = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    header, body = table[0], table[1:]
    assert header[:5] == ["Applicant no", "Programme", "Exam Reference Number", "Name", "Date of birth"]
    assert header[5:7] == ["Verification", "Verification details"]
    assert len(body) == 20
    with path.open(encoding="utf-8") as handle:
        original = list(csv.reader(handle))[1:]
    for row, source, (verdict, detail) in zip(body, original, expected, strict=True):
        mine = row[:5]
        if source[1].startswith("="):  # a formula in our own column comes back neutralised, not run
            assert mine[1] == "'" + source[1]
            mine[1] = source[1]
        assert mine == source, "the organisation's own columns are kept as they were"
        assert row[5] == verdict, (source, row)
        assert detail in row[6].lower(), (source, row)

    page.goto(url("downloads:history"))
    history_row = page.get_by_role("row").filter(has_text="Bulk verification (XLSX)")
    expect(history_row).to_have_count(1)
    expect(history_row).to_contain_text("Ready")
    with page.expect_download() as again:
        history_row.get_by_role("button", name="Download again").click()
    assert again.value.failure() is None
    again_path = tmp_path / "again.xlsx"
    again.value.save_as(again_path)
    sheet_again = openpyxl.load_workbook(again_path).active
    assert sheet_again is not None
    again_table = [["" if c is None else str(c) for c in row] for row in sheet_again.iter_rows(values_only=True)]
    assert again_table == table


def test_the_sample_file_has_the_columns_the_page_describes_and_can_be_uploaded_as_it_is(
    page: Page, sign_in: SignIn, ro_user: Any, url: Url, tmp_path: Path
) -> None:
    sign_in(ro_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bulk verification").click()
    expect(page.get_by_role("link", name="Bulk verification")).to_have_attribute("aria-current", "page")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download a sample file (CSV)").click()
    sample = tmp_path / info.value.suggested_filename
    info.value.save_as(sample)
    assert sample.name == "bulk-verification-sample.csv"
    with sample.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 3
    described = [text.strip() for text in page.locator("dl.columns dt").all_inner_texts()]
    assert described == [*rows[0], "Any other column"]

    page.get_by_label("Applicant file (CSV or XLSX)").set_input_files(sample)
    page.get_by_role("button", name="Verify applicants").click()
    expect(page.get_by_role("heading", name="2 rows did not verify")).to_be_visible()
    problems = page.get_by_role("table", name="Rows that did not verify, in the order of your file")
    for line, row in zip(("2", "3"), rows[1:], strict=True):
        cells = problems.locator("tbody tr").filter(has_text=row[0]).get_by_role("cell")
        expect(cells.nth(0)).to_have_text(line)
        expect(cells.nth(3)).to_have_text(
            "No result has this Exam Reference Number. Check it against the candidate’s Statement of Results."
        )
