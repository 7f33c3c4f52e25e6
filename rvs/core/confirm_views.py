"""Confirmation pages for what cannot be undone (GOV.UK pattern, decision 0029).

The first request (a GET on a link, or the POST of a form that carries data such as a reason)
only shows a page asking "Are you sure …?", saying exactly what will happen, with a red
"Yes, …" button and a "Cancel" link back. Only the POST of that page (``confirmed=yes``) acts.
No JavaScript is needed, and Cancel is an ordinary link (Tab, Enter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONFIRMED_FIELD = "confirmed"
CANNOT_BE_UNDONE = _("This cannot be undone.")


@dataclass(frozen=True)
class Confirmation:
    """What ``_confirm.html`` shows: the question, what happens, the button and where Cancel goes."""

    question: StrOrPromise
    consequences: tuple[StrOrPromise, ...]
    button: StrOrPromise
    cancel_url: str
    action: str = ""  # the form posts to the page's own URL when empty
    hidden: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    undo: StrOrPromise = CANNOT_BE_UNDONE  # what is said about undoing it; empty to say nothing


def is_confirmed(request: HttpRequest) -> bool:
    """True for the POST of a confirmation page (its button), never for a GET."""
    return request.method == "POST" and request.POST.get(CONFIRMED_FIELD) == "yes"


def carried(data: QueryDict, *, leave_out: Iterable[str] = ()) -> tuple[tuple[str, str], ...]:
    """The fields of a first POST, to carry through the confirmation page as hidden inputs."""
    skip = {"csrfmiddlewaretoken", CONFIRMED_FIELD, *leave_out}
    return tuple((name, value) for name, values in data.lists() if name not in skip for value in values)


def render_confirm(
    request: HttpRequest,
    confirm: Confirmation,
    *,
    template: str = "confirm.html",
    extra: Mapping[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(request, template, {"confirm": confirm, **(extra or {})}, status=status)
