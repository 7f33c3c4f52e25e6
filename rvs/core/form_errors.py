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

from django import forms
from django.contrib import messages
from django.http import HttpRequest


def field_phrase(field: forms.Field, given: str | None = None) -> str:
    """How a message names the field: ``given``, else its label ("Job title" → "the job title")."""
    if given:
        return given.replace("%", " per cent")
    label = str(field.label or "this field").replace("(optional)", "").strip().replace("%", " per cent")
    words = label.split()
    # "Job title" → "job title"; a label in the article's capitals ("Exam Reference Number") stays.
    if words and (len(words) == 1 or words[1][:1].islower()) and not words[0].isupper():
        label = label[:1].lower() + label[1:]
    return f"the {label}"


def _subject(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _choosing(field: forms.Field) -> bool:
    """Chosen rather than typed: the message says "Select", not "Enter"."""
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField | forms.BooleanField)


def messages_for(field: forms.Field, phrase: str) -> dict[str, str]:
    """The GOV.UK messages for one field, keyed by Django's error codes."""
    subject = _subject(phrase)
    verb = "Select" if _choosing(field) else "Enter"
    from_list = f"Select {phrase} from the list"  # noqa: S608 - a sentence, not SQL
    invalid = f"Enter {phrase} in the correct format"
    if isinstance(field, forms.EmailField):
        invalid = f"Enter {phrase} in the correct format, like name@example.com"
    elif isinstance(field, forms.URLField):
        invalid = f"Enter {phrase} in the correct format, like https://www.example.com"
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        invalid = f"{subject} must be a real date"
    elif isinstance(field, forms.IntegerField):
        invalid = f"{subject} must be a whole number"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        invalid = f"{subject} must be a number"
    elif isinstance(field, forms.FileField):
        invalid = f"The selected file could not be read: select {phrase} again"
    elif isinstance(field, forms.UUIDField | forms.ChoiceField | forms.ModelChoiceField):
        invalid = from_list
    return {
        "required": f"{verb} {phrase}",
        "blank": f"{verb} {phrase}",
        "null": f"{verb} {phrase}",
        "invalid": invalid,
        "invalid_choice": from_list,
        "invalid_list": from_list,
        "invalid_pk_value": from_list,
        "max_length": (
            "The name of the selected file must be %(max)d characters or fewer"
            if isinstance(field, forms.FileField)
            else f"{subject} must be %(limit_value)d characters or fewer"
        ),
        "min_length": f"{subject} must be %(limit_value)d characters or more",
        "max_value": f"{subject} must be %(limit_value)s or less",
        "min_value": f"{subject} must be %(limit_value)s or more",
        "step_size": f"{subject} must be a multiple of %(limit_value)s",
        "max_digits": f"{subject} must have %(max)s digits or fewer",
        "max_decimal_places": f"{subject} must have %(max)s decimal places or fewer",
        "max_whole_digits": f"{subject} must have %(max)s digits or fewer before the decimal point",
        "null_characters_not_allowed": f"{subject} must not contain null characters",
        "missing": f"Select {phrase}",
        "empty": "The selected file is empty",
        "contradiction": f"Select {phrase} or tick “Clear”, not both",
        "unique": f"{subject} is already in use",
        "incomplete": f"Enter all of {phrase}",
    }


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """The messages Django's own classes give this field (not those of a field class of ours)."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        if cls.__module__.startswith("django."):
            defaults.update({code: str(text) for code, text in vars(cls).get("default_error_messages", {}).items()})
    return defaults


def name_errors(form: forms.BaseForm, phrases: Mapping[str, str] | None = None) -> None:
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

    error_phrases: Mapping[str, str] = {}

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
