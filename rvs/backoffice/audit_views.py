"""The audit log: searchable and exportable by staff; an organisation's own log for its Primary User."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from rvs.backoffice.activity import ActivityRow, activity_rows
from rvs.backoffice.permissions import StaffPerm, staff_required
from rvs.core import ern as ern_codec
from rvs.core.audit import log_action
from rvs.core.models import AuditEntry
from rvs.core.normalise import fold
from rvs.core.permissions import Perm, org_permission_required
from rvs.downloads import exporters
from rvs.downloads.exporters import DataExporter, neutralise
from rvs.downloads.rows import Table
from rvs.results.models import Result

EXPORT_LIMIT = 200_000


class AuditSearchForm(forms.Form):
    organisation = forms.CharField(label="Organisation", required=False, max_length=200)
    user = forms.CharField(label="User (email)", required=False, max_length=254)
    candidate = forms.CharField(label="Candidate ID Number", required=False, max_length=32)
    ern = forms.CharField(label="Exam Reference Number", required=False, max_length=40)
    action = forms.CharField(label="Action", required=False, max_length=64)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_ern(self) -> str:
        value: str = self.cleaned_data["ern"]
        if not value:
            return ""
        try:
            return ern_codec.normalise(value)
        except ern_codec.ErnFormatError as exc:
            raise forms.ValidationError(str(exc)) from None


def filtered(entries: QuerySet[AuditEntry], data: dict[str, Any]) -> QuerySet[AuditEntry]:
    if data.get("organisation"):
        entries = entries.filter(organisation__name_folded__contains=fold(data["organisation"]))
    if data.get("user"):
        entries = entries.filter(actor_label__icontains=data["user"].strip())
    if data.get("candidate"):
        ids = Result.objects.filter(candidate__candidate_number=data["candidate"].strip().upper()).values_list(
            "public_id", flat=True
        )
        entries = entries.filter(object_id__in=[str(i) for i in ids])
    if data.get("ern"):
        ids = Result.objects.filter(ern=data["ern"]).values_list("public_id", flat=True)
        entries = entries.filter(Q(object_id__in=[str(i) for i in ids]) | Q(data__ern_end=data["ern"][-4:]))
    if data.get("action"):
        entries = entries.filter(action__startswith=data["action"].strip())
    if data.get("date_from"):
        entries = entries.filter(at__date__gte=data["date_from"])
    if data.get("date_to"):
        entries = entries.filter(at__date__lte=data["date_to"])
    return entries.select_related("organisation")


AUDIT_HEADER = ["time (UTC)", "action", "actor", "organisation", "object type", "object id", "ip", "request id", "data"]


def export_format(request: HttpRequest) -> DataExporter | None:
    """The format asked for by ``?export=``, among those the registry can stream (decision 0021)."""
    wanted = request.GET.get("export")
    return next((e for e in exporters.streaming_exporters() if e.identifier == wanted), None)


def _export(entries: Iterable[AuditEntry | ActivityRow], name: str, exporter: DataExporter) -> StreamingHttpResponse:
    def rows() -> Iterator[list[Any]]:
        for entry in entries:
            organisation = entry.organisation.name if entry.organisation else ""
            values = [
                entry.at.isoformat(), entry.action, entry.actor_label, organisation,
                entry.object_type, entry.object_id, entry.ip or "", entry.request_id, str(entry.data),
            ]  # fmt: skip
            yield [neutralise(value) for value in values]

    table = Table(keys=AUDIT_HEADER, header=AUDIT_HEADER, rows=rows(), sheet="Audit log", styled=False)
    response = StreamingHttpResponse(exporter.stream(table), content_type=exporter.content_type)
    filename = f"{name}-{dt.date.today().isoformat()}.{exporter.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@staff_required(StaffPerm.AUDIT)
def audit(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entries = filtered(AuditEntry.objects.all(), data)
    exporter = export_format(request)
    if exporter is not None and not form.errors:
        log_action("audit.exported", actor=request.user, data={k: str(v) for k, v in data.items() if v})
        return _export(entries[:EXPORT_LIMIT].iterator(chunk_size=2000), "audit-log", exporter)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "backoffice/audit.html", {"form": form, "page": page, "query": query.urlencode()})


@never_cache
@org_permission_required(Perm.AUDIT_VIEW)
def organisation_activity(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    entries = AuditEntry.objects.filter(organisation=organisation).select_related("organisation")
    # Candidates and the exam board appear as such, without their details (rvs.backoffice.activity).
    exporter = export_format(request)
    if exporter is not None:
        return _export(
            activity_rows(organisation, entries[:EXPORT_LIMIT].iterator(chunk_size=2000)), "activity", exporter
        )
    entries_page = Paginator(entries, 50).get_page(request.GET.get("page"))
    # The entries' page numbers, with the entries as shown to the organisation for rows.
    paginator: Any = entries_page.paginator
    page = Page(list(activity_rows(organisation, entries_page.object_list)), entries_page.number, paginator)
    return render(
        request, "organisations/activity.html", {"organisation": organisation, "tab": "activity", "page": page}
    )
