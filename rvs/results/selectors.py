"""Reads on results, always scoped to an organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from rvs.core.normalise import fold, prefix_upper_bound, tokens
from rvs.results.models import CandidateNameToken, Centre, Result
from rvs.sharing.models import Share

# Sort keys offered to users, each a stable ordering (ties broken by the share's id).
SORTS: dict[str, tuple[str, ...]] = {
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
DEFAULT_SORT = "-shared"


@dataclass(frozen=True)
class SearchCriteria:
    """The article's search fields (less the Exam Reference Number, which is a look-up)."""

    name: str = ""
    date_of_birth: dt.date | None = None
    candidate_number: str = ""
    exam_id: int | None = None
    place_of_entry: str = ""
    centre_name: str = ""
    email: str = ""
    exam_date: dt.date | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def to_session(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("date_of_birth", "exam_date"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> SearchCriteria:
        values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)}
        for key in ("date_of_birth", "exam_date"):
            values[key] = dt.date.fromisoformat(values[key]) if values[key] else None
        for key in ("name", "candidate_number", "place_of_entry", "centre_name", "email"):
            values[key] = values[key] or ""
        return cls(**values)


class SharedResults(QuerySet[Share]):
    """Shares found by a search; a slice (a page) is fetched by a late row look-up.

    Sorting a large match (every B2 First shared with a university: tens of thousands of rows)
    by candidate name is the expensive part of a page. Done naively, every matching row enters
    the sort with all the columns of five tables, the exam's scoring rules among them, megabytes
    per page. Here the sort sees only (sort key, id) and keeps the page's ids; the page's 25 rows
    are then fetched with their related objects. Same rows, same order; the count is untouched.
    """

    def __getitem__(self, k: Any) -> Any:
        plain_page = isinstance(k, slice) and k.step in (None, 1) and self._result_cache is None
        if not plain_page or self._iterable_class is not ModelIterable or not self.query.select_related:
            return super().__getitem__(k)
        ids = QuerySet.__getitem__(self.select_related(None).values("pk"), k)
        page = Share.objects.using(self.db).filter(pk__in=ids).order_by(*self.query.order_by)
        page.query.select_related = self.query.select_related
        lookups = getattr(self, "_prefetch_related_lookups", ())  # Django's own attribute, not in the stubs
        if lookups:
            page = page.prefetch_related(*lookups)
        return page


def _centre_ids(column: str, text: str) -> list[int]:
    """Centres whose folded name or city contains ``text``.

    Centres number in the hundreds, so a substring match over them is cheap and forgiving. The
    ids are read first, not left as a subquery: the planner then knows whether one centre
    matched or fifty ("British Council"), and starts from the results of those centres or from
    the organisation's shares accordingly. No centre means no result, without a query.
    """
    return list(Centre.objects.filter(**{f"{column}__contains": fold(text)}).values_list("id", flat=True))


def shared_results(*, organisation: Any, criteria: SearchCriteria, sort: str = DEFAULT_SORT) -> QuerySet[Share]:
    """Active shares with ``organisation`` whose result matches every given criterion."""
    shares = SharedResults(Share).filter(organisation=organisation, revoked_at__isnull=True)
    for token in tokens(criteria.name):
        matching = CandidateNameToken.objects.filter(token__gte=token, token__lt=prefix_upper_bound(token)).values(
            "candidate_id"
        )
        shares = shares.filter(result__candidate_id__in=matching)
    if criteria.date_of_birth:
        shares = shares.filter(result__candidate__date_of_birth=criteria.date_of_birth)
    if criteria.candidate_number:
        shares = shares.filter(result__candidate__candidate_number=criteria.candidate_number.strip().upper())
    if criteria.exam_id:
        shares = shares.filter(result__exam_id=criteria.exam_id)
    if criteria.place_of_entry:
        shares = shares.filter(result__centre_id__in=_centre_ids("city_folded", criteria.place_of_entry))
    if criteria.centre_name:
        shares = shares.filter(result__centre_id__in=_centre_ids("name_folded", criteria.centre_name))
    if criteria.email:
        shares = shares.filter(result__candidate__email=criteria.email.strip().lower())
    if criteria.exam_date:
        shares = shares.filter(result__exam_date=criteria.exam_date)
    return shares.select_related("result__candidate", "result__exam", "result__centre").order_by(
        *SORTS.get(sort, SORTS[DEFAULT_SORT])
    )


def recent_shares(*, organisation: Any) -> QuerySet[Share]:
    """The dashboard: every active share with the organisation, newest first."""
    return shared_results(organisation=organisation, criteria=SearchCriteria(), sort=DEFAULT_SORT)


def result_by_ern(ern: str) -> Result | None:
    """Any result by its normalised Exam Reference Number (callers audit and rate-limit)."""
    return Result.objects.select_related("candidate", "exam", "centre").filter(ern=ern).first()
