"""Per-request facts (request id, client address) that services record without seeing the request."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str = ""
    ip: str | None = None


current: contextvars.ContextVar[RequestMeta] = contextvars.ContextVar("rvs_request", default=RequestMeta())  # noqa: B039 - frozen, so safe to share
