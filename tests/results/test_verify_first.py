"""Verify first (issue 17 item 1) and the dashboard's sorts and "New only" filter (item 10): the
verify box on the dashboard and the search page, "More search options", the first-day guide."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.sharing.models import Share
from tests.conftest import client_for
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db

MORE_FIELDS = ("candidate_number", "exam", "place_of_entry", "centre_name", "email", "exam_date", "requirement")


def _verify_box(page: str) -> str:
    found = re.search(r'<section class="verify-box".*?</section>', page, re.S)
    assert found, "no verify box"
    return found.group(0)


def _more_options(page: str) -> str:
    found = re.search(r'<details class="more-options"[^>]*>.*?</details>', page, re.S)
    assert found, "no More search options"
    return found.group(0)


def _names_in_order(page: str) -> list[str]:
    return re.findall(r'<td><a href="/results/[^"]+">([^<]+)</a>', page)


def _share(org: Any, last: str, hours_ago: int, **extra: Any) -> Share:
    return ShareFactory(
        organisation=org,
        result__candidate__first_name="Ann",
        result__candidate__last_name=last,
        shared_at=timezone.now() - dt.timedelta(hours=hours_ago),
        **extra,
    )


class TestTheVerifyBox:
    def test_it_tops_the_dashboard_with_the_three_fields_and_one_button(
        self, member_client: Client, share_a: Share
    ) -> None:
        page = member_client.get(reverse("results:dashboard")).content.decode()
        box = _verify_box(page)
        assert page.index("verify-box") < page.index('<table class="results">')
        # (A date is one box or three: date_of_birth_day, _month, _year.)
        fields = re.findall(r'name="(ern|name|date_of_birth)(?:_day|_month|_year)?"', box)
        assert list(dict.fromkeys(fields)) == ["ern", "name", "date_of_birth"]
        for field in MORE_FIELDS:
            assert f'name="{field}' not in box
        assert box.count("<button") == 1
        assert 'href="/search/?more=1#more-options" class="more-link">More search options</a>' in box
        form = re.search(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"'
                         r'[^>]*>\s*<input type="hidden" name="back" value="([^"]+)">', page)  # fmt: skip
        assert form
        assert form.groups() == ("/search/", "/dashboard/")

    def test_the_dashboards_box_opens_a_result_by_ern_and_comes_back_to_the_dashboard(
        self, member_client: Client, share_a: Share
    ) -> None:
        result = share_a.result
        response = member_client.post(
            reverse("results:search"),
            {"ern": result.ern_display, "name": result.candidate.last_name, "back": "/dashboard/?new=1"},
        )
        assert response.status_code == 302
        assert response["Location"] == f"/results/{result.public_id}/?back=%2Fdashboard%2F%3Fnew%3D1"
        page = member_client.get(response["Location"]).content.decode()
        assert '<a href="/dashboard/?new=1" class="back">Back to Shared with you</a>' in page

    def test_a_back_to_another_site_is_not_followed(self, member_client: Client, share_a: Share) -> None:
        for back in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
            response = member_client.post(reverse("results:search"), {"ern": share_a.result.ern, "back": back})
            assert response["Location"].endswith("?back=%2Fsearch%2F"), back

    def test_the_search_page_hides_the_other_fields_behind_more_search_options(self, member_client: Client) -> None:
        page = member_client.get(reverse("results:search")).content.decode()
        box, more = _verify_box(page), _more_options(page)
        assert '<details class="more-options" id="more-options">' in more  # closed
        assert "<summary>More search options</summary>" in more
        for field in (*MORE_FIELDS, "meets_only"):
            assert f'name="{field}' in more, field
        for field in ("ern", "name", "date_of_birth"):
            assert f'name="{field}' not in more
        assert box.count("<button") == 1
        assert box.index("</details>") < box.index("<button")  # the one button, after the options

    @pytest.mark.parametrize(
        ("data", "opened"),
        [
            ({"name": "ann"}, False),
            ({"ern": "??"}, False),
            ({"candidate_number": "X1"}, True),
            ({"email": "not-an-email"}, True),
            ({"name": "ann", "meets_only": "on"}, True),
        ],
    )
    def test_more_search_options_open_when_one_of_them_is_filled_or_wrong(
        self, member_client: Client, data: dict[str, str], opened: bool
    ) -> None:
        response = member_client.post(reverse("results:search"), data)
        if response.status_code == 302:
            response = member_client.get(response["Location"])
        more = _more_options(response.content.decode())
        assert ("open>" in more.split("\n", 1)[0]) is opened, more.split("\n", 1)[0]

    def test_the_dashboards_link_opens_them(self, member_client: Client) -> None:
        page = member_client.get(reverse("results:search"), {"more": "1"}).content.decode()
        assert '<details class="more-options" id="more-options" open>' in page


class TestTheFirstDayGuide:
    def test_a_new_organisation_sees_the_guide_not_an_empty_table(self, primary: Any, org_a: Any) -> None:
        page = client_for(primary).get(reverse("results:dashboard")).content.decode()
        guide = re.search(r'<section aria-labelledby="first-day-heading".*?</section>', page, re.S)
        assert guide
        text = guide.group(0)
        assert f'href="{reverse("candidates:help_sharing")}">How to share</a>' in text
        assert 'href="#verify-heading">Verify a result</a>' in text
        assert f'href="{reverse("organisations:users")}">Your Organisation › Users</a>' in text
        assert f'href="{reverse("directory")}?q=' in text
        assert "<table" not in page
        assert "verify-box" in page

    def test_only_a_primary_user_is_sent_to_add_users(self, member_client: Client) -> None:
        page = member_client.get(reverse("results:dashboard")).content.decode()
        assert "first-day-heading" in page
        assert reverse("organisations:users") not in page
        assert "Primary User" in page

    def test_it_goes_once_something_is_shared(self, member_client: Client, share_a: Share) -> None:
        page = member_client.get(reverse("results:dashboard")).content.decode()
        assert "first-day-heading" not in page
        assert '<table class="results">' in page


class TestDashboardSortsAndFilters:
    @pytest.fixture
    def shares(self, org_a: Any) -> list[Share]:
        old = _share(org_a, "Adams", 30, first_viewed_at=timezone.now() - dt.timedelta(hours=29))
        return [_share(org_a, "Brown", 1), _share(org_a, "Cole", 50), old]

    def test_it_sorts_by_the_search_results_columns(self, member_client: Client, shares: list[Share]) -> None:
        dashboard = reverse("results:dashboard")
        page = member_client.get(dashboard).content.decode()
        assert _names_in_order(page) == ["Brown, Ann", "Adams, Ann", "Cole, Ann"]  # newest first
        assert re.search(r'aria-sort="descending"><a href="\?sort=shared">Date shared</a>', page)
        page = member_client.get(dashboard, {"sort": "name"}).content.decode()
        assert _names_in_order(page) == ["Adams, Ann", "Brown, Ann", "Cole, Ann"]
        assert re.search(r'aria-sort="ascending"><a href="\?sort=-name">Candidate name</a>', page)
        assert "newest first" not in page
        page = member_client.get(dashboard, {"sort": "-name"}).content.decode()
        assert _names_in_order(page) == ["Cole, Ann", "Brown, Ann", "Adams, Ann"]
        page = member_client.get(dashboard, {"sort": "nonsense"}).content.decode()
        assert _names_in_order(page) == ["Brown, Ann", "Adams, Ann", "Cole, Ann"]

    def test_new_only_shows_what_nobody_has_opened_and_keeps_it_when_sorting(
        self, member_client: Client, shares: list[Share]
    ) -> None:
        page = member_client.get(reverse("results:dashboard"), {"new": "1", "sort": "name"}).content.decode()
        assert _names_in_order(page) == ["Brown, Ann", "Cole, Ann"]
        assert '<input type="checkbox" name="new" value="1" id="new-only" checked>' in page
        assert 'href="?new=1&amp;sort=-name"' in page
        assert "2 results" in page
        # Opened by anyone at the organisation: no longer new.
        client_for(shares[0].organisation.memberships.first().user).get(
            reverse("results:detail", args=[shares[0].result.public_id])
        )
        page = member_client.get(reverse("results:dashboard"), {"new": "1"}).content.decode()
        assert _names_in_order(page) == ["Cole, Ann"]

    def test_with_nothing_new_it_says_so_and_shows_no_guide(self, member_client: Client, org_a: Any) -> None:
        _share(org_a, "Adams", 3, first_viewed_at=timezone.now())
        page = member_client.get(reverse("results:dashboard"), {"new": "1"}).content.decode()
        assert "No new results" in page
        assert "first-day-heading" not in page

    def test_select_all_of_new_only_downloads_the_new_ones(self, member_client: Client, shares: list[Share]) -> None:
        page = member_client.get(reverse("results:dashboard"), {"new": "1"}).content.decode()
        assert '<input type="hidden" name="new" value="1">' in page
        data = {"format": "csv", "scope": "dashboard", "new": "1", "back": "/dashboard/?new=1"}
        response = member_client.post(reverse("downloads:create"), data)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert sorted(row[0] for row in rows[1:]) == ["Brown", "Cole"], rows[0]

    def test_the_rows_link_to_their_result_with_the_way_back(self, member_client: Client, shares: list[Share]) -> None:
        page = member_client.get(reverse("results:dashboard"), {"sort": "name", "new": "1"}).content.decode()
        brown = shares[0].result.public_id
        assert f'<a href="/results/{brown}/?back=%2Fdashboard%2F%3Fsort%3Dname%26new%3D1">Brown, Ann</a>' in page
