"""An RO user in Chromium: sign in, search, open a result, come back; by mouse and by keyboard."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from rvs.core import ern as ern_codec
from rvs.organisations.models import Organisation
from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.e2e.conftest import SignIn
from tests.e2e.dates import date_group, expect_date, fill_date
from tests.factories import ResultFactory, ShareFactory

Url = Callable[..., str]
Screenshot = Callable[[str], None]

SEARCH_LABELS = [
    "Candidate Name",
    "Candidate Date of Birth",
    "Candidate ID Number",
    "Exam Name",
    "Exam Place of Entry",
    "Exam Centre Name",
    "Candidate Email Address",
    "Date of Exam",
    "Exam Reference Number",
]
DATE_LABELS = ("Candidate Date of Birth", "Date of Exam")
MULLER_SCORES = {"reading": 185, "use_of_english": 182, "writing": 176, "listening": 190, "speaking": 187}


def _share(organisation: Organisation, first: str, last: str, **extra: Any) -> Share:
    return cast(
        Share,
        ShareFactory(
            organisation=organisation,
            result__candidate__first_name=first,
            result__candidate__last_name=last,
            **extra,
        ),
    )


@pytest.fixture
def muller(organisation: Organisation) -> Share:
    """A new share (nobody at the organisation has opened it), among neighbours for realism."""
    hour = dt.timedelta(hours=1)
    now = timezone.now()
    _share(organisation, "Łukasz", "Wójcik", shared_at=now - 3 * hour)
    _share(organisation, "Søren", "Ørsted", shared_at=now - 30 * hour, first_viewed_at=now - 29 * hour)
    _share(organisation, "Nguyễn", "Văn An", shared_at=now - 50 * hour, first_viewed_at=now - 49 * hour)
    _share(organisation, "Anna", "Mullen", shared_at=now - 80 * hour, first_viewed_at=now - 79 * hour)
    ShareFactory(result__candidate__last_name="Müller", result__candidate__first_name="Other")  # another RO's
    return _share(
        organisation,
        "Anna",
        "Müller",
        shared_at=now - hour,
        result__scores=MULLER_SCORES,
        result__candidate__date_of_birth=dt.date(2000, 5, 17),
    )


def _row(page: Page, name: str) -> Locator:
    """The results-table row whose candidate link reads ``name`` ("Surname, First name")."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def _expect_new(row: Locator) -> None:
    expect(row).to_contain_class("new")
    expect(row.get_by_role("cell").first).to_have_css("font-weight", "700")


def _expect_seen(row: Locator) -> None:
    expect(row).to_be_visible()
    expect(row).not_to_contain_class("new")
    expect(row.get_by_role("cell").first).to_have_css("font-weight", "400")


def _tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus: proves it is reachable by keyboard, in a sensible number of steps."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached after {limit} presses of Tab")


def _expect_focus_ring(target: Locator) -> None:
    expect(target).to_be_focused()
    expect(target).to_have_css("outline-style", "solid")
    expect(target).not_to_have_css("box-shadow", "none")


def _search_name(page: Page, text: str) -> None:
    page.get_by_label("Candidate Name").fill(text)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results", level=2)).to_be_visible()


