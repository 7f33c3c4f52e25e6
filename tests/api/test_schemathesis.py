"""The whole REST API against its own OpenAPI schema, with schemathesis, in-process through the WSGI app.

Each operation of ``/api/v1/schema/`` becomes one test item. Schemathesis generates requests from
the schema (its examples, coverage and fuzzing phases: valid requests and, in the coverage phase,
invalid ones too) and every response must be no server error, carry a documented status code and
content type, and match the documented body. The requests carry a read-and-write key of
organisation A, whose database holds shared results (one with its photo), a revoked share, a
template, a finished download and settled events; about half of the generated ids, ERNs and names
are swapped for real ones, so the 200 paths are exercised, not only the 404s.

Bounded: at most 25 examples per operation in the fuzzing phase, no deadline (the first PDF
signature makes a key).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient, APIRequestFactory
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rvs.api.serializers import ResultSerializer
from rvs.core.events import record_event
from rvs.core.models import Event
from rvs.downloads import services as download_services
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.results.models import Result
from rvs.sharing import search_index
from rvs.sharing.models import Share
from tests.api.wsgi_app import test_application
from tests.factories import ResultFactory, ShareFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# A fixed seed keeps CI reproducible; RVS_SCHEMATHESIS_SEED=<n> explores other inputs.
SEED = int(os.environ.get("RVS_SCHEMATHESIS_SEED", "20261129"))

schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", test_application, config=SchemathesisConfig(seed=SEED)
)


@dataclass(frozen=True)
class World:
    """Real identifiers of organisation A's data, to swap into generated requests."""

    bearer: str
    result_ids: list[str]
    erns: list[str]
    surnames: list[str]
    job_id: str
    template_id: str
    statuses: dict[int, int]


@pytest.fixture
def world(db: None, org_a: Any, key_a: tuple[Any, str], settings: Any) -> Iterator[World]:
    # Generous limits: this test is about the contract, test_api.py covers the limits themselves.
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "api_key": "100000/60",
        "ern_lookup_user": "100000/60",
        "ern_lookup_org": "100000/60",
        "ern_miss_user": "100000/60",
        "bulk_org": "100000/60",
    }
    with_photo = ShareFactory(organisation=org_a, include_photo=True, result__candidate__last_name="Müller")
    with_photo.result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0" + b"\0" * 64 + b"\xff\xd9"), save=True)
    plain = ShareFactory(organisation=org_a, result__candidate__last_name="Ørsted")
    revoked = ShareFactory(organisation=org_a, result__candidate__last_name="Nuñez")
    Share.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    search_index.refresh_shares([revoked.pk])  # as share_revoke does
    unshared = ResultFactory(candidate__last_name="O'Brien")
    template = DownloadTemplate.objects.create(organisation=org_a, name="Names", fields=["last_name", "ern"])
    job = download_services.download_create(
        actor=key_a[0], organisation=org_a, exporter="csv", result_ids=[with_photo.result.pk, plain.result.pk]
    )
    download_services.download_run(job.pk)
    assert DownloadJob.objects.get(pk=job.pk).status == DownloadJob.Status.DONE
    for share in (with_photo, plain):
        record_event(Event.Kind.RESULT_SHARED, organisation=org_a, result=share.result, data={})
    record_event(Event.Kind.SHARE_REVOKED, organisation=org_a, result=revoked.result, data={})
    Event.objects.update(created_at=timezone.now() - dt.timedelta(minutes=1))  # past the settling time
    statuses: dict[int, int] = {}
    yield World(
        bearer=key_a[1],
        result_ids=[str(r.public_id) for r in (with_photo.result, plain.result, revoked.result, unshared)],
        erns=[r.ern_display for r in (with_photo.result, unshared, revoked.result)],
        surnames=["Müller", "muller", "orsted", "Nuñez"],
        job_id=str(job.public_id),
        template_id=str(template.public_id),
        statuses=statuses,
    )
    assert statuses.get(200, 0) + statuses.get(202, 0) > 0, f"no successful request at all: {statuses}"


