"""Error messages that name their field, the GOV.UK way (decision 0030).

Django's defaults ("This field is required.", "Enter a valid URL.", "Ensure this value has at
most 100 characters") do not say which field is wrong: a screen-reader user hears them away
from the field, and the error summary lists several of them. Every form of the web UI mixes in
:class:`NamedErrors`; before it validates, each field's messages are filled from one phrase that
names the field ("your email address", "the candidate's date of birth"):

* required: "Enter your email address" (text, numbers, dates) or "Select the exam" (choices, files);
* invalid: "Enter your email address in the correct format, like name@example.com",
  "Date of birth must be a real date", "Minimum overall score must be a whole number";
* too long, too small, not in the list: "Requirement name must be 100 characters or fewer",
  "Minimum overall score must be 80 or more", "Select the access from the list".

A message a form or field sets itself is kept; only Django's own defaults are replaced, so a
field class of ours with messages of its own (the three-box date input) keeps them.
``tests/core/test_form_errors.py`` submits every form of the project empty and with wrong values
and fails on any of Django's default messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def field_phrase(field: forms.Field, given: StrOrPromise | None = None) -> str:
    """How a message names the field: ``given``, else its label ("Job title" → "the job title")."""
    if given:
        return str(given).replace("%", " per cent")
    label = str(field.label or _("this field")).replace("(optional)", "").strip().replace("%", " per cent")
    words = label.split()
    # "Job title" → "job title"; a label in the article's capitals ("Exam Reference Number") stays.
    english = (get_language() or "en").startswith("en")
    if english and words and (len(words) == 1 or words[1][:1].islower()) and not words[0].isupper():
        label = label[:1].lower() + label[1:]
    # Translators: how an error message names a field from its label, e.g. "Enter the job title"
    return _("the %(label)s").replace("%(label)s", label)


def fill_field(template: str, phrase: str) -> str:
    """``template`` with the field's phrase put in, its first letter a capital: Django fills the
    other placeholders (``%(limit_value)d``) when it raises the error."""
    text = str(template).replace("%(field)s", phrase)
    return text[:1].upper() + text[1:]


def _choosing(field: forms.Field) -> bool:
    """Chosen rather than typed: the message says "Select", not "Enter"."""
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField | forms.BooleanField)


def _invalid(field: forms.Field, from_list: str) -> str:
    """The "invalid" message's pattern for this kind of field."""
    if isinstance(field, forms.EmailField):
        return _("Enter %(field)s in the correct format, like name@example.com")
    if isinstance(field, forms.URLField):
        return _("Enter %(field)s in the correct format, like https://www.example.com")
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return _("%(field)s must be a real date")
    if isinstance(field, forms.IntegerField):
        return _("%(field)s must be a whole number")
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return _("%(field)s must be a number")
    if isinstance(field, forms.FileField):
        return _("The selected file could not be read: select %(field)s again")
    if isinstance(field, forms.UUIDField | forms.ChoiceField | forms.ModelChoiceField):
        return from_list
    return _("Enter %(field)s in the correct format")


def messages_for(field: forms.Field, phrase: str) -> dict[str, str]:
    """The GOV.UK messages for one field, keyed by Django's error codes.

    Each pattern names the field with ``%(field)s`` (translators: a phrase like "the candidate's
    date of birth"); the other placeholders are Django's, filled when the error is raised."""
    # Translators: %(field)s names a field, e.g. "the exam" ("Select the exam")
    verb = _("Select %(field)s") if _choosing(field) else _("Enter %(field)s")
    from_list = _("Select %(field)s from the list")
    patterns = {
        "required": verb,
        "blank": verb,
        "null": verb,
        "invalid": _invalid(field, from_list),
        "invalid_choice": from_list,
        "invalid_list": from_list,
        "invalid_pk_value": from_list,
        "max_length": (
            _("The name of the selected file must be %(max)d characters or fewer")
            if isinstance(field, forms.FileField)
            else _("%(field)s must be %(limit_value)d characters or fewer")
        ),
        "min_length": _("%(field)s must be %(limit_value)d characters or more"),
        "max_value": _("%(field)s must be %(limit_value)s or less"),
        "min_value": _("%(field)s must be %(limit_value)s or more"),
        "step_size": _("%(field)s must be a multiple of %(limit_value)s"),
        "max_digits": _("%(field)s must have %(max)s digits or fewer"),
        "max_decimal_places": _("%(field)s must have %(max)s decimal places or fewer"),
        "max_whole_digits": _("%(field)s must have %(max)s digits or fewer before the decimal point"),
        "null_characters_not_allowed": _("%(field)s must not contain null characters"),
        "missing": _("Select %(field)s"),
        "empty": _("The selected file is empty"),
        "contradiction": _("Select %(field)s or tick “Clear”, not both"),
        "unique": _("%(field)s is already in use"),
        "incomplete": _("Enter all of %(field)s"),
    }
    return {code: fill_field(pattern, phrase) for code, pattern in patterns.items()}


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """The messages Django's own classes give this field (not those of a field class of ours)."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        if cls.__module__.startswith("django."):
            defaults.update({code: str(text) for code, text in vars(cls).get("default_error_messages", {}).items()})
    return defaults


def name_errors(form: forms.BaseForm, phrases: Mapping[str, StrOrPromise] | None = None) -> None:
    """Replace Django's default messages on every field of ``form`` by ones naming the field."""
    phrases = phrases or {}
    for name, field in form.fields.items():
        defaults = _django_defaults(field)
        for code, text in messages_for(field, field_phrase(field, phrases.get(name))).items():
            current = field.error_messages.get(code)
            if current is None or str(current) == defaults.get(code):
                field.error_messages[code] = text


class NamedErrors(forms.BaseForm):
    """Form mixin: each field's error messages name the field (put it first among the bases).

    ``error_phrases`` maps a field name to the phrase that names it in a message ("your email
    address"); a field not listed is named from its label ("the job title"). The messages are
    filled just before validation, so fields a form adds in ``__init__`` are covered too.
    """

    error_phrases: Mapping[str, StrOrPromise] = {}

    def full_clean(self) -> None:
        name_errors(self, self.error_phrases)
        super().full_clean()


# A message from a flow that is not a form (the Download button, an import's Start button): shown
# at the top of the next page as an error summary linked to the control it is about, and by the
# control itself (templatetags/error_summary.py), not in the grey banner of notices.
SUMMARY_TAG = "error-summary"
_TARGET = "for-"


def summary_error(request: HttpRequest, message: str, target: str) -> None:
    """Queue ``message`` for the error summary of the next page, linked to the element ``target`` (an id)."""
    messages.error(request, message, extra_tags=f"{SUMMARY_TAG} {_TARGET}{target}")


def summary_target(extra_tags: str) -> str | None:
    """The id a queued message links to, if it is one for the error summary."""
    tags = extra_tags.split()
    if SUMMARY_TAG not in tags:
        return None
    return next((tag[len(_TARGET) :] for tag in tags if tag.startswith(_TARGET)), "")
