"""A page of shared results read as plain rows, with their component scores, in one query.

For ``GET /api/v1/results/``.

``ResultSerializer`` reads attributes (``result.candidate.last_name``, ``result.shows_scores``...).
Model instances for the share, result, candidate, exam and centre of every result of a page (each
runs ``Model.__init__`` and its signals) cost more than the rest of the request, so the list reads
only the columns a result shows, with ``values()``, and hands the serializer these small objects with
the same attributes: the same serializer code makes the same JSON (checked by
``tests/api/test_api_rows.py`` against model instances). The columns read, and the order the row
classes take them in, are the API columns of the result column schema (``rvs.results.columns``,
decision 0025): a new one fails at import until its row class has it. The component scores come
in the same query, as a JSON array per row: a query of their own cost a round trip to the
database, as much as the rest of the page under load (bench/api.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from rvs.core import ern as ern_codec
from rvs.results import columns
from rvs.results.columns import Kind
from rvs.results.models import ComponentScore, Result
from rvs.sharing.models import Share

# The share's own columns, then the result's as the API sends them (the result column schema,
# ``rvs.results.columns.API``; a component's score comes in ``component_rows``).
_SHARE_COLUMNS = ("id", "result_id", "shared_at", "first_viewed_at", "include_photo")
_RESULT_COLUMNS = tuple(
    dict.fromkeys("result__" + column.source for column in columns.API if column.kind is not Kind.COMPONENT)
)
COLUMNS = (*_SHARE_COLUMNS, *_RESULT_COLUMNS)


# [position, code, label, score] per component of the row's result. Raw SQL: Django 5.2 has no JSON
# aggregate common to both engines. Sorted by position in Python, as SQLite's json_group_array does not
# promise an order.
_SCORES, _SHARES = ComponentScore._meta.db_table, Share._meta.db_table
_FROM = f'FROM {_SCORES} c WHERE c.result_id = "{_SHARES}"."result_id"'  # models' tables: no input
COMPONENTS_JSON = {
    "postgresql": "SELECT COALESCE(json_agg(json_build_array(c.position, c.code, c.label, c.score)), '[]'::json) "
    + _FROM,
    "sqlite": "SELECT json_group_array(json_array(c.position, c.code, c.label, c.score)) " + _FROM,
}


# Each row class has the schema's API columns of its model as attributes, in the schema's order
# (checked below): ``rows_of`` fills them positionally.
@dataclass(slots=True)
class CandidateRow:
    last_name: str
    first_name: str
    date_of_birth: dt.date
    candidate_number: str
    email: str


@dataclass(slots=True)
class ExamRow:
    name: str
    code: str


@dataclass(slots=True)
class CentreRow:
    name: str
    number: str
    city: str
    country: str


@dataclass(slots=True)
class ResultRow:
    """The attributes of a ``Result`` that ``ResultSerializer`` reads: the result's own columns of the
    schema (in its order, as ``rows_of`` passes them), then its id and related rows."""

    exam_date: dt.date
    status: str
    overall_score: int | None
    cefr: str
    grade: str
    ern: str
    public_id: uuid.UUID
    result_label: str
    photo: str  # the file's name, empty without one
    pk: int
    candidate: CandidateRow
    exam: ExamRow
    centre: CentreRow

    def __post_init__(self) -> None:
        self.photo = self.photo or ""

    @property
    def ern_display(self) -> str:
        return ern_codec.display(self.ern)

    @property
    def shows_scores(self) -> bool:
        return self.status == Result.Status.RESULT


@dataclass(slots=True)
class ShareRow:
    """The attributes of a ``Share`` that ``ResultSerializer`` reads."""

    shared_at: dt.datetime
    first_viewed_at: dt.datetime | None
    include_photo: bool


def page_values(shares: QuerySet[Share]) -> QuerySet[Any]:
    """The search's shares as dicts of ``COLUMNS`` and ``component_rows`` (one query per page)."""
    components = RawSQL(COMPONENTS_JSON[connection.vendor], ())  # noqa: S611 - constant SQL, no parameters
    return shares.annotate(component_rows=components).values(*COLUMNS, "component_rows")


