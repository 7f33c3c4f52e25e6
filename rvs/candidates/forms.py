from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rvs.core.form_errors import NamedErrors

PREFER_NOT = "Prefer not to say"


def _prefer_not(value: str) -> bool:
    """The candidate wrote "Prefer not to say", in English or in the page's language."""
    return value.strip().lower() in (PREFER_NOT.lower(), str(_("Prefer not to say")).lower())


class SignUpForm(NamedErrors, forms.Form):
    # Translators: the error_phrases name a field inside a message: "Enter your Candidate ID Number".
    error_phrases = {
        "candidate_number": _("your Candidate ID Number"), "secret_number": _("your Secret Number"),
        "email": _("your email address"), "password": _("a password"), "country": _("your country"),
        "first_language": _("your first language"),
    }  # fmt: skip

    candidate_number = forms.CharField(
        label=_("Candidate ID Number"),
        max_length=32,
        help_text=_("On your Confirmation of Entry, for example ABC123456."),
    )
    secret_number = forms.RegexField(
        label=_("Secret Number"),
        regex=r"^\s*\d{4}\s*$",
        error_messages={"invalid": _("The Secret Number is 4 digits.")},
        help_text=_("The 4 digits on your Confirmation of Entry."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Email address"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 15 characters. A few random words make a good password."),
    )
    country = forms.CharField(label=_("Country (optional)"), required=False, max_length=100)
    first_language = forms.CharField(label=_("First language (optional)"), required=False, max_length=100)
    terms = forms.BooleanField(
        label=_("I accept the terms of use"), error_messages={"required": _("Accept the terms to sign up.")}
    )
    marketing_opt_in = forms.BooleanField(label=_("Send me news about exams and results (optional)"), required=False)

    def clean_country(self) -> str:
        value: str = self.cleaned_data["country"]
        return "" if _prefer_not(value) else value

    def clean_first_language(self) -> str:
        value: str = self.cleaned_data["first_language"]
        return "" if _prefer_not(value) else value


class ResultChoices(forms.MultipleChoiceField):
    """Shows the candidate's results; any id passes here so that ownership is decided in one place,
    ``selectors.results_for_candidate``, with the same 404 as everywhere else."""

    def valid_value(self, value: str) -> bool:
        return True


class ShareForm(NamedErrors, forms.Form):
    error_phrases = {"organisation": _("an organisation"), "results": _("at least one result")}

    organisation = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": _("Choose an organisation.")})
    results = ResultChoices(
        label=_("Results to share"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one result.")},
    )
    include_photo = forms.BooleanField(label=_("Include my test day photo"), required=False)

    def __init__(self, *args: Any, result_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["results"].choices = result_choices  # type: ignore[attr-defined]


class InviteForm(NamedErrors, forms.Form):
    error_phrases = {
        "organisation_name": _("the organisation's name"), "email": _("the organisation's email address"),
        "website": _("the organisation's website"),
    }  # fmt: skip

    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    email = forms.EmailField(label=_("Organisation's email address"))
    website = forms.URLField(label=_("Organisation's website"), assume_scheme="https")
