"""Downloads through the API: no existence oracle, and the same files as the web pages (issue 15 §8)."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from rvs.bulk.verification import bulk_verify
from rvs.downloads.models import DownloadJob
from tests.conftest import client_for
from tests.factories import ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db


def _create(api: APIClient, public_ids: list[Any]) -> Any:
    return api.post(reverse("api:downloads"), {"format": "csv", "results": [str(p) for p in public_ids]}, format="json")


class TestNoExistenceOracle:
    def test_it_counts_another_organisations_result_like_an_id_that_does_not_exist(
        self, api_a: APIClient, org_a: Any, org_b: Any
    ) -> None:
        mine = ShareFactory(organisation=org_a).result.public_id
        theirs = ShareFactory(organisation=org_b).result.public_id
        unshared = ResultFactory().public_id
        answers = [_create(api_a, [mine, other]) for other in (theirs, unshared, uuid.uuid4())]
        assert [a.status_code for a in answers] == [202, 202, 202]
        counts = [(a.json()["requested"], a.json()["included"], a.json()["omitted"]) for a in answers]
        assert counts == [(2, 1, 1)] * 3

    def test_it_refuses_only_ids_one_cannot_open_the_same_way_whether_they_exist_or_not(
        self, api_a: APIClient, org_b: Any
    ) -> None:
        theirs = ShareFactory(organisation=org_b).result.public_id
        answers = [_create(api_a, [other]) for other in (theirs, uuid.uuid4())]
        assert answers[0].status_code == answers[1].status_code == 400
        assert answers[0].json() == answers[1].json()

    def test_it_audits_the_same_counts_for_both(self, api_a: APIClient, org_a: Any, org_b: Any) -> None:
        mine = ShareFactory(organisation=org_a).result.public_id
        theirs = ShareFactory(organisation=org_b).result.public_id
        _create(api_a, [mine, theirs])
        _create(api_a, [mine, uuid.uuid4()])
        jobs = DownloadJob.objects.order_by("pk")
        assert [(j.requested, j.included, j.omitted) for j in jobs] == [(2, 1, 1), (2, 1, 1)]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class TestBulkVerificationFile:
    def test_it_serves_the_same_file_as_the_web_page(self, api_a: APIClient, org_a: Any, primary: Any) -> None:
        result = ResultFactory(candidate__first_name="Anna", candidate__last_name="Müller")
        text = io.StringIO()
        csv.writer(text).writerows([["Exam Reference Number", "Name"], [result.ern, "Anna Müller"]])
        outcome = bulk_verify(
            actor=primary, organisation=org_a, data=text.getvalue().encode(), filename="intake.csv", fmt="csv"
        )
        job = outcome.job
        assert outcome.counts == {"verified": 1}
        web = client_for(primary).get(reverse("downloads:job_file", args=[job.public_id]))
        api = api_a.get(reverse("api:download_file", args=[job.public_id]))
        assert web.status_code == api.status_code == 200
        web_body, api_body = _body(web), _body(api)
        assert len(web_body) > 50
        assert api_body == web_body
        assert "verified" in api_body.decode("utf-8-sig")
