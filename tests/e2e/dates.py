"""Typing a date into the three boxes, Day, Month and Year, grouped under the field's label
(rvs/core/date_parts.py, decision 0031), as a person does."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Locator, Page, expect

PARTS = ("Day", "Month", "Year")


def date_group(page: Page | Locator, label: str) -> Locator:
    """The fieldset whose legend is ``label`` (the article's label, e.g. "Candidate Date of Birth")."""
    return page.get_by_role("group", name=label, exact=True)


def _parts(value: str) -> tuple[str, str, str]:
    if not value:
        return ("", "", "")
    day = dt.date.fromisoformat(value)
    return (str(day.day), str(day.month), str(day.year))


def fill_date(page: Page | Locator, label: str, value: str) -> None:
    """Type ``value`` ("2000-05-17", or "" to clear) into the Day, Month and Year boxes of ``label``."""
    group = date_group(page, label)
    for part, text in zip(PARTS, _parts(value), strict=True):
        group.get_by_label(part, exact=True).fill(text)


def expect_date(page: Page | Locator, label: str, value: str) -> None:
    """The boxes of ``label`` show ``value`` ("2000-05-17" as 17, 5, 2000)."""
    group = date_group(page, label)
    for part, text in zip(PARTS, _parts(value), strict=True):
        expect(group.get_by_label(part, exact=True)).to_have_value(text)
