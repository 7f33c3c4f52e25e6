"""Registration → approval → set-password link → sign in, with every email through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.core.emails import relay_due
from rvs.core.models import AuditEntry, OutboxEmail
from rvs.exams.models import Exam
from rvs.organisations import services
from rvs.organisations.models import Membership, Organisation, RegistrationRequest
from tests.conftest import client_for, staff_client_for

NEW_PASSWORD = "lantern orbit pebble violet"
FORM = {
    "organisation_name": "Universidad de Sevilla Test",
    "kind": "university",
    "country": "Spain",
    "city": "Sevilla",
    "address": "Calle San Fernando 4",
    "website": "https://www.us.example",
    "registrant_name": "María José Núñez",
    "job_title": "Head of Admissions",
    "work_email": "admissions@us.example",
}


def _register(client: Client, **changes: Any) -> Any:
    data = {**FORM, **changes}
    data.setdefault("recognised_exams", [str(Exam.objects.get(code="c1-advanced").pk)])
    return client.post(reverse("register"), data)


def _link(body: str) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/accounts/set-password/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def _set_password(client: Client, path: str, password: str = NEW_PASSWORD) -> Any:
    response = client.get(path)
    assert response.status_code == 302  # Django moves the token into the session, out of the URL
    form_url = response["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


@pytest.mark.django_db(transaction=True)
class TestRegistrationToSignIn:
    def test_it_walks_from_registration_to_signing_in(self, client: Client, smtp: Any, staff: Any) -> None:
        response = _register(client)
        assert response.status_code == 302
        assert response["Location"] == reverse("register_done")
        [ack] = smtp.to("admissions@us.example")
        assert "within two working days" in smtp.body(ack)
        assert "María José Núñez" in smtp.body(ack)

        registration = RegistrationRequest.objects.get()
        staff_client = staff_client_for(staff)
        queue = staff_client.get(reverse("backoffice:queue")).content.decode()
        assert "Universidad de Sevilla Test" in queue
        response = staff_client.post(
            reverse("backoffice:registration", args=[registration.public_id]), {"action": "approve"}
        )
        assert response.status_code == 302
        organisation = Organisation.objects.get(name="Universidad de Sevilla Test")
        membership = Membership.objects.get(organisation=organisation)
        assert membership.role == Membership.Role.PRIMARY
        assert not membership.user.has_usable_password()
        assert list(organisation.recognised_exams.values_list("code", flat=True)) == ["c1-advanced"]

        approval = smtp.to("admissions@us.example")[-1]
        assert "approved" in str(approval["Subject"])
        path = _link(smtp.body(approval))
        done = _set_password(Client(), path)
        assert done.status_code == 302
        assert done["Location"] == reverse("accounts:set_password_done")

        # The link works once.
        again = Client().get(path, follow=True)
        assert "has expired or has already been used" in again.content.decode()

        signed_in = Client()
        response = signed_in.post(
            reverse("accounts:login"), {"username": "ADMISSIONS@us.example", "password": NEW_PASSWORD}
        )
        assert response.status_code == 302
        assert signed_in.get(reverse("results:dashboard")).status_code == 200
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"registration.submitted", "registration.approved", "user.password_set"} <= actions

    def test_it_refuses_the_link_after_24_hours(self, client: Client, smtp: Any, staff: Any) -> None:
        _register(client)
        services.registration_approve(actor=staff, request=RegistrationRequest.objects.get())
        path = _link(smtp.body(smtp.to("admissions@us.example")[-1]))
        with time_machine.travel(timezone.now() + dt.timedelta(hours=24, minutes=1)):
            response = Client().get(path, follow=True)
        assert "has expired or has already been used" in response.content.decode()

    def test_it_keeps_the_approval_when_smtp_is_down_and_delivers_once_it_is_back(
        self, client: Client, smtp: Any, staff: Any
    ) -> None:
        _register(client)
        smtp.stop()
        services.registration_approve(actor=staff, request=RegistrationRequest.objects.get())
        assert Organisation.objects.filter(name="Universidad de Sevilla Test").exists()
        pending = OutboxEmail.objects.get(template="registration_approved")
        assert pending.status == OutboxEmail.Status.PENDING
        assert pending.attempts == 1
        assert "Error" in pending.last_error or "refused" in pending.last_error.lower()

        smtp.start()
        assert relay_due() == 0  # not due yet: the retry waits for its backoff
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
            assert relay_due() == 1
            assert relay_due() == 0
        approvals = [m for m in smtp.to("admissions@us.example") if "approved" in str(m["Subject"])]
        assert len(approvals) == 1
        assert approvals[0]["Message-ID"] == f"<{pending.pk}@rvs.invalid>"

    @pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks under real concurrency: PostgreSQL")
    def test_it_creates_one_organisation_when_two_staff_approve_at_once(self, client: Client, smtp: Any) -> None:
        from django.db import connections

        from tests.conftest import make_staff

        _register(client)
        registration = RegistrationRequest.objects.get()
        approvers = [make_staff(), make_staff()]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def approve(actor: Any) -> None:
            barrier.wait()
            try:
                services.registration_approve(actor=actor, request=registration)
                outcomes.append("approved")
            except Exception as exc:
                outcomes.append(type(exc).__name__)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=approve, args=(actor,)) for actor in approvers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["ValidationError", "approved"]
        assert Organisation.objects.filter(name="Universidad de Sevilla Test").count() == 1
        assert len([m for m in smtp.to("admissions@us.example") if "approved" in str(m["Subject"])]) == 1


@pytest.mark.django_db
class TestRegistrationForm:
    def test_it_labels_every_field(self, client: Client) -> None:
        page = client.get(reverse("register")).content.decode()
        for label in [
            "Organisation name",
            "Type of organisation",
            "Country",
            "City",
            "Address",
            "Website",
            "Your name",
            "Job title",
            "Work email address",
        ]:
            assert re.search(rf'<label for="id_\w+">{label}</label>', page), label
        assert "cannot be verified on this service" in page

    def test_it_explains_each_bad_field(self, client: Client) -> None:
        response = _register(client, website="not a url", work_email="nobody", organisation_name="")
        assert response.status_code == 400
        page = response.content.decode()
        assert "Enter your organisation&#x27;s website in the correct format, like https://www.example.com" in page
        assert "Enter your work email address in the correct format, like name@example.com" in page
        assert "Enter your organisation&#x27;s name" in page
        assert not RegistrationRequest.objects.exists()

    def test_it_refuses_a_second_pending_request_for_the_same_organisation_or_email(self, client: Client) -> None:
        assert _register(client).status_code == 302
        same_org = _register(
            client, work_email="someone.else@us.example", organisation_name="UNIVERSIDAD de  sevilla test"
        )
        assert same_org.status_code == 400
        assert "already waiting for review" in same_org.content.decode()
        same_email = _register(client, organisation_name="Another College")
        assert same_email.status_code == 400
        assert "already waiting for review" in same_email.content.decode()
        assert RegistrationRequest.objects.count() == 1

    def test_it_sets_the_due_date_two_working_days_ahead(self, client: Client) -> None:
        with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)):  # a Friday
            _register(client)
        assert RegistrationRequest.objects.get().due_by == dt.date(2026, 12, 1)  # Tuesday

    def test_it_rejects_with_a_reason_that_is_emailed(self, client: Client, staff: Any, mailoutbox: Any) -> None:
        _register(client)
        registration = RegistrationRequest.objects.get()
        staff_client = staff_client_for(staff)
        url = reverse("backoffice:registration", args=[registration.public_id])
        assert staff_client.post(url, {"action": "reject", "reason": ""}).status_code == 400
        with_reason = {"action": "reject", "reason": "We could not confirm the organisation."}
        asked = staff_client.post(url, with_reason)  # the first click asks (decision 0029)
        assert "Are you sure you want to reject the registration" in asked.content.decode()
        assert RegistrationRequest.objects.get().status == RegistrationRequest.Status.PENDING
        response = staff_client.post(url, {**with_reason, "confirmed": "yes"})
        assert response.status_code == 302
        registration.refresh_from_db()
        assert registration.status == RegistrationRequest.Status.REJECTED
        assert not Organisation.objects.exists()
        outbox = OutboxEmail.objects.get(template="registration_rejected")
        assert "We could not confirm the organisation." in outbox.body_text

    def test_it_refuses_a_second_decision(self, client: Client, staff: Any) -> None:
        _register(client)
        registration = RegistrationRequest.objects.get()
        services.registration_approve(actor=staff, request=registration)
        with pytest.raises(Exception, match="already been decided"):
            services.registration_approve(actor=staff, request=registration)
        assert Organisation.objects.count() == 1

    def test_it_highlights_overdue_requests(self, client: Client, staff: Any) -> None:
        with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)):
            _register(client)
        page = staff_client_for(staff).get(reverse("backoffice:queue")).content.decode()
        assert 'class="overdue"' in page
        assert "Overdue" in page


@pytest.mark.django_db
class TestBackOfficeAccess:
    @pytest.mark.parametrize("name", ["backoffice:queue", "backoffice:organisations"])
    def test_it_refuses_signed_out_visitors_and_organisation_users(
        self, client: Client, primary: Any, name: str
    ) -> None:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert client_for(primary).get(reverse(name)).status_code == 403

    def test_it_refuses_decisions_from_organisation_users(self, client: Client, primary: Any) -> None:
        _register(client)
        registration = RegistrationRequest.objects.get()
        url = reverse("backoffice:registration", args=[registration.public_id])
        assert client_for(primary).post(url, {"action": "approve"}).status_code == 403
        assert Client().post(url, {"action": "approve"}).status_code == 302
        registration.refresh_from_db()
        assert registration.status == RegistrationRequest.Status.PENDING

    def test_it_lets_staff_change_the_primary_user_and_emails_both(
        self, staff: Any, primary: Any, member: Any, org_a: Any
    ) -> None:
        url = reverse("backoffice:change_primary", args=[org_a.public_id])
        assert client_for(primary).post(url, {"membership": str(member.membership.public_id)}).status_code == 403
        chosen = {"membership": str(member.membership.public_id)}
        asked = staff_client_for(staff).post(url, chosen)  # the first click asks (decision 0029)
        assert f"make {member.email} the Primary User" in asked.content.decode()
        member.membership.refresh_from_db()
        assert member.membership.role == Membership.Role.ADDITIONAL
        response = staff_client_for(staff).post(url, {**chosen, "confirmed": "yes"})
        assert response.status_code == 302
        member.membership.refresh_from_db()
        primary.membership.refresh_from_db()
        assert member.membership.role == Membership.Role.PRIMARY
        assert primary.membership.role == Membership.Role.ADDITIONAL
        recipients = set(OutboxEmail.objects.filter(template="primary_changed").values_list("to", flat=True))
        assert recipients == {primary.email, member.email}
        assert AuditEntry.objects.filter(action="organisation.primary_changed", actor=staff).exists()


def test_connection_vendor_is_known() -> None:
    assert connection.vendor in {"sqlite", "postgresql"}
