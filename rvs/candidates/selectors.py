"""Reads for the Candidate Results Website, always scoped to the signed-in candidate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rvs.core.normalise import fold
from rvs.organisations.models import Organisation
from rvs.results.models import Result
from rvs.sharing.models import Share


def results_of(*, candidate: Any) -> QuerySet[Result]:
    return (
        Result.objects.filter(candidate=candidate)
        .select_related("exam", "centre")
        .prefetch_related("components")
        .order_by("-exam_date", "exam__position")
    )


def shareable_results(*, candidate: Any) -> list[Result]:
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


def shares_of(*, candidate: Any) -> QuerySet[Share]:
    return (
        Share.objects.filter(result__candidate=candidate)
        .select_related("organisation", "result__exam")
        .order_by("revoked_at", "-shared_at")
    )
