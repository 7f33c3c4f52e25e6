"""Fixed-window rate limits on the Django cache (atomic in LocMem and in Redis).

When Redis cannot be reached, scopes in ``RATE_LIMIT_FAIL_CLOSED`` (those that stop guessing of
ERNs, Secret Numbers and second factors) refuse with ``RateLimitUnavailable`` (a 503 page);
every other scope lets the request through and logs a warning, so searching, signing in (still
guarded by django-axes in the database) and the API keep working.

Rules are ``"<count>/<seconds>"`` strings in ``settings.RATE_LIMITS`` so operators can tune them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

try:  # the scale-out shape keeps the counters in Redis
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is always installed with requirements-scale.txt
    RedisError = OSError  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)
# What the cache raises when its server cannot be reached.
STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


class RateLimitUnavailable(Exception):
    """The counter store (Redis) is down and ``scope`` guards against guessing: refuse for now."""

    retry_after = 60

    def __init__(self, scope: str) -> None:
        super().__init__(f"rate limit {scope} cannot be checked: the counter store is unreachable")
        self.scope = scope


def _store_down(scope: str, exc: BaseException) -> None:
    """Counters unreachable: refuse a guess-guarding scope (fail closed), let any other through."""
    if scope in settings.RATE_LIMIT_FAIL_CLOSED:
        raise RateLimitUnavailable(scope) from exc
    logger.warning("rate limit %s not checked: the counter store is unreachable (%s)", scope, type(exc).__name__)


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
    try:
        cache.add(cache_key, 0, retry_after + 1)
        try:
            count = cache.incr(cache_key, amount)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, amount, retry_after + 1)
            count = amount
    except STORE_ERRORS as exc:
        _store_down(scope, exc)
        return
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
    try:
        used = cache.get(cache_key) or 0
    except STORE_ERRORS as exc:
        _store_down(scope, exc)
        return
    if used >= limit:
        raise RateLimited(scope, retry_after)


def count(scope: str, key: str) -> int:
    """Events counted so far in the current window."""
    cache_key, _, _ = _window(scope, key)
    try:
        return int(cache.get(cache_key) or 0)
    except STORE_ERRORS:
        return 0  # only reported (API headers); the limit itself is enforced by hit()
