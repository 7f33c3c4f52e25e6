"""Reads on results, always scoped to an organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.db import connections
from django.db.models import Case, Q, QuerySet, Value, When, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.db.models.query import FlatValuesListIterable, ModelIterable

from rvs.core import names
from rvs.core.normalise import fold, prefix_upper_bound
from rvs.results.models import Candidate, Centre
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
    """A search answered from the organisation's search index (decision 0004): ``rows`` are its
    ``ShareSearch`` rows, counted as one index range and paged in the sort's order."""

    rows: QuerySet[Any]
    sort: str

    def count(self) -> int:
        return self.rows.count()

    def values(self, column: str, k: slice) -> list[Any]:
        return list(self.rows.order_by(*INDEX_SORTS[self.sort]).values_list(column, flat=True)[k])


# The name search's SQL (``_NameSearch``), table names and numbers from the code, values as parameters.
# One word's terms: its range (the word itself exact, any longer term a prefix match), its variant key.
_WORD_RANGE = (
    "SELECT share_id, sort_name, {word} AS word, CASE WHEN token = %s THEN {exact} ELSE {prefix} END AS tier"
    " FROM {table} WHERE organisation_id = %s AND token >= %s AND token < %s"
)
_WORD_KEY = (
    "SELECT share_id, sort_name, {word} AS word, {variant} AS tier"
    " FROM {table} WHERE organisation_id = %s AND token = %s"
)
_ONE_WORD = "SELECT share_id, sort_name, MIN(tier) AS tier FROM ({terms}) terms GROUP BY share_id, sort_name"
_EVERY_WORD = (
    "SELECT share_id, sort_name, MAX(tier) AS tier FROM ("
    "SELECT share_id, sort_name, word, MIN(tier) AS tier FROM ({terms}) terms GROUP BY share_id, sort_name, word"
    ") words GROUP BY share_id, sort_name HAVING COUNT(*) = {words}"
)


