"""The organisations' search: the results shared with an organisation that match a search.

``shared_results(organisation=, criteria=, sort=)`` answers a ``SearchResults``: an explicit object,
not a queryset, whose every way of reading the matches says what it costs (decision 0024):

* ``count()``: one range of the organisation's search index (decision 0004), or the name
  search's one grouped pass (decision 0006);
* a page, ``results[start:stop]`` (what Django's ``Paginator`` slices) or ``page(number,
  per_page)``: the page's share ids from the index in the sort's order, then those shares with
  their result, candidate, exam and centre by primary key (decision 0007);
* ``share_ids()`` / ``result_ids()``: every match in order, from the index (a download of the search);
* ``queryset()``: the matches as a plain ``Share`` queryset for a caller that narrows or reorders
  them (the API's cursor order); a name search's tiers first unless the caller orders it;
* ``narrow(how)``: a ``SearchResults`` of the matches ``how`` keeps (an entry requirement's filter),
  counted and paged by that narrowed queryset.

The base rows come from the tenancy chokepoint (``sharing.access``: ``index_rows``, ``name_terms``,
``shares_by_id``). A new search field goes in ``SearchCriteria`` and ``_conditions`` (a column of
``ShareSearch`` kept by ``sharing.search_index``), and in the form and API parameters that fill it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Case, Q, QuerySet
from django.db.models.expressions import RawSQL

from rvs.core import names
from rvs.core.normalise import fold
from rvs.results.models import Candidate, Centre
from rvs.sharing import access
from rvs.sharing.models import Share, ShareSearch
from rvs.sharing.name_search import INDEX_SORTS, NameSearch, tier_of_share

if TYPE_CHECKING:
    from rvs.organisations.models import Organisation


def _share_side(field: str) -> str:
    """The same column seen from ``Share`` (through its ``search`` row)."""
    descending, name = field.startswith("-"), field.lstrip("-")
    return ("-" if descending else "") + ("id" if name == "share_id" else f"search__{name}")


# The sort keys offered to users (``INDEX_SORTS``) as orderings of a ``Share`` queryset.
SORTS: dict[str, tuple[str, ...]] = {key: tuple(map(_share_side, value)) for key, value in INDEX_SORTS.items()}
DEFAULT_SORT = "-shared"
# What a page shows of each share (the results table): fetched with the page's shares.
PAGE_RELATED = ("result__candidate", "result__exam", "result__centre")


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


class _Found(Protocol):
    """Where a search's matches are read: how many, and a column of them in the search's order."""

    def count(self) -> int: ...

    def column(self, name: str, start: int, stop: int | None) -> list[int]:
        """``share_id`` or ``result_id`` of the matches ``start`` to ``stop`` (None: to the end)."""
        ...


@dataclass(frozen=True)
class _Index:
    """Matches read from the organisation's search index (decision 0004): ``rows`` are its
    ``ShareSearch`` rows, counted as one index range and paged in the sort's order."""

    rows: QuerySet[ShareSearch]
    sort: str

    def count(self) -> int:
        return self.rows.count()

    def column(self, name: str, start: int, stop: int | None) -> list[int]:
        return list(self.rows.order_by(*INDEX_SORTS[self.sort]).values_list(name, flat=True)[start:stop])


@dataclass(frozen=True)
class _Narrowed:
    """Matches read from a ``Share`` queryset in its own order (a search a caller narrowed)."""

    matches: QuerySet[Share]

    def count(self) -> int:
        return self.matches.count()

    def column(self, name: str, start: int, stop: int | None) -> list[int]:
        column = "pk" if name == "share_id" else name
        return list(self.matches.values_list(column, flat=True)[start:stop])


class _Nothing:
    """No match, known without a query (no centre has the name or the place searched)."""

    def count(self) -> int:
        return 0

    def column(self, name: str, start: int, stop: int | None) -> list[int]:
        return []


