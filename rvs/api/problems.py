"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from rvs.core.ratelimit import STORE_ERRORS, RateLimited, RateLimitUnavailable

PROBLEM_TYPE = "https://rvs.invalid/problems/"
# English, as the problem ``type`` URIs are made from them; ``title`` shows them translated (``title_of``).
TITLES = {
    400: gettext_noop("Invalid request"),
    401: gettext_noop("Authentication required"),
    403: gettext_noop("Not allowed"),
    404: gettext_noop("Not found"),
    405: gettext_noop("Method not allowed"),
    406: gettext_noop("Not acceptable"),
    409: gettext_noop("Not ready"),
    415: gettext_noop("Unsupported media type"),
    429: gettext_noop("Too many requests"),
    503: gettext_noop("Temporarily unavailable"),
}


def title_of(status_code: int) -> str:
    """The problem's ``title`` for people, in the active language."""
    return _(TITLES[status_code]) if status_code in TITLES else _("Error")


def problem(status_code: int, detail: str, *, errors: list[dict[str, str]] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + TITLES.get(status_code, "error").lower().replace(" ", "-"),
        "title": title_of(status_code),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status_code, content_type="application/problem+json")


def plain_problem(status_code: int, detail: str) -> HttpResponse:
    """The same body as ``problem`` for Django views outside DRF (an unknown path under /api/)."""
    body = {
        "type": PROBLEM_TYPE + TITLES.get(status_code, "error").lower().replace(" ", "-"),
        "title": title_of(status_code),
        "status": status_code,
        "detail": detail,
    }
    response = HttpResponse(json.dumps(body), status=status_code, content_type="application/problem+json")
    response["Cache-Control"] = "no-store"
    return response


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, "" if key == "non_field_errors" else name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            out.extend(_flatten(value, f"{prefix}[{index}]" if isinstance(value, dict | list) and prefix else prefix))
        return out
    return [{"field": prefix, "message": str(detail)}]


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RateLimited):
        limited = problem(
            429,
            ngettext(
                "Too many requests; try again in %(seconds)s second.",
                "Too many requests; try again in %(seconds)s seconds.",
                exc.retry_after,
            )
            % {"seconds": exc.retry_after},
        )
        limited["Retry-After"] = str(exc.retry_after)
        return limited
    if isinstance(exc, RateLimitUnavailable | ConnectionError | TimeoutError) or (
        isinstance(exc, STORE_ERRORS) and not isinstance(exc, OSError)
    ):
        # Redis is down (see rvs/core/outage.py): the same answer as the web pages, as a problem.
        unavailable = problem(503, _("This operation is unavailable at the moment; try again in a minute."))
        unavailable["Retry-After"] = "60"
        return unavailable
    if isinstance(exc, Http404):
        return problem(404, _("No such resource, or not one your organisation can see."))
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response: Response | None = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        result = problem(status.HTTP_400_BAD_REQUEST, summary or _("Invalid request."), errors=errors)
    else:
        message = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        result = problem(response.status_code, message)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
