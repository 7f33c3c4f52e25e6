"""Back office: corrections and withdrawals, suspension, the audit log, staff roles and 2FA."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.api import keys
from rvs.api.models import WebhookDelivery
from rvs.core.models import AuditEntry, Event, OutboxEmail
from rvs.downloads.pdf import verification_code
from rvs.organisations.models import Organisation
from rvs.results.models import Result, ResultRevision
from tests.api.conftest import api_client
from tests.conftest import client_for, make_staff, staff_client_for
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db

CORRECTION = {
    "first_name": "Łukasz",
    "last_name": "Wójcik",
    "date_of_birth": "2000-05-17",
    "status": "result",
    "score_reading": "190",
    "score_use_of_english": "190",
    "score_writing": "190",
    "score_listening": "190",
    "score_speaking": "190",
    "reason": "Re-marked after an enquiry",
}


class TestCorrections:
    def test_it_corrects_scores_and_tells_every_organisation_that_received_it(
        self, staff: Any, org_a: Any, member: Any, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        settings.WEBHOOK_ALLOW_PRIVATE = True
        share = ShareFactory(organisation=org_a)
        result = share.result
        member.membership.notify_on_share = True
        member.membership.save()
        url = reverse("backoffice:result", args=[result.public_id])
        client = staff_client_for(staff)
        assert client.post(url, {**CORRECTION, "reason": ""}).status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, CORRECTION)
        assert response.status_code == 302
        result.refresh_from_db()
        assert (result.overall_score, result.grade, result.cefr) == (190, "A", "C1")
        revision = ResultRevision.objects.get()
        assert revision.before["overall_score"] == 178
        assert revision.after["overall_score"] == 190
        assert Event.objects.filter(kind="result.corrected", organisation=org_a, result=result).exists()
        assert OutboxEmail.objects.filter(template="result_changed", to=member.email).exists()
        page = client_for(member).get(reverse("results:detail", args=[result.public_id])).content.decode()
        assert "was corrected by the exam board" in page
        assert ">190<" in page

    def test_it_queues_a_webhook_for_the_correction(
        self, staff: Any, org_a: Any, primary: Any, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from rvs.api import webhooks
        from rvs.backoffice.services import result_correct

        settings.WEBHOOK_ALLOW_PRIVATE = True
        endpoint, _ = webhooks.endpoint_create(
            actor=primary,
            organisation=org_a,
            url="http://127.0.0.1:9/hook",
            events=["result.corrected", "result.withdrawn"],
        )
        share = ShareFactory(organisation=org_a)
        with django_capture_on_commit_callbacks(execute=True):
            result_correct(actor=staff, result=share.result, reason="Withdrawn after malpractice", status="withdrawn")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert delivery.event.kind == "result.withdrawn"

    def test_it_shows_a_withdrawal_on_the_verify_page_and_the_details_page(
        self, staff: Any, org_a: Any, member: Any, client: Client
    ) -> None:
        from rvs.backoffice.services import result_correct

        share = ShareFactory(organisation=org_a)
        result = share.result
        result_correct(actor=staff, result=result, reason="Malpractice", status="withdrawn")
        page = client.get(
            reverse("verify_ern", args=[result.ern]), {"c": verification_code(result.ern)}
        ).content.decode()
        assert "This result has been withdrawn" in page
        assert (
            "withdrawn by the exam board"
            in client_for(member).get(reverse("results:detail", args=[result.public_id])).content.decode()
        )

    def test_it_fixes_the_candidates_name_and_keeps_search_in_step(self, staff: Any, org_a: Any, member: Any) -> None:
        from rvs.backoffice.services import result_correct

        share = ShareFactory(organisation=org_a)
        result_correct(
            actor=staff, result=share.result, reason="Name misspelt", first_name="Lukas", last_name="Wojcikowski"
        )
        response = client_for(member).post(reverse("results:search"), {"name": "wojcikowski"}, follow=True)
        assert "Wojcikowski, Lukas" in response.content.decode()

    def test_it_refuses_scores_out_of_range_with_the_field_named(self, staff: Any) -> None:
        share = ShareFactory()
        response = staff_client_for(staff).post(
            reverse("backoffice:result", args=[share.result.public_id]), {**CORRECTION, "score_reading": "999"}
        )
        assert response.status_code == 400
        assert "Reading score 999 is outside" in response.content.decode()
        assert not ResultRevision.objects.exists()

    def test_it_refuses_staff_without_the_correction_role(self, share_a: Any) -> None:
        importer_only = make_staff("import_results")
        url = reverse("backoffice:result", args=[share_a.result.public_id])
        assert staff_client_for(importer_only).get(url).status_code == 403
        assert staff_client_for(importer_only).post(url, CORRECTION).status_code == 403


class TestSuspension:
    def test_it_refuses_a_suspended_organisation_everywhere(
        self, staff: Any, org_a: Any, primary: Any, member: Any
    ) -> None:
        share = ShareFactory(organisation=org_a)
        _, text = keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")
        member_client = client_for(member)
        assert member_client.get(reverse("results:dashboard")).status_code == 200
        url = reverse("backoffice:organisation_status", args=[org_a.public_id])
        assert staff_client_for(staff).post(url, {"status": "suspended", "reason": ""}).status_code == 302
        assert Organisation.objects.get(pk=org_a.pk).status == "active"  # a reason is required
        asked = staff_client_for(staff).post(url, {"status": "suspended", "reason": "Unpaid fees"})
        assert "Are you sure you want to suspend" in asked.content.decode()  # the first click asks
        assert Organisation.objects.get(pk=org_a.pk).status == "active"
        staff_client_for(staff).post(url, {"status": "suspended", "reason": "Unpaid fees", "confirmed": "yes"})
        assert Organisation.objects.get(pk=org_a.pk).status == "suspended"
        for name in ["results:dashboard", "results:search", "organisations:details", "downloads:history"]:
            assert member_client.get(reverse(name)).status_code == 403, name
        assert member_client.get(reverse("results:detail", args=[share.result.public_id])).status_code == 403
        assert api_client(text).get(reverse("api:results")).status_code == 401
        staff_client_for(staff).post(url, {"status": "active", "reason": "Paid"})
        assert member_client.get(reverse("results:dashboard")).status_code == 200
        assert {"organisation.suspended", "organisation.reinstated"} <= set(
            AuditEntry.objects.values_list("action", flat=True)
        )


class TestAudit:
    def test_it_searches_and_exports_the_log(self, staff: Any, org_a: Any, member: Any) -> None:
        share = ShareFactory(organisation=org_a)
        client_for(member).get(reverse("results:detail", args=[share.result.public_id]))
        client = staff_client_for(staff)
        by_ern = client.get(reverse("backoffice:audit"), {"ern": share.result.ern}).content.decode()
        assert "result.viewed" in by_ern
        by_candidate = client.get(
            reverse("backoffice:audit"), {"candidate": share.result.candidate.candidate_number}
        ).content.decode()
        assert "result.viewed" in by_candidate
        assert (
            "result.viewed"
            not in client.get(reverse("backoffice:audit"), {"organisation": "nobody like this"}).content.decode()
        )
        export = client.get(reverse("backoffice:audit"), {"user": member.email, "export": "csv"})
        body = b"".join(export.streaming_content).decode("utf-8")
        assert body.startswith("\ufefftime (UTC),action")
        assert "result.viewed" in body
        today = timezone.now().date()
        assert (
            "result.viewed"
            not in client.get(
                reverse("backoffice:audit"), {"date_to": (today - dt.timedelta(days=1)).isoformat()}
            ).content.decode()
        )

    def test_it_cannot_be_changed_through_any_page(self, staff: Any, member: Any) -> None:
        from django.contrib import admin

        from rvs.core.models import AuditEntry as Entry

        client_for(member).get(reverse("results:dashboard"))
        entry = Entry.objects.create(action="x.test")
        model_admin = admin.site._registry[Entry]
        request = type("R", (), {"user": staff})()
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, entry)
        assert not model_admin.has_delete_permission(request, entry)
        entry.action = "y"
        with pytest.raises(ValueError, match="cannot be changed"):
            entry.save()
        with pytest.raises(ValueError, match="cannot be deleted"):
            entry.delete()
        # No URL of the service accepts a write to the log.
        from django.urls import get_resolver

        patterns = [str(p.pattern) for p in get_resolver().url_patterns]
        assert not any("audit" in p and ("edit" in p or "delete" in p) for p in patterns)

    def test_it_gives_the_primary_user_the_organisations_own_activity(
        self, primary: Any, member: Any, org_a: Any, outsider: Any
    ) -> None:
        share = ShareFactory(organisation=org_a)
        client_for(member).get(reverse("results:detail", args=[share.result.public_id]))
        client_for(outsider).get(reverse("results:dashboard"))
        page = client_for(primary).get(reverse("organisations:activity")).content.decode()
        assert f"{member.full_name} viewed a result." in page
        assert outsider.email not in page
        assert client_for(member).get(reverse("organisations:activity")).status_code == 403
        assert Client().get(reverse("organisations:activity")).status_code == 302


class TestStaffAccess:
    @pytest.mark.parametrize(
        "name", ["backoffice:results", "backoffice:audit", "backoffice:queue", "backoffice:organisations"]
    )
    def test_it_refuses_signed_out_visitors_organisation_users_and_unverified_staff(
        self, client: Client, primary: Any, staff: Any, name: str
    ) -> None:
        assert client.get(reverse(name)).status_code == 302
        assert client_for(primary).get(reverse(name)).status_code == 403
        unverified = client_for(staff).get(reverse(name))
        assert unverified.status_code == 302
        assert unverified["Location"].startswith(reverse("backoffice:two_factor"))
        assert staff_client_for(staff).get(reverse(name)).status_code == 200

    def test_it_enrols_and_verifies_a_totp_second_factor(self, staff: Any) -> None:
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client = client_for(staff)
        setup = client.get(reverse("backoffice:two_factor"), follow=True)
        assert "Set up your second factor" in setup.content.decode()
        device = TOTPDevice.objects.get(user=staff, confirmed=False)
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        codes_page = client.post(reverse("backoffice:two_factor_setup"), {"code": code})
        assert "Your backup codes" in codes_page.content.decode()
        assert client.get(reverse("backoffice:queue")).status_code == 200
        # A new session needs the second factor again; a backup code works once.
        backup = codes_page.context["codes"][0]
        again = client_for(staff)
        assert again.get(reverse("backoffice:queue")).status_code == 302
        assert again.post(reverse("backoffice:two_factor"), {"code": backup, "next": "/backoffice/"}).status_code == 302
        assert again.get(reverse("backoffice:queue")).status_code == 200
        third = client_for(staff)
        assert third.post(reverse("backoffice:two_factor"), {"code": backup}).status_code == 400

    def test_it_refuses_a_wrong_code(self, staff: Any) -> None:
        client = client_for(staff)
        client.get(reverse("backoffice:two_factor_setup"))
        wrong = client.post(reverse("backoffice:two_factor_setup"), {"code": "000000"})
        assert wrong.status_code == 400
        assert "This code is not right" in wrong.content.decode()
        assert client.get(reverse("backoffice:queue")).status_code == 302


def test_results_statuses_include_withdrawn() -> None:
    assert "withdrawn" in Result.Status.values
