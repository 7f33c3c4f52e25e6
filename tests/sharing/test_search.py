"""shared_results reads the organisation's search index and answers as the joined tables would, through an
explicit results object (count, pages, ids, a plain queryset to narrow: decision 0024)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db.models import QuerySet

from rvs.core import names
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation
from rvs.results.models import Centre
from rvs.sharing.models import Share
from rvs.sharing.search import SORTS, SearchCriteria, SearchResults, recent_shares, shared_results
from rvs.sharing.services import share_revoke
from tests.factories import CandidateFactory, CentreFactory, ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db

# The orderings on the source tables, as the selector had them before the index.
REFERENCE_SORTS = {
    "name": ("result__candidate__sort_name", "id"),
    "-name": ("-result__candidate__sort_name", "-id"),
    "exam": ("result__exam__position", "result__candidate__sort_name", "id"),
    "-exam": ("-result__exam__position", "result__candidate__sort_name", "id"),
    "exam_date": ("result__exam_date", "id"),
    "-exam_date": ("-result__exam_date", "-id"),
    "score": ("result__overall_score", "id"),
    "-score": ("-result__overall_score", "-id"),
    "shared": ("shared_at", "id"),
    "-shared": ("-shared_at", "-id"),
}


def reference(organisation: Organisation, criteria: SearchCriteria, sort: str) -> list[int]:
    """The search written on shares, results, candidates and centres, without the index; names
    ranked by ``rvs.core.names.explain`` (exact, then prefix, then variant), each tier in ``sort`` order."""
    shares = Share.objects.filter(organisation=organisation, revoked_at__isnull=True)
    if criteria.date_of_birth:
        shares = shares.filter(result__candidate__date_of_birth=criteria.date_of_birth)
    if criteria.candidate_number:
        shares = shares.filter(result__candidate__candidate_number=criteria.candidate_number.strip().upper())
    if criteria.exam_id:
        shares = shares.filter(result__exam_id=criteria.exam_id)
    if criteria.place_of_entry:
        shares = shares.filter(result__centre__city_folded__contains=fold(criteria.place_of_entry))
    if criteria.centre_name:
        shares = shares.filter(result__centre__name_folded__contains=fold(criteria.centre_name))
    if criteria.email:
        shares = shares.filter(result__candidate__email=criteria.email.strip().lower())
    if criteria.exam_date:
        shares = shares.filter(result__exam_date=criteria.exam_date)
    ordered = list(shares.select_related("result__candidate").order_by(*REFERENCE_SORTS[sort]))
    if not criteria.name:
        return [share.pk for share in ordered]
    ranked = []
    for position, share in enumerate(ordered):
        match = names.explain(criteria.name, share.result.candidate.first_name, share.result.candidate.last_name)
        if match is not None:
            ranked.append((match.tier, position, share.pk))
    return [pk for *_, pk in sorted(ranked)]


@pytest.fixture
def shares(org_a: Organisation, org_b: Organisation) -> list[Share]:
    """Shares with ties on every sort key, several exams, centres, scores and a revoked one."""
    first = Exam.objects.get(code="b2-first")
    advanced = Exam.objects.get(code="c1-advanced")
    krakow = CentreFactory(number="PL001", city="Kraków", name="Kraków Language Centre")
    porto = CentreFactory(number="PT001", city="Porto", name="British Council Porto")
    people = [("Anna", "Müller"), ("Anna", "Mueller"), ("Søren", "Müller"), ("Łukasz", "Wójcik"), ("Zoë", "Nguyễn")]
    made = []
    for index, (first_name, last_name) in enumerate(people * 2):
        candidate = CandidateFactory(
            first_name=first_name, last_name=last_name, date_of_birth=dt.date(2000, 1, 1 + index % 3)
        )
        result = ResultFactory(
            candidate=candidate,
            exam=first if index % 2 else advanced,
            centre=krakow if index % 3 else porto,
            exam_date=dt.date(2025, 6, 1 + index % 2),
            scores={"reading": 170 + index % 4 * 5},
        )
        made.append(
            ShareFactory(
                organisation=org_a, result=result, shared_at=dt.datetime(2025, 7, 1 + index % 4, tzinfo=dt.UTC)
            )
        )
    made.append(ShareFactory(organisation=org_b, result=made[0].result))
    share_revoke(actor=None, candidate=made[1].result.candidate, share=made[1])
    return made


CRITERIA = [
    SearchCriteria(),
    SearchCriteria(name="müller"),
    SearchCriteria(name="MUELLER anna"),
    SearchCriteria(name="an"),
    SearchCriteria(name="Nobody"),
    SearchCriteria(name="Muller"),
    SearchCriteria(name="Soren Mueller"),
    SearchCriteria(name="wojcik lukasz"),
    SearchCriteria(name="Nguyen Zoe"),
    SearchCriteria(name="mul", date_of_birth=dt.date(2000, 1, 1)),
    SearchCriteria(date_of_birth=dt.date(2000, 1, 2)),
    SearchCriteria(place_of_entry="krakow"),
    SearchCriteria(centre_name="british council"),
    SearchCriteria(centre_name="Atlantis"),
    SearchCriteria(place_of_entry="porto", centre_name="krakow"),
    SearchCriteria(exam_date=dt.date(2025, 6, 2), name="anna"),
]


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("criteria", CRITERIA, ids=lambda c: repr({k: v for k, v in c.to_session().items() if v}))
def test_it_answers_as_the_tables_do(shares: list[Share], org_a: Organisation, criteria: SearchCriteria, sort: str):
    expected = reference(org_a, criteria, sort)
    found = shared_results(organisation=org_a, criteria=criteria, sort=sort)
    assert found.count() == len(expected)
    assert [share.pk for share in found[0:4]] == expected[0:4]
    assert [share.pk for share in found[4:100]] == expected[4:100]
    assert [share.pk for share in found[3:]] == expected[3:]
    assert [share.pk for share in found.page(2, 3)] == expected[3:6]
    assert found.result_ids(limit=100) == [Share.objects.get(pk=pk).result_id for pk in expected]
    assert found.share_ids() == expected  # every match, in order (a download of the search)
    assert [share.pk for share in found.queryset()] == expected  # the plain queryset, in the same order


def test_it_gives_related_rows_with_the_page(shares: list[Share], org_a: Organisation, django_assert_num_queries: Any):
    found = shared_results(organisation=org_a, criteria=SearchCriteria(exam_id=shares[0].result.exam_id), sort="name")
    with django_assert_num_queries(2):  # the ids from the index, then the rows with their relations
        page = list(found[0:3])
        assert [share.result.candidate.last_name for share in page]
        assert [share.result.centre.city for share in page]


@pytest.mark.parametrize("name", ["anna", "mueller", "Muller anna"])
def test_callers_narrow_it_and_keep_the_name_tiers_first(shares: list[Share], org_a: Organisation, name: str) -> None:
    exam = Exam.objects.get(code="c1-advanced")
    found = shared_results(organisation=org_a, criteria=SearchCriteria(name=name), sort="-shared")
    expected = reference(org_a, SearchCriteria(name=name, exam_id=exam.pk), "-shared")
    narrowed = found.narrow(lambda shares: shares.filter(result__exam=exam))
    assert narrowed.count() == len(expected) > 0
    assert [s.pk for s in narrowed[0:10]] == expected[0:10]  # exact, prefix, variant; each newest first
    assert narrowed.share_ids() == expected
    assert [s.pk for s in found.queryset().filter(result__exam=exam)] == expected
    assert found.queryset().filter(result__exam=exam).count() == len(expected)


def test_a_caller_may_order_the_matches_its_own_way(shares: list[Share], org_a: Organisation) -> None:
    newest_first = shared_results(organisation=org_a, criteria=SearchCriteria(name="anna")).queryset(order_by=["-id"])
    assert [s.pk for s in newest_first] == sorted(reference(org_a, SearchCriteria(name="anna"), "name"), reverse=True)
    everything = shared_results(organisation=org_a, criteria=SearchCriteria()).queryset(order_by=["-id"])
    assert [s.pk for s in everything[0:3]] == list(
        Share.objects.filter(organisation=org_a, revoked_at=None).order_by("-id").values_list("id", flat=True)[:3]
    )


def test_a_paginator_pages_it_by_count_and_slices(
    shares: list[Share], org_a: Organisation, django_assert_num_queries: Any
) -> None:
    found = shared_results(organisation=org_a, criteria=SearchCriteria(name="müller"), sort="name")
    expected = reference(org_a, SearchCriteria(name="müller"), "name")
    paginator = Paginator(found, 2)  # type: ignore[arg-type]  # count() and slices are all it uses
    with django_assert_num_queries(3):  # the count by tier, the page's ids, the page's rows
        page = paginator.get_page(2)
        assert paginator.count == len(expected)
        assert [s.pk for s in page] == expected[2:4]


def test_it_is_read_by_slices_only(shares: list[Share], org_a: Organisation) -> None:
    found = shared_results(organisation=org_a, criteria=SearchCriteria())
    for wrong in (0, slice(0, 4, 2), slice(-2, None)):
        with pytest.raises(TypeError):
            found[wrong]  # type: ignore[index]
    assert not isinstance(found, QuerySet)
    assert isinstance(found, SearchResults)


def test_it_never_shows_another_organisations_or_a_revoked_share(
    shares: list[Share], org_a: Organisation, org_b: Organisation
) -> None:
    assert [s.pk for s in recent_shares(organisation=org_b)[0:25]] == [shares[-1].pk]
    assert recent_shares(organisation=org_b).share_ids() == [shares[-1].pk]
    assert shares[1].pk not in recent_shares(organisation=org_a).share_ids()
    assert shares[-1].pk not in recent_shares(organisation=org_a).share_ids()
    assert shares[-1].pk not in [s.pk for s in recent_shares(organisation=org_a).queryset()]


def test_it_finds_nothing_without_a_query_when_no_centre_matches(
    shares: list[Share], org_a: Organisation, django_assert_num_queries: Any
) -> None:
    found = shared_results(organisation=org_a, criteria=SearchCriteria(place_of_entry="Atlantis"))
    with django_assert_num_queries(0):
        assert found.count() == 0
        assert list(found[0:25]) == []
        assert found.result_ids() == []
        assert list(found.queryset()) == []
    assert Centre.objects.count() == 2
