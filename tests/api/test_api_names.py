"""API: a name search forgives how names are written and says how each result's name matched."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import api_client
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a: Any, org_b: Any) -> None:
    for first, last in [("Anna", "Mueller"), ("Anna", "Müller"), ("Anna Maria", "Muller"), ("Anna", "Schmidt")]:
        ShareFactory(organisation=org_a, result__candidate__first_name=first, result__candidate__last_name=last)
    ShareFactory(organisation=org_b, result__candidate__first_name="Anna", result__candidate__last_name="Mueller")


def _matches(client: APIClient, name: str) -> dict[str, dict[str, Any] | None]:
    response = client.get(reverse("api:results"), {"name": name})
    assert response.status_code == 200
    return {
        f"{r['candidate']['first_name']} {r['candidate']['last_name']}": r["name_match"]
        for r in response.json()["results"]
    }


def test_it_finds_spelling_variants_and_says_how_each_name_matched(api_a: APIClient, people: None) -> None:
    found = _matches(api_a, "Mueller Anna")
    assert set(found) == {"Anna Mueller", "Anna Müller", "Anna Maria Muller"}
    assert found["Anna Mueller"] == {
        "tier": "exact",
        "reasons": ["every word exact", "given and family names in the other order"],
    }
    assert found["Anna Müller"] == {
        "tier": "variant",
        "reasons": ["“mueller” is a spelling of “muller”", "given and family names in the other order"],
    }
    assert found["Anna Maria Muller"] is not None
    assert found["Anna Maria Muller"]["tier"] == "variant"
    assert "middle name not given" in found["Anna Maria Muller"]["reasons"]


def test_it_says_nothing_about_names_when_no_name_was_searched(api_a: APIClient, people: None) -> None:
    results = api_a.get(reverse("api:results")).json()["results"]
    assert len(results) == 4
    assert all(result["name_match"] is None for result in results)


def test_it_keeps_other_organisations_and_signed_out_callers_out(api_b: APIClient, people: None) -> None:
    assert set(_matches(api_b, "Muller")) == {"Anna Mueller"}  # only organisation B's own share
    refused = api_client().get(reverse("api:results"), {"name": "Muller"})
    assert refused.status_code == 401
