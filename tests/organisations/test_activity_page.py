"""Your Organisation › Activity: sentences, filters by person, kind and dates, pages, export (issue 17, item 7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.api import keys
from rvs.core.audit import log_action
from rvs.core.models import AuditEntry
from rvs.organisations.activity_views import PAGE_SIZE
from rvs.organisations.services import user_add, user_remove
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "organisations:activity"


def _at(entry: AuditEntry, day: dt.date, hour: int = 14) -> None:
    """Entries cannot be changed by the model; a test moves one in time with a queryset update."""
    AuditEntry.objects.filter(pk=entry.pk).update(at=dt.datetime(day.year, day.month, day.day, hour, 5, tzinfo=dt.UTC))


def _rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def log(org_a: Any, primary: Any, member: Any, org_b: Any, outsider: Any) -> dict[str, Any]:
    primary.full_name, member.full_name = "Amélie Rousseau", "Jo Bloggs"
    primary.save()
    member.save()
    download = log_action("download.created", actor=primary, organisation=org_a, data={"format": "pdf", "results": 3})
    _at(download, dt.date(2026, 12, 9))
    lookup = log_action("ern.looked_up", actor=member, organisation=org_a, data={"ern_end": "7Q2X"})
    _at(lookup, dt.date(2026, 12, 1))
    key, _ = keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="read")
    keys.key_revoke(actor=primary, organisation=org_a, key=key)
    log_action("share.created", actor="someone@cand.example", organisation=org_a, data={"include_photo": False})
    log_action("download.created", actor=outsider, organisation=org_b, data={"format": "pdf", "results": 99})
    return {"key": key}


class TestSentences:
    def test_each_entry_reads_as_a_sentence_with_its_time(self, primary: Any, log: dict[str, Any]) -> None:
        page = client_for(primary).get(reverse(URL)).content.decode()
        assert "Amélie Rousseau downloaded 3 Statements of Results." in page
        assert "9 December 2026, 14:05 UTC" in page
        assert "Jo Bloggs found a result by its Exam Reference Number ending 7Q2X." in page
        assert "The API key ‘Admissions CRM’ was revoked by Amélie Rousseau." in page
        assert "A candidate shared a result with your organisation." in page
        assert "someone@cand.example" not in page
        for raw in ("download.created>", "{&#x27;", "organisations.membership", "api.apikey"):
            assert raw not in page

    def test_adding_a_user_names_them_and_their_role(self, org_a: Any, primary: Any) -> None:
        primary.full_name = "Amélie Rousseau"
        primary.save()
        user_add(actor=primary, organisation=org_a, email="zoe@aberdeen.example", full_name="Zoë Adams")
        page = client_for(primary).get(reverse(URL)).content.decode()
        assert "Amélie Rousseau added the user Zoë Adams (Additional user)." in page

    def test_it_keeps_to_the_organisations_own_entries(self, outsider: Any, log: dict[str, Any]) -> None:
        page = client_for(outsider).get(reverse(URL)).content.decode()
        assert "99 Statements of Results" in page
        assert "Amélie Rousseau" not in page
        assert "Admissions CRM" not in page
        assert Client().get(reverse(URL)).status_code == 302


class TestFilters:
    def test_it_filters_by_person(self, primary: Any, member: Any, log: dict[str, Any]) -> None:
        client = client_for(primary)
        page = client.get(reverse(URL)).content.decode()
        assert f"Jo Bloggs ({member.email})" in page  # the choice names the person
        value = f"user-{member.membership.public_id}"
        page = client.get(reverse(URL), {"person": value}).content.decode()
        assert "Jo Bloggs found a result" in page
        assert "Amélie Rousseau downloaded" not in page
        assert "1 entry matches the filters" in page
        page = client.get(reverse(URL), {"person": "candidates"}).content.decode()
        assert "A candidate shared a result" in page
        assert "Jo Bloggs found" not in page

    def test_it_filters_by_kind_in_plain_words(self, primary: Any, log: dict[str, Any]) -> None:
        client = client_for(primary)
        page = client.get(reverse(URL)).content.decode()
        assert '<option value="download.created">Download</option>' in page
        assert '<option value="api_key.revoked">API key revoked</option>' in page
        page = client.get(reverse(URL), {"kind": "api_key.revoked"}).content.decode()
        assert "was revoked by" in page
        assert "downloaded" not in page

    def test_it_filters_by_dates_inclusive(self, primary: Any, log: dict[str, Any]) -> None:
        client = client_for(primary)
        page = client.get(reverse(URL), {"start": "2026-12-09", "end": "2026-12-09"}).content.decode()
        assert "Amélie Rousseau downloaded 3 Statements of Results." in page
        assert "found a result" not in page
        assert "was revoked" not in page
        page = client.get(reverse(URL), {"end_day": "8", "end_month": "12", "end_year": "2026"}).content.decode()
        assert "found a result" in page
        assert "downloaded" not in page

    def test_it_says_what_is_wrong_with_the_filters(self, primary: Any, log: dict[str, Any]) -> None:
        response = client_for(primary).get(
            reverse(URL), {"start": "2026-12-09", "end": "2026-12-01", "person": "user-nobody"}
        )
        assert "The ‘To’ date must be the same as or after the ‘From’ date." in response.content.decode()
        response = client_for(primary).get(
            reverse(URL), {"start_day": "31", "start_month": "2", "start_year": "2026", "person": "user-nobody"}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "<title>Error: " in page
        assert "The ‘From’ date must be a real date" in page
        assert "Choose a person from the list." in page

    def test_it_offers_a_removed_user_and_the_keys(self, org_a: Any, primary: Any, member: Any) -> None:
        key, _ = keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="read")
        log_action("result.viewed", actor=member, organisation=org_a)
        email = member.email
        user_remove(actor=primary, organisation=org_a, membership=member.membership)
        client = client_for(primary)
        page = client.get(reverse(URL)).content.decode()
        assert f"{email} (deleted user)" in page
        assert f"API key “Admissions CRM” (rvs_{key.prefix})" in page
        assert f"deleted the user {member.full_name}." in page
        page = client.get(reverse(URL), {"person": f"former-{email}"}).content.decode()
        assert f"{email} viewed a result." in page
        assert "added the user" not in page
        page = client.get(reverse(URL), {"person": f"key-{key.public_id}"}).content.decode()
        assert "0 entries match the filters" in page


class TestPagesAndExport:
    def test_it_pages_and_keeps_the_filters(self, org_a: Any, primary: Any, member: Any) -> None:
        for _ in range(PAGE_SIZE + 1):
            log_action("result.viewed", actor=member, organisation=org_a)
        log_action("download.created", actor=member, organisation=org_a, data={"format": "csv", "results": 2})
        client = client_for(primary)
        page = client.get(reverse(URL), {"kind": "result.viewed"}).content.decode()
        assert "Page 1 of 2" in page
        assert "?kind=result.viewed&amp;page=2" in page
        assert "kind=result.viewed&amp;export=csv" in page
        second = client.get(reverse(URL), {"kind": "result.viewed", "page": "2"}).content.decode()
        assert second.count("viewed a result.") == 1

    def test_the_export_holds_the_filtered_sentences(self, primary: Any, member: Any, log: dict[str, Any]) -> None:
        client = client_for(primary)
        response = client.get(reverse(URL), {"export": "csv", "kind": "download.created"})
        assert response["Content-Disposition"].startswith('attachment; filename="activity-')
        rows = _rows(response)
        assert list(rows[0]) == ["time (UTC)", "person", "kind", "sentence", "ip", "request id"]
        assert [(r["person"], r["kind"], r["sentence"]) for r in rows] == [
            ("Amélie Rousseau", "Download", "Amélie Rousseau downloaded 3 Statements of Results.")
        ]
        assert rows[0]["time (UTC)"].startswith("2026-12-09T14:05:00")

    def test_the_export_cannot_carry_a_formula(self, org_a: Any, primary: Any) -> None:
        primary.full_name = '=HYPERLINK("http://evil.example")'
        primary.save()
        log_action("template.created", actor=primary, organisation=org_a, data={"name": "+SUM(A1)"})
        rows = _rows(client_for(primary).get(reverse(URL), {"export": "csv"}))
        assert rows[0]["person"].startswith("'=")
        assert "‘+SUM(A1)’" in rows[0]["sentence"]
        assert rows[0]["sentence"].startswith("'=")

    def test_the_export_is_bounded(
        self, org_a: Any, primary: Any, member: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from rvs.organisations import activity_views

        monkeypatch.setattr(activity_views, "EXPORT_LIMIT", 3)
        for _ in range(5):
            log_action("result.viewed", actor=member, organisation=org_a)
        assert len(_rows(client_for(primary).get(reverse(URL), {"export": "csv"}))) == 3
