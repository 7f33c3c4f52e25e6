"""The verify box (issue 17 item 1): which of the search form's fields it shows, and whether
"More search options", the other fields, starts open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms import BoundField

register = template.Library()

# The verify box: an Exam Reference Number with the candidate's surname or date of birth.
VERIFY_FIELDS = ("ern", "name", "date_of_birth")
# Shown after "More search options"' fields, as a tick box with its label after it.
TICK_BOXES = ("meets_only",)


@dataclass(frozen=True)
class VerifyBox:
    verify: list[BoundField]
    more: list[BoundField]
    more_open: bool


def filled(value: Any) -> bool:
    """A field's value as filled in: not empty (a field of several boxes: any of them)."""
    if isinstance(value, list | tuple):
        return any(filled(part) for part in value)
    if isinstance(value, dict):
        return any(filled(part) for part in value.values())
    return value not in (None, "", False)


@register.simple_tag
def verify_box(form: forms.Form) -> VerifyBox:
    """The search form split for the page: the verify box's fields, the others (less the tick
    boxes, drawn on their own), and whether the others start open: one is filled in or wrong."""
    others = [name for name in form.fields if name not in VERIFY_FIELDS]
    return VerifyBox(
        verify=[form[name] for name in VERIFY_FIELDS if name in form.fields],
        more=[form[name] for name in others if name not in TICK_BOXES],
        more_open=any(form[name].errors or filled(form[name].value()) for name in others),
    )
