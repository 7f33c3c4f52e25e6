"""Staff pages: upload a results file, read its check report, confirm, follow the import."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rvs.backoffice import import_files, imports, purge
from rvs.backoffice.http import StaffRequest
from rvs.backoffice.models import ImportJob
from rvs.backoffice.permissions import StaffPerm, staff_required
from rvs.core.access import owned_or_404
from rvs.core.form_errors import NamedErrors
from rvs.core.forms import apply_errors
from rvs.core.uploads import body_limit

HISTORY = 25


class UploadForm(NamedErrors, forms.Form):
    # Translators: each phrase names a field inside an error message, e.g. "Select a results file".
    error_phrases = {"file": _("a results file"), "photos": _("the ZIP of test-day photos")}

    file = forms.FileField(
        label=_("Results file"),
        help_text=_("CSV (UTF-8) or XLSX with the columns of the import_results format, one result per row."),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    photos = forms.FileField(
        label=_("Test-day photos (optional)"),
        required=False,
        help_text=_("A ZIP of JPEG or PNG photos; the photo column gives each one's path inside the ZIP."),
        widget=forms.FileInput(attrs={"accept": ".zip,application/zip"}),
    )


def _job(public_id: str) -> ImportJob:
    return owned_or_404(ImportJob.objects.select_related("uploaded_by"), public_id, message="No such import.")


def _limits() -> dict[str, int]:
    return {
        "max_megabytes": import_files.max_bytes() // 1_000_000,
        "max_rows": import_files.max_rows(),
        "max_photos_megabytes": import_files.max_photos_bytes() // 1_000_000,
        "upload_max_age_hours": int(purge.max_age().total_seconds() // 3600),
    }


@body_limit(lambda: import_files.max_bytes() + import_files.max_photos_bytes())
@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(StaffPerm.IMPORT)
def upload(request: StaffRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_upload(
                actor=request.user, upload=form.cleaned_data["file"], photos=form.cleaned_data.get("photos")
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("backoffice:import_job", public_id=job.public_id)
    history = ImportJob.objects.select_related("uploaded_by")[:HISTORY]
    context = {"form": form, "history": history, **_limits()}
    return render(request, "backoffice/imports.html", context, status=400 if form.errors else 200)


@never_cache
@require_GET
@staff_required(StaffPerm.IMPORT)
def job(request: StaffRequest, public_id: str) -> HttpResponse:
    import_job = _job(public_id)
    if request.headers.get("HX-Request"):
        return render(request, "backoffice/_import_status.html", {"job": import_job, **_limits()})
    context = {
        "job": import_job,
        "previous": imports.previous_import(import_job),
        "running": imports.running_import(import_job),
        "form": UploadForm(),
        **_limits(),
    }
    return render(request, "backoffice/import_job.html", context)


@never_cache
@require_POST
@staff_required(StaffPerm.IMPORT)
def start(request: StaffRequest, public_id: str) -> HttpResponse:
    import_job = _job(public_id)
    try:
        imports.import_start(actor=request.user, job=import_job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("backoffice:import_job", public_id=import_job.public_id)


def _no_formula(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (or tab, CR) would make it a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@never_cache
@require_GET
@staff_required(StaffPerm.IMPORT)
def problems(request: StaffRequest, public_id: str) -> HttpResponse:
    """The problems found in a file, as CSV (UTF-8 with a BOM, so spreadsheet programs read it right)."""
    import_job = _job(public_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "column", "column_number", "problem"])
    for problem in import_job.errors:
        column, message = (_no_formula(str(problem.get(key) or "")) for key in ("column", "message"))
        writer.writerow([problem.get("line"), column, problem.get("column_number") or "", message])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-problems-{str(import_job.public_id)[:8]}.csv"'
    response["Cache-Control"] = "no-store, private"
    return response
