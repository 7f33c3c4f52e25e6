"""One way to write a date and a date-time for people (decision 0031).

A date reads "9 December 2026"; a date-time "9 December 2026, 14:05 UTC", in the service's time
zone (``settings.TIME_ZONE``) and naming it. Machine formats (CSV, XLSX, JSON, the ``datetime``
attribute of ``<time>``) stay ISO 8601. The templates use these through the ``display_date``,
``display_datetime``, ``time_date`` and ``time_datetime`` filters of ``rvs_tags``; Python code that
builds text for people (messages, emails, PDFs) calls them directly.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def zone_name(value: dt.datetime) -> str:
    """The zone's abbreviation ("UTC", "GMT", "BST"), or its name where it has none ("+03")."""
    name = value.tzname() if timezone.is_aware(value) else None
    if not name or name[0] in "+-":
        return timezone.get_current_timezone_name()  # settings.TIME_ZONE unless overridden
    return name


def _parsed(value: object) -> dt.date | str | None:
    """None for nothing (None or ""); an ISO 8601 string ("2026-12-09", as in a data file or a
    changelog) as its date or date-time; any other string as it is (shown unchanged)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    assert isinstance(value, dt.date), f"not a date: {value!r}"
    return value


def _day(value: dt.date) -> dt.date:
    """A date-time's date in the service's zone; a date as it is."""
    return _local(value).date() if isinstance(value, dt.datetime) else value


def display_date(value: dt.date | str | None) -> str:
    """ "9 December 2026"; a date-time gives its date in the service's zone; nothing gives ""."""
    parsed = _parsed(value)
    if parsed is None or isinstance(parsed, str):
        return parsed or ""
    day = _day(parsed)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def display_datetime(value: dt.date | str | None) -> str:
    """ "9 December 2026, 14:05 UTC": in the service's zone, named; a plain date gives its date."""
    parsed = _parsed(value)
    if not isinstance(parsed, dt.datetime):
        return display_date(parsed)
    local = _local(parsed)
    return f"{display_date(local.date())}, {local:%H:%M} {zone_name(local)}"


def iso(value: dt.date | str | None) -> str:
    """The machine form: "2026-12-09" or "2026-12-09T14:05:00+00:00"."""
    parsed = _parsed(value)
    if parsed is None or isinstance(parsed, str):
        return parsed or ""
    if isinstance(parsed, dt.datetime):
        return _local(parsed).isoformat(timespec="seconds")
    return parsed.isoformat()


def time_date(value: dt.date | str | None) -> SafeString:
    """``<time datetime="2026-12-09">9 December 2026</time>``."""
    parsed = _parsed(value)
    if parsed is None or isinstance(parsed, str):
        return format_html("{}", parsed or "")
    day = _day(parsed)
    return format_html('<time datetime="{}">{}</time>', day.isoformat(), display_date(day))


def time_datetime(value: dt.datetime | str | None) -> SafeString:
    """``<time datetime="2026-12-09T14:05:00+00:00">9 December 2026, 14:05 UTC</time>``."""
    parsed = _parsed(value)
    if parsed is None or isinstance(parsed, str):
        return format_html("{}", parsed or "")
    return format_html('<time datetime="{}">{}</time>', iso(parsed), display_datetime(parsed))
