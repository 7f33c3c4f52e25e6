"""The per-organisation search index (decision 0004) stays equal to a rebuild, whoever writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvs.backoffice.services import result_correct
from rvs.organisations.models import Organisation
from rvs.results.models import Result
from rvs.sharing import search_index
from rvs.sharing.models import Share, ShareNameToken, ShareSearch
from rvs.sharing.services import share_create, share_revoke
from tests.factories import CandidateFactory, ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db

NAMES = [("Anna", "Müller"), ("Søren", "Kierkegaard"), ("Nguyễn", "Văn An"), ("Siobhán", "O'Brien"), ("Олег", "Петров")]


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rows = ShareSearch.objects.order_by("share_id").values_list(
        "share_id", "organisation_id", "result_id", "candidate_id", "exam_id", "exam_position", "exam_date",
        "centre_id", "sort_name", "overall_score", "shared_at",
    )  # fmt: skip
    tokens = ShareNameToken.objects.order_by("share_id", "token").values_list(
        "organisation_id", "token", "sort_name", "share_id"
    )
    return list(rows), list(tokens)


def rebuilt() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    search_index.rebuild()
    return snapshot()


def test_it_indexes_a_share_made_by_the_service(org_a: Organisation) -> None:
    result = ResultFactory(candidate__first_name="Anna", candidate__last_name="Müller")
    [share] = share_create(
        actor=None, candidate=result.candidate, organisation=org_a, results=[result], include_photo=False
    )
    row = ShareSearch.objects.get()
    assert (row.share_id, row.organisation_id, row.result_id, row.sort_name) == (
        share.pk,
        org_a.pk,
        result.pk,
        "muller anna",
    )
    assert (row.exam_id, row.exam_position, row.exam_date) == (result.exam_id, result.exam.position, result.exam_date)
    assert (row.centre_id, row.overall_score, row.shared_at) == (
        result.centre_id,
        result.overall_score,
        share.shared_at,
    )
    # Words, the words written together, and their variant keys (rvs.core.names).
    assert sorted(ShareNameToken.objects.values_list("token", flat=True)) == [
        "anna", "annamuller", "muller", "~an", "~anmlr", "~mlr"
    ]  # fmt: skip


def test_it_drops_a_revoked_share(org_a: Organisation) -> None:
    share = ShareFactory(organisation=org_a)
    assert ShareSearch.objects.filter(share=share).exists()
    share_revoke(actor=None, candidate=share.result.candidate, share=share)
    assert not ShareSearch.objects.exists()
    assert not ShareNameToken.objects.exists()


def test_it_follows_a_corrected_name_and_score(org_a: Organisation, org_b: Organisation, staff: Any) -> None:
    share = ShareFactory(organisation=org_a)
    other = ShareFactory(
        organisation=org_b, result__candidate=share.result.candidate, result__exam_date=dt.date(2024, 6, 1)
    )
    result_correct(actor=staff, result=share.result, reason="misspelt", first_name="Lukas", last_name="Wojcikowski")
    result_correct(actor=staff, result=share.result, reason="re-marked", scores={"writing": 190})
    assert set(ShareSearch.objects.values_list("sort_name", flat=True)) == {"wojcikowski lukas"}
    assert ShareSearch.objects.get(share=share).overall_score == Result.objects.get(pk=share.result.pk).overall_score
    assert {"lukas", "wojcikowski", "lukaswojcikowski"} <= set(
        ShareNameToken.objects.filter(share_id=other.pk).values_list("token", flat=True)
    )
    assert not ShareNameToken.objects.filter(token__in=["lukasz", "wojcik"]).exists()
    assert snapshot() == rebuilt()


def test_it_keeps_a_withdrawn_result_findable_as_before(org_a: Organisation, staff: Any) -> None:
    share = ShareFactory(organisation=org_a)
    result_correct(actor=staff, result=share.result, reason="malpractice", status="withdrawn")
    assert ShareSearch.objects.filter(share=share).exists()
    assert snapshot() == rebuilt()


def test_it_follows_the_catalogue_order(org_a: Organisation) -> None:
    share = ShareFactory(organisation=org_a)
    exam = share.result.exam
    type(exam).objects.filter(pk=exam.pk).update(position=99)
    call_command("load_catalogue", verbosity=0)  # puts the catalogue's order back, and the index with it
    assert ShareSearch.objects.get(share=share).exam_position == type(exam).objects.get(pk=exam.pk).position
    search_index.refresh_exam_positions()
    assert snapshot() == rebuilt()


def test_the_command_rebuilds_a_damaged_index(org_a: Organisation, capsys: Any) -> None:
    shares = [ShareFactory(organisation=org_a, result__candidate__last_name=last) for _, last in NAMES]
    expected = snapshot()
    ShareSearch.objects.filter(share=shares[0]).update(sort_name="wrong")
    ShareNameToken.objects.filter(share_id=shares[1].pk).delete()
    Share.objects.filter(pk=shares[2].pk).update(revoked_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    call_command("rebuild_search_index")
    rows, tokens = snapshot()
    assert rows == [row for row in expected[0] if row[0] != shares[2].pk]
    assert tokens == [token for token in expected[1] if token[3] != shares[2].pk]
    assert "4 shares indexed" in capsys.readouterr().out


# --- any sequence of writes leaves the index equal to a rebuild -------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("share"), st.integers(0, 5), st.integers(0, 1)),
        st.tuples(st.just("revoke"), st.integers(0, 5), st.integers(0, 1)),
        st.tuples(st.just("rename"), st.integers(0, 5), st.integers(0, len(NAMES) - 1)),
        st.tuples(st.just("rescore"), st.integers(0, 5), st.integers(160, 190)),
        st.tuples(st.just("birthday"), st.integers(0, 5), st.integers(0, 3000)),
        st.tuples(st.just("withdraw"), st.integers(0, 5), st.integers(0, 0)),
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def world(org_a: Organisation, org_b: Organisation, staff: Any) -> dict[str, Any]:
    """Three candidates with two results each, and two organisations."""
    results = []
    for index, (first, last) in enumerate(NAMES[:3]):
        candidate = CandidateFactory(first_name=first, last_name=last)
        results.append(ResultFactory(candidate=candidate, exam_date=dt.date(2024, 6, 1 + index)))
        results.append(ResultFactory(candidate=candidate, exam_date=dt.date(2025, 3, 1 + index)))
    return {"results": results, "organisations": [org_a, org_b], "staff": staff}


def _apply(world: dict[str, Any], operation: tuple[str, int, int]) -> None:
    kind, which, value = operation
    result = Result.objects.select_related("candidate").get(pk=world["results"][which].pk)
    organisation = world["organisations"][value % 2]
    staff = world["staff"]
    if kind == "share":
        share_create(
            actor=None, candidate=result.candidate, organisation=organisation, results=[result], include_photo=False
        )
    elif kind == "revoke":
        share = Share.objects.filter(result=result, organisation=organisation, revoked_at=None).first()
        if share is not None:
            share_revoke(actor=None, candidate=result.candidate, share=share)
    elif result.status == Result.Status.WITHDRAWN:
        return  # nothing more to correct
    elif kind == "rename":
        first, last = NAMES[value]
        if (first, last) != (result.candidate.first_name, result.candidate.last_name):
            result_correct(actor=staff, result=result, reason="name", first_name=first, last_name=last)
    elif kind == "rescore":
        if result.components.get(code="writing").score != value:
            result_correct(actor=staff, result=result, reason="score", scores={"writing": value})
    elif kind == "birthday":
        born = dt.date(1990, 1, 1) + dt.timedelta(days=value)
        if born != result.candidate.date_of_birth:
            result_correct(actor=staff, result=result, reason="date of birth", date_of_birth=born)
    elif kind == "withdraw":
        result_correct(actor=staff, result=result, reason="withdrawn", status="withdrawn")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_maintained_index_equals_a_rebuild_after_any_writes(world: dict[str, Any], operations: list[Any]) -> None:
    with transaction.atomic():
        for operation in operations:
            _apply(world, operation)
        active = Share.objects.filter(revoked_at__isnull=True).count()
        maintained = snapshot()
        assert len(maintained[0]) == active
        assert maintained == rebuilt()
        transaction.set_rollback(True)  # the next example starts from the same world
