"""The rows of the results table (dashboard and search), rendered in Python.

The table is the largest part of the two pages users load most: 25 rows of ten cells, each a
few template lookups and filters. Django's template engine spent about 220 µs a row on them
(5.5 ms a page, a third of the page's CPU; ``bench/profile_pages.py``); the same HTML built here
costs a fraction of that. The markup is the one ``results/_table.html`` had, cell for cell, and
every value is escaped as the template escaped it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

register = template.Library()

_ID = "00000000-0000-0000-0000-000000000000"
_NEW_TAG = ' <span class="tag">New</span>'


def _date(value: Any) -> str:
    """``{{ value|date:"Y-m-d" }}`` of a date (empty for none)."""
    return value.isoformat() if value else ""


def _reasons(reasons: Any) -> str:
    """``{{ reasons|join:"; " }}`` with autoescaping on."""
    return "; ".join(escape(reason) for reason in reasons)


@register.simple_tag
def result_rows(page: Any, name_query: str = "", requirement: Any = None) -> SafeString:
    """``<tr>`` per share of ``page``: select box, name (linked), exam, dates, score, ERN and, when
    searched by name or checked against a requirement, the name match and the verdict."""
    detail = reverse("results:detail", args=[_ID])  # one reverse per page, the id put in per row
    rows = []
    for share in page:
        r = share.result
        candidate, public_id = r.candidate, str(r.public_id)
        new = share.is_new
        full_name, exam_name = escape(candidate.full_name), escape(r.exam.name)
        if r.shows_scores:
            score = escape(localize(r.overall_score)) + (f" ({escape(r.cefr)})" if r.cefr else "")
        else:
            score = escape(r.get_status_display())
        shared_at = timezone.localtime(share.shared_at).strftime("%Y-%m-%d %H:%M") if share.shared_at else ""
        cells = [
            f'      <tr class="{"new" if new else ""}">\n'
            f'        <td><input type="checkbox" name="results" value="{public_id}" id="select-{public_id}">'
            f'<label for="select-{public_id}" class="visually-hidden">Select {full_name}, {exam_name}</label></td>\n'
            f'        <td><a href="{detail.replace(_ID, public_id)}">{escape(candidate.last_name)}, '
            f"{escape(candidate.first_name)}</a>{_NEW_TAG if new else ''}</td>\n"
            f"        <td>{exam_name}</td>\n"
            f'        <td class="nowrap">{_date(r.exam_date)}</td>\n'
            f"        <td>{score}</td>\n"
            f'        <td class="nowrap">{shared_at}</td>\n'
            f'        <td class="nowrap">{_date(candidate.date_of_birth)}</td>\n'
            f'        <td class="ern">{escape(r.ern_display)}</td>\n'
        ]
        if name_query:
            match = getattr(share, "name_match", None)
            text = (
                f'<span class="match-{escape(match.label)}">{escape(capfirst(match.label))}</span>: '
                f"{_reasons(match.reasons)}"
                if match
                else ""
            )
            cells.append(f"        <td>{text}</td>\n")
        if requirement:
            verdict = getattr(share, "verdict", None)
            if verdict is not None and verdict.met:
                text = '<span class="met">Met</span>'
            else:
                text = f'<span class="not-met">Not met</span>: {_reasons(verdict.reasons if verdict else ())}'
            cells.append(f"        <td>{text}</td>\n")
        cells.append("      </tr>\n")
        rows.append("".join(cells))
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def page_result_ids(page: Any) -> SafeString:
    """The hidden ``page_results`` inputs: the page's results, for "Select all on this page"."""
    return mark_safe(  # noqa: S308 - ids are UUIDs
        "".join(f'<input type="hidden" name="page_results" value="{share.result.public_id}">' for share in page)
    )
