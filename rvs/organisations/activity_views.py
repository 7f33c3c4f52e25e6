"""An organisation's own activity log, for its Primary User (``organisations:activity``)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from rvs.core.models import AuditEntry
from rvs.core.permissions import Perm, org_permission_required
from rvs.downloads.audit_export import EXPORT_LIMIT, audit_export, export_format
from rvs.organisations.activity import activity_rows
from rvs.organisations.http import OrganisationRequest


@never_cache
@org_permission_required(Perm.AUDIT_VIEW)
def organisation_activity(request: OrganisationRequest) -> HttpResponse | StreamingHttpResponse:
    organisation = request.organisation
    entries = AuditEntry.objects.filter(organisation=organisation).select_related("organisation")
    # Candidates and the exam board appear as such, without their details (rvs.organisations.activity).
    exporter = export_format(request)
    if exporter is not None:
        return audit_export(
            activity_rows(organisation, entries[:EXPORT_LIMIT].iterator(chunk_size=2000)), "activity", exporter
        )
    entries_page = Paginator(entries, 50).get_page(request.GET.get("page"))
    # The entries' page numbers, with the entries as shown to the organisation for rows.
    paginator: Any = entries_page.paginator
    page = Page(list(activity_rows(organisation, entries_page.object_list)), entries_page.number, paginator)
    return render(
        request, "organisations/activity.html", {"organisation": organisation, "tab": "activity", "page": page}
    )