def test_it_finds_a_new_result_by_an_unaccented_name_and_unbolds_it_once_opened(
    page: Page, url: Url, sign_in: SignIn, screenshot: Screenshot, ro_user: Any, muller: Share
) -> None:
    result: Result = muller.result
    sign_in(ro_user, picture=True)

    dashboard_row = _row(page, "Müller, Anna")
    _expect_new(dashboard_row)
    expect(dashboard_row.get_by_text("New", exact=True)).to_be_visible()
    _expect_seen(_row(page, "Ørsted, Søren"))
    expect(page.get_by_role("link", name="Müller, Other")).to_have_count(0)
    screenshot("dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    expect(page).to_have_url(url("results:search"))
    _search_name(page, "muller")
    expect(page.get_by_role("status").filter(has_text="1 result")).to_be_visible()
    search_row = _row(page, "Müller, Anna")
    _expect_new(search_row)
    expect(_row(page, "Mullen, Anna")).to_have_count(0)
    results_url = page.url
    assert "muller" not in results_url  # names stay out of URLs and logs
    screenshot("search")

    search_row.get_by_role("link", name="Müller, Anna").click()
    expect(page).to_have_url(re.compile(re.escape(url("results:detail", result.public_id)) + r"\?back="))
    expect(page.get_by_role("heading", name="Anna Müller", level=1)).to_be_visible()
    summary = page.locator("dl.summary")
    expect(summary.locator("div").filter(has_text="Overall score")).to_contain_text(str(result.overall_score))
    expect(summary.locator("div").filter(has_text="CEFR level")).to_contain_text(result.cefr)
    assert (result.overall_score, result.cefr) == (184, "C1")
    scores = page.get_by_role("table", name="Individual scores")
    for component in result.components.all():
        expect(scores.get_by_role("row", name=component.label)).to_contain_text(str(component.score))
    expect(scores.get_by_role("row", name="Listening")).to_contain_text("190")
    expect(page.locator("dl.details div").filter(has_text="Exam Reference Number")).to_contain_text(result.ern_display)
    expect(page.locator(".notice")).to_have_count(0)  # shared, so no "found by its ERN" notice
    expect(page.get_by_role("region", name="Verified: a genuine result")).to_contain_text("Shared with you on")
    screenshot("result-details")

    # The browser's own Back button: the search results, fetched again, no longer show it as new.
    page.go_back()
    expect(page).to_have_url(results_url)
    _expect_seen(_row(page, "Müller, Anna"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shared with you").click()
    _expect_seen(_row(page, "Müller, Anna"))
    _expect_new(_row(page, "Wójcik, Łukasz"))

    # The page's own back link returns to where the user came from.
    _row(page, "Wójcik, Łukasz").get_by_role("link", name="Wójcik, Łukasz").click()
    expect(page.get_by_role("heading", name="Łukasz Wójcik", level=1)).to_be_visible()
    page.get_by_role("link", name="Back to Shared with you", exact=True).click()
    expect(page).to_have_url(url("results:dashboard"))
    _expect_seen(_row(page, "Wójcik, Łukasz"))
    _expect_seen(_row(page, "Müller, Anna"))

    page.goto(results_url)
    _row(page, "Müller, Anna").get_by_role("link", name="Müller, Anna").click()
    page.get_by_role("link", name="Back to search results", exact=True).click()
    expect(page).to_have_url(results_url)
    _expect_seen(_row(page, "Müller, Anna"))

    muller.refresh_from_db()
    assert muller.first_viewed_by == ro_user


def test_it_can_be_used_with_the_keyboard_alone(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, muller: Share
) -> None:
    sign_in(ro_user)
    page.goto(url("results:search"))

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("Exam Reference Number")).to_be_focused()  # the verify box comes first
    page.keyboard.press("Tab")
    name_field = page.get_by_label("Candidate Name")
    expect(name_field).to_be_focused()
    page.keyboard.type("Wojcik")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Results", level=2)).to_be_visible()
    expect(_row(page, "Wójcik, Łukasz")).to_be_visible()
    expect(page.get_by_label("Candidate Name")).to_have_value("Wojcik")

    name_header = page.get_by_role("columnheader", name="Candidate name", exact=True)
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    for other in ("Exam", "Date of exam", "Overall score", "Date shared"):
        expect(page.get_by_role("columnheader", name=other, exact=True)).to_have_attribute("aria-sort", "none")

    sort_link = name_header.get_by_role("link")
    _tab_to(page, sort_link)
    _expect_focus_ring(sort_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name="Candidate name", exact=True)).to_have_attribute(
        "aria-sort", "descending"
    )

    result_link = page.get_by_role("link", name="Wójcik, Łukasz")
    _tab_to(page, result_link)
    _expect_focus_ring(result_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Łukasz Wójcik", level=1)).to_be_visible()
    back = page.get_by_role("link", name="Back to search results", exact=True)
    _tab_to(page, back)
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name="Candidate name", exact=True)).to_have_attribute(
        "aria-sort", "descending"
    )
    _expect_seen(_row(page, "Wójcik, Łukasz"))


def test_it_labels_every_search_field(page: Page, url: Url, sign_in: SignIn, ro_user: Any) -> None:
    sign_in(ro_user)
    page.goto(url("results:search"))
    page.get_by_text("More search options", exact=True).click()  # all nine fields in view
    for label in SEARCH_LABELS:
        if label in DATE_LABELS:  # a group of three boxes, Day, Month and Year, under the article's label
            group = date_group(page, label)
            expect(group).to_have_count(1)
            for part in ("Day", "Month", "Year"):
                expect(group.get_by_label(part, exact=True)).to_be_editable()
            expect(group).to_have_accessible_description(re.compile("For example"))
            continue
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_count(1)
        expect(field).to_be_visible()
        expect(field).to_be_editable()
    controls: list[dict[str, Any]] = page.locator("main").evaluate(
        """main => [...main.querySelectorAll("input, select, textarea")]
            .filter(el => el.type !== "hidden" && el.checkVisibility())
            .map(el => ({name: el.name, labels: [...el.labels].map(l => l.textContent.trim()),
                         group: el.closest("fieldset.date-parts")?.querySelector("legend")?.textContent.trim()}))"""
    )
    assert [c["name"] for c in controls if len(c["labels"]) != 1 or not c["labels"][0]] == []
    # The nine fields of the article, and the entry-requirement check added to them.
    requirement_labels = ["Check against entry requirement", "Only results that meet it"]
    expected = [label for label in SEARCH_LABELS if label not in DATE_LABELS] + requirement_labels
    expected += [f"{label} {part}" for label in DATE_LABELS for part in ("Day", "Month", "Year")]
    named = [f"{c['group']} {c['labels'][0]}" if c["group"] else c["labels"][0] for c in controls]
    assert sorted(named) == sorted(expected)
    expect(page.get_by_label("Candidate Name")).to_have_accessible_description(re.compile("Accents and capitals"))
    expect(page.get_by_label("Exam Name")).to_have_value("")  # "Any exam"


