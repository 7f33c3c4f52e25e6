"""The rows of the results table (dashboard and search), rendered in Python.

The table is the largest part of the two pages users load most: 25 rows of ten cells, each a
few template lookups and filters. Django's template engine spent about 220 µs a row on them
(5.5 ms a page, a third of the page's CPU; ``bench/profile_pages.py``); the same HTML built here
costs a fraction of that. The markup is the one ``results/_table.html`` had, cell for cell, and
every value is escaped as the template escaped it. Its columns are the result column schema's
(``rvs.results.columns.TABLE``, decision 0025): one cell function each, in the schema's order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from rvs.core import dates
from rvs.results import columns

register = template.Library()

_ID = "00000000-0000-0000-0000-000000000000"


def _new_tag() -> str:
    """The "New" tag after the name of a result nobody at the organisation has opened yet."""
    # Translators: a tag beside a result that nobody at the organisation has opened yet
    return f' <span class="tag">{escape(pgettext("a result not opened yet", "New"))}</span>'


def _date(value: Any) -> str:
    """``{{ value|time_date }}`` of a date (empty for none): "9 December 2026" in ``<time>``."""
    return f'<time datetime="{value.isoformat()}">{dates.display_date(value)}</time>' if value else ""


def _reasons(reasons: Any) -> str:
    """``{{ reasons|join:"; " }}`` with autoescaping on."""
    return "; ".join(escape(reason) for reason in reasons)


# One function per column of the results table (``columns.TABLE``), each the ``<td>`` its rows had in
# ``results/_table.html``: ``(share, result, detail link, is new)`` to the escaped cell.
Cell = Callable[[Any, Any, str, bool], str]


def _name(share: Any, r: Any, link: str, new: bool) -> str:
    candidate = r.candidate
    return (
        f'<td><a href="{link}">{escape(candidate.last_name)}, {escape(candidate.first_name)}</a>'
        f"{_new_tag() if new else ''}</td>"
    )


def _exam(share: Any, r: Any, link: str, new: bool) -> str:
    return f"<td>{escape(r.exam.name)}</td>"


def _exam_date(share: Any, r: Any, link: str, new: bool) -> str:
    return f'<td class="nowrap">{_date(r.exam_date)}</td>'


def _score(share: Any, r: Any, link: str, new: bool) -> str:
    if r.shows_scores:
        return f"<td>{escape(localize(r.overall_score))}{f' ({escape(r.cefr)})' if r.cefr else ''}</td>"
    return f"<td>{escape(r.status_label)}</td>"


def _shared(share: Any, r: Any, link: str, new: bool) -> str:
    return f'<td class="nowrap">{dates.time_datetime(share.shared_at) if share.shared_at else ""}</td>'


def _date_of_birth(share: Any, r: Any, link: str, new: bool) -> str:
    return f'<td class="nowrap">{_date(r.candidate.date_of_birth)}</td>'


def _ern(share: Any, r: Any, link: str, new: bool) -> str:
    return f'<td class="ern">{escape(r.ern_display)}</td>'


CELLS: dict[str, Cell] = {
    "name": _name, "exam": _exam, "exam_date": _exam_date, "score": _score, "shared": _shared,
    "date_of_birth": _date_of_birth, "ern": _ern,
}  # fmt: skip
if set(CELLS) != {column.key for column in columns.TABLE}:
    raise ImproperlyConfigured("results_table.CELLS must draw every column of results.columns.TABLE, and no other")
_ROW = [CELLS[column.key] for column in columns.TABLE]


@register.simple_tag
def result_rows(page: Any, name_query: str = "", requirement: Any = None, back: str = "") -> SafeString:
    """``<tr>`` per share of ``page``: select box, then the columns of ``columns.TABLE`` (name linked,
    exam, dates, score, ERN) and, when searched by name or checked against a requirement, the name
    match and the verdict. Each name links to the result with ``back``, the table page's address as a
    query ("?back=%2Fsearch%2F%3Fq%3D…"), so the result's "Back to search results" returns to it."""
    # One reverse per page, the id put in per row.
    detail = reverse("results:detail", args=[_ID]) + escape(back)
    # Translators: the hidden label of a row's tick box: the candidate's name and the exam's
    select = gettext("Select %(name)s, %(exam)s")
    met = f'<span class="met">{escape(pgettext("a requirement", "Met"))}</span>'
    not_met = f'<span class="not-met">{escape(pgettext("a requirement", "Not met"))}</span>'
    rows = []
    for share in page:
        r = share.result
        public_id = str(r.public_id)
        new = share.is_new
        link = detail.replace(_ID, public_id, 1)
        cells = [
            f'      <tr class="{"new" if new else ""}">\n'
            f'        <td><input type="checkbox" name="results" value="{public_id}" id="select-{public_id}">'
            f'<label for="select-{public_id}" class="visually-hidden">'
            f"{escape(select % {'name': r.candidate.full_name, 'exam': r.exam.name})}</label></td>\n",
            *(f"        {cell(share, r, link, new)}\n" for cell in _ROW),
        ]
        if name_query:
            match = getattr(share, "name_match", None)
            text = (
                f'<span class="match-{escape(match.label)}">{escape(capfirst(match.label_shown))}</span>: '
                f"{_reasons(match.reasons)}"
                if match
                else ""
            )
            cells.append(f"        <td>{text}</td>\n")
        if requirement:
            verdict = getattr(share, "verdict", None)
            if verdict is not None and verdict.met:
                text = met
            else:
                text = f"{not_met}: {_reasons(verdict.reasons if verdict else ())}"
            cells.append(f"        <td>{text}</td>\n")
        cells.append("      </tr>\n")
        rows.append("".join(cells))
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def sortable_headers() -> list[tuple[str, str | Promise]]:
    """``(key, label)`` of the results table's columns that sort (``columns.TABLE``), in order."""
    return columns.sortable_table_columns()


@register.simple_tag
def fixed_headers() -> SafeString:
    """The ``<th>`` of the results table's columns that do not sort (``columns.TABLE``), in order."""
    return mark_safe(  # noqa: S308 - the labels are the code's, escaped all the same
        "\n        ".join(f'<th scope="col">{escape(c.label)}</th>' for c in columns.TABLE if not c.sortable)
    )


@register.simple_tag
def page_result_ids(page: Any) -> SafeString:
    """The hidden ``page_results`` inputs: the page's results, for "Select all on this page"."""
    return mark_safe(  # noqa: S308 - ids are UUIDs
        "".join(f'<input type="hidden" name="page_results" value="{share.result.public_id}">' for share in page)
    )
