"""Downloads in Chromium: signed Statements of Results, a data-file template, Download History,
"all N results of this search", a background download, and the public verification page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Locator, Page, expect

from rvs.downloads import services
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.organisations.models import Organisation
from rvs.sharing.models import Share
from tests.e2e.conftest import SCREENSHOTS, SignIn
from tests.factories import ShareFactory

Url = Callable[..., str]
Screenshot = Callable[[str], None]
NewContext = Callable[..., BrowserContext]

NAMES = [
    ("Łukasz", "Wójcik"),
    ("Thị Lan", "Nguyễn"),
    ("Søren", "Ørsted"),
    ("Александр", "Иванов"),
    ("Δημήτρης", "Παπαδόπουλος"),
]
CHOSEN = NAMES[1:4]  # three of the five, not next to each other on the dashboard
TEMPLATE_COLUMNS = ["First name", "Surname", "Grade"]


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


def _shares(organisation: Organisation, names: list[tuple[str, str]]) -> list[Share]:
    """One share per name; the first name in the list is the newest on the dashboard."""
    now = timezone.now()
    return [
        cast(
            Share,
            ShareFactory(
                organisation=organisation,
                result__candidate__first_name=first,
                result__candidate__last_name=last,
                shared_at=now - dt.timedelta(minutes=index),
            ),
        )
        for index, (first, last) in enumerate(names)
    ]


def _tick(page: Page, share: Share) -> None:
    result = share.result
    page.get_by_label(f"Select {result.candidate.full_name}, {result.exam.name}", exact=True).check()


def _download(page: Page, button: Locator, folder: Path) -> tuple[Path, str]:
    """Click ``button``, wait for the browser's download and save it: (path, suggested file name)."""
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.failure() is None
    path = folder / download.suggested_filename
    download.save_as(path)
    return path, download.suggested_filename


def _download_options(page: Page) -> Locator:
    return page.locator(".download-options")


