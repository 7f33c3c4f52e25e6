"""An organisation's life in Chromium: registration, approval, the emailed set-password link, Your Organisation.

Every email goes through a real SMTP server (the ``smtp`` fixture); links are taken from the bodies
received there and opened in the browser, exactly as a person would.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Locator, Page, expect

from rvs.exams.models import Exam
from rvs.organisations.models import Membership, Organisation, RegistrationRequest
from tests.e2e.conftest import SCREENSHOTS, SignIn
from tests.factories import PASSWORD
from tests.smtp import SmtpServer

Url = Callable[..., str]
Screenshot = Callable[[str], None]
NewContext = Callable[..., BrowserContext]

NEW_PASSWORD = "lantern orbit pebble violet"
REGISTRANT = "admissions@us.example"
COLLEAGUE = "becas@us.example"
ORGANISATION = "Universidad de Sevilla Test"
TIMEOUT_MS = 10_000
NOT_VERIFIABLE = "(cannot be verified on this service)"


@pytest.fixture
def site_url(settings: Any, live_server: Any) -> str:
    """Links in emails point at this worker's live server (the setting is read when the email is written)."""
    settings.RVS_SITE_URL = str(live_server.url)
    return str(live_server.url)


@pytest.fixture
def browser_for(new_context: NewContext) -> Callable[[], Page]:
    """Another person's browser: a fresh context, no cookies shared with ``page``."""

    def open_browser() -> Page:
        context = new_context()
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_browser


def _unfocus(page: Page) -> None:
    """No focus ring on the last field typed into, in the pictures."""
    page.evaluate("document.activeElement?.blur()")


def _picture(page: Page, name: str) -> None:
    """The ``screenshot`` fixture for a page other than ``page`` (another person's browser)."""
    if os.environ.get("RVS_SCREENSHOTS") != "1":
        return
    _unfocus(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True, animations="disabled", caret="hide")


def _email(smtp: SmtpServer, to: str, subject: str, count: int = 1) -> EmailMessage:
    """The ``count``-th email to ``to``, whose subject contains ``subject``; waits a little for delivery."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        found = [m for m in smtp.to(to) if subject.lower() in str(m["Subject"]).lower()]
        if len(found) >= count:
            assert len(found) == count, [str(m["Subject"]) for m in found]
            return found[-1]
        if time.monotonic() > deadline:
            received = [str(m["Subject"]) for m in smtp.messages]
            raise AssertionError(f"no email {subject!r} to {to}; received: {received}")
        time.sleep(0.05)


def _set_password_link(body: str, site_url: str) -> str:
    match = re.search(rf"{re.escape(site_url)}/accounts/set-password/[^\s/]+/[^\s/]+/", body)
    assert match, body
    return match.group(0)


def _message(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def _tab(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Your Organisation").get_by_role("link", name=name, exact=True)


def _detail(page: Page, term: str) -> Locator:
    """The value shown for ``term`` in the organisation details list."""
    return page.locator("dl.details > div").filter(has=page.get_by_text(term, exact=True)).locator("dd")


def _exam_box(page: Page, name: str) -> Locator:
    """The check box labelled with an exam's name (non-verifiable exams carry a note in their label)."""
    return page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)}( \(cannot be verified.*\))?$"))


