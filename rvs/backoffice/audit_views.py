"""The audit log, searchable and exportable by staff (an organisation's own: ``organisations.activity_views``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache

from rvs.backoffice.permissions import StaffPerm, staff_required
from rvs.core import ern as ern_codec
from rvs.core.audit import log_action
from rvs.core.date_parts import DatePartsField
from rvs.core.form_errors import NamedErrors
from rvs.core.models import AuditEntry
from rvs.core.normalise import fold
from rvs.downloads.audit_export import EXPORT_LIMIT, audit_export, export_format
from rvs.results.models import Result


class AuditSearchForm(NamedErrors, forms.Form):
    # Translators: each phrase names a field inside an error message, e.g. "Enter the first date".
    error_phrases = {
        "organisation": _("the organisation"),
        "user": _("the user's email address"),
        "candidate": _("the Candidate ID Number"),
        "ern": _("the Exam Reference Number"),
        "action": pgettext_lazy("audit log: the recorded action", "the action"),
        "date_from": _("the first date"),
        "date_to": _("the last date"),
    }

    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    user = forms.CharField(label=_("User (email)"), required=False, max_length=254)
    candidate = forms.CharField(label=_("Candidate ID Number"), required=False, max_length=32)
    ern = forms.CharField(label=_("Exam Reference Number"), required=False, max_length=40)
    action = forms.CharField(
        label=pgettext_lazy("audit log column: the recorded action", "Action"), required=False, max_length=64
    )
    date_from = DatePartsField(
        label=pgettext_lazy("the first day searched", "From"),
        what=_("the first date"),
        subject=_("The ‘From’ date"),
        required=False,
    )
    date_to = DatePartsField(
        label=pgettext_lazy("the last day searched", "To"),
        what=_("the last date"),
        subject=_("The ‘To’ date"),
        required=False,
    )

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


@never_cache
@staff_required(StaffPerm.AUDIT)
def audit(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entries = filtered(AuditEntry.objects.all(), data)
    exporter = export_format(request)
    if exporter is not None and not form.errors:
        log_action("audit.exported", actor=request.user, data={k: str(v) for k, v in data.items() if v})
        return audit_export(entries[:EXPORT_LIMIT].iterator(chunk_size=2000), "audit-log", exporter)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "backoffice/audit.html", {"form": form, "page": page, "query": query.urlencode()})
