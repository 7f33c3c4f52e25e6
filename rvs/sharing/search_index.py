"""Keeps the per-organisation search index (``ShareSearch``, ``ShareNameToken``) in step.

Decision 0004. The index copies, for every active share, the columns the organisation's search
filters and sorts on. Whoever changes one of them calls a function here inside the same
transaction as the change:

* a share is made or revoked: ``refresh_shares``;
* a candidate's name, a result's score or status changes: ``refresh_candidates``;
* the exam catalogue is reordered: ``refresh_exam_positions``;
* bulk writers (the demo seeder) and repairs: ``rebuild``.

Every function rewrites the rows of its scope from the source tables with the same statements
(an ``INSERT ... SELECT`` for the share rows, the name terms of ``rvs.core.names`` for the
words; only the scope differs), so a refresh and a full rebuild cannot disagree on what a row
holds; tests compare the two after mixed operations.
The importer needs no call: it only creates candidates and results, which no share points to yet.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from rvs.core import names
from rvs.exams.models import Exam
from rvs.results.models import Candidate, Result
from rvs.sharing.models import Share, ShareNameToken, ShareSearch


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _insert_rows(where: str, params: list[int]) -> None:
    """Index the active shares that ``where`` selects (aliases: s share, r result)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(ShareSearch)} (share_id, organisation_id, result_id, candidate_id, exam_id, "  # noqa: S608 - models' tables
            "exam_position, exam_date, centre_id, sort_name, overall_score, shared_at) "
            "SELECT s.id, s.organisation_id, s.result_id, r.candidate_id, r.exam_id, e.position, r.exam_date, "
            "r.centre_id, c.sort_name, r.overall_score, s.shared_at "
            f"FROM {_table(Share)} s JOIN {_table(Result)} r ON r.id = s.result_id "
            f"JOIN {_table(Candidate)} c ON c.id = r.candidate_id JOIN {_table(Exam)} e ON e.id = r.exam_id "
            f"WHERE s.revoked_at IS NULL AND {where}",
            params,
        )
    _insert_terms(where, params)


_BATCH = 5000


def name_terms(first_name: str, last_name: str) -> set[str]:
    """What a name is found by: its words, adjacent words written together and the words'
    variant keys (``rvs.core.names``: Müller by Mueller and Muller, O'Brien by O Brien)."""
    return names.index_terms(f"{first_name} {last_name}")


def _insert_terms(where: str, params: list[int]) -> None:
    """The name terms of the active shares ``where`` selects, computed here: the terms come from
    ``rvs.core.names``, Python, so they cannot be copied by one ``INSERT ... SELECT``."""
    insert = (
        f"INSERT INTO {_table(ShareNameToken)} (organisation_id, token, sort_name, share_id) "  # noqa: S608 - a model's table
        "VALUES (%s, %s, %s, %s)"
    )
    terms: dict[tuple[str, str], set[str]] = {}  # many people share a name
    with connection.cursor() as reader, connection.cursor() as writer:
        reader.execute(
            "SELECT s.organisation_id, s.id, c.first_name, c.last_name, c.sort_name "  # noqa: S608 - models' tables
            f"FROM {_table(Share)} s JOIN {_table(Result)} r ON r.id = s.result_id "
            f"JOIN {_table(Candidate)} c ON c.id = r.candidate_id "
            f"WHERE s.revoked_at IS NULL AND {where} ORDER BY s.id",
            params,
        )
        while shares := reader.fetchmany(_BATCH):
            rows: list[tuple[int, str, str, int]] = []
            for organisation_id, share_id, first_name, last_name, sort_name in shares:
                name = (first_name, last_name)
                if name not in terms:
                    terms[name] = name_terms(first_name, last_name)
                rows.extend((organisation_id, term, sort_name, share_id) for term in sorted(terms[name]))
            writer.executemany(insert, rows)


def _delete_rows(where: str, params: list[int]) -> None:
    """Drop the index rows that ``where`` selects (columns of ``ShareSearch``).

    Plain SQL: the ORM's cascade would first read every row it deletes into memory.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_table(ShareNameToken)} WHERE share_id IN "  # noqa: S608 - models' tables
            f"(SELECT share_id FROM {_table(ShareSearch)} WHERE {where})",
            params,
        )
        cursor.execute(f"DELETE FROM {_table(ShareSearch)} WHERE {where}", params)  # noqa: S608 - a model's table


def _placeholders(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


@transaction.atomic
def refresh_shares(share_ids: Iterable[int]) -> None:
    """Re-index these shares: a new share gets its rows, a revoked one loses them."""
    ids = sorted(set(share_ids))
    if not ids:
        return
    _delete_rows(f"share_id IN ({_placeholders(ids)})", list(ids))
    _insert_rows(f"s.id IN ({_placeholders(ids)})", list(ids))


@transaction.atomic
def refresh_candidates(candidate_ids: Iterable[int]) -> None:
    """Re-index every share of these candidates' results (name, score, date of birth changed)."""
    ids = sorted(set(candidate_ids))
    if not ids:
        return
    _delete_rows(f"candidate_id IN ({_placeholders(ids)})", list(ids))
    _insert_rows(f"r.candidate_id IN ({_placeholders(ids)})", list(ids))


@transaction.atomic
def refresh_exam_positions() -> None:
    """Copy the catalogue's exam order (the "exam" sort) after the catalogue changed."""
    for exam_id, position in Exam.objects.values_list("id", "position"):
        ShareSearch.objects.filter(exam_id=exam_id).exclude(exam_position=position).update(exam_position=position)


@transaction.atomic
def rebuild(*, organisation_ids: Iterable[int] | None = None) -> int:
    """Rewrite the index from the source tables: all of it, or these organisations' rows.

    Returns the number of indexed shares in that scope. Callers that wrote many rows should
    refresh the planner's statistics afterwards (``settle``).
    """
    if organisation_ids is None:
        _delete_rows("1 = 1", [])
        _insert_rows("1 = 1", [])
        return ShareSearch.objects.count()
    ids = sorted(set(organisation_ids))
    if not ids:
        return 0
    _delete_rows(f"organisation_id IN ({_placeholders(ids)})", list(ids))
    _insert_rows(f"s.organisation_id IN ({_placeholders(ids)})", list(ids))
    return ShareSearch.objects.filter(organisation_id__in=ids).count()


def settle() -> None:
    """Planner statistics after a bulk write; on PostgreSQL also the visibility map that index-only
    scans (the counts) need. VACUUM cannot run inside a transaction: then only ANALYZE."""
    tables = f"{_table(ShareSearch)}, {_table(ShareNameToken)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {tables}")
        else:
            cursor.execute(f"ANALYZE {_table(ShareSearch)}")
            cursor.execute(f"ANALYZE {_table(ShareNameToken)}")
