"""One way to write a date and a date-time for people (decision 0031).

A date reads "9 December 2026"; a date-time "9 December 2026, 14:05 UTC", in the service's time
zone (``settings.TIME_ZONE``) and naming it. Other languages write the same style their own way
(issue 18, decision 0036): "9 de diciembre de 2026, 14:05 UTC", "2026年12月9日 14:05 UTC",
"9 ديسمبر 2026، 14:05 UTC" — the date from the active language's ``DATE_FORMAT``
(``config/formats/<locale>/formats.py``, month names from Django's catalogues), always the
24-hour clock and the zone named. Machine formats (CSV, XLSX, JSON, the ``datetime``
attribute of ``<time>``) stay ISO 8601. The templates use these through the ``display_date``,
``display_datetime``, ``time_date`` and ``time_datetime`` filters of ``rvs_tags``; Python code that
builds text for people (messages, emails, PDFs) calls them directly.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

# English month names, for reading what people type (rvs.core.date_parts); display uses Django's.
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
    """ "9 December 2026" in the active language; a date-time gives its date in the service's zone;
    nothing gives ""."""
    parsed = _parsed(value)
    if parsed is None or isinstance(parsed, str):
        return parsed or ""
    return formats.date_format(_day(parsed), "DATE_FORMAT")


def display_datetime(value: dt.date | str | None) -> str:
    """ "9 December 2026, 14:05 UTC": in the service's zone, named; a plain date gives its date."""
    parsed = _parsed(value)
    if not isinstance(parsed, dt.datetime):
        return display_date(parsed)
    local = _local(parsed)
    parts = {"date": display_date(local.date()), "time": f"{local:%H:%M}", "zone": zone_name(local)}
    # Translators: a date and time, e.g. "9 December 2026, 14:05 UTC". Keep the three placeholders;
    # change only the punctuation and spaces between them.
    return pgettext("date, time and time zone", "%(date)s, %(time)s %(zone)s") % parts


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
