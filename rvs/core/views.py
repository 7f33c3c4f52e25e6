from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rvs.core.permissions import membership_of


def home(request: HttpRequest) -> HttpResponse:
    if membership_of(request.user) is not None:
        return redirect("results:dashboard")
    return render(request, "home.html")
