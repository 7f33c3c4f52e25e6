from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

from rvs.core import dates
from rvs.core.date_parts import invalid_parts

register = template.Library()


@register.filter
def described_by(field: BoundField) -> str:
    """The ids of a field's hint and error, for ``aria-describedby``."""
    ids = []
    if field.help_text:
        ids.append(f"{field.id_for_label}_hint")
    if field.errors:
        ids.append(f"{field.id_for_label}_error")
    return " ".join(ids)


@register.filter
def accessible(field: BoundField) -> SafeString:
    """Render the widget tied to its hint and errors, so screen readers read them with the field."""
    ids = [name for name in described_by(field).split(" ") if name]
    attrs: dict[str, Any] = {}
    if getattr(field.field.widget, "is_date_parts", False):
        # three boxes in a fieldset that carries the hint and error: mark only the wrong boxes
        attrs["invalid_parts"] = invalid_parts(field.errors) if field.errors else ()
        return field.as_widget(attrs=attrs)
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


@register.filter
def display_date(value: Any) -> str:
    """ "9 December 2026" (decision 0031): the one way a date is shown to people."""
    return dates.display_date(value)


@register.filter
def display_datetime(value: Any) -> str:
    """ "9 December 2026, 14:05 UTC": a date-time in the service's zone, named."""
    return dates.display_datetime(value)


@register.filter
def time_date(value: Any) -> SafeString:
    """``display_date`` inside ``<time datetime="2026-12-09">``."""
    return dates.time_date(value)


@register.filter
def time_datetime(value: Any) -> SafeString:
    """``display_datetime`` inside ``<time datetime="2026-12-09T14:05:00+00:00">``."""
    return dates.time_datetime(value)


@register.filter
def bdi(value: Any, direction: str = "") -> SafeString:
    """Data inside a sentence isolated from the text around it (issue 18, right to left).

    ``{{ name|bdi }}`` takes its direction from its own first strong letter (a name in Arabic
    script inside English, a Latin name inside Arabic); ``{{ result.ern|bdi:"ltr" }}`` forces
    left to right for what is always written that way: ERNs, email addresses, numbers, codes.
    """
    if direction not in ("", "ltr"):
        raise template.TemplateSyntaxError('bdi takes no argument or "ltr"')
    return format_html("<bdi{}>{}</bdi>", SafeString(' dir="ltr"') if direction else "", value)
