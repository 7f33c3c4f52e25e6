"""What cannot be undone asks first (issue 17 item 4, decision 0029).

For each irreversible action of the web pages: the first click (a link, or the POST of a form
that carries a reason) changes nothing and shows "Are you sure …?", what will happen, a red
"Yes, …" button and a Cancel link back; only the POST of that page acts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.accounts.models import User
from rvs.api import keys, webhooks
from rvs.api.models import ApiKey, WebhookEndpoint
from rvs.candidates.models import CandidateAccount
from rvs.downloads.models import DownloadTemplate
from rvs.requirements.models import EntryRequirement
from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.conftest import client_for, staff_client_for
from tests.factories import ResultFactory, ShareFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_asks(response: Any, question: str, button: str, cancel: str) -> str:
    """A confirmation page: the question as the h1, a red Yes button posting confirmed=yes, Cancel back."""
    assert response.status_code == 200
    page: str = response.content.decode()
    assert re.search(rf"<h1[^>]*>{re.escape(question)}", page), page
    assert f"<title>{question}" in page
    assert f'<button type="submit" class="danger">{button}</button>' in page
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert f'<a href="{cancel}" class="button secondary">Cancel</a>' in page
    return page


class TestApiKeys:
    def test_revoke_asks_on_the_first_click_and_revokes_on_the_confirmation(self, primary: Any, org_a: Any) -> None:
        key, _ = keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="read")
        client = client_for(primary)
        overview = client.get(reverse("api_web:overview")).content.decode()
        url = reverse("api_web:key_revoke", args=[key.public_id])
        assert f'action="{url}"' in overview  # the table's Revoke button posts here, without confirmed=yes

        page = assert_asks(
            client.post(url),  # the first click
            "Are you sure you want to revoke the API key ‘Admissions CRM’?",
            "Yes, revoke the key",
            reverse("api_web:overview"),
        )
        assert "refused from the moment you revoke it" in page
        assert "This cannot be undone." in page
        key.refresh_from_db()
        assert key.revoked_at is None
        assert_asks(client.get(url), "Are you sure you want to revoke the API key ‘Admissions CRM’?",
                    "Yes, revoke the key", reverse("api_web:overview"))  # fmt: skip
        key.refresh_from_db()
        assert key.revoked_at is None
        assert key.is_usable

        assert client.post(url, {"confirmed": "yes"}).status_code == 302
        key.refresh_from_db()
        assert key.revoked_at is not None

    def test_rotate_asks_first_and_makes_no_key_until_confirmed(self, primary: Any, org_a: Any) -> None:
        key, _ = keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")
        client = client_for(primary)
        url = reverse("api_web:key_rotate", args=[key.public_id])
        page = assert_asks(
            client.post(url),
            "Are you sure you want to rotate the API key ‘CRM’?",
            "Yes, rotate the key",
            reverse("api_web:overview"),
        )
        assert "keeps working for" in page
        assert ApiKey.objects.count() == 1
        response = client.post(url, {"confirmed": "yes"})
        assert response.status_code == 200
        assert "Your new API key" in response.content.decode()
        assert ApiKey.objects.count() == 2

    def test_a_revoked_key_is_not_asked_about_again(self, primary: Any, org_a: Any) -> None:
        key, _ = keys.key_create(actor=primary, organisation=org_a, name="Old", scope="read")
        keys.key_revoke(actor=primary, organisation=org_a, key=key)
        response = client_for(primary).get(reverse("api_web:key_revoke", args=[key.public_id]))
        assert response.status_code == 302
        assert response["Location"] == reverse("api_web:overview")


class TestWebhookEndpoint:
    def test_delete_asks_first(self, primary: Any, org_a: Any, settings: Any) -> None:
        settings.WEBHOOK_ALLOW_PRIVATE = True
        endpoint, _ = webhooks.endpoint_create(
            actor=primary, organisation=org_a, url="http://127.0.0.1:9/hook", events=["result.shared"]
        )
        client = client_for(primary)
        detail_url = reverse("api_web:webhook", args=[endpoint.public_id])
        url = reverse("api_web:webhook_delete", args=[endpoint.public_id])
        assert f'<a href="{url}" class="button danger">Delete endpoint</a>' in client.get(detail_url).content.decode()
        for first in (client.get(url), client.post(url)):  # the link, or a POST without confirmed=yes
            assert_asks(
                first,
                "Are you sure you want to delete the webhook endpoint http://127.0.0.1:9/hook?",
                "Yes, delete the endpoint",
                detail_url,
            )
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
        assert client.post(url, {"confirmed": "yes"}).status_code == 302
        assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


class TestCandidateShare:
    def _candidate(self, result: Result) -> Client:
        user = UserFactory(email="candidate@cand.example")
        CandidateAccount.objects.create(
            user=user, candidate=result.candidate, email_confirmed_at=timezone.now(), terms_accepted_at=timezone.now()
        )
        return client_for(user)

    def test_revoke_asks_on_the_first_click_and_revokes_on_the_confirmation(self, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a, include_photo=True)
        client = self._candidate(share.result)
        url = reverse("candidates:revoke", args=[share.public_id])
        shared = client.get(reverse("candidates:shared")).content.decode()
        assert f'<a href="{url}">Revoke' in shared
        assert f'action="{url}"' not in shared

        page = assert_asks(
            client.get(url),
            f"Are you sure you want to stop sharing your {share.result.exam.name} result with {org_a.name}?",
            "Yes, revoke the share",
            reverse("candidates:shared"),
        )
        assert "can no longer see your test day photo" in page
        assert "Exam Reference Number" in page  # what they can still do (decision 0014)
        assert Share.objects.get(pk=share.pk).revoked_at is None

        assert client.post(url, {"confirmed": "yes"}).status_code == 302
        assert Share.objects.get(pk=share.pk).revoked_at is not None
        assert client.get(url)["Location"] == reverse("candidates:shared")  # nothing left to ask about


class TestOrganisationPages:
    def test_deleting_a_user_asks_in_the_same_way(self, primary: Any, member: Any) -> None:
        client = client_for(primary)
        url = reverse("organisations:user_delete", args=[member.membership.public_id])
        assert_asks(
            client.get(url),
            f"Are you sure you want to delete the user {member.email}?",
            "Yes, delete the user",
            reverse("organisations:users"),
        )
        assert User.objects.filter(pk=member.pk).exists()
        assert client.post(url, {"confirmed": "yes"}).status_code == 302
        assert not User.objects.filter(pk=member.pk).exists()

    def test_deleting_a_template_asks_in_the_same_way(self, primary: Any, org_a: Any) -> None:
        template = DownloadTemplate.objects.create(organisation=org_a, name="Admissions", fields=["ern"])
        url = reverse("downloads:template_delete", args=[template.public_id])
        assert_asks(
            client_for(primary).get(url),
            "Are you sure you want to delete the template ‘Admissions’?",
            "Yes, delete the template",
            reverse("downloads:history"),
        )
        assert DownloadTemplate.objects.filter(pk=template.pk).exists()

    def test_deleting_a_requirement_asks_in_the_same_way(self, primary: Any, org_a: Any) -> None:
        requirement = EntryRequirement.objects.create(organisation=org_a, name="MSc entry", min_overall=176)
        url = reverse("requirements:delete", args=[requirement.public_id])
        assert_asks(
            client_for(primary).get(url),
            "Are you sure you want to delete the entry requirement ‘MSc entry’?",
            "Yes, delete the requirement",
            reverse("requirements:index"),
        )
        assert EntryRequirement.objects.filter(pk=requirement.pk).exists()


class TestBackOffice:
    def test_withdrawing_a_result_asks_and_carries_the_form(self, staff: Any, org_a: Any) -> None:
        share = ShareFactory(organisation=org_a)
        result = share.result
        client = staff_client_for(staff)
        url = reverse("backoffice:result", args=[result.public_id])
        form = {
            "first_name": result.candidate.first_name,
            "last_name": result.candidate.last_name,
            "date_of_birth": result.candidate.date_of_birth.isoformat(),
            "status": "withdrawn",
            "reason": "Malpractice at the centre",
        }
        page = assert_asks(
            client.post(url, form),
            f"Are you sure you want to withdraw the {result.exam.name} result of {result.candidate.full_name}?",
            "Yes, withdraw the result",
            url,
        )
        assert f"shared with {org_a.name}" in page
        assert '<input type="hidden" name="reason" value="Malpractice at the centre">' in page
        assert Result.objects.get(pk=result.pk).status != "withdrawn"
        assert client.post(url, {**form, "confirmed": "yes"}).status_code == 302
        assert Result.objects.get(pk=result.pk).status == "withdrawn"

    def test_a_correction_that_is_not_a_withdrawal_does_not_ask(self, staff: Any) -> None:
        result = ResultFactory(status="result")
        form = {
            "first_name": result.candidate.first_name,
            "last_name": "Corrected",
            "date_of_birth": result.candidate.date_of_birth.isoformat(),
            "status": "pending",
            "reason": "Scores under review",
        }
        response = staff_client_for(staff).post(reverse("backoffice:result", args=[result.public_id]), form)
        assert response.status_code == 302
        assert Result.objects.get(pk=result.pk).status == "pending"

    def test_the_confirmation_escapes_what_it_carries(self, staff: Any, org_a: Any) -> None:
        url = reverse("backoffice:organisation_status", args=[org_a.public_id])
        page = staff_client_for(staff).post(url, {"status": "suspended", "reason": '"><script>x</script>'})
        text = page.content.decode()
        assert "<script>x</script>" not in text
        assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in text
