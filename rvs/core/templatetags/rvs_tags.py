from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def accessible(field: BoundField) -> SafeString:
    """Render the widget tied to its hint and errors, so screen readers read them with the field."""
    ids = []
    if field.help_text:
        ids.append(f"{field.id_for_label}_hint")
    if field.errors:
        ids.append(f"{field.id_for_label}_error")
    attrs: dict[str, Any] = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def sort_link(current: str, key: str) -> str:
    """The sort parameter a column header links to: ascending first, then descending."""
    return f"-{key}" if current == key else key


@register.simple_tag
def aria_sort(current: str, key: str) -> str:
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"
