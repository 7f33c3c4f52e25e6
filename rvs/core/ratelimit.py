"""Fixed-window rate limits on the Django cache (atomic in LocMem and in Redis).

Rules are ``"<count>/<seconds>"`` strings in ``settings.RATE_LIMITS`` so operators can tune them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured


class RateLimited(Exception):
    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"rate limit {scope} exceeded; retry after {retry_after}s")
        self.scope = scope
        self.retry_after = retry_after


def parse_rule(rule: str) -> tuple[int, int]:
    try:
        count, seconds = (int(part) for part in rule.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"rate limit {rule!r} must look like '<count>/<seconds>'") from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"rate limit {rule!r} needs a positive count and period")
    return count, seconds


def _window(scope: str, key: str) -> tuple[str, int, int]:
    limit, period = parse_rule(settings.RATE_LIMITS[scope])
    now = int(time.time())
    window = now // period
    return f"rl:{scope}:{key}:{window}", limit, period - now % period


def hit(scope: str, key: str, amount: int = 1) -> None:
    """Count ``amount`` events; raise ``RateLimited`` when they go over the limit for this window."""
    cache_key, limit, retry_after = _window(scope, key)
    cache.add(cache_key, 0, retry_after + 1)
    try:
        count = cache.incr(cache_key, amount)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, amount, retry_after + 1)
        count = amount
    if count > limit:
        raise RateLimited(scope, retry_after)


def hit_all(limits: Mapping[str, str | None], amount: int = 1) -> None:
    """Count one event in several scopes (per user, per organisation, per address...).

    Every window is checked before any is counted, so a refused request uses up nobody's budget:
    one user hammering past their own limit does not exhaust their organisation's or address's.
    A key of ``None`` (no address, say, in a management command) skips that scope.
    """
    present = {scope: key for scope, key in limits.items() if key is not None}
    for scope, key in present.items():
        ensure_not_exceeded(scope, key)
    for scope, key in present.items():
        hit(scope, key, amount)


def client_address() -> str | None:
    """The current request's client address (set by ``RequestIdMiddleware``), or None outside a request."""
    from rvs.core.context import current

    return current.get().ip or None


def ensure_not_exceeded(scope: str, key: str) -> None:
    """Raise ``RateLimited`` if the window is already full, without counting anything."""
    cache_key, limit, retry_after = _window(scope, key)
    if (cache.get(cache_key) or 0) >= limit:
        raise RateLimited(scope, retry_after)


def count(scope: str, key: str) -> int:
    """Events counted so far in the current window."""
    cache_key, _, _ = _window(scope, key)
    return int(cache.get(cache_key) or 0)
