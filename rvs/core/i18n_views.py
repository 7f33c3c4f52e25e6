"""The language switcher's form posts here (every page's footer; decision 0033)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rvs.core.i18n import set_language_cookie, supported


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch to the chosen language: a cookie for everyone, the profile too when signed in.

    Public (a visitor chooses too) and CSRF-protected; ``next`` is followed only within this site.
    """
    code = supported(request.POST.get("language"))
    if code is None:
        return HttpResponseBadRequest(_("Choose one of the languages offered."), content_type="text/plain")
    user = request.user
    if user.is_authenticated and getattr(user, "language", None) != code:
        user.language = code
        user.save(update_fields=["language"])
    translation.activate(code)
    response = HttpResponseRedirect(_safe_next(request))
    set_language_cookie(response, code)
    return response


def _safe_next(request: HttpRequest) -> str:
    """Back to the page the switcher was on: its Referer (same site only; the switcher's form
    carries no ``next``, so a page never echoes its own address: a 404 for a result that is not
    yours stays byte for byte the 404 of one that does not exist). A ``next`` (the page's path),
    where a caller sends one, wins, with the Referer's query when the Referer is that page."""
    next_url = request.POST.get("next", "")
    referer = request.headers.get("referer", "")
    if not next_url:
        return _path_and_query(referer) if _safe(request, referer) else reverse("home")
    if not _safe(request, next_url):
        return reverse("home")
    if _safe(request, referer) and urlsplit(referer).path == next_url:
        return _path_and_query(referer)
    return next_url


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
