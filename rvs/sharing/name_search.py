"""The name search over an organisation's name terms: exact matches first, then prefixes, then
spelling variants (issue 8; decisions 0001, 0006).

``NameSearch`` counts and pages a name search by hand-written SQL over the name terms
(``ShareNameToken``) of one organisation; ``tier_of_share`` ranks a plain ``Share`` queryset the
same way, for callers that narrow a search (``SearchResults.queryset``). Both read the
organisation's own rows: the SQL by ``organisation_id``, the queryset through
``access.name_terms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import Case, Q, QuerySet, Value, When

from rvs.core import names
from rvs.core.normalise import prefix_upper_bound
from rvs.sharing import access
from rvs.sharing.models import ShareNameToken, ShareSearch

if TYPE_CHECKING:
    from rvs.organisations.models import Organisation

# Sort keys offered to users, each a stable ordering (ties broken by the share's id), as columns
# of the organisation's search index (``ShareSearch``, decision 0004).
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

# The name search's SQL, table names and numbers from the code, values as parameters.
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
class NameSearch:
    """A name search's matches, counted and paged: exact matches first, then prefixes, then variants.

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
    slices). ``others`` are the search's other fields, as the organisation's index rows they
    leave (``access.index_rows`` narrowed), or None.
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

    def where(self, join: bool = False) -> tuple[str, list[Any]]:
        """FROM and WHERE: the matching shares (``m``), narrowed by the search's other fields, with
        their index rows (``s``) when ``join``. Made once per shape: the queryset's filter, the count
        and the page all use it (the other fields compiled once)."""
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
            # The other fields' SQL, as Django writes it for this engine, inside the name search's own
            # (decision 0024: the one use of the compiler left in the search, no public API embeds a
            # queryset's SQL with its parameters in hand-written SQL).
            others, others_params = self.others.values("share_id").query.get_compiler(using=self.db).as_sql()
            sql += f" WHERE m.share_id IN ({others})"
            params += list(others_params)
        return sql, params

    def counts(self) -> list[int]:
        """The number of matches in each tier (exact, prefix, variant), read once."""
        if self._counts is None:
            where, params = self.where()
            counts = dict.fromkeys((names.EXACT, names.PREFIX, names.VARIANT), 0)
            with connections[self.db].cursor() as cursor:
                cursor.execute(f"SELECT m.tier, COUNT(*) {where} GROUP BY m.tier", params)
                counts.update(cursor.fetchall())
            self._counts = list(counts.values())
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def column(self, name: str, start: int, stop: int | None) -> list[int]:
        """``share_id`` or ``result_id`` of the matches ``start`` to ``stop`` (None: to the end), in order."""
        if (stop is not None and stop <= start) or (self._counts is not None and start >= sum(self._counts)):
            return []  # nothing there, or past the end of a search already counted
        ordering = ["m.tier"]
        for key in INDEX_SORTS[self.sort]:
            bare = key.lstrip("-")
            source = f"m.{bare}" if bare in ("sort_name", "share_id") else f"s.{bare}"
            ordering.append(source + (" DESC" if key.startswith("-") else ""))
        selected = f"m.{name}" if name == "share_id" else f"s.{name}"
        join = any(part.startswith("s.") for part in [*ordering, selected])
        where, params = self.where(join=join)
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


def _term_rows(organisation: Organisation, term: names.QueryTerm, tier: int) -> QuerySet[ShareNameToken]:
    """The organisation's name terms one search word matches at ``tier`` or better: the word
    itself (exact), any term it begins (prefix, a half-open range), or its variant key."""
    rows = access.name_terms(organisation)
    if tier == names.EXACT:
        return rows.filter(token=term.word)
    where = Q(token__gte=term.word, token__lt=prefix_upper_bound(term.word))
    if tier == names.VARIANT and term.key:
        where |= Q(token=term.stored_key)
    return rows.filter(where)


def _name_rows(organisation: Organisation, terms: list[names.QueryTerm], tier: int) -> QuerySet[ShareNameToken]:
    """Shares every search word matches at ``tier`` or better, driven by the first word's terms."""
    rows = _term_rows(organisation, terms[0], tier)
    for term in terms[1:]:  # the other words: any word of the same name, in any order
        rows = rows.filter(share_id__in=_term_rows(organisation, term, tier).values("share_id"))
    return rows


def tier_of_share(organisation: Organisation, terms: list[names.QueryTerm]) -> Case:
    """A ``Share`` expression: the tier (``names.EXACT``, ``PREFIX``, ``VARIANT``) at which the share's
    name matches the search, for a ``Share`` queryset ordered as ``NameSearch`` lists its matches.
    Only for shares the search matched: any other share reads as a variant."""
    exact, prefix = _name_rows(organisation, terms, names.EXACT), _name_rows(organisation, terms, names.PREFIX)
    return Case(
        When(pk__in=exact.values("share_id"), then=Value(names.EXACT)),
        When(pk__in=prefix.values("share_id"), then=Value(names.PREFIX)),
        default=Value(names.VARIANT),
    )