def _choose(page: Page, fmt: str, template: str = "Default template (all fields)", scope: str = "") -> None:
    page.get_by_label("Download Options").select_option(label=fmt)
    page.get_by_label("Data File template").select_option(label=template)
    if scope:
        page.get_by_role("group", name="Results to download").get_by_label(scope).check()


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _screenshot_of(page: Page, name: str) -> None:
    """Like the ``screenshot`` fixture (which photographs ``page``), for a page of another context."""
    if os.environ.get("RVS_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True, animations="disabled", caret="hide")


def _sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_it_downloads_signed_statements_a_templated_data_file_and_again_from_history(
    page: Page,
    new_context: NewContext,
    url: Url,
    sign_in: SignIn,
    screenshot: Screenshot,
    ro_user: Any,
    organisation: Organisation,
    tmp_path: Path,
) -> None:
    shares = _shares(organisation, NAMES)
    chosen = shares[1:4]
    sign_in(ro_user)

    # Three candidates ticked → one signed PDF with a Statement of Results each.
    options = _download_options(page)
    table = page.get_by_role("table", name="Results shared with your organisation, newest first")
    expect(options).to_be_visible()
    options_box, table_box = options.bounding_box(), table.bounding_box()
    assert options_box is not None
    assert table_box is not None
    assert options_box["y"] + options_box["height"] <= table_box["y"], (options_box, table_box)  # the bar sits above
    for share in chosen:
        _tick(page, share)
    _choose(page, "Statement of Results (PDF)")
    expect(page.get_by_label("The ones I tick")).to_be_checked()
    screenshot("download-options")
    pdf, name = _download(page, options.get_by_role("button", name="Download"), tmp_path)
    assert re.fullmatch(r"statements-of-results-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.pdf", name), name
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/ByteRange" in data  # signed
    text = _pdf_text(pdf)
    for first, last in CHOSEN:
        assert f"{first} {last}" in text
    for _first, last in (NAMES[0], NAMES[4]):
        assert last not in text
    assert text.count("Statement of Results") >= 3
    for share in chosen:
        assert share.result.ern_display in text

    # Anyone can check the statement on the public verification page, signed in or not.
    visitor = new_context().new_page()
    visitor.set_default_timeout(10_000)
    visitor.goto(url("verify_statement"))
    expect(visitor.get_by_role("heading", name="Verify a Statement of Results", level=1)).to_be_visible()
    visitor.get_by_label("Statement of Results (PDF)").set_input_files(pdf)
    visitor.get_by_role("button", name="Check the statement").click()
    verdict = visitor.get_by_role("status").filter(has=visitor.get_by_role("heading", level=2))
    expect(verdict.get_by_role("heading", level=2)).to_have_text("Authentic and valid")
    for share in chosen:
        expect(verdict.get_by_role("row").filter(has_text=share.result.ern_display)).to_contain_text("Valid")
    _screenshot_of(visitor, "verify")

    # Downloads → Create New Template: "Name and Grade only".
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Downloads").click()
    page.get_by_role("link", name="Create New Template").click()
    expect(page.get_by_role("heading", name="Create New Template", level=1)).to_be_visible()
    page.get_by_label("Template name").fill("Name and Grade only")
    for position, column in enumerate(TEMPLATE_COLUMNS, start=1):
        page.get_by_label(column, exact=True).check()
        page.get_by_label(f"Position of {column}", exact=True).fill(str(position))
    page.evaluate("document.activeElement.blur()")
    screenshot("template")
    page.get_by_role("button", name="Save template").click()
    expect(page).to_have_url(url("downloads:history"))
    expect(page.get_by_role("status")).to_contain_text("Template 'Name and Grade only' saved.")
    templates = page.get_by_role("table", name="Your templates")
    expect(templates.get_by_role("row").filter(has_text="Name and Grade only")).to_contain_text("3 columns")
    assert DownloadTemplate.objects.get().fields == ["first_name", "last_name", "grade"]

    # The template is now offered on the dashboard: XLSX with exactly those columns.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shared with you").click()
    for share in chosen:
        _tick(page, share)
    _choose(page, "Data File (XLSX)", template="Name and Grade only")
    xlsx, name = _download(page, _download_options(page).get_by_role("button", name="Download"), tmp_path)
    assert name.endswith(".xlsx")
    rows = _sheet_rows(xlsx)
    expected = [tuple(TEMPLATE_COLUMNS)] + [
        (s.result.candidate.first_name, s.result.candidate.last_name, s.result.grade) for s in chosen
    ]
    assert rows == expected

    # Download History lists both; "Download again" makes the newest file once more.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Downloads").click()
    history = page.get_by_role("table", name="Downloads made by your organisation, newest first")
    body_rows = history.locator("tbody tr")
    expect(body_rows).to_have_count(2)
    expect(body_rows.nth(0)).to_contain_text("Data File (XLSX)")
    expect(body_rows.nth(0)).to_contain_text("Name and Grade only")
    expect(body_rows.nth(0)).to_contain_text("Ready")
    expect(body_rows.nth(1)).to_contain_text("Statement of Results (PDF)")
    expect(body_rows.nth(0).get_by_role("cell").nth(1)).to_have_text(ro_user.get_full_name())
    screenshot("download-history")
    again, _ = _download(page, body_rows.nth(0).get_by_role("button", name=re.compile("^Download again")), tmp_path)
    assert _sheet_rows(again) == expected
    assert DownloadJob.objects.count() == 3


def test_it_downloads_every_result_of_a_search_beyond_the_page_as_csv(
    page: Page, url: Url, sign_in: SignIn, settings: Any, ro_user: Any, organisation: Organisation, tmp_path: Path
) -> None:
    settings.SEARCH_PAGE_SIZE = 2
    nowaks = [("Anna", "Nowak"), ("Piotr", "Nowak"), ("Zofia", "Nowakowska")]
    _shares(organisation, nowaks + NAMES[:2])
    sign_in(ro_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Candidate Name").fill("nowak")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="3 results, page 1 of 2")).to_be_visible()
    expect(page.get_by_label("Select all on this page (2)")).to_be_visible()

    # Ticking a box chooses "The ones I tick" again (select.js), so a tick is never silently ignored.
    page.get_by_label("Select all 3 results of this search").check()
    page.get_by_role("row").get_by_role("checkbox").first.check()
    expect(page.get_by_label("The ones I tick")).to_be_checked()
    page.get_by_role("row").get_by_role("checkbox").first.uncheck()

    _choose(page, "Data File (CSV)", scope="Select all 3 results of this search")
    path, name = _download(page, _download_options(page).get_by_role("button", name="Download"), tmp_path)
    assert name.endswith(".csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:2] == ["Surname", "First name"]
    assert sorted((row[1], row[0]) for row in table[1:]) == sorted(nowaks)


def test_it_prepares_a_large_download_in_the_background(
    page: Page, url: Url, sign_in: SignIn, settings: Any, ro_user: Any, organisation: Organisation, tmp_path: Path
) -> None:
    """Over DOWNLOAD_STREAM_LIMIT the job page polls its progress; the test plays the worker."""
    settings.DOWNLOAD_STREAM_LIMIT = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not run
    shares = _shares(organisation, NAMES[:3])
    sign_in(ro_user)
    for share in shares:
        _tick(page, share)
    _choose(page, "Data File (XLSX)")
    _download_options(page).get_by_role("button", name="Download").click()

    job = DownloadJob.objects.get()
    expect(page).to_have_url(url("downloads:job", job.public_id))
    expect(page.locator(".messages")).to_contain_text("Your download of 3 results is being prepared.")
    status = page.locator("#job-status")
    expect(status.get_by_role("status")).to_have_text("Waiting: 0% of 3 results.")
    expect(page.get_by_role("progressbar", name="Download progress")).to_have_attribute("value", "0")
    expect(status.get_by_role("link", name="Download the file")).to_have_count(0)

    # A worker has taken it and is a third of the way through: the page shows it without a reload.
    DownloadJob.objects.filter(pk=job.pk).update(status=DownloadJob.Status.RUNNING, progress=33)
    expect(status.get_by_role("status")).to_have_text("Preparing: 33% of 3 results.")
    expect(page.get_by_role("progressbar", name="Download progress")).to_have_attribute("value", "33")

    DownloadJob.objects.filter(pk=job.pk).update(status=DownloadJob.Status.PENDING, progress=0)
    services.download_run(job.pk)
    expect(status.get_by_role("status")).to_contain_text("Your download is ready.")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    path, name = _download(page, status.get_by_role("link", name="Download the file"), tmp_path)
    assert name.endswith(".xlsx")
    rows = _sheet_rows(path)
    assert len(rows) == 4
    assert sorted(row[0] for row in rows[1:]) == sorted(last for _, last in NAMES[:3])