@dataclass(frozen=True)
class SearchResults:
    """The shares a search found, in the search's order (see the module's docstring)."""

    found: _Found
    # For the matches as a plain Share queryset, built only when a caller asks (``queryset()``): the
    # matching share ids (a subquery), and the tiers of a name search (``None`` for other searches).
    matching: QuerySet[Any] | RawSQL | tuple[()]
    sort: str
    tiers: Callable[[], Case] | None = None

    def count(self) -> int:
        """How many shares match: from the index (no share row is read), or, once narrowed, by the
        narrowed queryset."""
        return self.found.count()

    def __getitem__(self, k: slice) -> list[Share]:
        """The matches ``k.start`` to ``k.stop`` with their related rows: a page, as Django's
        ``Paginator`` slices what it pages. Only slices: a search is read a page at a time."""
        if not isinstance(k, slice) or k.step not in (None, 1) or (k.start or 0) < 0 or (k.stop or 0) < 0:
            raise TypeError("A search's results are read by a slice with no step: results[start:stop].")
        return self._rows(self.found.column("share_id", k.start or 0, k.stop))

    def page(self, number: int, per_page: int) -> list[Share]:
        """Page ``number`` (from 1) of ``per_page`` shares."""
        return self[(number - 1) * per_page : number * per_page]

    def share_ids(self, limit: int | None = None) -> list[int]:
        """Every matching share's id (or the first ``limit``), in order."""
        return self.found.column("share_id", 0, limit)

    def result_ids(self, limit: int | None = None) -> list[int]:
        """Every matching share's result id (or the first ``limit``), in order: a download of the search."""
        return self.found.column("result_id", 0, limit)

    def queryset(self, *, order_by: Sequence[str] | None = None) -> QuerySet[Share]:
        """The matches as a plain ``Share`` queryset with their related rows, for a caller that narrows
        them: in the search's order (a name search's exact, prefix and variant matches first), or in
        ``order_by`` (then no tier is built: the API's cursor order). Counting or paging it runs the
        joined query, not the index: ``count()`` and a page of this object are cheaper."""
        shares = access.shares_by_id(self.matching).select_related(*PAGE_RELATED)
        if order_by is not None:
            return shares.order_by(*order_by)
        if self.tiers is None:
            return shares.order_by(*SORTS[self.sort])
        return shares.alias(name_tier=self.tiers()).order_by("name_tier", *SORTS[self.sort])

    def narrow(self, how: Callable[[QuerySet[Share]], QuerySet[Share]]) -> SearchResults:
        """The matches that ``how`` keeps of ``queryset()`` (e.g. ``requirements.selectors.meeting``),
        in the same order; counted and paged from that queryset (the joined query), ids first."""
        shares = how(self.queryset())
        return SearchResults(_Narrowed(shares), shares.values("pk"), self.sort, self.tiers)

    @staticmethod
    def _rows(ids: list[int]) -> list[Share]:
        """The shares ``ids`` with their result, candidate, exam and centre, in the order of ``ids``."""
        if not ids:
            return []
        # No page shows the exam's scoring rules (JSON, 1.5 kB an exam).
        rows = access.shares_by_id(ids).select_related(*PAGE_RELATED).defer("result__exam__scoring")
        by_id = {share.pk: share for share in rows}
        return [by_id[pk] for pk in ids if pk in by_id]


def _centre_ids(column: str, text: str) -> list[int]:
    """Centres whose folded name or city contains ``text``.

    Centres number in the hundreds, so a substring match over them is cheap and forgiving. The
    ids are read first, not left as a subquery: the planner then knows whether one centre
    matched or fifty ("British Council"), and starts from the results of those centres or from
    the organisation's shares accordingly. No centre means no result, without a query.
    """
    return list(Centre.objects.filter(**{f"{column}__contains": fold(text)}).values_list("id", flat=True))


def _conditions(criteria: SearchCriteria) -> Q | None:
    """The search but the name, as a filter on the organisation's ``ShareSearch`` rows; None when
    nothing can match."""
    where = Q()
    candidate = Q()
    if criteria.date_of_birth:
        candidate &= Q(date_of_birth=criteria.date_of_birth)
    if criteria.candidate_number:
        candidate &= Q(candidate_number=criteria.candidate_number.strip().upper())
    if criteria.email:
        candidate &= Q(email=criteria.email.strip().lower())
    if candidate:
        where &= Q(candidate_id__in=Candidate.objects.filter(candidate).values("id"))
    if criteria.exam_id:
        where &= Q(exam_id=criteria.exam_id)
    centres: set[int] | None = None
    for column, text in (("city_folded", criteria.place_of_entry), ("name_folded", criteria.centre_name)):
        if text:
            found = set(_centre_ids(column, text))
            centres = found if centres is None else centres & found
    if centres is not None:
        if not centres:
            return None
        where &= Q(centre_id__in=sorted(centres))
    if criteria.exam_date:
        where &= Q(exam_date=criteria.exam_date)
    return where


def shared_results(*, organisation: Organisation, criteria: SearchCriteria, sort: str = DEFAULT_SORT) -> SearchResults:
    """Active shares with ``organisation`` whose result matches every given criterion, in ``sort`` order."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    where = _conditions(criteria)
    if where is None:
        return SearchResults(_Nothing(), (), sort)
    terms = names.query_terms(criteria.name)
    if not terms:
        rows = access.index_rows(organisation).filter(where)
        return SearchResults(_Index(rows, sort), rows.values("share_id"), sort)
    # Exact matches first, then prefixes, then spelling variants; the other fields as a subquery
    # on the organisation's index rows.
    others = access.index_rows(organisation).filter(where) if where else None
    found = NameSearch(access.index_rows(organisation).db, organisation.pk, terms, others, sort)
    sql, params = found.where()
    matching = RawSQL(f"SELECT m.share_id {sql}", params)  # noqa: S611 - the search's own SQL
    return SearchResults(found, matching, sort, tiers=lambda: tier_of_share(organisation, terms))


def recent_shares(*, organisation: Organisation, sort: str = DEFAULT_SORT, new_only: bool = False) -> SearchResults:
    """The dashboard: every active share with the organisation, newest first or in ``sort``; with
    ``new_only``, only those nobody at the organisation has opened yet (``Share.is_new``)."""
    if not new_only:
        return shared_results(organisation=organisation, criteria=SearchCriteria(), sort=sort)
    sort = sort if sort in SORTS else DEFAULT_SORT
    rows = access.index_rows(organisation).filter(share__first_viewed_at=None)
    return SearchResults(_Index(rows, sort), rows.values("share_id"), sort)
