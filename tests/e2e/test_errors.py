"""Errors the GOV.UK way in Chromium (issue 17 item 5, decision 0030): the error summary takes the
focus, its links put the focus in the field, the title starts "Error:", and "Tick at least one
candidate" stands by the Download button."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from rvs.organisations.models import Organisation
from tests.e2e.conftest import SignIn
from tests.factories import ShareFactory

Url = Callable[..., str]
ERROR_TITLE = re.compile(r"^Error: ")


def test_the_summary_takes_the_focus_and_its_links_lead_to_the_fields(
    page: Page, url: Url, screenshot: Callable[[str], None]
) -> None:
    page.goto(url("register"))
    expect(page).not_to_have_title(ERROR_TITLE)
    page.get_by_label("Work email address").fill("nobody")
    page.get_by_role("button", name=re.compile("Register|Send|Submit")).click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(ERROR_TITLE)
    screenshot("error-summary")
    # The messages name the field: none of Django's defaults.
    expect(summary).not_to_contain_text("This field is required")
    expect(summary).not_to_contain_text("Enter a valid")

    summary.get_by_role(
        "link", name="Enter your work email address in the correct format, like name@example.com"
    ).click()
    field = page.get_by_label("Work email address")
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(re.compile(r"Error: Enter your work email address in the correct"))
    summary.get_by_role("link", name="Enter your organisation's name").click()
    expect(page.get_by_label("Organisation name")).to_be_focused()

    # The keyboard alone: Tab from the focused summary reaches its first link, Enter follows it.
    summary.focus()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Organisation name")).to_be_focused()


def test_a_sign_in_failure_is_summarised_and_focused(page: Page, url: Url, ro_user: Any) -> None:
    page.goto(url("accounts:login"))
    page.get_by_label("Email address").fill(ro_user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page).to_have_title(ERROR_TITLE)
    summary.get_by_role("link", name=re.compile("^Enter the email address and password of your account")).click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_a_search_refused_after_an_htmx_swap_focuses_its_summary(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any
) -> None:
    sign_in(ro_user)
    page.goto(url("results:search"))
    expect(page).not_to_have_title(ERROR_TITLE)
    page.get_by_label("Exam Reference Number").fill("ABC")
    page.get_by_role("button", name="Search").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(ERROR_TITLE)
    summary.get_by_role("link", name=re.compile("Exam Reference Number")).click()
    expect(page.get_by_label("Exam Reference Number")).to_be_focused()


def test_tick_at_least_one_stands_by_the_download_button(
    page: Page, url: Url, sign_in: SignIn, ro_user: Any, organisation: Organisation
) -> None:
    ShareFactory(organisation=organisation)
    ShareFactory(organisation=organisation)
    sign_in(ro_user)
    expect(page).not_to_have_title(ERROR_TITLE)
    button = page.get_by_role("button", name="Download", exact=True)
    button.click()

    expect(page).to_have_url(url("results:dashboard"))
    expect(page).to_have_title(ERROR_TITLE)
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    message = "Tick at least one candidate, or choose to select all, then download"
    expect(summary.get_by_role("link", name=message)).to_be_visible()
    # By the button, in the error style, and read with the button; not in the grey banner of notices.
    by_button = page.locator("#download-error")
    expect(by_button).to_have_text(f"Error: {message}")
    expect(button).to_have_accessible_description(f"Error: {message}")
    expect(page.locator(".messages")).to_have_count(0)
    error_box, button_box = by_button.bounding_box(), button.bounding_box()
    assert error_box is not None
    assert button_box is not None
    # Beside or right above the button: the boxes are less than 40 px apart both ways.
    gap_x = max(
        0,
        button_box["x"] - (error_box["x"] + error_box["width"]),
        error_box["x"] - button_box["x"] - button_box["width"],
    )
    gap_y = max(
        0,
        button_box["y"] - (error_box["y"] + error_box["height"]),
        error_box["y"] - button_box["y"] - button_box["height"],
    )
    assert gap_x < 40, (error_box, button_box)
    assert gap_y < 40, (error_box, button_box)
    color = by_button.evaluate("element => getComputedStyle(element).color")
    assert color == page.locator(".error-summary").evaluate("element => getComputedStyle(element).color"), color

    summary.get_by_role("link", name=message).click()
    expect(page.get_by_label("The ones I tick")).to_be_focused()
    page.get_by_role("row").nth(1).get_by_role("checkbox").check()
    with page.expect_download():
        button.click()
