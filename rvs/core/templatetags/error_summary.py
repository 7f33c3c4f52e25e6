"""The page's errors: the ``Error:`` title prefix, the error summary of non-form flows (decision 0030)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.contrib.messages import constants
from django.forms import BoundField
from django.utils.translation import gettext

from rvs.core.form_errors import summary_target

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    message: str
    target: str


def _queued(context: template.Context) -> list[Any]:
    return list(context.get("messages") or [])


def _target(message: Any) -> str | None:
    """Where a queued message's summary entry links ("" for none); None for a notice, not an error."""
    target = summary_target(getattr(message, "extra_tags", "") or "")
    if target is None and getattr(message, "level", None) == constants.ERROR:
        return ""  # an action refused (messages.error): in the summary too, as text
    return target


def _summary(context: template.Context) -> list[SummaryError]:
    found = []
    for message in _queued(context):
        target = _target(message)
        if target is not None:
            found.append(SummaryError(str(message), target))
    return found


def page_has_errors(context: template.Context) -> bool:
    """A bound form in the context with errors, a view's ``page_errors``, or a queued summary error."""
    for value in context.flatten().values():
        if isinstance(value, forms.BaseForm) and value.is_bound and value.errors:
            return True
    return bool(context.get("page_errors")) or bool(_summary(context))


@register.simple_tag(takes_context=True)
def error_title(context: template.Context) -> str:
    """``Error: `` before the page title when the page shows an error (GOV.UK)."""
    # Translators: before the page's title when the page shows an error ("Error: Search for a candidate")
    return gettext("Error: ") if page_has_errors(context) else ""


@register.simple_tag(takes_context=True)
def summary_errors(context: template.Context, target: str | None = None) -> list[SummaryError]:
    """The queued errors for the summary; with ``target``, only those about that element."""
    return [error for error in _summary(context) if target is None or error.target == target]


@register.simple_tag(takes_context=True)
def notices(context: template.Context) -> list[Any]:
    """The queued messages for the banner of notices: all but the errors, which are in the summary."""
    return [m for m in _queued(context) if _target(m) is None]


@register.filter
def error_anchor(field: BoundField) -> str:
    """The id an error summary link goes to: the field's box, a date's day box, a group's first box."""
    return field.id_for_label or (
        f"{field.auto_id}_0" if getattr(field.field.widget, "input_type", "") in _GROUPS else ""
    )


_GROUPS = ("radio", "checkbox")
