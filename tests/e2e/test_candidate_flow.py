"""A candidate in Chromium: sign up, confirm the email, send a result with the photo, see *read*, revoke.

A Recognising Organisation user in a second browser context sees the share arrive in bold, opens
it (the test day photo loads), sees the bold go, and after the candidate revokes gets a 404.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import BrowserContext, Locator, Page, expect

from rvs.candidates.models import CandidateAccount
from rvs.candidates.services import candidate_sign_up
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Candidate, Result
from rvs.sharing.models import Share
from tests.factories import PASSWORD, CandidateFactory, MembershipFactory, OrganisationFactory, ResultFactory
from tests.smtp import SmtpServer

Url = Callable[..., str]
Screenshot = Callable[[str], None]
NewContext = Callable[..., BrowserContext]

CANDIDATE_EMAIL = "thi.lan.nguyen@mail.example"
CANDIDATE_PASSWORD = "my exam results are mine to share"
CAMBRIDGE = "Kings College – Cambridge, United Kingdom"
LONDON = "Kings College – London, United Kingdom"
RESULT_LABEL = "B2 First, 14 June 2025"
DASHBOARD_NAME = "Nguyễn, Thị Lan"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (180, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def candidate(transactional_db: None) -> Candidate:
    return cast(Candidate, CandidateFactory(first_name="Thị Lan", last_name="Nguyễn"))


@pytest.fixture
def result(candidate: Candidate) -> Result:
    """A B2 First result with a test day photo (a real, small JPEG)."""
    result = cast(Result, ResultFactory(candidate=candidate))
    result.photo.save("test-day.jpg", ContentFile(_jpeg()), save=True)
    return result


@pytest.fixture
def kings(transactional_db: None) -> Organisation:
    """The candidate's choice; a namesake in London makes the city and country necessary."""
    OrganisationFactory(name="Kings College", city="London", country="United Kingdom")
    return cast(Organisation, OrganisationFactory(name="Kings College", city="Cambridge", country="United Kingdom"))


@pytest.fixture
def admissions(kings: Organisation) -> Any:
    """A user of Kings College, Cambridge, who asked for an email when a candidate shares."""
    return MembershipFactory(
        organisation=kings,
        role=Membership.Role.ADDITIONAL,
        notify_on_share=True,
        user__email="admissions@kings.example",
        user__full_name="Olu Adeyemi",
    ).user


