"""Bulk verification is a main tab of organisation users (issue 17, item 8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


class TestMainTab:
    def test_it_is_in_the_main_navigation_of_organisation_users(self, member: Any) -> None:
        page = client_for(member).get(reverse("results:dashboard")).content.decode()
        nav = page[page.index('aria-label="Main"') : page.index("</nav>", page.index('aria-label="Main"'))]
        assert f'href="{reverse("bulk:upload")}"' in nav
        assert ">Bulk verification</a>" in nav
        current = client_for(member).get(reverse("bulk:upload")).content.decode()
        assert f'<a href="{reverse("bulk:upload")}" aria-current="page">Bulk verification</a>' in current
