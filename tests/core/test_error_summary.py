"""The error summary and the messages by the fields, the GOV.UK way (decision 0030, issue 17 item 5)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from rvs.organisations.models import Organisation
from tests.factories import ShareFactory


def _summary(page: str) -> str:
    found = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus>(.*?)</div>', page, re.S)
    assert found, "no error summary that takes the focus"
    return found.group(1)


class TestFormErrors:
    def test_the_summary_links_each_message_to_its_field(self, client: Client, db: None) -> None:
        response = client.post(reverse("register"), {"work_email": "nobody", "website": "not a web address"})
        assert response.status_code == 400
        page = response.content.decode()
        summary = _summary(page)
        assert "<h2>There is a problem</h2>" in summary
        assert '<a href="#id_organisation_name">Enter your organisation&#x27;s name</a>' in summary
        assert (
            '<a href="#id_work_email">Enter your work email address in the correct format, like name@example.com</a>'
            in summary
        )
        # The same words by the field, read with it by a screen reader.
        assert 'id="id_work_email_error"><span class="visually-hidden">Error:</span> Enter your work email' in page
        assert "This field is required" not in page

    def test_a_sign_in_failure_is_in_the_summary(self, client: Client, member: Any) -> None:
        response = client.post(reverse("accounts:login"), {"username": member.email, "password": "wrong"})
        summary = _summary(response.content.decode())
        assert '<a href="#id_username">Enter the email address and password of your account' in summary
        empty = client.post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()
        assert '<a href="#id_username">Enter your email address</a>' in _summary(empty)
        assert '<a href="#id_password">Enter your password</a>' in _summary(empty)
        assert 'id="id_password_error"' in empty

    def test_a_bulk_file_problem_is_linked_to_the_file_box(self, member_client: Client) -> None:
        response = member_client.post(reverse("bulk:upload"), {"format": "csv"})
        assert response.status_code == 400
        assert '<a href="#id_applicants">Select your applicant file</a>' in _summary(response.content.decode())

    def test_a_page_without_errors_has_no_summary(self, client: Client, db: None) -> None:
        page = client.get(reverse("register")).content.decode()
        assert "error-summary" not in page
        assert "<title>Register your organisation – " in page


class TestTitle:
    def test_it_starts_error_when_a_form_shows_an_error(self, client: Client, db: None) -> None:
        page = client.post(reverse("register"), {}).content.decode()
        assert "<title>Error: Register your organisation – " in page

    def test_it_starts_error_once_when_the_page_also_says_so(self, primary: Any) -> None:
        from tests.conftest import client_for

        page = (
            client_for(primary)
            .get(reverse("organisations:activity"), {"start_day": "31", "start_month": "2", "start_year": "2026"})
            .content.decode()
        )
        assert "<title>Error: Activity – " in page

    def test_it_starts_error_for_a_refused_action(self, member_client: Client, org_a: Organisation) -> None:
        ShareFactory(organisation=org_a)
        member_client.post(reverse("downloads:create"), {"format": "pdf", "back": "/dashboard/"})
        page = member_client.get(reverse("results:dashboard")).content.decode()
        assert "<title>Error: " in page
        assert "<title>Error: " not in member_client.get(reverse("results:dashboard")).content.decode()


class TestTickAtLeastOne:
    def test_it_sits_by_the_download_button_and_in_the_summary(
        self, member_client: Client, org_a: Organisation
    ) -> None:
        ShareFactory(organisation=org_a)
        response = member_client.post(reverse("downloads:create"), {"format": "pdf", "back": "/dashboard/"})
        assert response.status_code == 302
        page = member_client.get(response["Location"]).content.decode()
        summary = _summary(page)
        assert '<a href="#scope-ticked">Tick at least one candidate, or choose to select all, then download</a>' in (
            summary
        )
        by_button = re.search(
            r'<p class="field-error download-error" id="download-error">(.*?)</p>\s*<button', page, re.S
        )
        assert by_button, "the message is not by the Download button"
        assert "Tick at least one candidate" in by_button.group(1)
        assert 'aria-describedby="download-error">Download</button>' in page
        # Not in the grey banner of notices.
        assert '<div class="messages"' not in page
        # Shown once: the next page has neither.
        again = member_client.get(response["Location"]).content.decode()
        assert "Tick at least one candidate" not in again


class TestNotices:
    def test_a_notice_stays_in_the_banner(self, primary: Any) -> None:
        from tests.conftest import client_for

        client = client_for(primary)
        client.post(reverse("downloads:template_new"), {"name": "Mine", "include_grade": "on"})
        page = client.get(reverse("downloads:history")).content.decode()
        assert '<div class="messages" role="status">' in page
        assert "Template &#x27;Mine&#x27; saved" in page
        assert "error-summary" not in page
