from __future__ import annotations

from typing import Any

from django import forms

from rvs.core.form_errors import NamedErrors

PREFER_NOT = "Prefer not to say"


class SignUpForm(NamedErrors, forms.Form):
    error_phrases = {
        "candidate_number": "your Candidate ID Number", "secret_number": "your Secret Number",
        "email": "your email address", "password": "a password", "country": "your country",
        "first_language": "your first language",
    }  # fmt: skip

    candidate_number = forms.CharField(
        label="Candidate ID Number", max_length=32, help_text="On your Confirmation of Entry, for example ABC123456."
    )
    secret_number = forms.RegexField(
        label="Secret Number",
        regex=r"^\s*\d{4}\s*$",
        error_messages={"invalid": "The Secret Number is 4 digits."},
        help_text="The 4 digits on your Confirmation of Entry.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    email = forms.EmailField(label="Email address")
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 15 characters. A few random words make a good password.",
    )
    country = forms.CharField(label="Country (optional)", required=False, max_length=100)
    first_language = forms.CharField(label="First language (optional)", required=False, max_length=100)
    terms = forms.BooleanField(
        label="I accept the terms of use", error_messages={"required": "Accept the terms to sign up."}
    )
    marketing_opt_in = forms.BooleanField(label="Send me news about exams and results (optional)", required=False)

    def clean_country(self) -> str:
        return (
            "" if self.cleaned_data["country"].strip().lower() == PREFER_NOT.lower() else self.cleaned_data["country"]
        )

    def clean_first_language(self) -> str:
        value: str = self.cleaned_data["first_language"]
        return "" if value.strip().lower() == PREFER_NOT.lower() else value


class ResultChoices(forms.MultipleChoiceField):
    """Shows the candidate's results; any id passes here so that ownership is decided in one place,
    ``selectors.results_for_candidate``, with the same 404 as everywhere else."""

    def valid_value(self, value: str) -> bool:
        return True


class ShareForm(NamedErrors, forms.Form):
    error_phrases = {"organisation": "an organisation", "results": "at least one result"}

    organisation = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": "Choose an organisation."})
    results = ResultChoices(
        label="Results to share",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one result."},
    )
    include_photo = forms.BooleanField(label="Include my test day photo", required=False)

    def __init__(self, *args: Any, result_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["results"].choices = result_choices  # type: ignore[attr-defined]


class InviteForm(NamedErrors, forms.Form):
    error_phrases = {
        "organisation_name": "the organisation's name", "email": "the organisation's email address",
        "website": "the organisation's website",
    }  # fmt: skip

    organisation_name = forms.CharField(label="Organisation name", max_length=200)
    email = forms.EmailField(label="Organisation's email address")
    website = forms.URLField(label="Organisation's website", assume_scheme="https")
