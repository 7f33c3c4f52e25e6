"""Your Organisation: details, users, recognised exams, notifications; who may do what."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.accounts.models import User
from rvs.core.models import AuditEntry, OutboxEmail
from rvs.exams.models import Exam
from rvs.organisations.models import Membership, Organisation
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ORG_PAGES = [
    "organisations:details",
    "organisations:details_edit",
    "organisations:users",
    "organisations:user_add",
    "organisations:exams",
    "accounts:notifications",
]
DETAILS = {
    "name": "University of Aberdeen Test",
    "kind": "university",
    "country": "United Kingdom",
    "city": "Aberdeen",
    "address": "King's College, Aberdeen AB24 3FX",
    "website": "https://www.abdn.example",
}


class TestSignedOutAndOutsiders:
    @pytest.mark.parametrize("name", ORG_PAGES)
    def test_it_sends_signed_out_visitors_to_sign_in(self, client: Client, name: str) -> None:
        for method in (client.get, client.post):
            response = method(reverse(name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))

    @pytest.mark.parametrize("name", ["organisations:user_edit", "organisations:user_delete"])
    def test_it_hides_another_organisations_users(self, outsider_client: Client, member: Any, name: str) -> None:
        url = reverse(name, args=[member.membership.public_id])
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, {"full_name": "Hacked", "job_title": ""}).status_code == 404
        member.refresh_from_db()
        assert member.full_name != "Hacked"
        assert User.objects.filter(pk=member.pk).exists()

    @pytest.mark.parametrize("name", ["organisations:user_edit", "organisations:user_delete"])
    def test_it_refuses_signed_out_visitors_on_user_pages(self, client: Client, member: Any, name: str) -> None:
        response = client.post(reverse(name, args=[member.membership.public_id]))
        assert response.status_code == 302
        assert User.objects.filter(pk=member.pk).exists()

    def test_it_shows_each_organisation_only_its_own_details_and_users(
        self, outsider_client: Client, primary: Any, org_a: Organisation
    ) -> None:
        details = outsider_client.get(reverse("organisations:details")).content.decode()
        assert org_a.name not in details
        users = outsider_client.get(reverse("organisations:users")).content.decode()
        assert primary.email not in users

    def test_it_refuses_users_of_a_suspended_organisation(self, member_client: Client, org_a: Organisation) -> None:
        Organisation.objects.filter(pk=org_a.pk).update(status=Organisation.Status.SUSPENDED)
        assert member_client.get(reverse("organisations:details")).status_code == 403
        assert member_client.get(reverse("results:dashboard")).status_code == 403


class TestAdditionalUser:
    @pytest.mark.parametrize("name", ["organisations:details_edit", "organisations:user_add"])
    def test_it_refuses_editing_pages(self, member_client: Client, name: str) -> None:
        assert member_client.get(reverse(name)).status_code == 403
        assert member_client.post(reverse(name), {**DETAILS, "name": "Renamed"}).status_code == 403
        assert not Organisation.objects.filter(name="Renamed").exists()

    def test_it_cannot_edit_or_delete_users(self, member_client: Client, primary: Any) -> None:
        for name in ("organisations:user_edit", "organisations:user_delete"):
            response = member_client.post(reverse(name, args=[primary.membership.public_id]), {"full_name": "X"})
            assert response.status_code == 403
        assert User.objects.filter(pk=primary.pk).exists()

    def test_it_cannot_change_recognised_exams(self, member_client: Client, org_a: Organisation) -> None:
        exam = Exam.objects.get(code="b2-first")
        assert member_client.post(reverse("organisations:exams"), {"exams": [exam.pk]}).status_code == 403
        assert not org_a.recognised_exams.exists()

    def test_it_sees_no_editing_controls(self, member_client: Client, primary: Any) -> None:
        details = member_client.get(reverse("organisations:details")).content.decode()
        assert "Edit organisation details" not in details
        assert "Only the Primary User can edit organisation details" in details
        users = member_client.get(reverse("organisations:users")).content.decode()
        assert "Add a user" not in users
        assert "/delete/" not in users
        exams = member_client.get(reverse("organisations:exams")).content.decode()
        assert 'type="checkbox"' not in exams
        assert "Only the Primary User can change this list" in exams


class TestPrimaryUser:
    def test_it_edits_the_details(self, primary: Any, org_a: Organisation) -> None:
        client = client_for(primary)
        assert "Edit organisation details" in client.get(reverse("organisations:details")).content.decode()
        response = client.post(reverse("organisations:details_edit"), {**DETAILS, "city": "Old Aberdeen"})
        assert response.status_code == 302
        org_a.refresh_from_db()
        assert org_a.city == "Old Aberdeen"
        entry = AuditEntry.objects.get(action="organisation.updated")
        assert entry.actor == primary
        assert "city" in entry.data["fields"]

    def test_it_explains_bad_details(self, primary: Any) -> None:
        response = client_for(primary).post(
            reverse("organisations:details_edit"), {**DETAILS, "website": "nope", "name": ""}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Enter your organisation&#x27;s website in the correct format, like https://www.example.com" in page
        assert "Enter your organisation&#x27;s name" in page

    def test_it_adds_a_user_who_is_emailed_a_link(self, primary: Any, org_a: Organisation) -> None:
        client = client_for(primary)
        data = {"full_name": "Zoë Ørsted", "email": "Zoe@Aberdeen.example", "job_title": "Admissions officer"}
        response = client.post(reverse("organisations:user_add"), data)
        assert response.status_code == 302
        membership = Membership.objects.get(user__email="zoe@aberdeen.example")
        assert membership.organisation == org_a
        assert membership.role == Membership.Role.ADDITIONAL
        email = OutboxEmail.objects.get(template="user_added", to="zoe@aberdeen.example")
        assert "/accounts/set-password/" in email.body_text
        assert "Zoë Ørsted" in email.body_text
        duplicate = client.post(reverse("organisations:user_add"), data)
        assert "already has an account" in duplicate.content.decode()

    def test_it_edits_and_deletes_an_additional_user(self, primary: Any, member: Any) -> None:
        client = client_for(primary)
        url = reverse("organisations:user_edit", args=[member.membership.public_id])
        assert client.post(url, {"full_name": "New Name", "job_title": "Registrar"}).status_code == 302
        member.refresh_from_db()
        assert (member.full_name, member.job_title) == ("New Name", "Registrar")
        assert client.post(reverse("organisations:user_delete", args=[member.membership.public_id])).status_code == 302
        assert not User.objects.filter(pk=member.pk).exists()
        assert {"user.updated", "user.removed"} <= set(AuditEntry.objects.values_list("action", flat=True))

    def test_it_cannot_delete_the_primary_user(self, primary: Any) -> None:
        response = client_for(primary).post(reverse("organisations:user_delete", args=[primary.membership.public_id]))
        assert response.status_code == 400
        assert "contact the Global Recognition Team" in response.content.decode().replace("Contact", "contact")
        assert User.objects.filter(pk=primary.pk).exists()

    def test_it_ticks_and_unticks_recognised_exams(self, primary: Any, org_a: Organisation) -> None:
        client = client_for(primary)
        page = client.get(reverse("organisations:exams")).content.decode()
        assert page.count('type="checkbox"') == Exam.objects.count()
        assert 'CELTA <span class="muted">(cannot be verified on this service)</span>' in page
        assert "You can currently verify all Cambridge English Qualifications" in page
        chosen = list(Exam.objects.filter(code__in=["c1-advanced", "celta"]).values_list("pk", flat=True))
        assert client.post(reverse("organisations:exams"), {"exams": chosen}).status_code == 302
        assert set(org_a.recognised_exams.values_list("code", flat=True)) == {"c1-advanced", "celta"}
        assert client.post(reverse("organisations:exams"), {}).status_code == 302
        assert not org_a.recognised_exams.exists()
        assert AuditEntry.objects.filter(action="organisation.exams_updated").count() == 2


class TestNotifications:
    def test_it_turns_share_emails_on_and_off_for_this_user_only(self, member: Any, primary: Any) -> None:
        client = client_for(member)
        page = client.get(reverse("accounts:notifications")).content.decode()
        assert re.search(r'<label for="id_notify_on_share">Email me whenever a candidate shares', page)
        client.post(reverse("accounts:notifications"), {"notify_on_share": "on"})
        member.membership.refresh_from_db()
        primary.membership.refresh_from_db()
        assert member.membership.notify_on_share is True
        assert primary.membership.notify_on_share is False
        client.post(reverse("accounts:notifications"), {})
        member.membership.refresh_from_db()
        assert member.membership.notify_on_share is False

    def test_it_is_in_the_menu_under_the_users_name(self, member_client: Client, member: Any) -> None:
        page = member_client.get(reverse("results:dashboard")).content.decode()
        menu = page[page.index('<details class="user-menu">') :]
        assert member.get_full_name() in menu[: menu.index("</summary>")]
        assert reverse("accounts:notifications") in menu


class TestDirectory:
    def test_it_lists_active_organisations_with_their_exams(self, client: Client) -> None:
        kings = OrganisationFactory(name="Kings College", city="Cambridge", country="United Kingdom")
        OrganisationFactory(name="Kings College", city="London", country="United Kingdom")
        OrganisationFactory(name="Closed College", status=Organisation.Status.SUSPENDED)
        kings.recognised_exams.set(Exam.objects.filter(code="c2-proficiency"))
        page = client.get(reverse("directory")).content.decode()
        assert page.count("Kings College") == 2
        assert "Closed College" not in page
        assert "C2 Proficiency" in page

    def test_it_searches_by_name_and_filters_by_country_and_exam(self, client: Client) -> None:
        sevilla = OrganisationFactory(name="Universidad de Sevilla", city="Sevilla", country="Spain")
        OrganisationFactory(name="Universität Wien", city="Wien", country="Austria")
        sevilla.recognised_exams.set(Exam.objects.filter(code="b2-first"))
        assert "Universidad de Sevilla" in client.get(reverse("directory"), {"q": "SEVILLA"}).content.decode()
        by_country = client.get(reverse("directory"), {"country": "Austria"}).content.decode()
        assert "Universität Wien" in by_country
        assert "Universidad de Sevilla" not in by_country
        exam = Exam.objects.get(code="b2-first")
        by_exam = client.get(reverse("directory"), {"exam": exam.pk}).content.decode()
        assert "Universidad de Sevilla" in by_exam
        assert "Universität Wien" not in by_exam
        assert "Universitat Wien" not in client.get(reverse("directory"), {"q": "universitat"}).content.decode()
        assert "Universität Wien" in client.get(reverse("directory"), {"q": "universitat"}).content.decode()

    def test_it_paginates(self, client: Client, settings: Any) -> None:
        settings.SEARCH_PAGE_SIZE = 5
        for index in range(7):
            OrganisationFactory(name=f"College {index}")
        page = client.get(reverse("directory")).content.decode()
        assert "Page 1 of 2" in page
        assert "College 6" in client.get(reverse("directory"), {"page": 2}).content.decode()


def test_it_allows_only_one_primary_user_per_organisation(db: None, org_a: Organisation) -> None:
    from django.db import IntegrityError, transaction

    MembershipFactory(organisation=org_a, role=Membership.Role.PRIMARY)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(organisation=org_a, role=Membership.Role.PRIMARY)
