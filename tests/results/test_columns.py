"""Issue 16 item 5: one result column schema (``rvs.results.columns``, decision 0025).

A result column was written in five row representations plus the importer's packing, with nothing
pointing from the model to all of them. These tests fail when an output has a column the schema
does not know, or the schema one that an output leaves out, and when a stored field is neither a
column nor named here as internal.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from rvs.api import result_rows
from rvs.api.serializers import ResultSerializer
from rvs.downloads import row_sql
from rvs.downloads.fields import FIELDS
from rvs.exams.models import Exam
from rvs.results import columns
from rvs.results.columns import Kind
from rvs.results.importer.model import (
    CANDIDATE_FIELDS,
    RESULT_FIELDS,
    SCORE_COLUMNS,
    SCORE_FIELDS,
    CentreInfo,
)
from rvs.results.models import Candidate, Centre, Result
from rvs.results.templatetags import results_table
from tests.factories import ShareFactory

ROOT = Path(__file__).resolve().parent.parent.parent

# Stored but no column of any output, and why.
INTERNAL = {
    "result": {"id", "candidate", "exam", "centre", "created_at", "updated_at"},  # keys and bookkeeping
    "candidate": {"id", "secret_hash", "sort_name", "created_at", "updated_at"},  # a secret; the search's
    "centre": {"id", "name_folded", "city_folded"},  # the search's folded copies
}
# The result JSON's members that are not the result's columns: its share, a verdict, a name match.
API_NOT_COLUMNS = {"share", "verdict", "name_match"}


def test_the_data_file_fields_are_the_schemas_in_its_order() -> None:
    assert [(key, field.label) for key, field in FIELDS.items()] == [(c.key, c.label) for c in columns.DATA_FILE]
    assert list(row_sql.CELL_KEYS) == list(FIELDS)


@pytest.mark.django_db
def test_every_data_file_column_has_its_cell_and_its_csv_line_in_sql() -> None:
    vendor = connection.vendor
    parameters = [*row_sql.STATUS_LABELS.values(), [] if vendor == "postgresql" else "[]"]
    with connection.cursor() as cursor:
        cursor.execute(row_sql.select(vendor), parameters)
        # The id, a cell per column, then the status, the exam's code and name, the formula flag.
        assert len(cursor.description) == 1 + len(columns.DATA_FILE) + 4
        for column in columns.DATA_FILE:
            sql, line_parameters = row_sql.line_select(vendor, [column.key])
            cursor.execute(sql, [*line_parameters, [] if vendor == "postgresql" else "[]"])
            assert len(cursor.description) == 2, column.key


def _serializer_paths(fields: Any, prefix: str = "") -> set[str]:
    paths = set()
    for name, field in fields.items():
        nested = getattr(field, "fields", None)
        if nested is not None and not getattr(field, "many", False):
            paths |= _serializer_paths(nested, f"{prefix}{name}.")
        else:
            paths.add(prefix + name)
    return paths


def test_the_api_sends_exactly_the_schemas_api_columns() -> None:
    """``ResultSerializer`` (the JSON contract and the OpenAPI schema) against ``columns.API``."""
    sent = _serializer_paths(ResultSerializer().fields) - API_NOT_COLUMNS
    assert sent == {column.api for column in columns.API}


def test_the_api_rows_read_the_schemas_api_columns() -> None:
    read = {name.removeprefix("result__") for name in result_rows.COLUMNS if name.startswith("result__")}
    assert read == {column.source for column in columns.API if column.kind is not Kind.COMPONENT}
    for row_class, relation in (
        (result_rows.ResultRow, ""),
        (result_rows.CandidateRow, "candidate"),
        (result_rows.ExamRow, "exam"),
        (result_rows.CentreRow, "centre"),
    ):
        own = [f.name for f in dataclasses.fields(row_class) if f.name not in {"pk", "candidate", "exam", "centre"}]
        wanted = [c.field for c in columns.API if c.relation == relation and c.kind is not Kind.COMPONENT]
        assert own == wanted, row_class.__name__


def test_the_results_table_draws_the_schemas_table_columns() -> None:
    table_keys = [column.key for column in columns.TABLE]
    assert list(results_table.CELLS) == table_keys
    shown = {column.table for column in columns.COLUMNS if column.table is not None}
    # Every table column but the share's date shows result columns, and only those.
    assert shown == set(table_keys) - {"shared"}


@pytest.mark.django_db
def test_the_results_table_has_a_header_and_a_cell_per_schema_column(org_a: Any, member_client: Client) -> None:
    ShareFactory(organisation=org_a)
    html = member_client.get(reverse("results:dashboard")).content.decode()
    table = html[html.index('<table class="results">') : html.index("</table>")]
    headers = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", table, re.S)
    labels = [re.sub(r"<[^>]+>", "", header).strip() for header in headers]
    assert labels == ["Select", *(column.label for column in columns.TABLE)]
    row = table[table.index("<tbody>") :]
    assert row.count("<td") == 1 + len(columns.TABLE)


def _model_fields(model: Any) -> set[str]:
    return {field.name for field in model._meta.concrete_fields}


def test_every_stored_field_is_a_column_or_internal_and_the_importer_writes_it() -> None:
    sources: dict[str, set[str]] = {"": set(), "candidate": set(), "exam": set(), "centre": set()}
    for column in columns.COLUMNS:
        if column.kind is not Kind.COMPONENT:
            sources[column.relation] |= {column.field, *([column.fallback] if column.fallback else [])}
    # The model's fields: each one a column's or internal (a new field needs its column, or a reason).
    assert _model_fields(Result) == sources[""] | INTERNAL["result"]
    assert _model_fields(Candidate) == sources["candidate"] | INTERNAL["candidate"]
    assert _model_fields(Centre) == sources["centre"] | INTERNAL["centre"]
    assert sources["exam"] <= _model_fields(Exam)  # the catalogue's: not imported
    # The importer writes every column's storage (its COPY packing is held to these lists by
    # tests/results/test_bulkload.py, which compares every stored value).
    assert sources[""] <= set(RESULT_FIELDS)
    assert sources["candidate"] <= set(CANDIDATE_FIELDS)
    assert sources["centre"] <= {field.name for field in dataclasses.fields(CentreInfo)}
    assert {"code", "score"} <= set(SCORE_FIELDS)
    component_codes = [column.key for column in columns.COLUMNS if column.kind is Kind.COMPONENT]
    assert sorted(component_codes) == sorted(SCORE_COLUMNS)


def test_rows_and_exporters_do_not_import_each_other() -> None:
    """Item 2's finding: ``downloads/exporters.py`` and ``downloads/rows.py`` imported each other."""
    tree = ast.parse((ROOT / "rvs/downloads/exporters.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any(name and name.startswith(("rvs.downloads.rows", "rvs.downloads.row_sql")) for name in imported)


def test_the_schema_imports_no_output() -> None:
    """``results`` is below downloads, api and sharing: the schema names them, never imports them."""
    tree = ast.parse((ROOT / "rvs/results/columns.py").read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith(("rvs.downloads", "rvs.api", "rvs.sharing")) for name in imported)
