"""A clear 503 page, not a stack trace, when a service the request needs (Redis) is down.

``RateLimitUnavailable`` (a guess-guarding rate limit cannot be checked) and any Redis error a
view lets through become ``503 Service Unavailable`` with ``Retry-After``. Work the request had
already committed stays committed: every place that queues a task after commit (emails, webhooks,
downloads) logs the failure and leaves the row for the relay, so nothing is half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from rvs.core.ratelimit import STORE_ERRORS, RateLimitUnavailable

logger = logging.getLogger(__name__)
RETRY_AFTER = 60


class OutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (RateLimitUnavailable, *STORE_ERRORS)):
            return None
        if isinstance(exception, OSError) and not isinstance(exception, ConnectionError | TimeoutError):
            return None  # a disk or file error is not an outage of a service: let it be a 500
        logger.warning("503 for %s: %s", request.method, type(exception).__name__)
        response = TemplateResponse(request, "503.html", {"retry_after": RETRY_AFTER}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response.render()
        return response
