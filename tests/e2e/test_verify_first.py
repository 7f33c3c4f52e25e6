"""Verify first (issue 17 item 1 and its Must show), and the dashboard's sorts and "New only" (item 10).

The Must show, "time to a verified result for a new organisation with an ERN": from the sign-in
page to the verdict is signing in, then one form and one click. The steps are counted (page loads,
forms filled in, clicks); the wall time is printed and recorded as information only, never asserted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.e2e.conftest import SignIn
from tests.e2e.test_ro_search import SEARCH_LABELS
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, ResultFactory, ShareFactory

Url = Callable[..., str]
Screenshot = Callable[[str], None]
# Where the measured time is kept for whoever wants the figure (not a test's business to judge it).
TIMINGS = Path(os.environ.get("RVS_DATA_DIR", "data")) / "time_to_verified_result.json"


def _names_in_table(page: Page) -> list[str]:
    return cast(list[str], page.locator("table.results tbody tr td:nth-child(2) a").all_inner_texts())


def test_a_new_organisation_verifies_a_result_by_ern_in_one_form_and_one_click(
    page: Page, url: Url, screenshot: Screenshot
) -> None:
    organisation = cast(
        Organisation, OrganisationFactory(name="Hochschule Neu Test", city="Bern", country="Switzerland")
    )
    user = MembershipFactory(
        organisation=organisation, role=Membership.Role.PRIMARY, user__email="first@neu.example"
    ).user
    result = cast(Result, ResultFactory(candidate__first_name="Ingrid", candidate__last_name="Bergström"))
    assert not Share.objects.filter(organisation=organisation).exists()  # nothing shared: a first day

    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    forms = clicks = 0
    started = time.perf_counter()

    # Sign in: the sign-in page, one form, one click.
    page.goto(url("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url("results:dashboard"))
    signed_in = time.perf_counter()
    assert len(loads) == 2, loads  # the sign-in page, then the dashboard
    expect(page.get_by_role("heading", name="Your first day")).to_be_visible()

    # Then one form, the verify box at the top of the dashboard, and one click.
    box = page.get_by_role("region", name="Verify a result")
    box.get_by_label("Exam Reference Number").fill(result.ern_display)
    box.get_by_label("Candidate Name").fill("bergstrom")
    forms += 1
    box.get_by_role("button", name="Search").click()
    clicks += 1
    verdict = page.get_by_role("region", name="Verified: a genuine result")
    expect(verdict).to_be_visible()
    finished = time.perf_counter()

    expect(page.get_by_role("heading", name="Ingrid Bergström", level=1)).to_be_visible()
    expect(verdict).to_contain_text("Looked up by Exam Reference Number")
    expect(verdict).to_contain_text(re.compile(r"Checked on \d{1,2} \w+ \d{4}, \d{2}:\d{2} UTC"))
    assert (forms, clicks) == (1, 1)
    assert len(loads) == 3, loads  # sign-in page, dashboard, the result: no page in between
    assert loads[-1].startswith(url("results:detail", result.public_id))
    screenshot("verified-result")

    timing = {
        "steps": "sign in, then one form (Exam Reference Number and surname) and one click",
        "page_loads": len(loads),
        "sign_in_seconds": round(signed_in - started, 3),
        "verify_seconds": round(finished - signed_in, 3),
        "total_seconds": round(finished - started, 3),
    }
    print(f"\nTime to a verified result (information, not asserted): {json.dumps(timing)}")
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(timing, indent=2) + "\n")


def test_the_search_page_leads_with_the_verify_box_and_hides_the_rest(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, screenshot: Screenshot
) -> None:
    sign_in(ro_user)
    page.goto(url("results:search"))
    box = page.get_by_role("region", name="Verify a result")
    for label in ("Exam Reference Number", "Candidate Name"):
        expect(box.get_by_label(label, exact=True)).to_be_visible()
    expect(box.get_by_text("Candidate Date of Birth", exact=True)).to_be_visible()
    expect(box.get_by_role("button")).to_have_count(1)
    more = page.get_by_text("More search options", exact=True)
    for label in ("Candidate ID Number", "Exam Name", "Exam Place of Entry", "Exam Centre Name"):
        expect(page.get_by_label(label, exact=True)).to_be_hidden()
    expect(page.get_by_label("Candidate Email Address", exact=True)).to_be_hidden()
    screenshot("search-verify-box")

    # By keyboard: the summary opens the other fields, every label of the article is then in view.
    more.focus()
    page.keyboard.press("Enter")
    for label in SEARCH_LABELS:
        expect(page.get_by_text(label, exact=True).first).to_be_visible()
    page.get_by_label("Candidate ID Number", exact=True).fill("NOSUCH1")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results", level=2)).to_be_visible()
    # Filled in, the options stay open on the results page.
    expect(page.get_by_label("Candidate ID Number", exact=True)).to_have_value("NOSUCH1")
    expect(page.get_by_label("Candidate ID Number", exact=True)).to_be_visible()


def test_the_dashboards_more_search_options_opens_them_on_the_search_page(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any
) -> None:
    sign_in(ro_user)
    page.get_by_role("region", name="Verify a result").get_by_role("link", name="More search options").click()
    expect(page.get_by_label("Exam Centre Name", exact=True)).to_be_visible()


def test_a_verify_box_miss_names_the_field_and_keeps_what_was_typed(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any
) -> None:
    result = cast(Result, ResultFactory(candidate__last_name="Okafor"))
    sign_in(ro_user)
    box = page.get_by_role("region", name="Verify a result")
    box.get_by_label("Exam Reference Number").fill(result.ern_display)
    box.get_by_label("Candidate Name").fill("Someone")
    box.get_by_role("button", name="Search").click()
    expect(page).to_have_url(url("results:search"))
    expect(page.get_by_role("alert")).to_contain_text("No result matches this Exam Reference Number")
    expect(page.get_by_label("Exam Reference Number")).to_have_value(result.ern_display)
    expect(page.get_by_label("Candidate Name")).to_have_value("Someone")


def test_a_first_day_guide_shows_a_primary_user_where_to_go(
    page: Page, url: Url, organisation: Organisation, screenshot: Screenshot
) -> None:
    primary = MembershipFactory(organisation=organisation, role=Membership.Role.PRIMARY).user
    page.goto(url("accounts:login"))
    page.get_by_label("Email address").fill(primary.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    guide = page.get_by_role("region", name="Your first day")
    expect(guide).to_be_visible()
    screenshot("first-day-guide")
    expect(page.get_by_role("table")).to_have_count(0)
    for name, route in (
        ("How to share", "candidates:help_sharing"),
        ("Your Organisation › Users", "organisations:users"),
    ):
        expect(guide.get_by_role("link", name=name)).to_have_attribute("href", reverse(route))
    guide.get_by_role("link", name="Global Recognition Database").click()
    expect(page.get_by_text(organisation.name).first).to_be_visible()
    page.go_back()
    page.get_by_role("region", name="Your first day").get_by_role("link", name="Verify a result").click()
    expect(page.get_by_role("region", name="Verify a result")).to_be_in_viewport()


def test_the_dashboard_sorts_and_shows_new_only(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, organisation: Organisation
) -> None:
    now = timezone.now()
    for last, hours, seen in (("Brown", 1, False), ("Adams", 30, True), ("Cole", 50, False)):
        ShareFactory(
            organisation=organisation,
            result__candidate__first_name="Ann",
            result__candidate__last_name=last,
            shared_at=now - dt.timedelta(hours=hours),
            first_viewed_at=now - dt.timedelta(hours=hours - 1) if seen else None,
        )
    sign_in(ro_user)
    assert _names_in_table(page) == ["Brown, Ann", "Adams, Ann", "Cole, Ann"]
    expect(page.get_by_role("columnheader", name="Date shared")).to_have_attribute("aria-sort", "descending")

    page.get_by_role("columnheader", name="Candidate name").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Candidate name")).to_have_attribute("aria-sort", "ascending")
    assert _names_in_table(page) == ["Adams, Ann", "Brown, Ann", "Cole, Ann"]

    page.get_by_label("New only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="2 results")).to_be_visible()
    assert _names_in_table(page) == ["Brown, Ann", "Cole, Ann"]  # still by name
    page.get_by_role("columnheader", name="Candidate name").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Candidate name")).to_have_attribute("aria-sort", "descending")
    assert _names_in_table(page) == ["Cole, Ann", "Brown, Ann"]  # sorted, still new only
    expect(page.get_by_label("New only")).to_be_checked()

    # Opened, a result is no longer new; "Back to Shared with you" returns to the same view.
    page.get_by_role("link", name="Cole, Ann").click()
    page.get_by_role("link", name="Back to Shared with you").click()
    expect(page.get_by_label("New only")).to_be_checked()
    assert _names_in_table(page) == ["Brown, Ann"]
