from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rvs.candidates.permissions import candidate_account_of
from rvs.core.permissions import membership_of


def home(request: HttpRequest) -> HttpResponse:
    """The start page for each kind of user; a public page for visitors."""
    if membership_of(request.user) is not None:
        return redirect("results:dashboard")
    if candidate_account_of(request.user) is not None:
        return redirect("candidates:results")
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("backoffice:queue")
    return render(request, "home.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """A generic 500 page with the request id to quote, never a traceback (handler500)."""
    from django.template import loader

    template = loader.get_template("500.html")
    return HttpResponse(template.render({"request_id": getattr(request, "request_id", "")}), status=500)