def test_it_takes_dates_typed_as_day_month_and_year(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, organisation: Organisation, muller: Share
) -> None:
    _share(organisation, "Anna", "Muller", result__candidate__date_of_birth=dt.date(2001, 5, 17))
    sign_in(ro_user)
    page.goto(url("results:search"))
    page.get_by_text("More search options", exact=True).click()  # the Date of Exam is behind it
    fill_date(page, "Candidate Date of Birth", "2000-05-17")
    fill_date(page, "Date of Exam", "2025-06-14")
    expect_date(page, "Candidate Date of Birth", "2000-05-17")
    _search_name(page, "anna")
    expect(_row(page, "Müller, Anna")).to_be_visible()
    expect(_row(page, "Muller, Anna")).to_have_count(0)
    expect_date(page, "Candidate Date of Birth", "2000-05-17")
    expect_date(page, "Date of Exam", "2025-06-14")
    # A date that cannot be: the message names the field, and the summary's link takes focus to its Day box.
    fill_date(page, "Candidate Date of Birth", "")
    date_group(page, "Candidate Date of Birth").get_by_label("Day", exact=True).fill("31")
    date_group(page, "Candidate Date of Birth").get_by_label("Month", exact=True).fill("2")
    date_group(page, "Candidate Date of Birth").get_by_label("Year", exact=True).fill("2000")
    page.get_by_role("button", name="Search").click()
    group = date_group(page, "Candidate Date of Birth")
    expect(group).to_have_accessible_description(re.compile("Date of birth must be a real date"))
    page.get_by_role("link", name=re.compile("Date of birth must be a real date")).click()
    expect(group.get_by_label("Day", exact=True)).to_be_focused()


def test_it_opens_an_unshared_result_by_its_exam_reference_number(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any
) -> None:
    result = cast(Result, ResultFactory(candidate__first_name="Zoë", candidate__last_name="Ødegård"))
    sign_in(ro_user)
    page.goto(url("results:search"))
    page.get_by_label("Exam Reference Number").fill(result.ern_display.lower())
    page.get_by_label("Exam Reference Number").press("Enter")
    expect(page).to_have_url(url("results:detail", result.public_id) + "?back=%2Fsearch%2F")
    expect(page.get_by_role("heading", name="Zoë Ødegård", level=1)).to_be_visible()
    verdict = page.get_by_role("region", name="Verified: a genuine result")
    expect(verdict).to_contain_text("Looked up by Exam Reference Number")
    expect(verdict).to_contain_text("The candidate has not shared it with you")
    expect(page.locator("dl.details")).to_contain_text(result.ern_display)


def test_it_points_at_a_typing_error_in_an_exam_reference_number(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any
) -> None:
    good = ern_codec.generate()
    typo = ern_codec.display(good[:-1] + ("0" if good[-1] != "0" else "1"))
    sign_in(ro_user)
    page.goto(url("results:search"))
    field = page.get_by_label("Exam Reference Number")
    field.fill(typo)
    page.get_by_role("button", name="Search").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary.get_by_role("link", name=re.compile(r"^This Exam Reference Number contains a typing error")).click()
    field = page.get_by_label("Exam Reference Number")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(r"Error: .*typing error"))
    error = page.locator(".field").filter(has=field).locator(".field-error")
    expect(error).to_contain_text("typing error")
    expect(error).to_be_visible()
    box, field_box = error.bounding_box(), field.bounding_box()
    assert box is not None
    assert field_box is not None
    assert abs(box["x"] - field_box["x"]) < 5, (box, field_box)  # lined up with the field...
    assert 0 <= field_box["y"] - (box["y"] + box["height"]) < 24, (box, field_box)  # ...and right above it
    expect(field).to_have_value(typo)


def test_it_names_the_results_table_and_its_headers(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, muller: Share
) -> None:
    sign_in(ro_user)
    expect(page.get_by_role("table", name="Results shared with your organisation, newest first")).to_be_visible()
    page.goto(url("results:search"))
    _search_name(page, "anna")
    table = page.get_by_role("table", name="Search results")
    headers = [
        "Candidate name",
        "Exam",
        "Date of exam",
        "Overall score",
        "Date shared",
        "Date of birth",
        "Exam Reference Number",
    ]
    for header in headers:
        expect(table.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
    expect(table.locator("thead")).to_match_aria_snapshot(
        """
        - rowgroup:
          - row:
            - columnheader "Candidate name":
              - link "Candidate name"
            - columnheader "Exam":
              - link "Exam"
            - columnheader "Date of exam":
              - link "Date of exam"
            - columnheader "Overall score":
              - link "Overall score"
            - columnheader "Date shared":
              - link "Date shared"
            - columnheader "Date of birth"
            - columnheader "Exam Reference Number"
        """
    )
