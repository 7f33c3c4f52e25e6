"""Staff in Chromium: upload a results file with two bad rows, read the report, fix it, import it; an
organisation the result is then shared with finds the candidate by searching."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rvs.backoffice.models import ImportJob
from rvs.organisations.models import Organisation
from rvs.results.importer import COLUMNS
from rvs.results.models import Result
from rvs.sharing.services import share_create
from tests.conftest import make_staff
from tests.e2e.conftest import SignIn
from tests.factories import PASSWORD

Url = Callable[..., str]
Screenshot = Callable[[str], None]


def _row(candidate_id: str, first: str, last: str, **values: str) -> dict[str, str]:
    base = {
        "candidate_id": candidate_id, "secret_number": "0421", "first_name": first, "last_name": last,
        "date_of_birth": "2004-03-09", "email": "", "exam": "B2 First", "exam_date": "2025-06-14",
        "centre_number": "CH210", "centre_name": "Centre de Langues Genève", "place_of_entry": "Genève",
        "country": "Switzerland", "reading": "176", "use_of_english": "180", "writing": "169", "listening": "185",
        "speaking": "178",
    }  # fmt: skip
    return {**base, **values}


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _pass_second_factor(page: Page, staff: Any) -> None:
    device = TOTPDevice.objects.get(user=staff)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_label("Authentication code").fill(f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Continue").click()


def test_staff_fix_a_file_from_its_report_then_an_organisation_finds_the_candidate(
    page: Page,
    url: Url,
    sign_in: SignIn,
    screenshot: Screenshot,
    tmp_path: Path,
    organisation: Organisation,
    ro_user: Any,
) -> None:
    staff = make_staff("import_results", email="imports@board.example")
    TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    good = [
        _row("CHE000001", "Anna", "Müller"),
        _row("CHE000002", "Luca", "Bernasconi", exam="C1 Advanced"),
        _row("CHE000003", "Élodie", "Favre"),
    ]
    broken = [
        good[0],
        {**good[1], "date_of_birth": "14/05/2003"},
        {**good[2], "speaking": "260"},
    ]

    page.goto(url("accounts:login") + "?next=" + reverse("backoffice:imports"))
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    _pass_second_factor(page, staff)
    expect(page).to_have_url(url("backoffice:imports"))
    expect(page.get_by_role("heading", name="Import results", level=1)).to_be_visible()

    page.get_by_label("Results file").set_input_files(_write(tmp_path / "geneva-june.csv", broken))
    page.get_by_role("button", name="Check the file").click()
    report = page.get_by_role("alert")
    expect(report.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(report.get_by_role("link", name="The file was not imported: 2 problems")).to_be_visible()
    expect(report).to_be_focused()  # the error summary takes the focus (GOV.UK)
    expect(page).to_have_title(re.compile(r"^Error: "))
    problems = page.get_by_role("table", name="Problems found")
    expect(problems.get_by_role("row")).to_have_count(3)  # the header and one row per problem
    expect(problems.get_by_role("row").nth(1)).to_contain_text("3")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("5 (date_of_birth)")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("'14/05/2003' is not a date in the form YYYY-MM-DD")
    expect(problems.get_by_role("row").nth(2)).to_contain_text("4")
    expect(problems.get_by_role("row").nth(2)).to_contain_text("speaking")
    expect(problems.get_by_role("row").nth(2)).to_contain_text("Speaking score 260 is outside 80-190")
    screenshot("import-report")
    assert not Result.objects.exists(), "a file with problems writes nothing"

    page.get_by_label("Results file").set_input_files(_write(tmp_path / "geneva-june-fixed.csv", good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("status").filter(has_text="The file passed every check")).to_contain_text(
        "3 results: 3 new, 0 already on record"
    )
    assert not Result.objects.exists(), "checking writes nothing"
    page.get_by_role("button", name="Import 3 new results").click()
    expect(page.get_by_role("status").filter(has_text="Imported.")).to_contain_text("3 new results")
    screenshot("import-done")
    job = ImportJob.objects.get(original_name="geneva-june-fixed.csv")
    assert (job.status, job.created) == (ImportJob.Status.DONE, 3)

    muller = Result.objects.select_related("candidate").get(candidate__candidate_number="CHE000001")
    share_create(
        actor=muller.candidate, candidate=muller.candidate, organisation=organisation, results=[muller],
        include_photo=False,
    )  # fmt: skip

    page.context.clear_cookies()
    sign_in(ro_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Candidate Name").fill("muller")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="1 result")).to_be_visible()
    found = page.get_by_role("row").filter(has=page.get_by_role("link", name="Müller, Anna", exact=True))
    expect(found).to_be_visible()
    expect(found).to_contain_text("B2 First")
    expect(page.get_by_role("link", name="Bernasconi, Luca")).to_have_count(0)  # imported, but not shared
    found.get_by_role("link", name="Müller, Anna").click()
    expect(page.get_by_role("heading", name="Anna Müller", level=1)).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text(muller.ern_display)
