"""API problem details in the language asked for; what programs read stays the same (issue 18, docs/api.md)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "zh-hans", "ar"])
def test_a_problems_title_and_detail_follow_accept_language_and_its_type_does_not(language: str) -> None:
    english = Client().get("/api/v1/results/").json()
    asked = Client().get("/api/v1/results/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert asked["type"] == english["type"] == "https://rvs.invalid/problems/authentication-required"
    assert asked["status"] == english["status"] == 401
    assert english["title"] == "Authentication required"
    assert asked["title"] != english["title"]
    assert asked["detail"] != english["detail"]
