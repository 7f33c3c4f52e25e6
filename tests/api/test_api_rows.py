"""The results list reads plain rows (rvs.api.result_rows): it must send what the serializer makes of models."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from rvs.api.serializers import ResultSerializer
from rvs.api.views import requirement_context
from rvs.requirements.models import EntryRequirement
from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db


def _from_models(share: Share, context: dict[str, Any]) -> dict[str, Any]:
    """What ResultSerializer makes of the share's model instances (as GET /results/{id}/ sends)."""
    share = Share.objects.select_related("result__candidate", "result__exam", "result__centre").get(pk=share.pk)
    return dict(ResultSerializer(share.result, context={**context, "shares": {share.result_id: share}}).data)


def test_it_lists_exactly_what_the_serializer_makes_of_the_models(api_a: APIClient, org_a: Any) -> None:
    with_photo = ShareFactory(
        organisation=org_a, include_photo=True, first_viewed_at=timezone.now(), result__candidate__email=""
    )
    with_photo.result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    photo_not_shared = ShareFactory(organisation=org_a, include_photo=False)
    photo_not_shared.result.photo.save("q.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    pending = ShareFactory(organisation=org_a, result__forced_status=Result.Status.PENDING)
    withheld = ShareFactory(organisation=org_a, result__forced_status=Result.Status.WITHHELD)
    weak = ShareFactory(organisation=org_a, result__scores={"writing": 150})
    shares = [with_photo, photo_not_shared, pending, withheld, weak]
    requirement = EntryRequirement.objects.create(organisation=org_a, name="Entry", min_component=160)
    request = APIRequestFactory().get("/api/v1/results/", HTTP_HOST="testserver")
    for params, context in (
        ({}, {"request": request}),
        ({"include": "photo"}, {"request": request, "include_photo": True}),
        (
            {"check": str(requirement.public_id)},
            {"request": request, **requirement_context(org_a, requirement.public_id)},
        ),
    ):
        listed = api_a.get(reverse("api:results"), params).json()["results"]
        assert len(listed) == len(shares)
        by_id = {result["id"]: result for result in listed}
        for share in shares:
            assert by_id[str(share.result.public_id)] == _from_models(share, context), params
    with_photo_listed = api_a.get(reverse("api:results"), {"include": "photo"}).json()["results"]
    urls = {result["id"]: result["photo_url"] for result in with_photo_listed}
    assert urls[str(with_photo.result.public_id)].endswith(f"/api/v1/results/{with_photo.result.public_id}/photo/")
    assert urls[str(photo_not_shared.result.public_id)] is None


def test_rows_by_id_are_page_values_in_the_order_asked(org_a: Any) -> None:
    """The page query compiled once (result_rows.page_by_ids) answers as the queryset it was compiled from."""
    from rvs.api import result_rows

    shares = [ShareFactory(organisation=org_a) for _ in range(3)]
    shares[1].result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    ids = [shares[2].pk, shares[0].pk, 10**9, shares[1].pk]  # an id that is no share is left out
    expected = {row["id"]: row for row in result_rows.page_values(Share.objects.filter(pk__in=ids))}
    found = result_rows.page_by_ids(ids)
    assert [row["id"] for row in found] == [shares[2].pk, shares[0].pk, shares[1].pk]
    assert found == [expected[row["id"]] for row in found]
    assert result_rows.page_by_ids([]) == []
