"""Your Organisation › Activity in Chromium: sentences, filters by person, kind and dates, export (issue 17, item 7)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rvs.api import keys
from rvs.core.audit import log_action
from rvs.core.models import AuditEntry
from rvs.organisations.models import Membership, Organisation
from rvs.organisations.services import user_add
from tests.e2e.conftest import SignIn
from tests.factories import MembershipFactory

Url = Callable[..., str]


@pytest.fixture
def primary(organisation: Organisation) -> Any:
    return MembershipFactory(
        organisation=organisation,
        role=Membership.Role.PRIMARY,
        user__email="primary@unige.example",
        user__full_name="Amélie Rousseau",
    ).user


@pytest.fixture
def history(organisation: Organisation, primary: Any, ro_user: Any) -> None:
    """A download on 20 November 2026, a user added, a key revoked, a candidate's share, a colleague's look-up."""
    ro_user.full_name = "Jo Bloggs"
    ro_user.save()
    download = log_action(
        "download.created", actor=primary, organisation=organisation, data={"format": "pdf", "results": 3}
    )
    AuditEntry.objects.filter(pk=download.pk).update(at=dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC))
    looked_up = log_action("ern.looked_up", actor=ro_user, organisation=organisation, data={"ern_end": "7Q2X"})
    AuditEntry.objects.filter(pk=looked_up.pk).update(at=dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC))
    user_add(actor=primary, organisation=organisation, email="zoe@unige.example", full_name="Zoë Adams")
    key, _ = keys.key_create(actor=primary, organisation=organisation, name="Admissions CRM", scope="read")
    keys.key_revoke(actor=primary, organisation=organisation, key=key)
    log_action("share.created", actor="lan@cand.example", organisation=organisation, data={"include_photo": False})


def _entries(page: Page) -> list[str]:
    return [
        text.strip() for text in page.get_by_role("list", name="Activity, newest first").locator("li").all_inner_texts()
    ]


def test_the_primary_user_reads_filters_and_exports_the_log_as_sentences(
    page: Page, sign_in: SignIn, primary: Any, history: None, tmp_path: Path, screenshot: Callable[[str], None]
) -> None:
    sign_in(primary)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your Organisation").click()
    page.get_by_role("navigation", name="Your Organisation").get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", level=2)).to_be_visible()
    log = page.get_by_role("list", name="Activity, newest first")
    expect(log).to_contain_text("Amélie Rousseau downloaded 3 Statements of Results.")
    expect(log).to_contain_text("20 November 2026, 14:05 UTC")
    expect(log).to_contain_text("Amélie Rousseau added the user Zoë Adams (Additional user).")
    expect(log).to_contain_text("The API key ‘Admissions CRM’ was revoked by Amélie Rousseau.")
    screenshot("activity")
    expect(log).to_contain_text("A candidate shared a result with your organisation.")
    expect(log).to_contain_text("Jo Bloggs found a result by its Exam Reference Number ending 7Q2X.")
    expect(log).not_to_contain_text("download.created")
    expect(log).not_to_contain_text("lan@cand.example")
    for width in (390, 320):  # sentences wrap: the page never scrolls sideways
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
    page.set_viewport_size({"width": 1280, "height": 800})

    # By person
    page.get_by_label("Person").select_option(label="Jo Bloggs (admissions@unige.example)")
    page.get_by_role("button", name="Show activity").click()
    expect(page.get_by_role("status")).to_have_text("1 entry matches the filters")
    entries = _entries(page)
    assert len(entries) == 1
    assert "Jo Bloggs found a result by its Exam Reference Number ending 7Q2X." in entries[0]
    assert "Exam Reference Number look-up" in entries[0]  # the kind, in plain words
    page.get_by_role("link", name="Clear the filters").click()

    # By kind, in plain words
    page.get_by_label("Kind of activity").select_option(label="API key revoked")
    page.get_by_role("button", name="Show activity").click()
    entries = _entries(page)
    assert len(entries) == 1
    assert "The API key ‘Admissions CRM’ was revoked by Amélie Rousseau." in entries[0]

    # By dates, typed in day, month and year boxes
    page.get_by_role("link", name="Clear the filters").click()
    for legend, (day, month, year) in (("From", ("15", "11", "2026")), ("To", ("20", "11", "2026"))):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Show activity").click()
    entries = _entries(page)
    assert len(entries) == 1
    assert "Amélie Rousseau downloaded 3 Statements of Results." in entries[0]

    # The export holds what the filters show
    with page.expect_download() as info:
        page.get_by_role("link", name="Export as CSV").click()
    path = tmp_path / "activity.csv"
    info.value.save_as(path)
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["person"], r["kind"], r["sentence"]) for r in rows] == [
        ("Amélie Rousseau", "Download", "Amélie Rousseau downloaded 3 Statements of Results.")
    ]
    assert rows[0]["time (UTC)"].startswith("2026-11-20T14:05")


def test_wrong_filter_dates_are_named_and_linked_from_the_summary(
    page: Page, sign_in: SignIn, primary: Any, history: None, url: Url
) -> None:
    sign_in(primary)
    page.goto(url("organisations:activity"))
    group = page.get_by_role("group", name="From")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("2")
    group.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show activity").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("The ‘From’ date must be a real date")
