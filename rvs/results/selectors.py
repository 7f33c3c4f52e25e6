"""Reads on results, always scoped to an organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.db.models.query import FlatValuesListIterable, ModelIterable

from rvs.core.normalise import fold, prefix_upper_bound, tokens
from rvs.results.models import Candidate, Centre, Result
from rvs.sharing.models import Share, ShareNameToken, ShareSearch

# Sort keys offered to users, each a stable ordering (ties broken by the share's id), as columns
# of the organisation's search index (``ShareSearch``, decision 0004) ...
INDEX_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("sort_name", "share_id"),
    "-name": ("-sort_name", "-share_id"),
    "exam": ("exam_position", "sort_name", "share_id"),
    "-exam": ("-exam_position", "sort_name", "share_id"),
    "exam_date": ("exam_date", "share_id"),
    "-exam_date": ("-exam_date", "-share_id"),
    "score": ("overall_score", "share_id"),
    "-score": ("-overall_score", "-share_id"),
    "shared": ("shared_at", "share_id"),
    "-shared": ("-shared_at", "-share_id"),
}


def _share_side(field: str) -> str:
    """The same column seen from ``Share`` (through its ``search`` row)."""
    descending, name = field.startswith("-"), field.lstrip("-")
    return ("-" if descending else "") + ("id" if name == "share_id" else f"search__{name}")


# ... and the same orderings for a ``Share`` queryset.
SORTS: dict[str, tuple[str, ...]] = {key: tuple(map(_share_side, value)) for key, value in INDEX_SORTS.items()}
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


@dataclass(frozen=True)
class _Index:
    """A search answered from the organisation's search index (decision 0004).

    ``rows`` are ``ShareSearch`` rows, or for a name search ``ShareNameToken`` rows: the words
    carry the sort name, so counting and paging a common name ("Mar...") stays within the
    word index instead of visiting every matching share. A share can match one word twice
    ("an": Anna Andersson), hence ``DISTINCT`` there; other columns are read through ``share``.
    """

    rows: QuerySet[Any]
    sort: str
    by_word: bool

    def _column(self, name: str) -> str:
        if not self.by_word or name.lstrip("-") in ("share_id", "sort_name"):
            return name
        return f"-share__{name[1:]}" if name.startswith("-") else f"share__{name}"

    def count(self) -> int:
        return self.rows.values("share_id").distinct().count() if self.by_word else self.rows.count()

    def values(self, column: str, k: slice) -> list[Any]:
        ordering = [self._column(name) for name in INDEX_SORTS[self.sort]]
        rows = self.rows.order_by(*ordering).values_list(self._column(column), flat=True)
        return list((rows.distinct() if self.by_word else rows)[k])


class SharedResults(QuerySet[Share]):
    """Shares found by a search: counted and paged from the organisation's search index.

    ``shared_results`` gives a ``Share`` queryset whose rows are its search index rows seen through
    ``Share.search``, so any caller may filter, order or read values as from any queryset. As long
    as it does none of these, ``count()`` and a page (a slice) go to the index alone (``_index``):
    a count is one index range, a page the first entries of an index in the sort's order, and
    only the page's 25 shares are then fetched with their related rows. Anything else (a
    requirement's filter, the API's cursor order) drops ``_index`` and runs the joined query:
    the same rows, without the short cut.
    """

    _index: _Index | None = None

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._index = self._index
        return clone

    def _without_index(self, clone: Any) -> Any:
        clone._index = None
        return clone

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> Any:
        return self._without_index(super()._filter_or_exclude(negate, args, kwargs))  # type: ignore[misc]

    def order_by(self, *field_names: Any) -> Any:
        return self._without_index(super().order_by(*field_names))

    def distinct(self, *field_names: Any) -> Any:
        return self._without_index(super().distinct(*field_names))

    def reverse(self) -> Any:
        return self._without_index(super().reverse())

    def annotate(self, *args: Any, **kwargs: Any) -> Any:
        return self._without_index(super().annotate(*args, **kwargs))

    def alias(self, *args: Any, **kwargs: Any) -> Any:
        return self._without_index(super().alias(*args, **kwargs))

    def extra(self, *args: Any, **kwargs: Any) -> Any:
        return self._without_index(super().extra(*args, **kwargs))

    def count(self) -> int:
        if self._index is not None and self._result_cache is None:
            return self._index.count()
        return super().count()

    def __getitem__(self, k: Any) -> Any:
        plain_page = isinstance(k, slice) and k.step in (None, 1) and self._result_cache is None
        if not plain_page:
            return super().__getitem__(k)
        fields = getattr(self, "_fields", None)  # Django's own attribute, not in the stubs
        if self._index is not None and self._iterable_class is FlatValuesListIterable and fields in _FLAT:
            # "Every result of the search" (downloads): the ids straight from the index.
            return self._index.values(_FLAT[fields], k)
        if self._iterable_class is not ModelIterable or not self.query.select_related:
            return super().__getitem__(k)
        lookups = getattr(self, "_prefetch_related_lookups", ())  # Django's own attribute, not in the stubs
        if self._index is not None:
            # The page's ids in order from the index; their rows by primary key, put in that order.
            ids = self._index.values("share_id", k)
            rows = Share.objects.using(self.db).filter(pk__in=ids) if ids else Share.objects.none()
            rows.query.select_related = self.query.select_related
            by_id = {share.pk: share for share in rows}
            page = [by_id[pk] for pk in ids if pk in by_id]
            if lookups:
                prefetch_related_objects(page, *lookups)
            return page
        # Sort only (sort key, id) and keep the page's ids; then fetch the page's rows.
        page_ids = QuerySet.__getitem__(self.select_related(None).values("pk"), k)
        queryset = Share.objects.using(self.db).filter(pk__in=page_ids).order_by(*self.query.order_by)
        queryset.query.select_related = self.query.select_related
        if lookups:
            queryset = queryset.prefetch_related(*lookups)
        return queryset


# values_list(<field>, flat=True) answered by the index: the share's field -> the index's column.
_FLAT = {("id",): "share_id", ("pk",): "share_id", ("result_id",): "result_id", ("result",): "result_id"}


def _centre_ids(column: str, text: str) -> list[int]:
    """Centres whose folded name or city contains ``text``.

    Centres number in the hundreds, so a substring match over them is cheap and forgiving. The
    ids are read first, not left as a subquery: the planner then knows whether one centre
    matched or fifty ("British Council"), and starts from the results of those centres or from
    the organisation's shares accordingly. No centre means no result, without a query.
    """
    return list(Centre.objects.filter(**{f"{column}__contains": fold(text)}).values_list("id", flat=True))


def _words(organisation: Any, word: str) -> QuerySet[ShareNameToken]:
    """The organisation's name words starting with ``word`` (a half-open range on the word index)."""
    return ShareNameToken.objects.filter(organisation=organisation, token__gte=word, token__lt=prefix_upper_bound(word))


