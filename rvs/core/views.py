from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rvs.core.home import home_url_name


def home(request: HttpRequest) -> HttpResponse:
    """Each kind of user to their start page (registered by their apps: ``rvs.core.home``); visitors: a public page."""
    url_name = home_url_name(request)
    if url_name is not None:
        return redirect(url_name)
    return render(request, "home.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """A generic 500 page with the request id to quote, never a traceback (handler500)."""
    from django.template import loader

    template = loader.get_template("500.html")
    return HttpResponse(template.render({"request_id": getattr(request, "request_id", "")}), status=500)
