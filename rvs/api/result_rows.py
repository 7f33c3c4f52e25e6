"""A page of shared results read as plain rows, with their component scores, in one query.

For ``GET /api/v1/results/``.

``ResultSerializer`` reads attributes (``result.candidate.last_name``, ``result.shows_scores``...).
Model instances for the share, result, candidate, exam and centre of every result of a page (each
runs ``Model.__init__`` and its signals) cost more than the rest of the request, so the list reads
only the columns a result shows, with ``values()``, and hands the serializer these small objects with
the same attributes: the same serializer code makes the same JSON (checked by
``tests/api/test_api_rows.py`` against model instances). The component scores come in the same
query, as a JSON array per row: a query of their own cost a round trip to the database, as much as
the rest of the page under load (bench/api.py).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from rvs.core import ern as ern_codec
from rvs.results.models import ComponentScore, Result
from rvs.sharing.models import Share

COLUMNS = (
    "id",
    "result_id",
    "shared_at",
    "first_viewed_at",
    "include_photo",
    "result__public_id",
    "result__ern",
    "result__exam_date",
    "result__status",
    "result__overall_score",
    "result__cefr",
    "result__grade",
    "result__result_label",
    "result__photo",
    "result__candidate__first_name",
    "result__candidate__last_name",
    "result__candidate__date_of_birth",
    "result__candidate__candidate_number",
    "result__candidate__email",
    "result__exam__code",
    "result__exam__name",
    "result__centre__number",
    "result__centre__name",
    "result__centre__city",
    "result__centre__country",
)


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


@dataclass(slots=True)
class CandidateRow:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    candidate_number: str
    email: str


@dataclass(slots=True)
class ExamRow:
    code: str
    name: str


@dataclass(slots=True)
class CentreRow:
    number: str
    name: str
    city: str
    country: str


@dataclass(slots=True)
class ResultRow:
    """The attributes of a ``Result`` that ``ResultSerializer`` reads."""

    pk: int
    public_id: uuid.UUID
    ern: str
    exam_date: dt.date
    status: str
    overall_score: int | None
    cefr: str
    grade: str
    result_label: str
    photo: str  # the file's name, empty without one
    candidate: CandidateRow
    exam: ExamRow
    centre: CentreRow

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
        results.append(
            ResultRow(
                pk=v["result_id"],
                public_id=v["result__public_id"],
                ern=v["result__ern"],
                exam_date=v["result__exam_date"],
                status=v["result__status"],
                overall_score=v["result__overall_score"],
                cefr=v["result__cefr"],
                grade=v["result__grade"],
                result_label=v["result__result_label"],
                photo=v["result__photo"] or "",
                candidate=CandidateRow(
                    v["result__candidate__first_name"],
                    v["result__candidate__last_name"],
                    v["result__candidate__date_of_birth"],
                    v["result__candidate__candidate_number"],
                    v["result__candidate__email"],
                ),
                exam=ExamRow(v["result__exam__code"], v["result__exam__name"]),
                centre=CentreRow(
                    v["result__centre__number"],
                    v["result__centre__name"],
                    v["result__centre__city"],
                    v["result__centre__country"],
                ),
            )
        )
        shares[v["result_id"]] = ShareRow(v["shared_at"], v["first_viewed_at"], v["include_photo"])
    return results, shares, components