def _conditions(organisation: Any, criteria: SearchCriteria) -> list[tuple[str, Any]] | None:
    """The search but the name as (lookup, value) filters on ``ShareSearch``; None when nothing can match."""
    conditions: list[tuple[str, Any]] = [("organisation", organisation)]
    candidates = Candidate.objects.all()
    if criteria.date_of_birth:
        candidates = candidates.filter(date_of_birth=criteria.date_of_birth)
    if criteria.candidate_number:
        candidates = candidates.filter(candidate_number=criteria.candidate_number.strip().upper())
    if criteria.email:
        candidates = candidates.filter(email=criteria.email.strip().lower())
    if candidates.query.has_filters():
        conditions.append(("candidate_id__in", candidates.values("id")))
    if criteria.exam_id:
        conditions.append(("exam_id", criteria.exam_id))
    centres: set[int] | None = None
    for column, text in (("city_folded", criteria.place_of_entry), ("name_folded", criteria.centre_name)):
        if text:
            found = set(_centre_ids(column, text))
            centres = found if centres is None else centres & found
    if centres is not None:
        if not centres:
            return None
        conditions.append(("centre_id__in", sorted(centres)))
    if criteria.exam_date:
        conditions.append(("exam_date", criteria.exam_date))
    return conditions


def _where(conditions: list[tuple[str, Any]]) -> Q:
    where = Q()
    for lookup, value in conditions:
        where &= Q(**{lookup: value})
    return where


def shared_results(*, organisation: Any, criteria: SearchCriteria, sort: str = DEFAULT_SORT) -> QuerySet[Share]:
    """Active shares with ``organisation`` whose result matches every given criterion, in ``sort`` order."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    conditions = _conditions(organisation, criteria)
    if conditions is None:
        return SharedResults(Share).none()
    words = tokens(criteria.name)
    if words:
        # Driven by the first word's range; every further word must match a word of the same
        # share (by prefix, in any order); other criteria through the word's index row.
        rows: QuerySet[Any] = _words(organisation, words[0])
        for word in words[1:]:
            rows = rows.filter(share_id__in=_words(organisation, word).values("share_id"))
        if len(conditions) > 1:
            rows = rows.filter(_where([(f"share__{lookup}", value) for lookup, value in conditions[1:]]))
        found = _Index(rows, sort, by_word=True)
    else:
        found = _Index(ShareSearch.objects.filter(_where(conditions)), sort, by_word=False)
    # The shares whose index rows match: what a caller that narrows or reorders the search gets.
    shares = SharedResults(Share).filter(pk__in=found.rows.values("share_id"))
    shares = shares.select_related("result__candidate", "result__exam", "result__centre").order_by(*SORTS[sort])
    shares._index = found
    return shares


def recent_shares(*, organisation: Any) -> QuerySet[Share]:
    """The dashboard: every active share with the organisation, newest first."""
    return shared_results(organisation=organisation, criteria=SearchCriteria(), sort=DEFAULT_SORT)


def result_by_ern(ern: str) -> Result | None:
    """Any result by its normalised Exam Reference Number (callers audit and rate-limit)."""
    return Result.objects.select_related("candidate", "exam", "centre").filter(ern=ern).first()
