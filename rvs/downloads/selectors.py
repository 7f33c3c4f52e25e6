"""Reads for downloads, scoped to the organisation (or the candidate)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.results.models import ErnGrant, Result
from rvs.sharing.models import Share

_CHUNK = 1000


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def accessible_result_ids(*, organisation: Any, result_ids: Sequence[int]) -> list[int]:
    """The ids the organisation may still open (active share or ERN grant), in the order given."""
    allowed: set[int] = set()
    now = timezone.now()
    for chunk in _chunks(list(result_ids)):
        allowed.update(
            Share.objects.filter(organisation=organisation, revoked_at__isnull=True, result_id__in=chunk).values_list(
                "result_id", flat=True
            )
        )
        allowed.update(
            ErnGrant.objects.filter(organisation=organisation, expires_at__gt=now, result_id__in=chunk).values_list(
                "result_id", flat=True
            )
        )
    return [result_id for result_id in result_ids if result_id in allowed]


def photo_result_ids(*, organisation: Any, result_ids: Sequence[int]) -> set[int]:
    """Results whose candidate included the test day photo in their share with the organisation."""
    ids: set[int] = set()
    for chunk in _chunks(list(result_ids)):
        ids.update(
            Share.objects.filter(
                organisation=organisation, revoked_at__isnull=True, include_photo=True, result_id__in=chunk
            ).values_list("result_id", flat=True)
        )
    return ids


def results_in_order(result_ids: Sequence[int]) -> Iterator[Result]:
    """Stream results with everything an exporter reads, a chunk at a time, in the order given."""
    for chunk in _chunks(list(result_ids)):
        by_id = {
            result.pk: result
            for result in Result.objects.filter(pk__in=chunk)
            .select_related("candidate", "exam", "centre")
            .prefetch_related("components")
        }
        for result_id in chunk:
            if result_id in by_id:
                yield by_id[result_id]


def templates_of(*, organisation: Any) -> QuerySet[DownloadTemplate]:
    return DownloadTemplate.objects.filter(organisation=organisation)


def history_of(*, organisation: Any) -> QuerySet[DownloadJob]:
    return DownloadJob.objects.filter(organisation=organisation).select_related("requested_by")


def candidate_result_ids(*, candidate: Any) -> list[int]:
    return list(Result.objects.filter(candidate=candidate).order_by("-exam_date").values_list("pk", flat=True))


def result_ids_for_public_ids(*, public_ids: Sequence[Any]) -> list[int]:
    mapping = dict(Result.objects.filter(public_id__in=list(public_ids)).values_list("public_id", "pk"))
    return [mapping[p] for p in public_ids if p in mapping]