def _current_code(device: TOTPDevice) -> str:
    """What the staff member's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password", exact=True).press("Enter")


def test_it_walks_from_registration_to_a_primary_user_managing_the_organisation(
    page: Page,
    browser_for: Callable[[], Page],
    url: Url,
    site_url: str,
    smtp: SmtpServer,
    staff: Any,
    screenshot: Screenshot,
) -> None:
    # 1. A visitor registers the organisation, every field found through its visible label.
    visitor = browser_for()
    visitor.goto(url("register"))
    expect(visitor.get_by_role("heading", name="Register your Recognising Organisation", level=1)).to_be_visible()
    visitor.get_by_label("Organisation name").fill(ORGANISATION)
    visitor.get_by_label("Type of organisation").select_option(label="University")
    visitor.get_by_label("Country").fill("Spain")
    visitor.get_by_label("City").fill("Sevilla")
    address = visitor.get_by_label("Address", exact=True)
    address.click()
    visitor.keyboard.type("Calle San Fernando 4")
    visitor.keyboard.press("Enter")  # a second line of the address, typed as a person would
    visitor.keyboard.type("41004 Sevilla")
    visitor.get_by_label("Website").fill("www.us.example")  # no scheme: https is assumed
    visitor.get_by_label("Your name").fill("María José Núñez")
    visitor.get_by_label("Job title").fill("Head of Admissions")
    visitor.get_by_label("Work email address").fill(REGISTRANT.upper())  # any capitals
    expect(visitor.get_by_label("Work email address")).to_have_accessible_description(re.compile("Primary User"))
    for exam in ("C1 Advanced", "B2 First"):
        box = visitor.get_by_role("checkbox", name=exam, exact=True)
        box.press("Space")
        expect(box).to_be_checked()
    expect(visitor.get_by_text(NOT_VERIFIABLE).first).to_be_visible()
    _picture(visitor, "register")
    visitor.get_by_role("button", name="Submit registration").click()

    expect(visitor).to_have_url(url("register_done"))
    expect(visitor.get_by_role("heading", name=re.compile("we have received your registration"))).to_be_visible()
    expect(visitor.get_by_text("within two working days")).to_be_visible()
    ack = _email(smtp, REGISTRANT, "")
    assert "within two working days" in smtp.body(ack)
    assert "María José Núñez" in smtp.body(ack)
    registration = RegistrationRequest.objects.get()
    assert registration.address.splitlines() == ["Calle San Fernando 4", "41004 Sevilla"]  # browsers send CRLF
    assert registration.website == "https://www.us.example"
    visitor.context.close()

    # 2. Staff sign in through the sign-in page and their second factor (an authenticator app, here computed),
    #    open the Registrations queue and approve the request.
    authenticator = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    desk = browser_for()
    desk.goto(url("accounts:login"))
    _sign_in(desk, staff.email, PASSWORD)
    expect(desk.get_by_role("heading", name="Confirm it is you", level=1)).to_be_visible()
    desk.get_by_label("Authentication code").fill(_current_code(authenticator))
    desk.get_by_label("Authentication code").press("Enter")
    expect(desk).to_have_url(url("backoffice:queue"))
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="Registrations").click()
    expect(desk.get_by_role("heading", name="Registration requests", level=1)).to_be_visible()
    queue = desk.get_by_role("table", name=re.compile("Pending registration requests"))
    row = queue.get_by_role("row").filter(has=desk.get_by_role("link", name=ORGANISATION))
    expect(row).to_contain_text("María José Núñez")
    expect(row).to_contain_text(REGISTRANT)
    expect(row).to_contain_text("Sevilla, Spain")
    expect(row).not_to_contain_text("Overdue")
    _picture(desk, "approval-queue")
    row.get_by_role("link", name=ORGANISATION).click()
    expect(desk.get_by_role("heading", name=ORGANISATION, level=1)).to_be_visible()
    expect(desk.locator("dl.details")).to_contain_text("B2 First, C1 Advanced")
    desk.get_by_role("button", name="Approve registration").click()
    expect(desk).to_have_url(url("backoffice:queue"))
    _message(desk, f"{ORGANISATION} approved; the Primary User has been emailed.")
    expect(desk.get_by_role("status").filter(has_text="No pending requests.")).to_be_visible()
    desk.context.close()

    # 3. The approval email's link, opened in the registrant's browser: set a password, then sign in.
    approval = _email(smtp, REGISTRANT, "approved")
    link = _set_password_link(smtp.body(approval), site_url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Set your password", level=1)).to_be_visible()
    assert "/set-password/" in page.url
    new_password = page.get_by_label("New password", exact=True)
    expect(new_password).to_have_accessible_description(re.compile("at least 15 characters.*commonly used password"))
    new_password.fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    _unfocus(page)
    screenshot("set-password")
    page.get_by_label("New password confirmation").press("Enter")
    expect(page.get_by_role("heading", name="Your password has been set", level=1)).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(url("accounts:login"))
    _sign_in(page, REGISTRANT, NEW_PASSWORD)
    expect(page).to_have_url(url("results:dashboard"))
    expect(page.get_by_role("group").filter(has_text="María José Núñez")).to_contain_text(ORGANISATION)

    # The link works once.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("has expired or has already been used")

    # 4. Your Organisation → Users → Add a user: the new user is emailed a set-password link.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your Organisation").click()
    expect(page).to_have_url(url("organisations:details"))
    expect(page.get_by_role("heading", name="Your Organisation", level=1)).to_be_visible()
    expect(_tab(page, "Organisation details")).to_have_attribute("aria-current", "page")
    expect(_detail(page, "Organisation name")).to_have_text(ORGANISATION)
    expect(_detail(page, "Type of organisation")).to_have_text("University")
    expect(_detail(page, "City")).to_have_text("Sevilla")
    expect(_detail(page, "Address")).to_have_text("Calle San Fernando 4\n41004 Sevilla", use_inner_text=True)
    screenshot("your-organisation")

    _tab(page, "Users").click()
    expect(_tab(page, "Users")).to_have_attribute("aria-current", "page")
    users = page.get_by_role("table", name="Users of your organisation")
    expect(users.get_by_role("row", name=re.compile("María José Núñez"))).to_contain_text("Primary User")
    page.get_by_role("link", name="Add a user").click()
    expect(page.get_by_role("heading", name="Add a user", level=2)).to_be_visible()
    page.get_by_label("Full name").fill("Jorge Ruiz")
    page.get_by_label("Email address").fill(COLLEAGUE)
    page.get_by_label("Job title").fill("Scholarships Officer")
    page.get_by_label("Job title").press("Enter")
    expect(page).to_have_url(url("organisations:users"))
    _message(page, f"{COLLEAGUE} has been added and emailed instructions to sign in.")
    colleague_row = users.get_by_role("row", name=re.compile("Jorge Ruiz"))
    expect(colleague_row).to_contain_text("Scholarships Officer")
    expect(colleague_row).to_contain_text("Additional user")
    expect(colleague_row.get_by_role("link", name=f"Edit {COLLEAGUE}")).to_be_visible()
    screenshot("users")
    welcome = _email(smtp, COLLEAGUE, "")
    assert "María José Núñez has added you" in smtp.body(welcome)
    _set_password_link(smtp.body(welcome), site_url)

    # 5. Edit the organisation details: the new city is shown.
    _tab(page, "Organisation details").click()
    page.get_by_role("link", name="Edit organisation details").click()
    expect(page.get_by_role("heading", name="Edit organisation details", level=2)).to_be_visible()
    city = page.get_by_label("City")
    expect(city).to_have_value("Sevilla")
    city.fill("Córdoba")
    page.get_by_role("button", name="Save details").click()
    expect(page).to_have_url(url("organisations:details"))
    _message(page, "Your organisation details have been saved.")
    expect(_detail(page, "City")).to_have_text("Córdoba")
    expect(page.locator(".subtitle")).to_have_text(f"{ORGANISATION}, Córdoba, Spain")

    # 6. Recognised Exams and Tests: untick and tick by keyboard, save, and the choice survives a reload.
    _tab(page, "Recognised Exams and Tests").click()
    note = page.get_by_text("multi-level tests and teaching qualifications, which cannot currently be verified")
    expect(note).to_be_visible()
    expect(_exam_box(page, "C1 Advanced")).to_be_checked()
    expect(_exam_box(page, "B2 First")).to_be_checked()
    expect(_exam_box(page, "A2 Key")).not_to_be_checked()
    expect(_exam_box(page, "CELTA")).to_have_accessible_name(f"CELTA {NOT_VERIFIABLE}")
    for exam in ("B2 First", "A2 Key", "CELTA"):
        _exam_box(page, exam).press("Space")
    _exam_box(page, "Linguaskill General").check()
    page.get_by_role("button", name="Save Recognised Exams and Tests").click()
    _message(page, "Your Recognised Exams and Tests have been saved.")
    page.reload()
    expect(page.get_by_role("status")).to_have_count(0)  # the message was shown once
    wanted = {"C1 Advanced", "A2 Key", "CELTA", "Linguaskill General"}
    for exam in Exam.objects.values_list("name", flat=True):
        box = _exam_box(page, exam)
        if exam in wanted:
            expect(box).to_be_checked()
        else:
            expect(box).not_to_be_checked()
    screenshot("recognised-exams")

    organisation = Organisation.objects.get(name=ORGANISATION)
    assert organisation.city == "Córdoba"
    assert set(organisation.recognised_exams.values_list("name", flat=True)) == wanted
    assert Membership.objects.get(user__email=COLLEAGUE).role == Membership.Role.ADDITIONAL
    assert len(smtp.to(REGISTRANT)) == 2  # the acknowledgement and the approval
    assert len(smtp.to(COLLEAGUE)) == 1


def test_it_shows_an_additional_user_no_edit_controls_and_refuses_typed_urls(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, organisation: Organisation
) -> None:
    organisation.recognised_exams.set(Exam.objects.filter(code__in=["c1-advanced", "celta"]))
    sign_in(ro_user)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your Organisation").click()
    expect(_detail(page, "City")).to_have_text("Genève")
    main = page.get_by_role("main")
    expect(main.get_by_text("Edit organisation details", exact=True)).to_have_count(0)  # neither a link nor a button
    expect(page.get_by_text("Only the Primary User can edit organisation details.")).to_be_visible()

    _tab(page, "Users").click()
    expect(page.get_by_role("table", name="Users of your organisation")).to_contain_text(ro_user.email)
    expect(main.get_by_text("Add a user", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^(Edit|Delete) "))).to_have_count(0)
    expect(page.get_by_text("Only the Primary User can add, edit or delete users.")).to_be_visible()

    _tab(page, "Recognised Exams and Tests").click()
    expect(page.get_by_text("which cannot currently be verified on this service")).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Save"))).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text="C1 Advanced").first).to_contain_text("Recognised:")
    expect(page.get_by_role("listitem").filter(has_text="B2 First").first).to_contain_text("Not recognised:")
    expect(page.get_by_text("Only the Primary User can change this list.")).to_be_visible()

    for name in ("organisations:details_edit", "organisations:user_add"):
        response = page.goto(url(name))
        assert response is not None
        assert response.status == 403, name
        expect(page.get_by_role("heading", name="You cannot open this page", level=1)).to_be_visible()
    organisation.refresh_from_db()
    assert organisation.city == "Genève"
