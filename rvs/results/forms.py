from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rvs.core import ern as ern_codec
from rvs.core.date_parts import DatePartsField
from rvs.core.form_errors import NamedErrors
from rvs.core.names import query_terms
from rvs.core.normalise import tokens
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation
from rvs.requirements.models import EntryRequirement
from rvs.sharing.search import SearchCriteria


def _text(value: Any) -> str:
    """``{{ value }}``: localised, then escaped unless already safe."""
    return str(conditional_escape(value if isinstance(value, str) else localize(value)))


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` (the filter keeps a safe value safe)."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value,)  # noqa: UP031 - the filter's own formatting
    return text if isinstance(value, SafeData) else str(escape(text))


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/input.html`` (text, date, email, checkbox...)."""
    value = f' value="{_formatted(widget["value"])}"' if widget["value"] != None else ""  # noqa: E711 - the template's test
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option: dict[str, Any]) -> str:
    """``django/forms/widgets/select_option.html``."""
    return f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'


def _select(widget: dict[str, Any]) -> str | None:
    """``django/forms/widgets/select.html``; None if an option has a template of its own."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return None
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_OPTION = "django/forms/widgets/select_option.html"
_INPUTS = frozenset(
    f"django/forms/widgets/{name}.html" for name in ("input", "text", "date", "email", "checkbox", "number")
)


class _WidgetRenderer(DjangoTemplates):
    """Django's form renderer, with the search form's widgets written out in Python (stripped, as
    Django's renderer strips what a template gives).

    The search page renders eleven widgets, two of them lists of options, on every search: through
    Django's widget templates that was about 2.5 ms of the page's CPU (``bench/profile_pages.py``),
    a template and an include per widget and per option. These functions give the same markup
    (``tests/results/test_page_cost.py`` compares them); any other template goes to Django's.
    """

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict) and widget.get("template_name") == template_name:
            if template_name in _INPUTS:
                return _input(widget)
            if template_name == "django/forms/widgets/select.html":
                made = _select(widget)
                if made is not None:
                    return made
        return str(super().render(template_name, context, request))


class _PlainChoices(ModelChoiceIterator):
    """The choices from one ordinary query: Django's ``iterator()`` opens a server-side cursor on
    PostgreSQL (DECLARE, FETCH, CLOSE: three round trips) for what are a few dozen rows."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _ModelChoiceField(forms.ModelChoiceField):
    iterator = _PlainChoices

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError as exc:  # a malformed public id: the model field's own message, not the field's
            if exc.code == "invalid_choice":
                raise
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class SearchForm(NamedErrors, forms.Form):
    """The nine search fields of the helpdesk article, labelled as there."""

    error_phrases = {
        "name": _("the candidate's name"), "date_of_birth": _("the candidate's date of birth"),
        "candidate_number": _("the Candidate ID Number"), "exam": _("the exam"),
        "place_of_entry": _("the exam place of entry"), "centre_name": _("the exam centre name"),
        "email": _("the candidate's email address"), "exam_date": _("the date of the exam"),
        "ern": _("the Exam Reference Number"), "requirement": _("an entry requirement"),
    }  # fmt: skip

    default_renderer = _WidgetRenderer()

    name = forms.CharField(
        label=_("Candidate Name"), required=False, max_length=200,
        help_text=_("First name, surname or both. Accents and capitals do not matter."),
    )  # fmt: skip
    date_of_birth = DatePartsField(
        label=_("Candidate Date of Birth"), required=False, what=_("the candidate's date of birth"),
        subject=pgettext_lazy("starts an error message", "Date of birth"), past="strict",
        help_text=_("For example, 27 3 2007"),
    )  # fmt: skip
    candidate_number = forms.CharField(
        label=_("Candidate ID Number"), required=False, max_length=32,
        help_text=_("As on the candidate's Confirmation of Entry."),
    )  # fmt: skip
    exam = _ModelChoiceField(
        label=_("Exam Name"), required=False, queryset=Exam.objects.filter(verifiable=True), empty_label=_("Any exam")
    )
    place_of_entry = forms.CharField(
        label=_("Exam Place of Entry"), required=False, max_length=100,
        help_text=_("The city where the candidate took the exam."),
    )  # fmt: skip
    centre_name = forms.CharField(
        label=_("Exam Centre Name"), required=False, max_length=200,
        help_text=_("The name of the centre where the candidate took the exam."),
    )  # fmt: skip
    email = forms.EmailField(label=_("Candidate Email Address"), required=False)
    exam_date = DatePartsField(
        label=_("Date of Exam"), required=False, what=_("the date of the exam"),
        subject=pgettext_lazy("starts an error message", "Date of exam"),
        past="or_today", help_text=_("For example, 5 9 2026"),
    )  # fmt: skip
    ern = forms.CharField(
        label=_("Exam Reference Number"), required=False, max_length=40,
        help_text=_("Top right of the Statement of Results. Finds any candidate's result, shared or not."),
    )  # fmt: skip

    requirement = _ModelChoiceField(
        label=_("Check against entry requirement"), required=False, queryset=EntryRequirement.objects.none(),
        empty_label=_("No requirement"), to_field_name="public_id",
    )  # fmt: skip
    meets_only = forms.BooleanField(label=_("Only results that meet it"), required=False)

    def __init__(self, *args: Any, organisation: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["requirement"].queryset = EntryRequirement.objects.filter(  # type: ignore[attr-defined]
                organisation=organisation
            )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        # A one-letter particle joins the word after it ("O Brien", "D Angelo"), as the search does.
        if name and any(len(term.word) < 2 for term in query_terms(name)):
            raise forms.ValidationError(gettext("Enter at least two letters of each name."), code="too_short")
        if name and not tokens(name):
            raise forms.ValidationError(gettext("Enter a name with letters or digits."), code="no_letters")
        return name

    ern_example = "NFCB6H-89RTD3-SPR3VQ"  # the shape of one, in the error message (a valid check character)

    def clean_ern(self) -> str:
        value: str = self.cleaned_data["ern"]
        if not value:
            return ""
        try:
            return ern_codec.normalise(value)
        except ern_codec.ErnFormatError as exc:
            if exc.code == "typo":  # the right shape, a character wrong: the codec says where to look
                raise forms.ValidationError(str(exc)) from None
            raise forms.ValidationError(
                gettext("Enter an Exam Reference Number like %(example)s. %(problem)s")
                % {"example": self.ern_example, "problem": exc},
                code="invalid",
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(name) for name in self.fields if name != "meets_only"):
            raise forms.ValidationError(gettext("Fill in at least one field to search."), code="empty")
        return cleaned

    def saved_form(self) -> dict[str, Any]:
        """What the search page shows again with its results: as typed, a date as one ISO value."""
        saved: dict[str, Any] = {}
        for name, field in self.fields.items():
            if name == "ern":
                continue
            if isinstance(field, DatePartsField):
                value = self.cleaned_data.get(name)
                saved[name] = value.isoformat() if value else ""
            else:
                saved[name] = self.data.get(self.add_prefix(name), "")
        return saved

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        exam = data.get("exam")
        return SearchCriteria(
            name=data.get("name", ""),
            date_of_birth=data.get("date_of_birth"),
            candidate_number=data.get("candidate_number", ""),
            exam_id=exam.pk if exam else None,
            place_of_entry=data.get("place_of_entry", ""),
            centre_name=data.get("centre_name", ""),
            email=data.get("email", ""),
            exam_date=data.get("exam_date"),
        )
