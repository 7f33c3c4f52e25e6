"""Bulk verification is an ERN look-up per row: after a revocation it follows decision 0014 too.

A row for a result whose share with this organisation the candidate revoked needs the surname
(in the name given) and the date of birth; without them, or with either wrong, the row reads as
an unknown number does, status included (a withheld result is not told apart either).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.api import keys
from rvs.core import ern as ern_codec
from rvs.downloads.models import DownloadJob
from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.api.conftest import api_client
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db

UNKNOWN = ("not found", "no result has this Exam Reference Number")


def _revoked(organisation: Any, **kwargs: Any) -> Result:
    share = ShareFactory(organisation=organisation, **kwargs)
    Share.objects.filter(pk=share.pk).update(revoked_at=timezone.now())  # as share_revoke does
    return share.result


def _verdicts(client: Client, rows: list[list[str]]) -> list[tuple[str, str]]:
    text = io.StringIO()
    csv.writer(text).writerows([["Exam Reference Number", "Name", "Date of birth"], *rows])
    upload = SimpleUploadedFile("intake.csv", text.getvalue().encode())
    assert client.post(reverse("bulk:upload"), {"applicants": upload, "format": "csv"}).status_code == 200
    job = DownloadJob.objects.latest("created_at")
    body = b"".join(client.get(reverse("downloads:job_file", args=[job.public_id])).streaming_content)
    return [(row[3], row[4]) for row in list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]]


class TestBulkAfterRevocation:
    def test_it_answers_the_ern_alone_or_a_missing_detail_as_for_an_unknown_number(
        self, member_client: Client, org_a: Any
    ) -> None:
        result = _revoked(org_a)
        withheld = _revoked(org_a, result__forced_status="withheld")
        verdicts = _verdicts(
            member_client,
            [
                [ern_codec.generate(), "", ""],
                [result.ern, "", ""],
                [result.ern, "Łukasz Wójcik", ""],
                [result.ern, "", "2000-05-17"],
                [result.ern, "Łukasz Kowalski", "2000-05-17"],
                [result.ern, "Łukasz Wójcik", "2000-05-18"],
                [withheld.ern, "", ""],
            ],
        )
        assert verdicts == [UNKNOWN] * 7

    def test_it_verifies_with_surname_and_date_of_birth(self, member_client: Client, org_a: Any) -> None:
        result = _revoked(org_a)
        assert _verdicts(member_client, [[result.ern, "Lukasz Wojcik", "2000-05-17"]]) == [
            ("verified", "Exam Reference Number, name and date of birth match")
        ]

    def test_it_leaves_other_organisations_alone(self, outsider: Any, org_a: Any) -> None:
        from tests.conftest import client_for

        result = _revoked(org_a)
        assert _verdicts(client_for(outsider), [[result.ern, "", ""]])[0][0] == "verified"

    def test_it_follows_the_same_rule_in_the_api(self, org_a: Any, primary: Any) -> None:
        api = api_client(keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")[1])
        result = _revoked(org_a)
        rows = [
            {"ern": result.ern},
            {"ern": result.ern, "name": "Wójcik"},
            {"ern": result.ern, "name": "Wójcik", "date_of_birth": "2000-05-17"},
        ]
        response = api.post(reverse("api:bulk_verify"), {"rows": rows}, format="json")
        assert response.status_code == 200
        answer = [(row["verdict"], row["details"], row["result_id"]) for row in response.json()["results"]]
        assert answer[:2] == [(*UNKNOWN, None)] * 2
        assert answer[2][0] == "verified"