def _wait_for_mail(smtp: SmtpServer, address: str, subject: str, timeout: float = 10.0) -> str:
    """The plain-text body of the first email to ``address`` whose subject contains ``subject``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp.to(address):
            if subject.lower() in str(message["Subject"]).lower():
                return SmtpServer.body(message)
        time.sleep(0.05)
    raise AssertionError(f"no email to {address} about {subject!r}; got {[str(m['Subject']) for m in smtp.messages]}")


def _new_page(new_context: NewContext, **options: Any) -> Page:
    page = new_context(**options).new_page()
    page.set_default_timeout(10_000)
    return page


def _sign_in(page: Page, url: Url, email: str, password: str) -> None:
    page.goto(url("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def _dashboard_row(page: Page, name: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def test_it_shares_a_result_with_the_photo_shows_read_and_revokes(
    page: Page,
    new_context: NewContext,
    url: Url,
    settings: Any,
    smtp: SmtpServer,
    screenshot: Screenshot,
    result: Result,
    kings: Organisation,
    admissions: Any,
) -> None:
    settings.RVS_SITE_URL = url("home").rstrip("/")  # links in emails point at this live server

    # The candidate signs up with the numbers on the Confirmation of Entry.
    page.goto(url("candidates:sign_up"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your Candidate Results Website account")
    page.get_by_label("Candidate ID Number").fill(result.candidate.candidate_number.lower())
    page.get_by_label("Secret Number").fill("1234")
    expect(page.get_by_label("Secret Number")).to_have_accessible_description(
        "The 4 digits on your Confirmation of Entry."
    )
    page.get_by_label("Email address").fill(CANDIDATE_EMAIL)
    page.get_by_label("Password").fill(CANDIDATE_PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(url("candidates:confirm_needed"))
    expect(page.get_by_role("main")).to_contain_text(CANDIDATE_EMAIL)

    # Until the address is confirmed the account sees nothing.
    page.goto(url("candidates:share"))
    expect(page).to_have_url(url("candidates:confirm_needed"))

    body = _wait_for_mail(smtp, CANDIDATE_EMAIL, "confirm")
    link = re.search(r"(http://\S+/candidate/confirm/\S+/)", body)
    assert link, body
    page.goto(link.group(1))
    expect(page).to_have_url(url("candidates:results"))
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    card = page.get_by_role("region", name=re.compile(r"^B2 First"))
    expect(card).to_contain_text(result.ern_display)
    expect(card.get_by_role("table", name="Individual scores")).to_be_visible()
    screenshot("candidate-results")

    # Send my result: the type-ahead tells the two Kings Colleges apart by city and country.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Send my result").click()
    expect(page).to_have_url(url("candidates:share"))
    page.get_by_label("Organisation name").press_sequentially("kings col", delay=20)
    expect(page.get_by_label(CAMBRIDGE)).to_be_visible()
    expect(page.get_by_label(LONDON)).to_be_visible()
    expect(page).to_have_url(url("candidates:share"))  # filled in place by htmx, no page load
    options = page.locator("#organisation-options")
    expect(options).to_have_attribute("aria-live", "polite")  # the live region stays; only its content changes
    expect(options).to_contain_text("2 organisations match “kings col”.")
    page.get_by_label(CAMBRIDGE).check()
    page.get_by_label(RESULT_LABEL).check()
    photo_box = page.get_by_label("Include my test day photo")
    expect(photo_box).to_have_accessible_description("The organisation sees your photo only if you tick this box.")
    photo_box.check()
    screenshot("candidate-share")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check and send", level=1)).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"You are sending to {CAMBRIDGE}")
    expect(main).to_contain_text(RESULT_LABEL)
    expect(main).to_contain_text("Test day photo: included")
    assert not Share.objects.exists()  # nothing is sent before "Send"
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page).to_have_url(url("candidates:shared"))
    expect(page.get_by_role("status")).to_contain_text("Your results have been sent to Kings College.")
    shared_row = page.get_by_role("row").filter(has_text=CAMBRIDGE)
    expect(shared_row).to_contain_text("Unread")
    expect(shared_row).to_contain_text("Included")
    share = Share.objects.get()
    assert (share.organisation, share.result, share.include_photo) == (kings, result, True)
    notification = _wait_for_mail(smtp, admissions.email, "Thị Lan Nguyễn has shared results with Kings College")
    assert f"- {RESULT_LABEL}" in notification
    assert url("results:dashboard") in notification

    # The organisation, in its own browser context: the new share is bold.
    ro = _new_page(new_context)
    _sign_in(ro, url, admissions.email, PASSWORD)
    expect(ro).to_have_url(url("results:dashboard"))
    row = _dashboard_row(ro, DASHBOARD_NAME)
    expect(row).to_contain_class("new")
    expect(row.get_by_role("cell").nth(1)).to_have_css("font-weight", "700")

    row.get_by_role("link", name=DASHBOARD_NAME).click()
    expect(ro).to_have_url(url("results:detail", result.public_id) + "?back=%2Fdashboard%2F")
    expect(ro.get_by_role("heading", name="Thị Lan Nguyễn", level=1)).to_be_visible()
    photo = ro.get_by_role("img", name="Test day photo of Thị Lan Nguyễn")
    expect(photo).to_be_visible()
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth") == 60

    ro.get_by_role("link", name="Back to Shared with you", exact=True).click()
    expect(ro).to_have_url(url("results:dashboard"))
    row = _dashboard_row(ro, DASHBOARD_NAME)
    expect(row).not_to_contain_class("new")
    expect(row.get_by_role("cell").nth(1)).to_have_css("font-weight", "400")

    # The candidate sees that someone at the organisation has read it.
    page.reload()
    expect(shared_row).to_contain_text("Read")
    expect(shared_row).not_to_contain_text("Unread")
    screenshot("candidate-shared")

    # The candidate revokes; the organisation can no longer open it, by any link it kept.
    shared_row.get_by_role("link", name="Revoke B2 First from Kings College").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to stop sharing your B2 First result with Kings College?"
    )
    page.get_by_role("button", name="Yes, revoke the share").click()
    # Told what remains possible (decision 0014), not that the organisation can no longer see it.
    expect(page.get_by_role("status")).to_contain_text("You have revoked your B2 First result from Kings College.")
    expect(page.get_by_role("status")).to_contain_text("surname and date of birth")
    expect(shared_row).to_contain_text(re.compile(r"Revoked \d{1,2} [A-Z][a-z]+ \d{4}"))
    expect(shared_row.get_by_role("link", name=re.compile("^Revoke"))).to_have_count(0)

    ro.goto(url("results:detail", result.public_id))
    response = ro.reload()
    assert response is not None
    assert response.status == 404
    expect(ro.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(ro.get_by_text("Thị Lan")).to_have_count(0)
    photo_response = ro.request.get(url("results:photo", result.public_id))
    assert photo_response.status == 404
    ro.goto(url("results:dashboard"))
    expect(_dashboard_row(ro, DASHBOARD_NAME)).to_have_count(0)
    # Nothing shared any more: the first-day guide (issue 17 item 1) instead of an empty table.
    expect(ro.get_by_role("region", name="Your first day")).to_contain_text(
        "No candidate has shared results with your organisation yet."
    )


def test_it_finds_the_organisation_without_javascript(
    new_context: NewContext, url: Url, result: Result, kings: Organisation
) -> None:
    """The type-ahead is a plain GET search underneath: it works with JavaScript turned off."""
    account = candidate_sign_up(
        candidate_number=result.candidate.candidate_number,
        secret_number="1234",
        email=CANDIDATE_EMAIL,
        password=CANDIDATE_PASSWORD,
    )
    CandidateAccount.objects.filter(pk=account.pk).update(email_confirmed_at=timezone.now())
    page = _new_page(new_context, java_script_enabled=False)
    _sign_in(page, url, CANDIDATE_EMAIL, CANDIDATE_PASSWORD)
    page.goto(url("candidates:share"))

    page.get_by_label("Organisation name").fill("kings")
    page.get_by_role("button", name="Find organisation").click()
    expect(page).to_have_url(re.compile(r"/candidate/share/\?q=kings$"))
    expect(page.get_by_label("Organisation name")).to_have_value("kings")
    expect(page.get_by_label(LONDON)).to_be_visible()
    page.get_by_label(CAMBRIDGE).check()
    page.get_by_label(RESULT_LABEL).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("main")).to_contain_text("Test day photo: not included")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(url("candidates:shared"))
    share = Share.objects.get()
    assert (share.organisation, share.include_photo) == (kings, False)

    page.goto(url("candidates:share") + "?q=zzzz")
    page.get_by_role("link", name="Send them an invite").first.click()
    expect(page).to_have_url(url("candidates:invite"))