@dataclass
class _NameSearch:
    """A name search: exact matches first, then prefixes, then spelling variants (issue 8).

    Every word of the search is matched against the organisation's name terms (``ShareNameToken``)
    by index ranges alone: the word itself or any term it begins (one range, the exact term
    telling itself apart inside it) and the word's variant key (one term). A share's tier is that
    of its weakest word (each word at its best); a share matches when every word matched.

    The ranges are read as a ``UNION ALL`` of index-only scans and grouped by share, in one pass
    for the count (by tier) and one for a page, whatever the number of words. The plan cannot
    turn into nested loops over two word ranges, which the planner chose from its (poor)
    estimate of a prefix range's size; the plan of one range per word (decision 0004) took
    100 ms for "Lukas Schneider" at 1M results on PostgreSQL. The list is the tiers one after
    the other, each in the page's sort order; counts are read once (a paginator counts, then
    slices).
    """

    db: str
    organisation_id: int
    terms: list[names.QueryTerm]
    others: QuerySet[ShareSearch] | None
    sort: str
    _counts: list[int] | None = None
    _sql: dict[bool, tuple[str, list[Any]]] = field(default_factory=dict)

    def _matched(self) -> tuple[str, list[Any]]:
        """SQL for (share_id, sort_name, tier) of every matching share, and its parameters."""
        table = connections[self.db].ops.quote_name(ShareNameToken._meta.db_table)
        branches: list[str] = []
        params: list[Any] = []
        for number, term in enumerate(self.terms):
            branches.append(_WORD_RANGE.format(table=table, word=number, exact=names.EXACT, prefix=names.PREFIX))
            params += [term.word, self.organisation_id, term.word, prefix_upper_bound(term.word)]
            if term.key:
                branches.append(_WORD_KEY.format(table=table, word=number, variant=names.VARIANT))
                params += [self.organisation_id, term.stored_key]
        terms = " UNION ALL ".join(branches)
        if len(self.terms) == 1:
            sql = _ONE_WORD.format(terms=terms)
        else:  # each word at its best, the share at its weakest word; every word must match
            sql = _EVERY_WORD.format(terms=terms, words=len(self.terms))
        return sql, params

    def _from(self, join: bool) -> tuple[str, list[Any]]:
        """FROM and WHERE: the matching shares, narrowed by the search's other fields. Made once per
        shape: the queryset's filter, the count and the page all use it (the other fields compiled once)."""
        if join not in self._sql:
            self._sql[join] = self._written(join)
        sql, params = self._sql[join]
        return sql, list(params)

    def _written(self, join: bool) -> tuple[str, list[Any]]:
        matched, params = self._matched()
        sql = f"FROM ({matched}) m"
        if join:
            table = connections[self.db].ops.quote_name(ShareSearch._meta.db_table)
            sql += f" JOIN {table} s ON s.share_id = m.share_id"
        if self.others is not None:
            others, others_params = self.others.values("share_id").query.get_compiler(using=self.db).as_sql()
            sql += f" WHERE m.share_id IN ({others})"
            params += list(others_params)
        return sql, params

    def counts(self) -> list[int]:
        if self._counts is None:
            where, params = self._from(join=False)
            counts = dict.fromkeys((names.EXACT, names.PREFIX, names.VARIANT), 0)
            with connections[self.db].cursor() as cursor:
                cursor.execute(f"SELECT m.tier, COUNT(*) {where} GROUP BY m.tier", params)
                counts.update(cursor.fetchall())
            self._counts = list(counts.values())
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def values(self, column: str, k: slice) -> list[Any]:
        start, stop = k.start or 0, k.stop
        if (stop is not None and stop <= start) or (self._counts is not None and start >= sum(self._counts)):
            return []  # nothing there, or past the end of a search already counted
        ordering = ["m.tier"]
        for name in INDEX_SORTS[self.sort]:
            bare = name.lstrip("-")
            source = f"m.{bare}" if bare in ("sort_name", "share_id") else f"s.{bare}"
            ordering.append(source + (" DESC" if name.startswith("-") else ""))
        selected = f"m.{column}" if column == "share_id" else f"s.{column}"
        join = any(part.startswith("s.") for part in [*ordering, selected])
        where, params = self._from(join=join)
        sql = f"SELECT {selected} {where} ORDER BY {', '.join(ordering)}"
        if stop is not None:
            sql += f" LIMIT {int(stop - start)}"
        elif start and connections[self.db].vendor == "sqlite":
            sql += " LIMIT -1"  # SQLite has no OFFSET without a LIMIT
        if start:
            sql += f" OFFSET {int(start)}"
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


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

    _index: _Index | _NameSearch | None = None
    # A name search's tiers (exact, then prefix, then variant matches first) for the joined query,
    # added only when a caller leaves the index without choosing an order of its own (``_ranked``):
    # building them costs more than the search when the index answers it (bench/api.py).
    _tiers: tuple[Any, list[names.QueryTerm]] | None = None

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._index = self._index
        clone._tiers = self._tiers
        return clone

    def _ranked(self) -> Any:
        """This queryset with a name search's tiers ahead of its order, as the index lists them."""
        if self._tiers is None:
            return self
        organisation, terms = self._tiers
        exact, strict = _name_rows(organisation, terms, names.EXACT), _name_rows(organisation, terms, names.PREFIX)
        whole = self._chain()  # type: ignore[attr-defined]
        whole.query.clear_limits()  # a slice taken without ``__getitem__`` (QuerySet's own): order, then slice
        ranked = QuerySet.alias(
            whole,
            name_tier=Case(
                When(pk__in=exact.values("share_id"), then=Value(names.EXACT)),
                When(pk__in=strict.values("share_id"), then=Value(names.PREFIX)),
                default=Value(names.VARIANT),
            ),
        )
        ranked = QuerySet.order_by(ranked, "name_tier", *self.query.order_by)
        ranked.query.set_limits(self.query.low_mark, self.query.high_mark)
        ranked._tiers = None
        return ranked

    def _without_index(self, clone: Any) -> Any:
        clone._index = None
        return clone

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> Any:
        ranked = super(SharedResults, self._ranked())
        return self._without_index(ranked._filter_or_exclude(negate, args, kwargs))  # type: ignore[attr-defined]

    def order_by(self, *field_names: Any) -> Any:
        clone = self._without_index(super().order_by(*field_names))
        clone._tiers = None  # the caller's order replaces the search's
        return clone

    def distinct(self, *field_names: Any) -> Any:
        return self._without_index(super(SharedResults, self._ranked()).distinct(*field_names))

    def reverse(self) -> Any:
        return self._without_index(super(SharedResults, self._ranked()).reverse())

    def annotate(self, *args: Any, **kwargs: Any) -> Any:
        return self._without_index(super(SharedResults, self._ranked()).annotate(*args, **kwargs))

    def alias(self, *args: Any, **kwargs: Any) -> Any:
        return self._without_index(super(SharedResults, self._ranked()).alias(*args, **kwargs))

    def extra(self, *args: Any, **kwargs: Any) -> Any:
        return self._without_index(super(SharedResults, self._ranked()).extra(*args, **kwargs))

    def iterator(self, *args: Any, **kwargs: Any) -> Any:
        return super(SharedResults, self._ranked()).iterator(*args, **kwargs)

    def _fetch_all(self) -> None:
        # Evaluated whole (a download of the search, ``list(...)``): in the index's order too,
        # so a name search keeps exact matches first.
        if self._index is not None and self._result_cache is None and not self.query.is_sliced:
            fields = getattr(self, "_fields", None)  # Django's own attribute, not in the stubs
            flat = self._iterable_class is FlatValuesListIterable and fields in _FLAT
            if flat or (self._iterable_class is ModelIterable and self.query.select_related):
                self._result_cache = self[0:None]
                self._prefetch_done = True
        if self._result_cache is None and self._tiers is not None:
            self.query, self._tiers = self._ranked().query, None  # the joined query, in the tiers' order
        super()._fetch_all()

    def count(self) -> int:
        if self._index is not None and self._result_cache is None:
            return self._index.count()
        return super().count()

    def __getitem__(self, k: Any) -> Any:
        if self._result_cache is not None:
            return super().__getitem__(k)
        if not (isinstance(k, slice) and k.step in (None, 1)):
            return QuerySet.__getitem__(self._ranked(), k)
        fields = getattr(self, "_fields", None)  # Django's own attribute, not in the stubs
        if self._index is not None and self._iterable_class is FlatValuesListIterable and fields in _FLAT:
            # "Every result of the search" (downloads): the ids straight from the index.
            return self._index.values(_FLAT[fields], k)
        if self._iterable_class is not ModelIterable or not self.query.select_related:
            return QuerySet.__getitem__(self._ranked(), k)
        lookups = getattr(self, "_prefetch_related_lookups", ())  # Django's own attribute, not in the stubs
        if self._index is not None:
            # The page's ids in order from the index; their rows by primary key, put in that order.
            return self._rows_in_order(self._index.values("share_id", k), lookups)
        # Sort only (sort key, id) and keep the page's ids; then fetch the page's rows.
        keys = self._ranked().select_related(None).values_list("pk", flat=True)
        page_ids = list(QuerySet.__getitem__(keys, k))
        return self._rows_in_order(page_ids, lookups)

    def _rows_in_order(self, ids: list[int], lookups: Any) -> list[Share]:
        rows = Share.objects.using(self.db).filter(pk__in=ids) if ids else Share.objects.none()
        rows.query.select_related = related = self.query.select_related
        if isinstance(related, dict) and "exam" in related.get("result", {}):
            rows = rows.defer("result__exam__scoring")  # no page shows the scoring rules (JSON, 1.5 kB an exam)
        by_id = {share.pk: share for share in rows}
        page = [by_id[pk] for pk in ids if pk in by_id]
        if lookups:
            prefetch_related_objects(page, *lookups)
        return page


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


