"""Bytewise text columns (decision 0010): ``COLLATE "C"`` on PostgreSQL, unchanged on SQLite, same answers."""

from __future__ import annotations

import pytest
from django.db import connection

from rvs.core.fields import BytewiseCharField, BytewiseEmailField
from rvs.results.models import Candidate, CandidateNameToken, ComponentScore, Result
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db

BYTEWISE = [
    (Candidate, "candidate_number"),
    (Candidate, "email"),
    (CandidateNameToken, "token"),
    (ComponentScore, "code"),
    (Result, "ern"),
]


@pytest.mark.parametrize(("model", "name"), BYTEWISE)
def test_the_import_s_code_columns_are_bytewise(model: type, name: str) -> None:
    field = model._meta.get_field(name)
    assert isinstance(field, BytewiseCharField | BytewiseEmailField)
    collation = field.db_parameters(connection)["collation"]
    if connection.vendor == "postgresql":
        assert collation == "C"
        with connection.cursor() as cursor:  # the migration made it so, not only the model
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [model._meta.db_table, field.column],
            )
            assert cursor.fetchone() == ("C",)
    else:
        assert collation is None  # SQLite compares bytes (BINARY) already


def test_an_explicit_collation_is_kept() -> None:
    field = BytewiseCharField(max_length=8, db_collation="und-x-icu")
    assert field.db_parameters(connection)["collation"] == "und-x-icu"


def test_look_ups_and_order_are_those_of_the_code_points() -> None:
    """Equality, prefixes and order: C.UTF-8 and C agree on code point order, and bytewise is that order."""
    for number, email in [("B10", "b@x.example"), ("a10", "A@x.example"), ("B2", "é@x.example"), ("Z1", "")]:
        ResultFactory(candidate__candidate_number=number, candidate__email=email)
    assert list(Candidate.objects.order_by("candidate_number").values_list("candidate_number", flat=True)) == [
        "B10", "B2", "Z1", "a10",
    ]  # fmt: skip
    assert Candidate.objects.get(email="é@x.example").candidate_number == "B2"
    assert Candidate.objects.filter(candidate_number__startswith="B").count() == 2
    assert Candidate.objects.filter(email__iexact="a@X.EXAMPLE").get().candidate_number == "a10"
    result = Result.objects.get(candidate__candidate_number="Z1")
    assert Result.objects.get(ern=result.ern) == result