def _pick(value: Any, choices: list[str]) -> str | None:
    """A real value for about half of the generated ones, chosen by the generated value (reproducible)."""
    digest = zlib.crc32(repr(value).encode())
    return choices[digest // 2 % len(choices)] if digest % 2 == 0 else None


def _swap_in_real_values(case: Any, world: World) -> None:
    path = case.path_parameters or {}
    if "result_id" in path and (real := _pick(path["result_id"], world.result_ids)):
        path["result_id"] = real
    if "job_id" in path and _pick(path["job_id"], ["job"]):
        path["job_id"] = world.job_id
    query = case.query if isinstance(case.query, dict) else {}
    if isinstance(query.get("name"), str) and (real := _pick(query["name"], world.surnames)):
        query["name"] = real
    body = case.body if isinstance(case.body, dict) else {}
    if isinstance(body.get("ern"), str) and (real := _pick(body["ern"], world.erns)):
        body["ern"] = real
        body.pop("date_of_birth", None)
        body.pop("last_name", None)
    if isinstance(body.get("results"), list) and _pick(body["results"], ["real"]):
        body["results"] = world.result_ids[:2]
        if "template" in body:
            body["template"] = _pick(body["template"], [world.template_id])


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case: Any, world: World) -> None:
    _swap_in_real_values(case, world)
    response = case.call(headers={"Authorization": f"Bearer {world.bearer}"})
    world.statuses[response.status_code] = world.statuses.get(response.status_code, 0) + 1
    case.validate_response(response, checks=CHECKS)


# Regressions: what running schemathesis over the API found, pinned as plain examples.


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.django_db
class TestContractRegressions:
    def test_an_id_that_is_not_a_uuid_is_a_problem_not_an_html_page(self, api_a: APIClient) -> None:
        for url in ["/api/v1/results/null,null/", "/api/v1/downloads/1/file/", "/api/v1/nothing-here/"]:
            response = api_a.get(url)
            assert response.status_code == 404, url
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["status"] == 404

    @pytest.mark.parametrize("position", ["abc", "-1", "1e5", str(2**70)])
    def test_a_forged_results_cursor_is_a_400_not_a_500(self, api_a: APIClient, position: str) -> None:
        response = api_a.get(reverse("api:results"), {"cursor": _cursor(f"p={position}")})
        assert response.status_code == 400
        assert response.json()["errors"] == [{"field": "cursor", "message": "This cursor is not one we gave you."}]

    @pytest.mark.parametrize("text", ["e" + "9" * 29, "e-1", "e 1", "e\u0661"])
    def test_a_changes_cursor_beyond_any_id_is_a_400_not_a_500(self, api_a: APIClient, text: str) -> None:
        response = api_a.get(reverse("api:changes"), {"cursor": _cursor(text)})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "cursor"

    def test_a_429_says_nothing_remains(self, api_a: APIClient, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_key": "1/60"}
        assert api_a.get(reverse("api:exams")).status_code == 200
        limited = api_a.get(reverse("api:exams"))
        assert limited.status_code == 429
        assert limited["X-RateLimit-Remaining"] == "0"

    def test_the_schema_describes_pages_problems_and_files_as_sent(self) -> None:
        operations = schema.raw_schema["paths"]
        listing = operations["/api/v1/results/"]["get"]["responses"]
        assert set(listing["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1:]) == {"ResultPage"}
        for path in operations.values():
            for operation in path.values():
                for code, response in operation["responses"].items():
                    if code.startswith("4"):
                        assert list(response["content"]) == ["application/problem+json"]
        file_types = set(operations["/api/v1/downloads/{job_id}/file/"]["get"]["responses"]["200"]["content"])
        assert file_types == {
            "application/pdf",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }

    def test_the_written_out_result_is_what_drf_would_send(self, org_a: Any) -> None:
        """ResultSerializer writes its representation out for speed; it must equal DRF's walk over its fields."""
        with_photo = ShareFactory(organisation=org_a, include_photo=True, first_viewed_at=timezone.now())
        with_photo.result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
        pending = ShareFactory(organisation=org_a, result__forced_status=Result.Status.PENDING)
        by_ern_only = ResultFactory()
        results = [with_photo.result, pending.result, by_ern_only]
        request = APIRequestFactory().get("/api/v1/results/", {"include": "photo"})
        shares = {share.result_id: share for share in (with_photo, pending)}
        for context in (
            {"request": request, "shares": shares, "include_photo": True},
            {"request": request, "shares": shares, "include_photo": True, "components": _components(results)},
            {"request": request},
        ):
            for result in results:
                serializer = ResultSerializer(result, context=context)
                assert serializer.data == serializer.fields_walk(result)
        assert ResultSerializer(
            with_photo.result, context={"request": request, "shares": shares, "include_photo": True}
        ).data["photo_url"]


def _components(results: list[Result]) -> dict[int, list[dict[str, Any]]]:
    """Component scores by result id, as a list view passes them to the serializer."""
    return {
        result.pk: [{"code": c.code, "label": c.label, "score": c.score} for c in result.components.all()]
        for result in results
    }