def _term_rows(organisation: Any, term: names.QueryTerm, tier: int) -> QuerySet[ShareNameToken]:
    """The organisation's name terms one search word matches at ``tier`` or better: the word
    itself (exact), any term it begins (prefix, a half-open range), or its variant key."""
    rows = ShareNameToken.objects.filter(organisation=organisation)
    if tier == names.EXACT:
        return rows.filter(token=term.word)
    where = Q(token__gte=term.word, token__lt=prefix_upper_bound(term.word))
    if tier == names.VARIANT and term.key:
        where |= Q(token=term.stored_key)
    return rows.filter(where)


def _name_rows(organisation: Any, terms: list[names.QueryTerm], tier: int) -> QuerySet[ShareNameToken]:
    """Shares every search word matches at ``tier`` or better, driven by the first word's terms."""
    rows = _term_rows(organisation, terms[0], tier)
    for term in terms[1:]:  # the other words: any word of the same name, in any order
        rows = rows.filter(share_id__in=_term_rows(organisation, term, tier).values("share_id"))
    return rows


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
    terms = names.query_terms(criteria.name)
    found: _Index | _NameSearch
    if terms:
        # Exact matches first, then prefixes, then spelling variants. Other criteria as a subquery
        # on the organisation's ``ShareSearch`` rows.
        others = ShareSearch.objects.filter(_where(conditions)) if len(conditions) > 1 else None
        found = _NameSearch(Share.objects.db, organisation.pk, terms, others, sort)
        where, params = found._from(join=False)
        matching: Any = RawSQL(f"SELECT m.share_id {where}", params)  # noqa: S611 - the search's own SQL
    else:
        index_rows = ShareSearch.objects.filter(_where(conditions))
        found = _Index(index_rows, sort)
        matching = index_rows.values("share_id")
    # The shares whose index rows match: what a caller that narrows or reorders the search gets.
    shares = SharedResults(Share).filter(pk__in=matching)
    shares = shares.select_related("result__candidate", "result__exam", "result__centre").order_by(*SORTS[sort])
    shares._index = found
    if terms:
        shares._tiers = (organisation, terms)  # the same tiers first for a caller that narrows the search
    return shares


def recent_shares(*, organisation: Any) -> QuerySet[Share]:
    """The dashboard: every active share with the organisation, newest first."""
    return shared_results(organisation=organisation, criteria=SearchCriteria(), sort=DEFAULT_SORT)
