"""The Django WSGI application for tools that call it in-process (schemathesis, httpx) inside a test transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.wsgi import application


def _quiet(signal: Any) -> None:
    signal.disconnect(close_old_connections)


def test_application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The application, keeping the test's database connection across requests, as Django's test client does.

    At the end of a request Django closes a connection that is inside a transaction; in a test that
    is the test's own transaction, and on PostgreSQL the next query fails with "Cannot open a new
    connection in an atomic block" (SQLite's in-memory test database ignores the close). The body is
    read here, so a streamed response's ``close()`` (which sends ``request_finished``) runs here too.
    """
    _quiet(request_started)
    _quiet(request_finished)
    try:
        response = application(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


test_application.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name
