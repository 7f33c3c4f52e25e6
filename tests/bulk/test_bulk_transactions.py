"""A slow bulk verification never stops the rest of the service (issue 15, item 3).

On SQLite a transaction holds the one write lock of the whole database; a big applicant file
parsed inside one kept every other organisation from saving anything. Parsing and checking run
outside any transaction; only the Download History row, its file and the audit entry are
written, in one short transaction.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from rvs.api import bulk_views
from rvs.bulk import verification
from rvs.downloads.models import DownloadJob
from rvs.organisations.models import Organisation
from tests.api.conftest import api_client
from tests.factories import ResultFactory


def _write_from_another_connection(org_pk: int) -> list[str]:
    """Another organisation saves its details, on its own connection (as another request would)."""
    outcome: list[str] = []

    def write() -> None:
        try:
            Organisation.objects.filter(pk=org_pk).update(city="Leeds")
            outcome.append("saved")
        except Exception as exc:  # the finding: "database is locked" on SQLite
            outcome.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the other organisation's write never finished"
    return outcome


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch, org_b: Organisation) -> dict[str, list[Any]]:
    """Wrap the slow steps: record whether a transaction is open while they run, and let another
    organisation write meanwhile (a deterministic stand-in for a big file's 8-18 s parse)."""
    seen: dict[str, list[Any]] = {"in_transaction": [], "other_write": []}
    read_sheet, verify_rows = verification.read_sheet, verification.verify_rows

    def watched_read(*args: Any, **kwargs: Any) -> Any:
        seen["in_transaction"].append(("read_sheet", connection.in_atomic_block))
        seen["other_write"] += _write_from_another_connection(org_b.pk)
        return read_sheet(*args, **kwargs)

    def watched_verify(*args: Any, **kwargs: Any) -> Any:
        seen["in_transaction"].append(("verify_rows", connection.in_atomic_block))
        return verify_rows(*args, **kwargs)

    monkeypatch.setattr(verification, "read_sheet", watched_read)
    monkeypatch.setattr(verification, "verify_rows", watched_verify)
    monkeypatch.setattr(bulk_views, "verify_rows", watched_verify)
    return seen


@pytest.mark.django_db(transaction=True)
class TestBulkOutsideTransactions:
    def test_it_parses_and_checks_the_file_outside_any_transaction_while_others_write(
        self, member_client: Client, watched: dict[str, list[Any]], org_b: Organisation
    ) -> None:
        result = ResultFactory()
        upload = SimpleUploadedFile("intake.csv", f"Exam Reference Number\n{result.ern}\n".encode())
        response = member_client.post(reverse("bulk:upload"), {"applicants": upload, "format": "csv"})
        assert response.status_code == 200
        assert watched["other_write"] == ["saved"]
        assert watched["in_transaction"] == [("read_sheet", False), ("verify_rows", False)]
        org_b.refresh_from_db()
        assert org_b.city == "Leeds"
        job = DownloadJob.objects.get(kind=DownloadJob.Kind.BULK_VERIFICATION)
        assert job.file  # the short write transaction still stores the answer

    def test_it_checks_api_rows_outside_any_transaction(
        self, watched: dict[str, list[Any]], org_a: Organisation, primary: Any
    ) -> None:
        from rvs.api import keys

        _, secret = keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="read")
        result = ResultFactory()
        response = api_client(secret).post(
            "/api/v1/bulk-verifications/", {"rows": [{"ern": result.ern}]}, format="json"
        )
        assert response.status_code == 200, response.content
        assert watched["in_transaction"] == [("verify_rows", False)]
