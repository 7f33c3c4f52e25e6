"""Structured logs: one JSON object per line, one access line per request, no personal data.

``JsonFormatter`` writes every record as JSON with the request id of the request that logged it.
``RequestLogMiddleware`` logs each request once (``rvs.request``): the URL *pattern* rather than
the path (paths can hold set-password tokens and Exam Reference Numbers), never the query string,
the status, the duration and who asked (user id, API key id, organisation id).
``RedactPaths`` does the same for Django's own ``django.request`` / ``django.security`` lines.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from rvs.core.context import current

request_logger = logging.getLogger("rvs.request")

# Fields a caller may add with ``extra=``; anything else given that way is not written.
EXTRA_FIELDS = (
    "method",
    "route",
    "view",
    "status",
    "duration_ms",
    "user_id",
    "api_key_id",
    "organisation_id",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or current.get().request_id
        if request_id:
            entry["request_id"] = request_id
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def route_of(request: Any) -> str:
    """The URL pattern that matched (``accounts/set-password/<uidb64>/<token>/``), not the path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(no route)"
    return "/" + str(match.route)


class RedactPaths(logging.Filter):
    """Django logs ``Not Found: /path`` and the like: put the URL pattern in place of the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple):
            path = getattr(request, "path", None)
            record.args = tuple(route_of(request) if arg == path else arg for arg in record.args)
        return True


def _who(request: HttpRequest) -> dict[str, Any]:
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        # Not looked at by the view: leave it (loading it would cost a query on public pages).
        user = None if user._wrapped is empty else user._wrapped  # type: ignore[attr-defined]
    who: dict[str, Any] = {}
    if user is not None and getattr(user, "is_authenticated", False):
        if user.__class__.__name__ == "ApiKey":  # DRF puts the key on the request as its user
            who["api_key_id"] = user.pk
            who["organisation_id"] = getattr(user, "organisation_id", None)
        else:
            who["user_id"] = user.pk
    organisation = getattr(request, "organisation", None)
    if organisation is not None:
        who["organisation_id"] = organisation.pk
    return who


class RequestLogMiddleware:
    """One ``rvs.request`` line per request, written after the response is made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            match = getattr(request, "resolver_match", None)
            level = logging.ERROR if status >= 500 else logging.INFO
            request_logger.log(
                level,
                "%s %s %s",
                request.method,
                route_of(request),
                status,
                extra={
                    "method": request.method,
                    "route": route_of(request),
                    "view": match.view_name if match is not None else None,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    **_who(request),
                },
            )
