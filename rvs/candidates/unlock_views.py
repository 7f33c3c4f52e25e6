"""The link emailed to a candidate whose Candidate ID Number was locked for sign-up (decision 0015)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.candidates import guard


@never_cache
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open links, and must not spend the single-use link.
    if request.method == "GET":
        return render(request, "candidates/unlock.html")
    try:
        guard.candidate_id_unlock(token=token)
    except ValidationError as exc:
        return render(request, "candidates/unlock_failed.html", {"error": " ".join(exc.messages)}, status=400)
    messages.success(request, _("Sign-up is unlocked: sign up with the Secret Number on your Confirmation of Entry."))
    return redirect("candidates:sign_up")
