"""An organisation's own activity log, for its Primary User (``organisations:activity``).

Each entry reads as a sentence (``rvs.organisations.activity_sentences``), filtered by person,
kind and dates (``rvs.organisations.activity_filter``), 50 a page, and exported with the same
filters (at most ``EXPORT_LIMIT`` entries, newest first).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from rvs.api.models import ApiKey
from rvs.core.models import AuditEntry
from rvs.core.permissions import Perm, org_permission_required
from rvs.downloads.audit_export import EXPORT_LIMIT, activity_export, export_format
from rvs.organisations.activity import activity_rows, former_emails
from rvs.organisations.activity_filter import ActivityFilterForm, KeyChoice, people
from rvs.organisations.http import OrganisationRequest

PAGE_SIZE = 50


@never_cache
@org_permission_required(Perm.AUDIT_VIEW)
def organisation_activity(request: OrganisationRequest) -> HttpResponse | StreamingHttpResponse:
    organisation = request.organisation
    keys = [
        KeyChoice(str(key.public_id), key.name, key.prefix)
        for key in ApiKey.objects.filter(organisation=organisation).order_by("name", "created_at")
    ]
    former = former_emails(organisation)
    form = ActivityFilterForm(request.GET, people=people(organisation, keys, former))
    # Tenancy: only the organisation's own entries, then narrowed by the filters.
    entries = form.apply(AuditEntry.objects.filter(organisation=organisation).select_related("organisation"))
    # Candidates and the exam board appear as such, without their details (rvs.organisations.activity).
    exporter = export_format(request)
    if exporter is not None and form.is_valid():
        return activity_export(
            activity_rows(organisation, entries[:EXPORT_LIMIT].iterator(chunk_size=2000), former=former), exporter
        )
    entries_page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # The entries' page numbers, with the entries as shown to the organisation for rows.
    paginator: Any = entries_page.paginator
    page = Page(
        list(activity_rows(organisation, entries_page.object_list, former=former)), entries_page.number, paginator
    )
    query = request.GET.copy()
    for name in ("page", "export"):
        query.pop(name, None)
    context = {
        "organisation": organisation, "tab": "activity", "page": page, "form": form,
        "query": query.urlencode(), "export_limit": EXPORT_LIMIT,
    }  # fmt: skip
    return render(request, "organisations/activity.html", context, status=400 if form.errors else 200)
