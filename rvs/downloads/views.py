"""Downloads: make a download from a selection, templates, Download History, background jobs."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rvs.core.access import owned_or_404
from rvs.core.confirm_views import Confirmation
from rvs.core.form_errors import NamedErrors, summary_error
from rvs.core.permissions import Perm, org_permission_required
from rvs.downloads import selectors, services
from rvs.downloads.exporters import EXPORTERS
from rvs.downloads.fields import DEFAULT_TEMPLATE_NAME, available_fields
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.organisations.http import OrganisationRequest
from rvs.organisations.models import Organisation
from rvs.sharing import search
from rvs.sharing.search import SearchCriteria


def _template(organisation: Organisation, public_id: str) -> DownloadTemplate:
    templates = DownloadTemplate.objects.filter(organisation=organisation)
    return owned_or_404(templates, public_id, message=_("No such template."))


def _job(organisation: Organisation, public_id: str) -> DownloadJob:
    downloads = DownloadJob.objects.filter(organisation=organisation)
    return owned_or_404(downloads, public_id, message=_("No such download."))


def file_response(job: DownloadJob, data: bytes | None = None) -> FileResponse:
    """An attachment that no cache keeps; the name carries no personal data."""
    handle = io.BytesIO(data) if data is not None else job.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=services.filename(job),
        content_type=EXPORTERS[job.exporter].content_type,
    )
    response["Cache-Control"] = "no-store, private"
    return response


def _deliver(request: HttpRequest, job: DownloadJob) -> HttpResponseBase:
    if job.background:
        message = ngettext(
            "Your download of %(count)s result is being prepared. It will appear in Download History.",
            "Your download of %(count)s results is being prepared. It will appear in Download History.",
            job.included,
        )
        messages.info(request, message % {"count": job.included})
        return redirect("downloads:job", public_id=job.public_id)
    buffer = io.BytesIO()
    included = services.download_render(job, buffer)
    services.download_mark_done(job=job, included=included)
    return file_response(job, buffer.getvalue())


def _selected_result_ids(request: HttpRequest, organisation: Organisation) -> tuple[list[int], int | None]:
    """The results the organisation may open among those chosen, and how many were chosen by id."""
    scope = request.POST.get("scope", "")
    if scope == "search":
        saved = request.session.get("searches", {}).get(request.POST.get("q", ""))
        if saved is None:
            raise ValidationError(_("That search has expired: search again, then download."))
        criteria = SearchCriteria.from_session(saved["criteria"])
        found = search.shared_results(organisation=organisation, criteria=criteria, sort="name")
        return found.result_ids(limit=settings.DOWNLOAD_MAX_RESULTS + 1), None
    if scope == "dashboard":
        # "Select all" on the dashboard: all its results, or all new ones when it shows new only.
        found = search.recent_shares(organisation=organisation, new_only=request.POST.get("new") == "1")
        return found.result_ids(limit=settings.DOWNLOAD_MAX_RESULTS + 1), None
    names = "page_results" if scope == "page" else "results"
    public_ids = []
    for value in request.POST.getlist(names):
        try:
            public_ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return selectors.result_ids_for_public_ids(organisation=organisation, public_ids=public_ids), len(set(public_ids))


@never_cache
@require_POST
@org_permission_required(Perm.DOWNLOADS)
def create(request: OrganisationRequest) -> HttpResponseBase:
    """The Download Options control on the search results and the dashboard posts here."""
    organisation = request.organisation
    back = request.POST.get("back", "")
    back = back if back.startswith("/") and not back.startswith("//") else "/dashboard/"
    exporter = request.POST.get("format", "")
    template_id = request.POST.get("template", "")
    try:
        template = _template(organisation, template_id) if template_id else None
        result_ids, requested = _selected_result_ids(request, organisation)
        if not result_ids and not requested:
            raise ValidationError(_("Tick at least one candidate, or choose to select all, then download"))
        job = services.download_create(
            actor=request.user,
            organisation=organisation,
            exporter=exporter,
            result_ids=result_ids,
            template=template,
            requested=requested,
        )
    except ValidationError as exc:
        # By the Download button and in the error summary, linked to "The ones I tick" (decision 0030).
        summary_error(request, " ".join(exc.messages), target="scope-ticked")
        return redirect(back)
    return _deliver(request, job)


@never_cache
@org_permission_required(Perm.DOWNLOADS)
def history(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    page = Paginator(selectors.history_of(organisation=organisation), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "downloads/history.html",
        {
            "page": page,
            "templates": selectors.templates_of(organisation=organisation),
            "default_name": _(DEFAULT_TEMPLATE_NAME),
        },
    )


@never_cache
@org_permission_required(Perm.DOWNLOADS)
def job(request: OrganisationRequest, public_id: str) -> HttpResponse:
    download = _job(request.organisation, public_id)
    template = "downloads/_job_status.html" if request.headers.get("HX-Request") else "downloads/job.html"
    return render(request, template, {"job": download})


@never_cache
@org_permission_required(Perm.DOWNLOADS)
def job_file(request: OrganisationRequest, public_id: str) -> HttpResponseBase:
    organisation = request.organisation
    download = _job(organisation, public_id)
    if download.status != DownloadJob.Status.DONE or not download.file:
        return render(request, "downloads/job.html", {"job": download}, status=409)
    if selectors.download_needs_remaking(download):
        # A stored file would still show results revoked since: make it again without them.
        messages.info(request, _("Some results in this download are no longer shared with you; download it again."))
        return redirect("downloads:history")
    return file_response(download)


@never_cache
@require_POST
@org_permission_required(Perm.DOWNLOADS)
def again(request: OrganisationRequest, public_id: str) -> HttpResponseBase:
    organisation = request.organisation
    download = _job(organisation, public_id)
    if download.kind == DownloadJob.Kind.BULK_VERIFICATION:
        return redirect("downloads:job_file", public_id=download.public_id)
    try:
        job = services.download_again(actor=request.user, organisation=organisation, job=download)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("downloads:history")
    if job.omitted:
        message = ngettext(
            "%(count)s result of the original download is no longer shared with you and was left out.",
            "%(count)s results of the original download are no longer shared with you and were left out.",
            job.omitted,
        )
        messages.warning(request, message % {"count": job.omitted})
    return _deliver(request, job)


class TemplateForm(NamedErrors, forms.Form):
    error_phrases = {"name": gettext_lazy("the template name")}
    name = forms.CharField(label=gettext_lazy("Template name"), max_length=100)


def _field_rows(
    request: HttpRequest, organisation: Organisation, template: DownloadTemplate | None
) -> list[dict[str, Any]]:
    """One row per available column: the result fields, then a verdict per entry requirement."""
    chosen = list(template.fields) if template else []
    rows = []
    for index, (key, label) in enumerate(available_fields(organisation=organisation).items()):
        if request.method == "POST":
            included = request.POST.get(f"include_{key}") == "on"
            position = request.POST.get(f"position_{key}", "")
        else:
            included = key in chosen
            position = str(chosen.index(key) + 1) if key in chosen else ""
        rows.append({"key": key, "label": label, "included": included, "position": position, "index": index})
    return rows


def _ordered(rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """The chosen columns in order, and the errors for the summary, each linked to its box."""
    errors = []
    chosen = []
    for row in rows:
        if not row["included"]:
            continue
        text = row["position"].strip()
        if text and not text.isdigit():
            row["error"] = _("The position of %(column)s must be a whole number") % {"column": row["label"]}
            errors.append({"message": row["error"], "target": f"position_{row['key']}"})
            continue
        chosen.append((int(text) if text else 1000 + row["index"], row["index"], row["key"]))
    return [key for _, _, key in sorted(chosen)], errors


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.DOWNLOADS)
def template_edit(request: OrganisationRequest, public_id: str | None = None) -> HttpResponseBase:
    organisation = request.organisation
    template = _template(organisation, public_id) if public_id else None
    form = TemplateForm(
        request.POST if request.method == "POST" else None, initial={"name": template.name if template else ""}
    )
    rows = _field_rows(request, organisation, template)
    field_errors: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        fields, field_errors = _ordered(rows)
        if not field_errors:
            try:
                saved = services.template_save(
                    actor=request.user, organisation=organisation, name=form.cleaned_data["name"], fields=fields,
                    template=template,
                )  # fmt: skip
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    if key == "name":
                        form.add_error("name", errors)
                    else:
                        first = f"include_{rows[0]['key']}" if rows else ""
                        field_errors.extend({"message": error, "target": first} for error in errors)
            else:
                message = _("Template '%(name)s' saved. It is offered when you download a data file.")
                messages.success(request, message % {"name": saved.name})
                return redirect("downloads:history")
    context = {"form": form, "rows": rows, "template": template, "page_errors": field_errors}
    status = 400 if form.errors or field_errors else 200
    return render(request, "downloads/template_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.DOWNLOADS)
def template_delete(request: OrganisationRequest, public_id: str) -> HttpResponseBase:
    organisation = request.organisation
    template = _template(organisation, public_id)
    if request.method == "POST":
        services.template_delete(actor=request.user, organisation=organisation, template=template)
        messages.success(request, _("Template '%(name)s' deleted.") % {"name": template.name})
        return redirect("downloads:history")
    confirm = Confirmation(
        question=_("Are you sure you want to delete the template ‘%(name)s’?") % {"name": template.name},
        consequences=(
            _(
                "It is no longer offered for Data File downloads. Downloads already made with it stay in "
                "Download History."
            ),
        ),
        button=_("Yes, delete the template"),
        cancel_url=reverse("downloads:history"),
    )
    return render(request, "downloads/template_delete.html", {"template": template, "confirm": confirm})
