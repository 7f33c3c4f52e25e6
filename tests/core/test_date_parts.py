"""The three-box date input (rvs/core/date_parts.py) and the one display format (rvs/core/dates.py)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import timezone

from rvs.core import dates
from rvs.core.date_parts import DateParts, DatePartsField


class BirthForm(forms.Form):
    date_of_birth = DatePartsField(
        label="Candidate Date of Birth", what="the candidate's date of birth", subject="Date of birth",
        past="strict", birthday=True, help_text="For example, 27 3 2007",
    )  # fmt: skip


class ExamForm(forms.Form):
    exam_date = DatePartsField(label="Date of Exam", required=False, past="or_today")


def boxes(day: str = "", month: str = "", year: str = "", name: str = "date_of_birth") -> dict[str, str]:
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def error(form: forms.Form, name: str = "date_of_birth") -> str:
    assert not form.is_valid()
    return " ".join(str(message) for message in form.errors[name])


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("5", "9", "1990", dt.date(1990, 9, 5)),
        ("05", "09", "1990", dt.date(1990, 9, 5)),
        (" 5 ", " 9 ", " 1990 ", dt.date(1990, 9, 5)),
        ("29", "2", "2000", dt.date(2000, 2, 29)),
        ("31", "Dec", "1999", dt.date(1999, 12, 31)),
        ("1", "september", "1985", dt.date(1985, 9, 1)),
        ("1", "Sept", "1985", dt.date(1985, 9, 1)),
    ],
)
def test_three_boxes_parse(day: str, month: str, year: str, expected: dt.date) -> None:
    form = BirthForm(data=boxes(day, month, year))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == expected


def test_one_iso_value_is_accepted() -> None:
    form = BirthForm(data={"date_of_birth": "1990-09-05"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == dt.date(1990, 9, 5)


def test_the_boxes_win_over_an_iso_value() -> None:
    form = BirthForm(data={"date_of_birth": "1990-09-05", **boxes("6", "9", "1990")})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == dt.date(1990, 9, 6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the candidate's date of birth"),
        (boxes(), "Enter the candidate's date of birth"),
        ({"date_of_birth": ""}, "Enter the candidate's date of birth"),
        (boxes("5", "", "1990"), "Date of birth must include a month"),
        (boxes("", "", "1990"), "Date of birth must include a day and month"),
        (boxes("5", "9", ""), "Date of birth must include a year"),
        (boxes("31", "2", "1990"), "Date of birth must be a real date"),
        (boxes("5", "13", "1990"), "Date of birth must be a real date"),
        (boxes("0", "1", "1990"), "Date of birth must be a real date"),
        (boxes("five", "9", "1990"), "Date of birth must be a real date"),
        (boxes("5", "9", "19.90"), "Date of birth must be a real date"),
        (boxes("5", "9", "-1990"), "Date of birth must be a real date"),
        (boxes("5", "9", "1" * 5000), "Date of birth must be a real date"),
        (boxes("5", "9", "90"), "Date of birth year must include 4 numbers"),
        ({"date_of_birth": "05/09/1990"}, "Date of birth must be a real date"),
        ({"date_of_birth": "1990-02-30"}, "Date of birth must be a real date"),
        ({"date_of_birth": "x" * 100_000}, "Date of birth must be a real date"),
    ],
)
def test_errors_name_the_field(data: dict[str, str], message: str) -> None:
    assert error(BirthForm(data=data)) == message


def test_a_date_of_birth_must_be_in_the_past() -> None:
    today = timezone.localdate()
    assert error(BirthForm(data=boxes(str(today.day), str(today.month), str(today.year)))) == (
        "Date of birth must be in the past"
    )
    yesterday = today - dt.timedelta(days=1)
    assert BirthForm(data={"date_of_birth": yesterday.isoformat()}).is_valid()


def test_an_exam_date_may_be_today_not_later() -> None:
    today = timezone.localdate()
    assert ExamForm(data={"exam_date": today.isoformat()}).is_valid()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert error(ExamForm(data={"exam_date": tomorrow}), "exam_date") == "Date of exam must be today or in the past"
    form = ExamForm(data=boxes(name="exam_date"))
    assert form.is_valid()
    assert form.cleaned_data["exam_date"] is None


def test_empty_boxes_are_falsy_and_typed_ones_not() -> None:
    assert not DateParts("", " ", "")
    assert DateParts("", "", "1990")
    assert DateParts.of(dt.date(2007, 3, 27)) == DateParts("27", "3", "2007")


def _render(form: forms.Form, name: str = "date_of_birth") -> str:
    return render_to_string("_field.html", {"field": form[name]})


def test_rendered_as_a_fieldset_with_three_labelled_boxes() -> None:
    html = _render(BirthForm())
    assert re.search(r'<fieldset class="date-parts" role="group" aria-describedby="id_date_of_birth_day_hint">', html)
    assert "<legend>Candidate Date of Birth</legend>" in html
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert f'<label for="id_date_of_birth_{part}">{label}</label>' in html
        box = re.search(rf'<input[^>]*id="id_date_of_birth_{part}"[^>]*>', html)
        assert box, html
        assert f'name="date_of_birth_{part}"' in box.group(0)
        assert 'inputmode="numeric"' in box.group(0)
        assert 'type="text"' in box.group(0)
        assert f'autocomplete="bday-{part}"' in box.group(0)
        assert "required" not in box.group(0)
    assert "autocomplete" not in _render(ExamForm(), "exam_date")


def test_an_error_is_tied_to_the_group_and_marks_only_the_wrong_box() -> None:
    form = BirthForm(data=boxes("5", "", "1990"))
    assert not form.is_valid()
    html = _render(form)
    assert 'aria-describedby="id_date_of_birth_day_hint id_date_of_birth_day_error"' in html
    assert 'id="id_date_of_birth_day_error"' in html
    assert "Date of birth must include a month" in html
    month = re.search(r'<input[^>]*id="id_date_of_birth_month"[^>]*>', html)
    day = re.search(r'<input[^>]*id="id_date_of_birth_day"[^>]*>', html)
    assert month
    assert 'aria-invalid="true"' in month.group(0)
    assert day
    assert "aria-invalid" not in day.group(0)
    assert 'value="5"' in day.group(0)


@pytest.mark.parametrize(
    ("typed", "marked"),
    [
        (("5", "13", "1990"), ["month"]),
        (("32", "1", "1990"), ["day"]),
        (("5", "x", "1990"), ["month"]),
        (("5", "9", "90"), ["year"]),
        (("31", "2", "1990"), ["day", "month", "year"]),
    ],
)
def test_only_the_wrong_boxes_are_marked(typed: tuple[str, str, str], marked: list[str]) -> None:
    form = BirthForm(data=boxes(*typed))
    assert not form.is_valid()
    html = _render(form)
    boxes_html = re.findall(r"<input[^>]*>", html)
    invalid = [re.search(r'id="id_date_of_birth_(\w+)"', box).group(1) for box in boxes_html if "aria-invalid" in box]  # type: ignore[union-attr]
    assert invalid == marked


def test_the_error_summary_links_to_the_day_box() -> None:
    form = BirthForm(data=boxes())
    assert not form.is_valid()
    html = render_to_string("_form_errors.html", {"form": form})
    assert 'href="#id_date_of_birth_day"' in html


def test_initial_date_fills_the_boxes() -> None:
    html = _render(BirthForm(initial={"date_of_birth": dt.date(2007, 3, 27)}))
    assert 'value="27"' in html
    assert 'value="3"' in html
    assert 'value="2007"' in html


def test_typed_values_are_escaped() -> None:
    form = BirthForm(data=boxes('"><script>', "9", "1990"))
    assert not form.is_valid()
    assert "<script>" not in _render(form)


def test_display_formats() -> None:
    assert dates.display_date(dt.date(2026, 12, 9)) == "9 December 2026"
    at = dt.datetime(2026, 12, 9, 14, 5, tzinfo=dt.UTC)
    assert dates.display_datetime(at) == "9 December 2026, 14:05 UTC"
    assert dates.display_date(None) == ""
    assert dates.display_datetime(None) == ""
    assert str(dates.time_date(dt.date(2026, 12, 9))) == '<time datetime="2026-12-09">9 December 2026</time>'
    assert str(dates.time_datetime(at)) == (
        '<time datetime="2026-12-09T14:05:00+00:00">9 December 2026, 14:05 UTC</time>'
    )


def test_date_times_show_in_the_service_zone_and_name_it() -> None:
    at = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert dates.display_datetime(at) == "2 July 2026, 00:30 BST"
        assert dates.display_date(at) == "2 July 2026"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Dubai")):
        assert dates.display_datetime(at) == "2 July 2026, 03:30 Asia/Dubai"  # no abbreviation: its name


def test_template_filters() -> None:
    from django.template import Context, Template

    template = Template("{% load rvs_tags %}{{ d|display_date }}|{{ t|display_datetime }}|{{ d|time_date }}")
    out = template.render(Context({"d": dt.date(2026, 9, 5), "t": dt.datetime(2026, 9, 5, 8, 0, tzinfo=dt.UTC)}))
    assert out == '5 September 2026|5 September 2026, 08:00 UTC|<time datetime="2026-09-05">5 September 2026</time>'


def test_djangos_own_date_rendering_is_the_same_format() -> None:
    """``{{ value }}`` without a filter, ``localize()`` and the admin write dates the one way too."""
    from django.template import Context, Template
    from django.utils.formats import localize

    day, at = dt.date(2026, 12, 9), dt.datetime(2026, 12, 9, 14, 5, tzinfo=dt.UTC)
    assert localize(day) == dates.display_date(day)
    assert localize(timezone.localtime(at)) == dates.display_datetime(at)
    assert Template("{{ d }}|{{ t }}").render(Context({"d": day, "t": at})) == (
        "9 December 2026|9 December 2026, 14:05 UTC"
    )
