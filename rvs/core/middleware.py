from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from rvs.core.context import RequestMeta, current
from rvs.core.ratelimit import RateLimited


class ClientAddressMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, ``REMOTE_ADDR`` becomes the client's address.

    Each trusted proxy appends the address it saw to ``X-Forwarded-For``, so the client is the
    entry that many places from the right; anything further left was sent by the client and is
    not believed. Without proxies the header is ignored (anyone could send it). Every per-address
    rate limit, django-axes and the audit log then see one address per client, not the proxy's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        proxies = settings.TRUSTED_PROXY_COUNT
        if proxies:
            chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
            if len(chain) >= proxies:
                request.META["REMOTE_ADDR"] = chain[-proxies]
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives each request an id (shown on error pages, kept in audit entries)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = secrets.token_hex(8)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current.set(RequestMeta(request_id=request_id, ip=request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RateLimitMiddleware:
    """Turns ``RateLimited`` from any view or service into a clear 429 page with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        response = TemplateResponse(
            request,
            "429.html",
            {"retry_after": exception.retry_after, "minutes": -(-exception.retry_after // 60)},
            status=429,
        )
        response["Retry-After"] = str(exception.retry_after)
        response.render()
        return response
