from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def brand(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)  # None on API pages, where DRF has no anonymous user
    authenticated = bool(user is not None and user.is_authenticated)
    membership = getattr(user, "membership", None) if authenticated else None
    # An organisation's user is not a candidate: the base template shows one menu or the other, so
    # a member's pages (most requests) skip looking for a candidate account.
    candidate_account = getattr(user, "candidate_account", None) if authenticated and membership is None else None
    return {"brand": settings.RVS_BRAND, "current_membership": membership, "candidate_account": candidate_account}


def csp_nonce(request: HttpRequest) -> dict[str, Any]:
    """django-htmx's ``{% htmx_script %}`` reads ``csp_nonce`` (Django 6's name); django-csp 4 sets the
    request attribute, so bridge the two."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
