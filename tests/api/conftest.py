from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from rvs.api import keys


@pytest.fixture
def key_a(org_a: Any, primary: Any) -> tuple[Any, str]:
    return keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="write")


@pytest.fixture
def read_key_a(org_a: Any, primary: Any) -> tuple[Any, str]:
    return keys.key_create(actor=primary, organisation=org_a, name="Reporting", scope="read")


@pytest.fixture
def key_b(org_b: Any, outsider: Any) -> tuple[Any, str]:
    return keys.key_create(actor=outsider, organisation=org_b, name="Other org", scope="write")


def api_client(text: str | None = None) -> APIClient:
    client = APIClient()
    if text:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client


@pytest.fixture
def api_a(key_a: tuple[Any, str]) -> APIClient:
    return api_client(key_a[1])


@pytest.fixture
def api_b(key_b: tuple[Any, str]) -> APIClient:
    return api_client(key_b[1])
