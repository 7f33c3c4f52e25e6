"""REST API v1: keys, isolation, errors as problem details, the endpoints, the changes feed."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from rvs.api import keys
from rvs.api.models import ApiKey
from rvs.core import ern as ern_codec
from rvs.core.models import AuditEntry
from rvs.downloads.models import DownloadJob
from rvs.sharing.models import Share
from tests.api.conftest import api_client
from tests.factories import ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db


def _routes(share: Share, job: DownloadJob | None = None) -> list[tuple[str, str, dict[str, Any] | None]]:
    result_id = share.result.public_id
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("get", reverse("api:results"), None),
        ("get", reverse("api:result", args=[result_id]), None),
        ("get", reverse("api:result_photo", args=[result_id]), None),
        ("post", reverse("api:verify"), {"ern": share.result.ern}),
        ("get", reverse("api:changes"), None),
        ("post", reverse("api:downloads"), {"format": "csv", "results": [str(result_id)]}),
        ("get", reverse("api:templates"), None),
        ("get", reverse("api:exams"), None),
        ("get", reverse("api:organisation"), None),
    ]
    if job is not None:
        routes += [
            ("get", reverse("api:download", args=[job.public_id]), None),
            ("get", reverse("api:download_file", args=[job.public_id]), None),
        ]
    return routes


def _call(client: APIClient, method: str, url: str, body: dict[str, Any] | None) -> Any:
    return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)


class TestKeys:
    def test_it_stores_only_a_hash_and_finds_the_key_by_prefix(self, key_a: tuple[ApiKey, str]) -> None:
        key, text = key_a
        assert text.startswith(f"rvs_{key.prefix}_")
        secret = text.split("_", 2)[2]
        assert len(secret) >= 43  # 256 bits
        assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().get())
        assert keys.authenticate(text) == key
        assert keys.authenticate(text[:-1] + ("A" if text[-1] != "A" else "B")) is None
        assert keys.authenticate("rvs_nosuchprefix_" + secret) is None

    def test_it_refuses_no_key_with_401_and_a_challenge(self, share_a: Share) -> None:
        for method, url, body in _routes(share_a):
            response = _call(api_client(), method, url, body)
            assert response.status_code == 401, url
            assert response["Content-Type"] == "application/problem+json"
            assert response["WWW-Authenticate"].startswith("Bearer")

    def test_it_refuses_a_revoked_key_at_once(
        self, api_a: APIClient, key_a: tuple[ApiKey, str], primary: Any, org_a: Any
    ) -> None:
        assert api_a.get(reverse("api:organisation")).status_code == 200
        keys.key_revoke(actor=primary, organisation=org_a, key=key_a[0])
        response = api_a.get(reverse("api:organisation"))
        assert response.status_code == 401
        assert "revoked" in response.json()["detail"]

    def test_it_never_accepts_a_key_in_the_query_string(self, key_a: tuple[ApiKey, str]) -> None:
        response = api_client().get(reverse("api:organisation"), {"api_key": key_a[1]})
        assert response.status_code == 401
        assert "never in the URL" in response.json()["detail"]

    def test_it_rotates_with_an_overlap(self, key_a: tuple[ApiKey, str], primary: Any, org_a: Any) -> None:
        old, old_text = key_a
        _, new_text = keys.key_rotate(actor=primary, organisation=org_a, key=old, overlap_hours=24)
        assert api_client(old_text).get(reverse("api:organisation")).status_code == 200
        assert api_client(new_text).get(reverse("api:organisation")).status_code == 200
        with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
            assert api_client(old_text).get(reverse("api:organisation")).status_code == 401
            assert api_client(new_text).get(reverse("api:organisation")).status_code == 200

    def test_it_records_when_a_key_was_last_used(self, api_a: APIClient, key_a: tuple[ApiKey, str]) -> None:
        api_a.get(reverse("api:organisation"))
        key_a[0].refresh_from_db()
        assert key_a[0].last_used_at is not None

    def test_it_refuses_keys_of_a_suspended_organisation(self, api_a: APIClient, org_a: Any) -> None:
        from rvs.organisations.models import Organisation

        Organisation.objects.filter(pk=org_a.pk).update(status=Organisation.Status.SUSPENDED)
        assert api_a.get(reverse("api:organisation")).status_code == 401

    def test_it_lets_only_the_primary_user_manage_keys(self, member: Any, org_a: Any) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            keys.key_create(actor=member, organisation=org_a, name="x", scope="read")


class TestIsolation:
    def test_it_answers_another_organisations_key_with_404_for_objects(
        self, api_a: APIClient, api_b: APIClient, org_a: Any, share_a: Share
    ) -> None:
        created = api_a.post(
            reverse("api:downloads"), {"format": "csv", "results": [str(share_a.result.public_id)]}, format="json"
        )
        job = DownloadJob.objects.get(public_id=created.json()["id"])
        for url in [
            reverse("api:result", args=[share_a.result.public_id]),
            reverse("api:result_photo", args=[share_a.result.public_id]),
            reverse("api:download", args=[job.public_id]),
            reverse("api:download_file", args=[job.public_id]),
        ]:
            response = api_b.get(url)
            assert response.status_code == 404, url
            assert response["Content-Type"] == "application/problem+json"
        listing = api_b.get(reverse("api:results")).json()
        assert listing["results"] == []
        refused = api_b.post(
            reverse("api:downloads"), {"format": "csv", "results": [str(share_a.result.public_id)]}, format="json"
        )
        assert refused.status_code == 400
        assert DownloadJob.objects.count() == 1

    def test_it_gives_unknown_and_not_yours_the_same_answer(self, api_b: APIClient, share_a: Share) -> None:
        import uuid

        mine = api_b.get(reverse("api:result", args=[share_a.result.public_id]))
        unknown = api_b.get(reverse("api:result", args=[uuid.uuid4()]))
        assert mine.status_code == unknown.status_code == 404
        assert mine.json() == unknown.json()

    def test_it_stops_a_read_only_key_from_writing(self, read_key_a: tuple[ApiKey, str], share_a: Share) -> None:
        client = api_client(read_key_a[1])
        assert client.get(reverse("api:results")).status_code == 200
        response = client.post(
            reverse("api:downloads"), {"format": "csv", "results": [str(share_a.result.public_id)]}, format="json"
        )
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert not DownloadJob.objects.exists()


class TestEndpoints:
    def test_it_lists_shared_results_with_filters_and_cursor_pages(self, api_a: APIClient, org_a: Any) -> None:
        for index in range(5):
            ShareFactory(organisation=org_a, result__candidate__last_name=f"Müller{index}" if index < 3 else "Other")
        ResultFactory(candidate__last_name="Müller9")  # not shared
        first = api_a.get(reverse("api:results"), {"name": "muller", "page_size": 2}).json()
        assert len(first["results"]) == 2
        assert first["next"]
        second = api_a.get(first["next"]).json()
        assert len(second["results"]) == 1
        names = {r["candidate"]["last_name"] for r in first["results"] + second["results"]}
        assert names == {"Müller0", "Müller1", "Müller2"}
        assert first["results"][0]["share"]["first_viewed_at"] is None

    def test_it_validates_filters_with_clear_messages(self, api_a: APIClient) -> None:
        response = api_a.get(reverse("api:results"), {"date_of_birth": "17/05/2000", "email": "nope"})
        assert response.status_code == 400
        body = response.json()
        assert {e["field"] for e in body["errors"]} == {"date_of_birth", "email"}
        assert body["title"] == "Invalid request"

    def test_it_returns_one_result_and_the_photo_only_when_shared(self, api_a: APIClient, org_a: Any) -> None:
        from django.core.files.base import ContentFile

        share = ShareFactory(organisation=org_a, include_photo=False)
        share.result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
        url = reverse("api:result", args=[share.result.public_id])
        body = api_a.get(url, {"include": "photo"}).json()
        assert body["photo_url"] is None
        assert body["overall_score"] == share.result.overall_score
        assert [c["code"] for c in body["components"]] == [
            "reading",
            "use_of_english",
            "writing",
            "listening",
            "speaking",
        ]
        assert api_a.get(reverse("api:result_photo", args=[share.result.public_id])).status_code == 404
        Share.objects.filter(pk=share.pk).update(include_photo=True)
        body = api_a.get(url, {"include": "photo"}).json()
        assert body["photo_url"].endswith(f"/api/v1/results/{share.result.public_id}/photo/")
        assert api_a.get(reverse("api:result_photo", args=[share.result.public_id])).status_code == 200
        share.refresh_from_db()
        assert share.first_viewed_at is not None

    def test_it_verifies_any_result_by_ern_with_the_web_pages_errors(self, api_a: APIClient, org_a: Any) -> None:
        result = ResultFactory()
        found = api_a.post(reverse("api:verify"), {"ern": result.ern_display.lower()}, format="json")
        assert found.status_code == 200
        assert found.json()["share"] is None
        typo = result.ern[:-1] + ("0" if result.ern[-1] != "0" else "1")
        bad = api_a.post(reverse("api:verify"), {"ern": typo}, format="json")
        assert bad.status_code == 400
        assert "typing error" in bad.json()["detail"]
        unknown = api_a.post(reverse("api:verify"), {"ern": ern_codec.generate()}, format="json")
        wrong_dob = api_a.post(reverse("api:verify"), {"ern": result.ern, "date_of_birth": "1990-01-01"}, format="json")
        assert unknown.status_code == wrong_dob.status_code == 404
        assert unknown.json() == wrong_dob.json()
        assert AuditEntry.objects.filter(action="ern.looked_up", actor_label__startswith="API key").exists()

    def test_it_rate_limits_with_headers_and_retry_after(self, api_a: APIClient, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_key": "3/60"}
        for remaining in (2, 1, 0):
            response = api_a.get(reverse("api:exams"))
            assert response.status_code == 200
            assert response["X-RateLimit-Limit"] == "3"
            assert response["X-RateLimit-Remaining"] == str(remaining)
        limited = api_a.get(reverse("api:exams"))
        assert limited.status_code == 429
        assert 0 < int(limited["Retry-After"]) <= 60
        assert limited["Content-Type"] == "application/problem+json"

    def test_it_makes_downloads_to_poll_and_fetch(self, api_a: APIClient, org_a: Any) -> None:
        import csv
        import io

        share = ShareFactory(organisation=org_a, result__candidate__last_name="Ørsted")
        created = api_a.post(
            reverse("api:downloads"), {"format": "csv", "results": [str(share.result.public_id)]}, format="json"
        )
        assert created.status_code == 202
        job = created.json()
        assert job["status"] == "done"
        polled = api_a.get(reverse("api:download", args=[job["id"]])).json()
        assert polled["file_url"].endswith("/file/")
        body = b"".join(api_a.get(polled["file_url"]).streaming_content).decode("utf-8-sig")
        assert "Ørsted" in body
        assert next(csv.reader(io.StringIO(body)))[0] == "Surname"

    def test_it_answers_409_until_a_background_download_is_ready(
        self, api_a: APIClient, org_a: Any, settings: Any
    ) -> None:
        settings.DOWNLOAD_STREAM_LIMIT = 1
        shares = [ShareFactory(organisation=org_a) for _ in range(2)]
        created = api_a.post(
            reverse("api:downloads"),
            {"format": "xlsx", "results": [str(s.result.public_id) for s in shares]},
            format="json",
        ).json()
        assert created["status"] == "pending"
        response = api_a.get(reverse("api:download_file", args=[created["id"]]))
        assert response.status_code == 409

    def test_it_lists_templates_exams_and_the_organisation(self, api_a: APIClient, org_a: Any) -> None:
        templates = api_a.get(reverse("api:templates")).json()
        assert templates[0]["id"] is None
        assert "ern" in templates[0]["fields"]
        exams = api_a.get(reverse("api:exams")).json()
        assert {"code": "celta", "name": "CELTA", "family": "Teaching qualifications", "verifiable": False} in exams
        assert api_a.get(reverse("api:organisation")).json()["name"] == org_a.name


class TestChangesFeed:
    def test_it_lists_shares_and_revocations_once_each_in_order(self, api_a: APIClient, org_a: Any) -> None:
        from rvs.sharing.services import share_create, share_revoke
        from tests.factories import CandidateFactory

        candidate = CandidateFactory()
        results = [ResultFactory(candidate=candidate, exam_date=dt.date(2024, 1, d)) for d in (1, 2)]
        share_create(actor=None, candidate=candidate, organisation=org_a, results=results, include_photo=False)
        share = Share.objects.filter(result=results[0]).get()
        share_revoke(actor=None, candidate=candidate, share=share)
        early = api_a.get(reverse("api:changes")).json()
        assert early["events"] == []  # younger than the settling time
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=3)):
            page = api_a.get(reverse("api:changes"), {"limit": 2}).json()
            assert [e["type"] for e in page["events"]] == ["result.shared", "result.shared"]
            rest = api_a.get(reverse("api:changes"), {"cursor": page["next_cursor"]}).json()
            assert [e["type"] for e in rest["events"]] == ["share.revoked"]
            assert rest["events"][0]["result_id"] == str(results[0].public_id)
            again = api_a.get(reverse("api:changes"), {"cursor": rest["next_cursor"]}).json()
            assert again["events"] == []
            assert again["next_cursor"] == rest["next_cursor"]

    def test_it_rejects_a_forged_cursor(self, api_a: APIClient) -> None:
        response = api_a.get(reverse("api:changes"), {"cursor": "not-a-cursor"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "cursor"

    def test_it_shows_only_the_organisations_own_events(self, api_b: APIClient, org_a: Any) -> None:
        ShareFactory(organisation=org_a)
        from rvs.core.events import record_event

        record_event("result.shared", organisation=org_a)
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=3)):
            assert api_b.get(reverse("api:changes")).json()["events"] == []
