"""The Candidate Results Website and sharing results with organisations."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.candidates.models import CandidateAccount
from rvs.candidates.services import candidate_confirm_email, candidate_sign_up
from rvs.core.emails import relay_due
from rvs.core.models import AuditEntry, OutboxEmail
from rvs.organisations.models import Membership
from rvs.sharing.models import Share
from tests.conftest import client_for
from tests.factories import CandidateFactory, MembershipFactory, ResultFactory, ShareFactory

PASSWORD = "my exam results are mine"
CANDIDATE_PAGES = [
    "candidates:results",
    "candidates:share",
    "candidates:organisation_options",
    "candidates:shared",
    "candidates:invite",
]


def _account(candidate: Any = None, *, confirmed: bool = True) -> CandidateAccount:
    candidate = candidate or CandidateFactory()
    account = candidate_sign_up(
        candidate_number=candidate.candidate_number,
        secret_number="1234",
        email=f"{candidate.candidate_number}@cand.example",
        password=PASSWORD,
    )
    if confirmed:
        account.email_confirmed_at = timezone.now()
        account.save()
    return account


def _share(client: Client, organisation: Any, results: list[Any], photo: bool = False) -> Any:
    data: dict[str, Any] = {
        "organisation": str(organisation.public_id),
        "results": [str(r.public_id) for r in results],
        "confirmed": "yes",
    }
    if photo:
        data["include_photo"] = "on"
    return client.post(reverse("candidates:share"), data)


@pytest.mark.django_db
class TestSignUp:
    def _post(self, client: Client, **changes: Any) -> Any:
        data = {
            "candidate_number": "ABC000001",
            "secret_number": "1234",
            "email": "lan@example.vn",
            "password": PASSWORD,
            "terms": "on",
            "country": "Prefer not to say",
            "first_language": "Vietnamese",
        }
        data.update(changes)
        return client.post(reverse("candidates:sign_up"), data)

    def test_it_signs_up_with_the_pair_and_confirms_the_email(self, client: Client) -> None:
        candidate = CandidateFactory(candidate_number="ABC000001", first_name="Thị Lan", last_name="Nguyễn")
        response = self._post(client)
        assert response.status_code == 302
        assert response["Location"] == reverse("candidates:confirm_needed")
        account = CandidateAccount.objects.get(candidate=candidate)
        assert account.country == ""
        assert client.get(reverse("candidates:results")).status_code == 302  # not confirmed yet
        email = OutboxEmail.objects.get(template="candidate_confirm")
        link = re.search(r"http://127\.0\.0\.1:8000(\S+)", email.body_text)
        assert link
        assert client.get(link.group(1)).status_code == 302
        page = client.get(reverse("candidates:results")).content.decode()
        assert "Nguyễn" in page

    @pytest.mark.parametrize(("number", "secret"), [("ABC000001", "9999"), ("ZZZ999999", "1234")])
    def test_it_gives_one_generic_message_for_a_wrong_pair(self, client: Client, number: str, secret: str) -> None:
        CandidateFactory(candidate_number="ABC000001")
        response = self._post(client, candidate_number=number, secret_number=secret)
        assert response.status_code == 400
        assert "could not find a candidate with this Candidate ID Number and Secret Number" in response.content.decode()
        assert not CandidateAccount.objects.exists()

    def test_it_throttles_guesses_for_one_candidate(self, client: Client, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "candidate_pair": "3/3600"}
        CandidateFactory(candidate_number="ABC000001")
        for secret in ("0000", "0001", "0002"):
            assert self._post(client, secret_number=secret).status_code == 400
        response = self._post(client, secret_number="1234")
        assert response.status_code == 429
        assert "Retry-After" in response

    def test_it_explains_bad_fields(self, client: Client) -> None:
        response = self._post(client, secret_number="12a4", password="short", terms="")
        page = response.content.decode()
        assert response.status_code == 400
        assert "The Secret Number is 4 digits." in page
        assert "Accept the terms to sign up." in page

    def test_it_refuses_a_weak_password(self, client: Client) -> None:
        CandidateFactory(candidate_number="ABC000001")
        response = self._post(client, password="short one")
        assert response.status_code == 400
        assert "at least 15 characters" in response.content.decode()
        assert not CandidateAccount.objects.exists()

    def test_it_rejects_a_tampered_confirmation_link(self, db: None) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            candidate_confirm_email(token="nonsense:token")

    def test_it_expires_the_confirmation_link(self, db: None) -> None:
        from django.core.exceptions import ValidationError

        account = _account(confirmed=False)
        body = OutboxEmail.objects.get(template="candidate_confirm").body_text
        token = re.search(r"/candidate/confirm/([^/\s]+)/", body).group(1)  # type: ignore[union-attr]
        with (
            time_machine.travel(timezone.now() + dt.timedelta(days=4)),
            pytest.raises(ValidationError, match="expired"),
        ):
            candidate_confirm_email(token=token)
        account.refresh_from_db()
        assert account.email_confirmed_at is None


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("name", CANDIDATE_PAGES)
    def test_it_sends_signed_out_visitors_to_sign_in(self, client: Client, name: str) -> None:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("candidates:sign_in"))  # their own sign-in page

    @pytest.mark.parametrize("name", CANDIDATE_PAGES)
    def test_it_refuses_organisation_users(self, member_client: Client, name: str) -> None:
        assert member_client.get(reverse(name)).status_code == 403

    def test_it_shows_only_the_candidates_own_results(self, db: None) -> None:
        mine = _account()
        theirs = ResultFactory(candidate__first_name="Other", candidate__last_name="Person")
        own = ResultFactory(candidate=mine.candidate)
        page = client_for(mine.user).get(reverse("candidates:results")).content.decode()
        assert theirs.ern_display not in page
        assert own.ern_display in page

    def test_it_refuses_to_share_or_revoke_another_candidates_result(self, org_a: Any) -> None:
        mine = _account()
        theirs = ResultFactory()
        their_share = ShareFactory(result=theirs, organisation=org_a)
        client = client_for(mine.user)
        assert _share(client, org_a, [theirs]).status_code == 404
        assert not Share.objects.filter(result=theirs, revoked_at=None).exclude(pk=their_share.pk).exists()
        assert client.post(reverse("candidates:revoke", args=[their_share.public_id])).status_code == 404
        their_share.refresh_from_db()
        assert their_share.revoked_at is None


@pytest.mark.django_db
class TestSharing:
    def test_it_shares_shows_read_and_revokes(self, org_a: Any, member: Any) -> None:
        account = _account()
        result = ResultFactory(candidate=account.candidate)
        client = client_for(account.user)
        confirm = client.post(
            reverse("candidates:share"),
            {"organisation": str(org_a.public_id), "results": [str(result.public_id)], "include_photo": "on"},
        )
        assert confirm.status_code == 200
        assert "Check and send" in confirm.content.decode()
        assert not Share.objects.exists()
        assert _share(client, org_a, [result], photo=True).status_code == 302
        share = Share.objects.get()
        assert share.include_photo

        org = client_for(member)
        dashboard = org.get(reverse("results:dashboard")).content.decode()
        assert '<tr class="new">' in dashboard
        assert "Unread" in client.get(reverse("candidates:shared")).content.decode()
        assert org.get(reverse("results:detail", args=[result.public_id])).status_code == 200
        assert "<strong>Read</strong>" in client.get(reverse("candidates:shared")).content.decode()

        assert client.post(reverse("candidates:revoke", args=[share.public_id])).status_code == 302
        assert org.get(reverse("results:detail", args=[result.public_id])).status_code == 404
        search = org.post(reverse("results:search"), {"name": result.candidate.last_name}, follow=True)
        assert "No shared result matches" in search.content.decode()
        assert {"share.created", "share.revoked"} <= set(AuditEntry.objects.values_list("action", flat=True))

        # Sharing again after revoking works.
        assert _share(client, org_a, [result]).status_code == 302
        assert org.get(reverse("results:detail", args=[result.public_id])).status_code == 200

    def test_it_ends_the_organisations_ern_grant_when_revoked(self, org_a: Any, member: Any) -> None:
        account = _account()
        result = ResultFactory(candidate=account.candidate)
        client = client_for(account.user)
        _share(client, org_a, [result])
        org = client_for(member)
        assert org.post(reverse("results:search"), {"ern": result.ern}).status_code == 302
        client.post(reverse("candidates:revoke", args=[Share.objects.get().public_id]))
        assert org.get(reverse("results:detail", args=[result.public_id])).status_code == 404

    def test_it_shows_the_photo_only_when_included(self, org_a: Any, member: Any) -> None:
        from django.core.files.base import ContentFile

        account = _account()
        result = ResultFactory(candidate=account.candidate)
        result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0fakejpeg"), save=True)
        client = client_for(account.user)
        _share(client, org_a, [result], photo=False)
        org = client_for(member)
        assert "Test day photo" not in org.get(reverse("results:detail", args=[result.public_id])).content.decode()
        assert org.get(reverse("results:photo", args=[result.public_id])).status_code == 404
        _share(client, org_a, [result], photo=True)
        assert "Test day photo" in org.get(reverse("results:detail", args=[result.public_id])).content.decode()
        assert org.get(reverse("results:photo", args=[result.public_id])).status_code == 200

    def test_it_finds_organisations_as_you_type_told_apart_by_city(self, db: None) -> None:
        from tests.factories import OrganisationFactory

        OrganisationFactory(name="Kings College", city="Cambridge", country="United Kingdom")
        OrganisationFactory(name="Kings College", city="London", country="United Kingdom")
        client = client_for(_account().user)
        page = client.get(reverse("candidates:organisation_options"), {"q": "kings"}).content.decode()
        assert "Kings College – Cambridge, United Kingdom" in page
        assert "Kings College – London, United Kingdom" in page
        assert (
            "Send them an invite"
            in client.get(reverse("candidates:organisation_options"), {"q": "zzz"}).content.decode()
        )

    def test_it_invites_an_organisation(self, db: None) -> None:
        client = client_for(_account().user)
        response = client.post(
            reverse("candidates:invite"),
            {"organisation_name": "Tiny College", "email": "admissions@tiny.example", "website": "tiny.example"},
        )
        assert response.status_code == 302
        email = OutboxEmail.objects.get(template="organisation_invite")
        assert email.to == "admissions@tiny.example"
        assert "/register/" in email.body_text


@pytest.mark.django_db(transaction=True)
class TestShareNotifications:
    def test_it_emails_only_opted_in_users_of_the_right_organisation(self, smtp: Any, org_a: Any, org_b: Any) -> None:
        opted_in = MembershipFactory(organisation=org_a, notify_on_share=True).user
        MembershipFactory(organisation=org_a, notify_on_share=False)
        other_org_user = MembershipFactory(organisation=org_b, notify_on_share=True).user
        account = _account()
        result = ResultFactory(candidate=account.candidate)
        _share(client_for(account.user), org_a, [result])
        assert [str(m["To"]) for m in smtp.messages if "shared results" in str(m["Subject"])] == [opted_in.email]
        assert not smtp.to(other_org_user.email)
        assert result.exam.name in smtp.body(smtp.to(opted_in.email)[0])

    def test_it_keeps_the_share_when_smtp_is_down_and_delivers_exactly_once(self, smtp: Any, org_a: Any) -> None:
        opted_in = MembershipFactory(organisation=org_a, notify_on_share=True).user
        account = _account()
        result = ResultFactory(candidate=account.candidate)
        smtp.stop()
        assert _share(client_for(account.user), org_a, [result]).status_code == 302
        assert Share.objects.filter(result=result, organisation=org_a).exists()
        assert OutboxEmail.objects.get(template="result_shared").status == OutboxEmail.Status.PENDING
        smtp.start()
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
            assert relay_due() == 1
            assert relay_due() == 0
        assert len(smtp.to(opted_in.email)) == 1


def test_membership_roles_are_known() -> None:
    assert {"primary", "additional"} == set(Membership.Role.values)
