"""API: entry requirements, the results filter ``requirement=`` and the verdicts ``check=``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from rvs.exams.models import Exam
from rvs.requirements.models import EntryRequirement
from rvs.sharing.models import Share
from tests.api.conftest import api_client
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db

STRONG = {"reading": 185, "use_of_english": 190, "writing": 172, "listening": 180, "speaking": 178}


@pytest.fixture
def msc(org_a: Any) -> EntryRequirement:
    requirement = EntryRequirement.objects.create(
        organisation=org_a, name="MSc entry", min_overall=176, min_component=169, within_years=2
    )
    requirement.exams.set(Exam.objects.filter(code__in=["b2-first", "c1-advanced", "c2-proficiency"]))
    return requirement


@pytest.fixture
def intake(org_a: Any) -> dict[str, Share]:
    """Shares with organisation A: two that meet MSc entry, one for each way of missing it."""
    recent = dt.date.today() - dt.timedelta(days=60)
    old = dt.date.today() - dt.timedelta(days=3 * 365)

    def share(name: str, **result: Any) -> Share:
        return ShareFactory(organisation=org_a, result__candidate__last_name=name, **result)

    return {
        "good": share("Good", result__scores=STRONG, result__exam_date=recent),
        "best": share("Best", result__scores={k: 190 for k in STRONG}, result__exam_date=recent),
        "weak": share("Weak", result__scores={**STRONG, "writing": 160}, result__exam_date=recent),
        "old": share("Old", result__scores=STRONG, result__exam_date=old),
        "pending": share("Pending", result__forced_status="pending", result__exam_date=recent),
    }


def _names(body: dict[str, Any]) -> set[str]:
    return {result["candidate"]["last_name"] for result in body["results"]}


def test_it_lists_the_organisations_requirements_only(
    api_a: APIClient, api_b: APIClient, msc: EntryRequirement
) -> None:
    body = api_a.get(reverse("api:requirements")).json()
    assert body == [
        {
            "id": str(msc.public_id),
            "name": "MSc entry",
            "min_overall": 176,
            "min_component": 169,
            "exams": ["b2-first", "c1-advanced", "c2-proficiency"],
            "within_years": 2,
        }
    ]
    assert api_b.get(reverse("api:requirements")).json() == []
    refused = api_client().get(reverse("api:requirements"))
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"


def test_it_keeps_only_results_meeting_the_requirement_each_with_its_verdict(
    api_a: APIClient, msc: EntryRequirement, intake: dict[str, Share]
) -> None:
    body = api_a.get(reverse("api:results"), {"requirement": str(msc.public_id)}).json()
    assert _names(body) == {"Good", "Best"}
    for result in body["results"]:
        assert result["verdict"] == {"requirement": str(msc.public_id), "name": "MSc entry", "met": True, "reasons": []}


def test_it_combines_the_requirement_with_the_search_filters_and_cursor_pages(
    api_a: APIClient, msc: EntryRequirement, intake: dict[str, Share], org_a: Any
) -> None:
    recent = dt.date.today() - dt.timedelta(days=10)
    for _ in range(3):
        ShareFactory(organisation=org_a, result__candidate__last_name="Good", result__scores=STRONG,
                     result__exam_date=recent)  # fmt: skip
    ShareFactory(organisation=org_a, result__candidate__last_name="Good", result__scores={**STRONG, "speaking": 150},
                 result__exam_date=recent)  # fmt: skip
    params = {"requirement": str(msc.public_id), "name": "good", "page_size": 2}
    first = api_a.get(reverse("api:results"), params).json()
    second = api_a.get(first["next"]).json()
    assert second["next"] is None
    results = first["results"] + second["results"]
    assert len(results) == 4  # the original Good and three more; not the one below 169 in speaking
    assert len({result["id"] for result in results}) == 4
    assert all(result["verdict"]["met"] for result in results)


def test_it_checks_every_result_with_reasons_when_asked_to_check(
    api_a: APIClient, msc: EntryRequirement, intake: dict[str, Share]
) -> None:
    body = api_a.get(reverse("api:results"), {"check": str(msc.public_id)}).json()
    verdicts = {result["candidate"]["last_name"]: result["verdict"] for result in body["results"]}
    assert set(verdicts) == {"Good", "Best", "Weak", "Old", "Pending"}
    assert verdicts["Good"]["met"]
    assert verdicts["Best"]["met"]
    assert verdicts["Weak"] == {
        "requirement": str(msc.public_id),
        "name": "MSc entry",
        "met": False,
        "reasons": ["Writing 160 is below 169"],
    }
    assert not verdicts["Old"]["met"]
    assert "more than 2 years ago" in verdicts["Old"]["reasons"][0]
    assert verdicts["Pending"]["reasons"] == ["no scores are reported for this result"]


def test_it_sends_no_verdict_unless_asked(api_a: APIClient, intake: dict[str, Share]) -> None:
    body = api_a.get(reverse("api:results")).json()
    assert len(body["results"]) == 5
    assert all(result["verdict"] is None for result in body["results"])
    one = api_a.get(reverse("api:result", args=[intake["weak"].result.public_id])).json()
    assert one["verdict"] is None


def test_it_gives_one_results_verdict(api_a: APIClient, msc: EntryRequirement, intake: dict[str, Share]) -> None:
    url = reverse("api:result", args=[intake["weak"].result.public_id])
    verdict = api_a.get(url, {"check": str(msc.public_id)}).json()["verdict"]
    assert verdict["met"] is False
    assert verdict["reasons"] == ["Writing 160 is below 169"]
    good = reverse("api:result", args=[intake["good"].result.public_id])
    assert api_a.get(good, {"check": str(msc.public_id)}).json()["verdict"]["met"] is True


def test_it_answers_another_organisations_requirement_as_an_unknown_one(
    api_a: APIClient, api_b: APIClient, msc: EntryRequirement, intake: dict[str, Share], org_b: Any
) -> None:
    theirs = EntryRequirement.objects.create(organisation=org_b, name="Theirs", min_overall=100)
    unknown = str(uuid.uuid4())
    url_one = reverse("api:result", args=[intake["good"].result.public_id])
    for params in ({"requirement": str(theirs.public_id)}, {"check": str(theirs.public_id)}):
        response = api_a.get(reverse("api:results"), params)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        same = api_a.get(reverse("api:results"), {name: unknown for name in params})
        assert same.status_code == 404
        assert response.json() == same.json()
        assert "entry requirement" in response.json()["detail"]
    assert api_a.get(url_one, {"check": str(theirs.public_id)}).status_code == 404
    # Organisation B's key cannot use A's requirement either (and sees none of A's results).
    assert api_b.get(reverse("api:results"), {"requirement": str(msc.public_id)}).status_code == 404
    assert api_b.get(reverse("api:results"), {"check": str(msc.public_id)}).status_code == 404


def test_it_refuses_a_malformed_id_and_both_parameters_with_clear_messages(
    api_a: APIClient, msc: EntryRequirement
) -> None:
    response = api_a.get(reverse("api:results"), {"requirement": "msc"})
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["requirement"]
    both = api_a.get(reverse("api:results"), {"requirement": str(msc.public_id), "check": str(msc.public_id)})
    assert both.status_code == 400
    assert both.json()["errors"] == [
        {"field": "check", "message": "Give requirement (filter) or check (verdict only), not both."}
    ]
    one = api_a.get(reverse("api:result", args=[uuid.uuid4()]), {"check": "nope"})
    assert one.status_code == 400
    assert [error["field"] for error in one.json()["errors"]] == ["check"]


def test_it_reads_one_results_component_scores_once_for_its_verdict(
    api_a: APIClient, msc: EntryRequirement, intake: dict[str, Share]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("api:result", args=[intake["weak"].result.public_id])
    with CaptureQueriesContext(connection) as queries:
        assert api_a.get(url, {"check": str(msc.public_id)}).status_code == 200
    assert sum("results_componentscore" in query["sql"] for query in queries.captured_queries) == 1
