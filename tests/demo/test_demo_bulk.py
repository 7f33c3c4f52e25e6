"""``demo.bulk.Table``: the driver's rows, made by a closure (no code built at run time, decision 0020)."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any

import pytest
from django.db import connection

from rvs.demo import bulk
from rvs.results.models import Candidate, ComponentScore


def _column_by_column(table: bulk.Table, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The plain way: each step in turn, as the ``eval``-built lambda spelt it out."""
    return tuple(convert(row[index]) if index is not None else convert() for index, convert in table._steps)  # type: ignore[call-arg]


def test_it_has_no_row_function_built_at_run_time() -> None:
    with open(bulk.__file__, encoding="utf-8") as module:
        source = module.read()
    assert "eval(" not in source
    assert "exec(" not in source


@pytest.mark.django_db
def test_it_makes_each_row_as_the_steps_column_by_column() -> None:
    # Dates converted (and cached), defaults constant (""), called (uuid4) or the load's time (auto_now).
    fields = ["id", "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth", "email"]
    table = bulk.Table(Candidate, fields)
    assert not table._plain
    rows = [(7 + i, f"C{i}", "0" * 64, "Ann", "Lee", "lee ann", dt.date(1990, 1, 1 + i), "") for i in range(3)]
    made = list(table._rows(rows))
    for row, got in zip(rows, made, strict=True):
        expected = _column_by_column(table, row)
        assert len(got) == len(table.columns) == len(expected)
        for column, value, want in zip(table.columns, got, expected, strict=True):
            if column == "public_id":  # a fresh uuid4 each call: the same kind of value
                assert isinstance(value, type(want))
                continue
            assert value == want, column
    if "public_id" in table.columns:
        at = table.columns.index("public_id")
        assert len({row[at] for row in made}) == len(made)


def test_it_handles_a_single_column_and_every_kind_of_step() -> None:
    steps: list[Any] = [
        (1, str.upper),
        (None, functools.partial(bulk._identity, "const")),
        (0, bulk._identity),
        (None, lambda: "called"),
    ]
    assert bulk._row_function(steps)(("a", "b")) == ("B", "const", "a", "called")
    assert bulk._row_function([(0, bulk._identity)])(("x",)) == ("x",)
    assert bulk._row_function([(0, str.upper)])(("x",)) == ("X",)
    assert bulk._row_function([(None, uuid.uuid4)])(())[0].version == 4


@pytest.mark.django_db
def test_it_inserts_rows_through_it() -> None:
    from tests.factories import ResultFactory

    result: Any = ResultFactory()
    table = bulk.Table(ComponentScore, ["result_id", "position", "code", "score"])
    table.insert([(result.pk, 9, "zz", 40)])
    row = ComponentScore.objects.get(result=result, code="zz")
    assert (row.position, row.score) == (9, 40)
    assert connection.vendor in ("sqlite", "postgresql")
