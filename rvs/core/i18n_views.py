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
    """``next`` (the page's path) if it is on this site, with the query the page had (from the
    Referer of the same page): the form does not echo the query, which may hold a code (?c=)."""
    next_url = request.POST.get("next", "")
    if not _safe(request, next_url):
        return reverse("home")
    referer = request.headers.get("referer", "")
    if referer and _safe(request, referer) and urlsplit(referer).path == next_url:
        parts = urlsplit(referer)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return next_url


def _safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
