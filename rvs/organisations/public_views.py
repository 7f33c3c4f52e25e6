"""Public pages: registering an organisation, the Global Recognition Database."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from rvs.core import ratelimit
from rvs.core.forms import apply_errors
from rvs.organisations import selectors, services
from rvs.organisations.forms import DirectoryForm, RegistrationForm


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ratelimit.hit("registration_ip", request.META.get("REMOTE_ADDR", ""))
        data = {k: v for k, v in form.cleaned_data.items() if k != "recognised_exams"}
        try:
            registration = services.registration_submit(data=data, exams=form.cleaned_data["recognised_exams"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["registration_done"] = str(registration.public_id)
            return redirect("register_done")
    return render(request, "organisations/register.html", {"form": form}, status=400 if form.errors else 200)


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "organisations/register_done.html", {"submitted": "registration_done" in request.session})


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryForm(request.GET or None, countries=selectors.directory_countries())
    filters = form.cleaned_data if form.is_valid() else {}
    organisations = selectors.directory(
        name=filters.get("q", ""), country=filters.get("country", ""), exam=filters.get("exam")
    )
    page = Paginator(organisations, settings.SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "organisations/directory.html", {"form": form, "page": page, "query": query.urlencode()})
