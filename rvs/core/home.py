"""Where the home page sends each kind of user: resolvers registered by the apps that own the pages.

Core knows no feature (decision 0023). Each app that has a start page for some users registers a
resolver in its ``AppConfig.ready()``: given the request, the name of the URL to redirect to, or
None. The first resolver (by ``order``) that answers wins; nobody answering gets the public page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

HomeResolver = Callable[[HttpRequest], str | None]


@dataclass(frozen=True)
class _Entry:
    order: int
    name: str
    resolve: HomeResolver


_RESOLVERS: dict[str, _Entry] = {}


def register(name: str, resolve: HomeResolver, *, order: int) -> None:
    """Add (or replace, by ``name``) a resolver; asked by ``order``, lowest first."""
    _RESOLVERS[name] = _Entry(order=order, name=name, resolve=resolve)


def registered() -> list[str]:
    """The resolvers' names, in the order they are asked."""
    return [entry.name for entry in _ordered()]


def _ordered() -> list[_Entry]:
    return sorted(_RESOLVERS.values(), key=lambda entry: (entry.order, entry.name))


def home_url_name(request: HttpRequest) -> str | None:
    for entry in _ordered():
        url_name = entry.resolve(request)
        if url_name is not None:
            return url_name
    return None
