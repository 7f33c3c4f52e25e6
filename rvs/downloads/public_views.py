"""Public pages: verify a Statement of Results by upload, or by its QR code."""

from __future__ import annotations

import hmac

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.core import ern as ern_codec
from rvs.core import ratelimit
from rvs.core.audit import log_action
from rvs.core.form_errors import NamedErrors
from rvs.core.uploads import UploadRefused, body_limit, read_upload
from rvs.downloads.pdf import verification_code
from rvs.downloads.verify import check_result, verify_statement_pdf


class VerifyForm(NamedErrors, forms.Form):
    error_phrases = {"statement": gettext_lazy("the Statement of Results (PDF)")}

    statement = forms.FileField(
        label=gettext_lazy("Statement of Results (PDF)"),
        help_text=gettext_lazy("The PDF file exactly as you received it."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_statement(self) -> bytes:
        upload = self.cleaned_data["statement"]
        try:  # the shared upload limit (decision 0012): refused before reading, never read past it
            data = read_upload(upload, max_bytes=settings.VERIFY_MAX_BYTES, verb="checked")
        except UploadRefused as exc:
            raise forms.ValidationError(
                # Translators: refused is the upload limit's sentence, e.g. "The file is larger than 10 MB."
                _("%(refused)s A Statement of Results is much smaller.") % {"refused": exc.messages[0]}
            ) from None
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This file is not a PDF."))
        return data


@body_limit(lambda: settings.VERIFY_MAX_BYTES)
@never_cache
@require_http_methods(["GET", "POST"])
def verify_statement(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None) if request.method == "POST" else VerifyForm()
    verdict = None
    if request.method == "POST" and form.is_valid():
        ratelimit.hit("verify_ip", request.META.get("REMOTE_ADDR", ""))
        verdict = verify_statement_pdf(form.cleaned_data["statement"])
        log_action("statement.verified", data={"authentic": verdict.authentic, "statements": len(verdict.statements)})
    status = 400 if form.errors else 200
    return render(request, "downloads/verify.html", {"form": form, "verdict": verdict}, status=status)


def _revision(value: str | None) -> int | None:
    """The QR link's ``r``: the revision at issue (decision 0017); None in links from before."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        raise Http404
    return int(value)


@never_cache
def verify_ern(request: HttpRequest, ern: str) -> HttpResponse:
    """The QR code's page: the verdict for one ERN, showing only name, exam, date and scores.

    The verdict is the upload check's: a result corrected since the statement's revision is
    "changed since this statement was issued", with what changed.
    """
    try:
        normalised = ern_codec.normalise(ern)
    except ern_codec.ErnFormatError:
        raise Http404 from None
    revision = _revision(request.GET.get("r"))
    if not hmac.compare_digest(request.GET.get("c", ""), verification_code(normalised, revision)):
        raise Http404
    ratelimit.hit("verify_ip", request.META.get("REMOTE_ADDR", ""))
    check = check_result(normalised, revision=revision)
    if check.result is None:
        raise Http404
    return render(request, "downloads/verify_ern.html", {"check": check, "result": check.result})