# The shares of a page by id: a JSON array (SQLite) or an array (PostgreSQL), one parameter.
_IDS = {"sqlite": "SELECT value FROM json_each(%s)", "postgresql": "SELECT unnest(%s::bigint[])"}
_IDS_PARAMETER = "[]"


@dataclass(frozen=True)
class _PageQuery:
    """``page_values`` of "these shares", compiled once per process and engine: the SQL, the names
    of its columns and the converters Django applies to them (dates and booleans on SQLite...)."""

    sql: str
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


_PAGE_QUERIES: dict[str, _PageQuery] = {}


def _page_query(vendor: str) -> _PageQuery:
    query = _PAGE_QUERIES.get(vendor)
    if query is None:
        shares = Share.objects.filter(pk__in=RawSQL(_IDS[vendor], (_IDS_PARAMETER,)))  # noqa: S611 - constant SQL
        compiler = page_values(shares).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params) != [_IDS_PARAMETER]:  # the ids must be the query's one parameter
            raise AssertionError(f"unexpected parameters in the page query: {params!r}")
        converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
        names = (*compiler.query.extra_select, *compiler.query.values_select, *compiler.query.annotation_select)
        query = _PAGE_QUERIES[vendor] = _PageQuery(
            sql,
            tuple(names),
            tuple((i, tuple(functions), expression) for i, (functions, expression) in converters.items()),
        )
    return query


def page_by_ids(ids: list[int]) -> list[dict[str, Any]]:
    """What ``page_values`` gives for the shares ``ids``, in that order.

    The list's page is found with the search's own (cheap) query for its ids; its rows then come
    from one query compiled once per process: compiling the 25 columns across five tables and the
    component scores for every request cost a quarter of the request's CPU (bench/api.py).
    """
    if not ids:
        return []
    query = _page_query(connection.vendor)
    parameter: Any = json.dumps(ids) if connection.vendor == "sqlite" else list(ids)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [parameter])
        rows = cursor.fetchall()
    by_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = list(row)
        for i, functions, expression in query.converters:
            value = values[i]
            for function in functions:
                value = function(value, expression, connection)
            values[i] = value
        found = dict(zip(query.names, values, strict=True))
        by_id[found["id"]] = found
    return [by_id[pk] for pk in ids if pk in by_id]


def _getter(relation: str, row_class: type[Any]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of ``relation``'s API columns (the result's own: '') in the order of the schema, which
    must be ``row_class``'s attributes' (checked once, at import)."""
    chosen = [column for column in columns.API if column.relation == relation and column.kind is not Kind.COMPONENT]
    attributes = [field.name for field in dataclasses.fields(row_class)]
    if attributes[: len(chosen)] != [column.field for column in chosen]:
        raise AssertionError(f"{row_class.__name__} must begin with the schema's API columns of {relation or 'result'}")
    getter = operator.itemgetter(*("result__" + column.source for column in chosen))
    return (lambda values: (getter(values),)) if len(chosen) == 1 else getter


_OWN, _CANDIDATE = _getter("", ResultRow), _getter("candidate", CandidateRow)
_EXAM, _CENTRE = _getter("exam", ExamRow), _getter("centre", CentreRow)


Page = tuple[list[ResultRow], dict[int, ShareRow], dict[int, list[dict[str, Any]]]]


def rows_of(values: list[dict[str, Any]]) -> Page:
    """The page's results, their shares and their component scores by result id, as ``ResultSerializer``
    takes them (``context["shares"]``, ``context["components"]``)."""
    results, shares, components = [], {}, {}
    for v in values:
        scores: Any = v["component_rows"]
        if isinstance(scores, str):  # SQLite sends JSON as text; psycopg parses json
            scores = json.loads(scores)
        components[v["result_id"]] = [
            {"code": code, "label": label, "score": score} for _, code, label, score in sorted(scores)
        ]
        # The result's own columns (the schema's), then its pk and related rows: ``ResultRow``'s order.
        related = (v["result_id"], CandidateRow(*_CANDIDATE(v)), ExamRow(*_EXAM(v)), CentreRow(*_CENTRE(v)))
        cells: tuple[Any, ...] = (*_OWN(v), *related)
        results.append(ResultRow(*cells))
        shares[v["result_id"]] = ShareRow(v["shared_at"], v["first_viewed_at"], v["include_photo"])
    return results, shares, components
