from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.bulk.problems import verdict_label
from rvs.bulk.verification import applicant_file_limits, bulk_verify
from rvs.core.form_errors import NamedErrors
from rvs.core.forms import apply_errors
from rvs.core.permissions import Perm, org_permission_required
from rvs.core.uploads import body_limit, read_upload
from rvs.downloads import exporters
from rvs.organisations.http import OrganisationRequest


class BulkForm(NamedErrors, forms.Form):
    error_phrases = {"applicants": _("your applicant file"), "format": _("how to answer")}

    applicants = forms.FileField(
        label=_("Applicant file (CSV or XLSX)"),
        help_text=_(
            "One applicant per row: a column “Exam Reference Number”, and optionally “Name” (or "
            "“First name” and “Surname”) and “Date of birth”. Other columns are kept as they are."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    # Asked of the registry on each form (decision 0021): a format registered later is offered too.
    format = forms.ChoiceField(
        label=_("Answer as"),
        choices=lambda: exporters.choices(exporters.bulk_exporters(), short=True),
        initial=lambda: exporters.bulk_exporters()[0].identifier,
        widget=forms.RadioSelect,
    )


# Never one request-wide transaction (should ATOMIC_REQUESTS be turned on): parsing a big file
# inside it would hold SQLite's write lock; bulk_verify keeps its own write transaction short.
@body_limit(lambda: settings.BULK_MAX_BYTES)
@transaction.non_atomic_requests
@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.ERN_LOOKUP)
def upload(request: OrganisationRequest) -> HttpResponse:
    form = BulkForm(request.POST, request.FILES) if request.method == "POST" else BulkForm()
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["applicants"]
        limits = applicant_file_limits()
        try:
            outcome = bulk_verify(
                actor=request.user,
                organisation=request.organisation,
                data=read_upload(upload_file, max_bytes=limits.max_bytes, verb=limits.verb),
                filename=upload_file.name or "",
                fmt=form.cleaned_data["format"],
            )
        except ValidationError as exc:
            apply_errors(form, ValidationError({"applicants": exc.messages}))
        else:
            counts = [(verdict_label(verdict), n) for verdict, n in sorted(outcome.counts.items())]
            context = {"job": outcome.job, "counts": counts, "problems": outcome.problems}
            return render(request, "bulk/done.html", context)
    return render(request, "bulk/upload.html", {"form": form, **_about_the_file()}, status=400 if form.errors else 200)


def _about_the_file() -> dict[str, object]:
    """What the upload page says of the file: its columns (with the sample's) and its limits."""
    from rvs.bulk.sample_views import SAMPLE_HEADER  # the sample file's own module says which columns

    return {
        "sample_header": SAMPLE_HEADER,
        "max_rows": settings.BULK_MAX_ROWS,
        "max_bytes": settings.BULK_MAX_BYTES,
    }
