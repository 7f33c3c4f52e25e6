"""The audit log as a file: the staff's search of the whole log and an organisation's own activity.

In any format the exporter registry can stream (decision 0021), one row per entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse

from rvs.core.models import AuditEntry
from rvs.downloads import exporters
from rvs.downloads.exporters import DataExporter, neutralise
from rvs.downloads.rows import Table
from rvs.organisations.activity import ActivityRow

EXPORT_LIMIT = 200_000
ACTIVITY_HEADER = ["time (UTC)", "person", "kind", "sentence", "ip", "request id"]
AUDIT_HEADER = ["time (UTC)", "action", "actor", "organisation", "object type", "object id", "ip", "request id", "data"]


def export_format(request: HttpRequest) -> DataExporter | None:
    """The format asked for by ``?export=``, among those the registry can stream (decision 0021)."""
    wanted = request.GET.get("export")
    return next((e for e in exporters.streaming_exporters() if e.identifier == wanted), None)


def audit_export(
    entries: Iterable[AuditEntry | ActivityRow], name: str, exporter: DataExporter
) -> StreamingHttpResponse:
    def rows() -> Iterator[list[Any]]:
        for entry in entries:
            organisation = entry.organisation.name if entry.organisation else ""
            values = [
                entry.at.isoformat(), entry.action, entry.actor_label, organisation,
                entry.object_type, entry.object_id, entry.ip or "", entry.request_id, str(entry.data),
            ]  # fmt: skip
            yield [neutralise(value) for value in values]

    table = Table(keys=AUDIT_HEADER, header=AUDIT_HEADER, rows=rows(), sheet="Audit log", styled=False)
    return _attachment(
        StreamingHttpResponse(exporter.stream(table), content_type=exporter.content_type), name, exporter
    )


def _attachment(response: StreamingHttpResponse, name: str, exporter: DataExporter) -> StreamingHttpResponse:
    filename = f"{name}-{dt.date.today().isoformat()}.{exporter.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def activity_export(rows: Iterable[ActivityRow], exporter: DataExporter) -> StreamingHttpResponse:
    """An organisation's activity as sentences (issue 17, item 7): time, person, kind, sentence.

    The address and request id are there for the organisation's own people only (they are blank
    in the rows ``rvs.organisations.activity`` makes for outsiders). Every cell is neutralised.
    """

    def cells() -> Iterator[list[Any]]:
        for row in rows:
            values = [row.at.isoformat(), row.person, row.kind, row.sentence, row.ip or "", row.request_id]
            yield [neutralise(value) for value in values]

    table = Table(keys=ACTIVITY_HEADER, header=ACTIVITY_HEADER, rows=cells(), sheet="Activity", styled=False)
    return _attachment(
        StreamingHttpResponse(exporter.stream(table), content_type=exporter.content_type), "activity", exporter
    )
