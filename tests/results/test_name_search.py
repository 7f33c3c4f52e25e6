"""Names found however they are written (issue 8 §3): exact matches first, then variants, each with its reason."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.organisations.models import Organisation
from rvs.sharing.search import SearchCriteria, shared_results
from tests.conftest import client_for
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db


def _names_on_page(html: str) -> list[str]:
    return re.findall(r'<a href="/results/[^"]+">([^<]+)</a>', html)


def test_it_lists_exact_matches_first_then_variants_with_the_reason(
    member_client: Client, org_a: Organisation, org_b: Organisation
) -> None:
    ShareFactory(organisation=org_a, result__candidate__first_name="Anna", result__candidate__last_name="Müller")
    ShareFactory(organisation=org_a, result__candidate__first_name="Aaron", result__candidate__last_name="Mueller")
    ShareFactory(organisation=org_a, result__candidate__first_name="Zoë", result__candidate__last_name="Muller")
    ShareFactory(organisation=org_a, result__candidate__first_name="Jan", result__candidate__last_name="Nowak")
    ShareFactory(organisation=org_b, result__candidate__first_name="Otto", result__candidate__last_name="Mueller")
    page = member_client.post(reverse("results:search"), {"name": "Mueller"}, follow=True).content.decode()
    # Exact first (Mueller), then the spellings, by name: Müller and Muller fold alike.
    assert _names_on_page(page) == ["Mueller, Aaron", "Müller, Anna", "Muller, Zoë"]
    assert "Name match" in page
    assert "Exact</span>: exact name" not in page  # one word of two given: every word exact
    assert "Exact</span>: every word exact" in page
    assert "Variant</span>: “mueller” is a spelling of “muller”" in page
    assert "Otto" not in page
    assert "Nowak" not in page


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (("Siobhán", "O'Brien"), "OBrien Siobhan"),
        (("Siobhán", "O'Brien"), "o brien"),
        (("Александр", "Петров"), "Alexander Petrov"),
        (("Nguyễn", "Văn An"), "Van An Nguyen"),
        (("María José", "de la Cruz"), "Maria Delacruz"),
        (("Mohammed", "Al-Rashid"), "Muhammad Al Rashid"),
    ],
)
def test_it_finds_a_name_written_another_way(org_a: Organisation, stored: tuple[str, str], typed: str) -> None:
    share = ShareFactory(
        organisation=org_a, result__candidate__first_name=stored[0], result__candidate__last_name=stored[1]
    )
    ShareFactory(organisation=org_a, result__candidate__first_name="Jan", result__candidate__last_name="Nowak")
    found = shared_results(organisation=org_a, criteria=SearchCriteria(name=typed), sort="name")
    assert found.count() == 1
    assert [s.pk for s in found[0:25]] == [share.pk]


def test_it_shows_no_name_column_without_a_name(member: Any, org_a: Organisation) -> None:
    share = ShareFactory(organisation=org_a)
    page = client_for(member).post(reverse("results:search"), {"exam_date": share.result.exam_date}, follow=True)
    assert "Name match" not in page.content.decode()


@pytest.mark.parametrize("typed", ["O Brien", "o brien siobhan", "D Angelo"])
def test_the_web_form_accepts_a_one_letter_particle_before_a_name(
    member_client: Client, org_a: Organisation, typed: str
) -> None:
    """Issue 19 item 3: "O Brien" was refused ("Enter at least two letters of each name") although
    the README promises it and the API accepts it; the particle joins the word after it."""
    ShareFactory(organisation=org_a, result__candidate__first_name="Siobhán", result__candidate__last_name="O'Brien")
    ShareFactory(organisation=org_a, result__candidate__first_name="Luca", result__candidate__last_name="D'Angelo")
    page = member_client.post(reverse("results:search"), {"name": typed}, follow=True).content.decode()
    assert "Enter at least two letters of each name" not in page
    assert _names_on_page(page), f"{typed!r} found nobody"


@pytest.mark.parametrize("typed", ["O", "A Smith", "Brien x"])
def test_the_web_form_still_refuses_a_lone_letter(member_client: Client, typed: str) -> None:
    page = member_client.post(reverse("results:search"), {"name": typed}, follow=True).content.decode()
    assert "Enter at least two letters of each name" in page
