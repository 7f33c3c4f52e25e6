"""Reads for downloads, scoped to the organisation (or the candidate)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet

from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation
from rvs.results.models import Candidate, Centre, ComponentScore, Result, ResultRevision
from rvs.sharing import access

_CHUNK = 1000


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def download_needs_remaking(job: DownloadJob) -> bool:
    """Whether the stored file shows a result the organisation may no longer open (revoked since).

    A bulk verification answer is never made again: its rows are verdicts on the applicant list's
    ERNs, which any organisation may look up, not results shared with it (re-made as a results
    download it came out empty). Web page and API both ask here.
    """
    if job.kind == DownloadJob.Kind.BULK_VERIFICATION or job.organisation is None:
        return False
    still_open = access.visible_result_ids(organisation=job.organisation, result_ids=job.result_ids)
    return len(still_open) != len(job.result_ids)


def results_in_order(result_ids: Sequence[int]) -> Iterator[Result]:
    """Stream results with everything an exporter reads, a chunk at a time, in the order given.

    Per chunk: one query for the results with their candidates, one for their component scores and
    one for their corrections, counted: the revision a statement's QR link carries (decision 0017).
    Exams and centres repeat across results, so each is read once per call and shared (an exam's
    scoring rules are JSON: parsing them per result cost more than the whole CSV row). Timestamps,
    public ids and the candidate's secret hash and sort name are not read: no exporter prints them.
    """
    exams: dict[int, Exam] = {}
    centres: dict[int, Centre] = {}
    exam_field, centre_field = Result._meta.get_field("exam"), Result._meta.get_field("centre")
    for chunk in _chunks(list(result_ids)):
        results = list(Result.objects.filter(pk__in=chunk).select_related("candidate").defer(*_NOT_EXPORTED))
        _load_missing(exams, Exam, {result.exam_id for result in results})
        _load_missing(centres, Centre, {result.centre_id for result in results})
        scores: dict[int, list[ComponentScore]] = {}
        for component in ComponentScore.objects.filter(result_id__in=chunk):  # ordered by position
            scores.setdefault(component.result_id, []).append(component)
        revisions = Counter(ResultRevision.objects.filter(result_id__in=chunk).values_list("result_id", flat=True))
        by_id = {}
        for result in results:
            exam_field.set_cached_value(result, exams[result.exam_id])
            centre_field.set_cached_value(result, centres[result.centre_id])
            _prefetched(result, scores.get(result.pk, []))
            result.__dict__["revision_count"] = revisions[result.pk]  # read by changes.revision_count
            by_id[result.pk] = result
        for result_id in chunk:
            if result_id in by_id:
                yield by_id[result_id]


_NOT_EXPORTED = (
    "public_id", "created_at", "updated_at",
    "candidate__secret_hash", "candidate__sort_name", "candidate__created_at", "candidate__updated_at",
)  # fmt: skip


def _load_missing(cache: dict[int, Any], model: type[Exam] | type[Centre], ids: set[int]) -> None:
    missing = ids - cache.keys()
    if missing:
        cache.update(model.objects.in_bulk(missing))


def _prefetched(result: Result, components: list[ComponentScore]) -> None:
    """What ``prefetch_related("components")`` leaves on a result, for a fraction of its cost.

    Django clones a filtered queryset per result (about 70 µs each); here the queryset is new and
    its filter deferred (as ``RelatedManager`` defers it), so anything chained on it is still scoped
    to this result, while ``result.components.all()`` returns the list read with the chunk.
    """
    field = ComponentScore._meta.get_field("result")
    for component in components:
        field.set_cached_value(component, result)
    queryset: Any = QuerySet(model=ComponentScore, using=result._state.db)
    queryset._deferred_filter = (False, (), {"result": result})
    queryset._result_cache = components
    queryset._prefetch_done = True
    result.__dict__.setdefault("_prefetched_objects_cache", {})[field.remote_field.cache_name] = queryset


def templates_of(*, organisation: Organisation) -> QuerySet[DownloadTemplate]:
    return DownloadTemplate.objects.filter(organisation=organisation)


def history_of(*, organisation: Organisation) -> QuerySet[DownloadJob]:
    return DownloadJob.objects.filter(organisation=organisation).select_related("requested_by")


def candidate_result_ids(*, candidate: Candidate) -> list[int]:
    return list(Result.objects.filter(candidate=candidate).order_by("-exam_date").values_list("pk", flat=True))


def result_ids_for_public_ids(*, organisation: Organisation, public_ids: Sequence[Any]) -> list[int]:
    """The ids of the results given by public id that the organisation may open, in the order given.

    Scoped before anyone counts them: a result of another organisation's and an id that does not
    exist are both simply not here, so no count told to the caller reveals which it was.
    """
    mapping = dict(Result.objects.filter(public_id__in=list(public_ids)).values_list("public_id", "pk"))
    found = [mapping[p] for p in dict.fromkeys(public_ids) if p in mapping]
    return access.visible_result_ids(organisation=organisation, result_ids=found)
