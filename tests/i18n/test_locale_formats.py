"""Dates, times and numbers in every language, in the one display style (issue 18 item 5, decision 0036).

English keeps "9 December 2026" (decision 0031); the other languages write the same style their
own way: the full month name in their language (Django's catalogues), never an all-numeric or
abbreviated date, the 24-hour clock, Western digits.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from rvs.core import dates

DAY = dt.date(2026, 12, 9)
AT = dt.datetime(2026, 12, 9, 14, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", "9 December 2026"),
        ("es", "9 de diciembre de 2026"),
        ("zh-hans", "2026年12月9日"),
        ("ar", "9 ديسمبر 2026"),
    ],
)
def test_a_date_in_each_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert dates.display_date(DAY) == expected
        assert dates.display_date("2026-12-09") == expected  # an ISO string from a data file
        assert str(dates.time_date(DAY)) == f'<time datetime="2026-12-09">{expected}</time>'


@pytest.mark.parametrize("language", ["en-gb", "es", "zh-hans", "ar"])
def test_djangos_own_rendering_is_the_same_date(language: str) -> None:
    """``{{ value }}`` and ``localize()`` (e.g. the admin) write the date as the filters do."""
    with translation.override(language):
        out = Template("{{ d }}|{{ d|date }}").render(Context({"d": DAY}))
        assert out == f"{dates.display_date(DAY)}|{dates.display_date(DAY)}"


def test_a_date_time_in_spanish_keeps_the_24_hour_clock_and_the_zone() -> None:
    with translation.override("es"):
        assert dates.display_datetime(AT) == "9 de diciembre de 2026, 14:05 UTC"


def test_the_machine_form_never_changes_with_the_language() -> None:
    for language in ("en-gb", "es", "zh-hans", "ar"):
        with translation.override(language):
            assert dates.iso(AT) == "2026-12-09T14:05:00+00:00"
            assert 'datetime="2026-12-09T14:05:00+00:00"' in dates.time_datetime(AT)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en-gb", "12,345.5"), ("es", "12\xa0345,5"), ("zh-hans", "12,345.5"), ("ar", "12,345.5")],
)
def test_numbers_use_the_languages_separators(language: str, expected: str) -> None:
    with translation.override(language):
        assert formats.number_format(12345.5, 1, force_grouping=True) == expected
        assert Template('{{ n|floatformat:"1g" }}').render(Context({"n": 12345.5})) == expected


@pytest.mark.parametrize(("language", "month"), [("es", "Diciembre"), ("zh-hans", "十二月"), ("ar", "ديسمبر")])
def test_a_month_typed_by_name_in_the_page_language_is_read(language: str, month: str) -> None:
    from rvs.core.date_parts import DateParts, DatePartsField

    field = DatePartsField(label="Date of Exam")
    with translation.override(language):
        assert field.clean(DateParts("9", month, "2026")) == DAY
        assert field.clean(DateParts("9", "December", "2026")) == DAY  # English names are read in every language
