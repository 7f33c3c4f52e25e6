"""Reads for the Candidate Results Website, always scoped to the signed-in candidate."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from rvs.core.access import public_uuid
from rvs.core.normalise import fold
from rvs.organisations.models import Organisation
from rvs.results.models import Candidate, Result
from rvs.sharing import access
from rvs.sharing.models import Share


def results_of(*, candidate: Candidate) -> QuerySet[Result]:
    return (
        Result.objects.filter(candidate=candidate)
        .select_related("exam", "centre")
        .prefetch_related("components")
        .order_by("-exam_date", "exam__position")
    )


def shareable_results(*, candidate: Candidate) -> list[Result]:
    """Results with something to show an organisation (not pending)."""
    return [result for result in results_of(candidate=candidate) if result.status != Result.Status.PENDING]


def organisations_to_share_with(*, query: str, limit: int = 20) -> list[Organisation]:
    folded = fold(query)
    if len(folded) < 2:
        return []
    return list(
        Organisation.objects.filter(status=Organisation.Status.ACTIVE, name_folded__contains=folded).order_by(
            "name_folded", "city"
        )[:limit]
    )


def shares_of(*, candidate: Candidate) -> QuerySet[Share]:
    return access.candidate_shares(candidate)


def results_for_candidate(candidate: Candidate, public_ids: list[str]) -> list[Result]:
    """The candidate's own results among ``public_ids``; any other id is a 404."""
    ids = [public_uuid(value) for value in public_ids]
    results = list(Result.objects.filter(candidate=candidate, public_id__in=ids).select_related("exam"))
    if len(results) != len(set(ids)):
        raise Http404("No result found.")
    return results
