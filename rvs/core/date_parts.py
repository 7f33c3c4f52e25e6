"""A date typed as three labelled boxes, Day, Month and Year: the GOV.UK date input (decision 0031).

The browser's date picker shows and parses dates in the visitor's locale (is 03/04 March or
April?) and is awkward with a keyboard or a screen reader for a date of birth decades back. This
field renders three text boxes inside a ``<fieldset>`` whose ``<legend>`` is the field's label
(``templates/_field.html``), posting ``<name>_day``, ``<name>_month`` and ``<name>_year``. A single
``<name>=YYYY-MM-DD`` is accepted too: bookmarks, old links and API-style callers.

Errors follow the GOV.UK wording and name the field: "Enter the candidate's date of birth",
"Date of birth must include a month", "Date of birth must be a real date", "Date of birth must be
in the past". Each error says which boxes are wrong (``params["parts"]``) so only those are marked.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.dates import MONTHS as MONTHS_SHOWN
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from rvs.core.dates import MONTHS
from rvs.core.form_errors import fill_field

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PARTS = ("day", "month", "year")
LABELS = {"day": gettext_lazy("Day"), "month": gettext_lazy("Month"), "year": gettext_lazy("Year")}
MAX_PART = 20  # characters in one box: anything longer is not a date and is not parsed
_ISO = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*\Z", re.ASCII)
_NUMBER = re.compile(r"\s*(\d+)\s*\Z", re.ASCII)
_MONTH_NAMES = {name.lower(): n for n, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): n for n, name in enumerate(MONTHS, 1)
}
_MONTH_NAMES["sept"] = 9

Past = Literal["strict", "or_today"]
# "Date of birth must include a month": the boxes left empty (not all three: that is no date).
_MISSING = {
    ("day",): gettext_lazy("%(field)s must include a day"),
    ("month",): gettext_lazy("%(field)s must include a month"),
    ("year",): gettext_lazy("%(field)s must include a year"),
    ("day", "month"): gettext_lazy("%(field)s must include a day and month"),
    ("day", "year"): gettext_lazy("%(field)s must include a day and year"),
    ("month", "year"): gettext_lazy("%(field)s must include a month and year"),
}


class DateParts(NamedTuple):
    """What was typed in the three boxes, as typed (or one ISO value that did not parse: ``raw``).

    A tuple of strings, so code asking "is any part filled in?" of a field's value works as for
    Django's multi-value fields; ``bool()`` is false when every box is empty.
    """

    day: str = ""
    month: str = ""
    year: str = ""
    raw: str = ""

    @classmethod
    def of(cls, value: object) -> DateParts:
        if isinstance(value, DateParts):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(str(value.day), str(value.month), str(value.year))
        if value is None:
            return cls()
        text = str(value)
        if not text.strip():
            return cls()
        match = _ISO.match(text) if len(text) <= 3 * MAX_PART else None
        if match is None:
            return cls(raw=text)
        year, month, day = match.groups()
        return cls(str(int(day)), str(int(month)), year)

    def __bool__(self) -> bool:
        return any(part.strip() for part in self)

    def get(self, part: str) -> str:
        value: str = getattr(self, part)
        return value


def _months(text: str) -> int | None:
    match = _NUMBER.match(text)
    if match:
        return int(match.group(1)) if len(match.group(1)) <= 2 else None
    name = text.strip().lower()
    return _MONTH_NAMES.get(name) or _page_language_months().get(name)


def _page_language_months() -> dict[str, int]:
    """The month's name in the page's language ("diciembre", "12月", "ديسمبر"; Django's catalogues)."""
    return {str(month).lower(): number for number, month in MONTHS_SHOWN.items()}


class DatePartsWidget(forms.Widget):
    """Three boxes; the fieldset and legend around them come from ``templates/_field.html``."""

    is_date_parts = True

    def __init__(self, attrs: dict[str, Any] | None = None, *, birthday: bool = False) -> None:
        super().__init__(attrs)
        self.birthday = birthday

    def value_from_datadict(self, data: Any, files: Any, name: str) -> DateParts | None:
        keys = [f"{name}_{part}" for part in PARTS]
        if any(key in data for key in keys):
            return DateParts(*(str(data.get(key) or "") for key in keys))
        if name in data:
            return DateParts.of(data.get(name))
        return None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(f"{name}_{part}" in data for part in PARTS)

    def id_for_label(self, id_: str) -> str:
        """The day box: where a label or an error summary link points."""
        return f"{id_}_day" if id_ else id_

    def use_required_attribute(self, initial: Any) -> bool:
        return False  # the service's own message, not the browser's, says what is missing

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        invalid = attrs.pop("invalid_parts", ())
        attrs.pop("aria-describedby", None)  # on the fieldset, read once for the group
        attrs.pop("aria-invalid", None)
        attrs.pop("required", None)
        id_ = attrs.pop("id", None) or f"id_{name}"
        extra_class = attrs.pop("class", "")
        parts = DateParts.of(value)
        items = []
        for part in PARTS:
            box: dict[str, Any] = {
                **attrs,
                "class": f"date-input__{part} {extra_class}".strip(),
                "id": f"{id_}_{part}",
                "name": f"{name}_{part}",
                "type": "text",
                "inputmode": "numeric",
                "value": parts.get(part)[: 3 * MAX_PART],
            }
            if self.birthday:
                box["autocomplete"] = f"bday-{part}"
            if part in invalid:
                box["aria-invalid"] = "true"
            items.append((box["id"], LABELS[part], flatatt(box)))
        boxes = format_html_join("", '<div class="date-input__item"><label for="{}">{}</label><input{}></div>', items)
        return format_html('<div class="date-input" id="{}">{}</div>', id_, boxes)


class DatePartsField(forms.Field):
    """A date from three boxes (or one ISO value), with GOV.UK error messages naming the field.

    ``what`` completes "Enter …" ("the candidate's date of birth"); ``subject`` starts the other
    messages ("Date of birth"); both default from the label. ``past="strict"`` refuses today and
    later ("must be in the past"), ``past="or_today"`` only later days; ``birthday`` sets the
    boxes' ``autocomplete`` to ``bday-day`` etc.
    """

    widget = DatePartsWidget

    def __init__(
        self,
        *,
        what: StrOrPromise | None = None,
        subject: StrOrPromise | None = None,
        past: Past | None = None,
        birthday: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("widget", DatePartsWidget(birthday=birthday))
        super().__init__(**kwargs)
        self._subject, self._what = subject, what
        self.past = past
        if "required" not in (kwargs.get("error_messages") or {}):
            self.error_messages["required"] = _lazy_required(self)

    def _label(self) -> tuple[str, bool]:
        return str(self.label or _("Date")), (get_language() or "en").startswith("en")

    @property
    def subject(self) -> str:
        """What starts the messages ("Date of birth must be a real date"), in the reader's language."""
        if self._subject:
            return str(self._subject)
        label, english = self._label()
        return label[:1].upper() + (label[1:].lower() if english else label[1:])

    @property
    def what(self) -> str:
        """What completes "Enter …" ("the candidate's date of birth"), in the reader's language."""
        if self._what:
            return str(self._what)
        label, english = self._label()
        return _("the %(label)s").replace("%(label)s", label.lower() if english else label)

    def _says(self, pattern: StrOrPromise) -> str:
        return fill_field(str(pattern), self.subject)

    def _error(self, message: str, code: str, parts: tuple[str, ...] = PARTS) -> ValidationError:
        return ValidationError(message, code=code, params={"parts": parts})

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        parts = DateParts.of(value)
        if not parts:
            return None
        if parts.raw:
            raise self._error(self._says(_("%(field)s must be a real date")), "invalid")
        missing = tuple(part for part in PARTS if not parts.get(part).strip())
        if missing:
            raise self._error(self._says(_MISSING[missing]), "incomplete", missing)
        if any(len(parts.get(part)) > MAX_PART for part in PARTS):
            raise self._error(self._says(_("%(field)s must be a real date")), "invalid")
        day_match, year_match = _NUMBER.match(parts.day), _NUMBER.match(parts.year)
        month = _months(parts.month)
        wrong = tuple(part for part, ok in (("day", day_match), ("month", month), ("year", year_match)) if not ok)
        if wrong or day_match is None or year_match is None or month is None:
            raise self._error(self._says(_("%(field)s must be a real date")), "invalid", wrong)
        if len(year_match.group(1)) != 4:
            raise self._error(self._says(_("%(field)s year must include 4 numbers")), "year", ("year",))
        day, year = int(day_match.group(1)), int(year_match.group(1))
        # A day or month that no date has marks that box; 31 February or year 0 marks them all.
        out_of_range = tuple(
            part for part, bad in (("day", not 1 <= day <= 31), ("month", not 1 <= month <= 12)) if bad
        )
        if out_of_range:
            raise self._error(self._says(_("%(field)s must be a real date")), "invalid", out_of_range)
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise self._error(self._says(_("%(field)s must be a real date")), "invalid") from None

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            if self.required:
                raise self._error(str(self.error_messages["required"]), "required")
            return
        today = timezone.localdate()
        if self.past == "strict" and value >= today:
            raise self._error(self._says(_("%(field)s must be in the past")), "past")
        if self.past == "or_today" and value > today:
            raise self._error(self._says(_("%(field)s must be today or in the past")), "past")


def _required(field: DatePartsField) -> str:
    return fill_field(_("Enter %(field)s"), field.what)


_lazy_required = lazy(_required, str)


def invalid_parts(errors: Any) -> tuple[str, ...]:
    """The boxes a bound field's errors point at (all three unless an error says which)."""
    found: list[str] = []
    for error in errors.as_data():
        params = error.params if isinstance(error.params, dict) else {}
        for part in params.get("parts", PARTS):
            if part not in found:
                found.append(part)
    return tuple(part for part in PARTS if part in found)
