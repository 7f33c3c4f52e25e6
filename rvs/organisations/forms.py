from __future__ import annotations

from typing import Any

from django import forms

from rvs.core.form_errors import NamedErrors
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation, RegistrationRequest


class ExamCheckboxes(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Exam) -> str:
        return obj.name if obj.verifiable else f"{obj.name} (cannot be verified on this service)"


def _exams() -> ExamCheckboxes:
    return ExamCheckboxes(queryset=Exam.objects.all(), required=False, label="Recognised Exams and Tests")


def _website(required: bool) -> forms.URLField:
    return forms.URLField(
        label="Website", required=required, assume_scheme="https", help_text="For example https://www.example.ac.uk"
    )


# How error messages name the fields an organisation describes itself with (rvs/core/form_errors.py).
_ORGANISATION_PHRASES = {
    "organisation_name": "your organisation's name", "kind": "the type of organisation", "country": "the country",
    "city": "the city", "address": "the address", "website": "your organisation's website",
}  # fmt: skip


class RegistrationForm(NamedErrors, forms.ModelForm[RegistrationRequest]):
    error_phrases = {
        **_ORGANISATION_PHRASES, "registrant_name": "your name", "job_title": "your job title",
        "work_email": "your work email address", "recognised_exams": "the exams you recognise",
    }  # fmt: skip
    website = _website(required=True)
    recognised_exams = _exams()

    class Meta:
        model = RegistrationRequest
        fields = [
            "organisation_name", "kind", "country", "city", "address", "website",
            "registrant_name", "job_title", "work_email", "recognised_exams",
        ]  # fmt: skip
        labels = {
            "organisation_name": "Organisation name",
            "kind": "Type of organisation",
            "country": "Country",
            "city": "City",
            "address": "Address",
            "website": "Website",
            "registrant_name": "Your name",
            "job_title": "Job title",
            "work_email": "Work email address",
        }
        help_texts = {
            "work_email": "You will be the Primary User; we send the approval to this address.",
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class OrganisationForm(NamedErrors, forms.ModelForm[Organisation]):
    error_phrases = {**_ORGANISATION_PHRASES, "name": "your organisation's name"}
    website = _website(required=False)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "country", "city", "address", "website"]
        labels = {
            "name": "Organisation name",
            "kind": "Type of organisation",
            "country": "Country",
            "city": "City",
            "address": "Address",
            "website": "Website",
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class RecognisedExamsForm(NamedErrors, forms.Form):
    error_phrases = {"exams": "the exams you recognise"}
    exams = _exams()


class UserForm(NamedErrors, forms.Form):
    error_phrases = {
        "full_name": "the user's full name", "email": "the user's email address", "job_title": "the user's job title",
    }  # fmt: skip
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Email address")
    job_title = forms.CharField(label="Job title", max_length=200, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The email is the sign-in name; changing it is a separate, verified flow.
            del self.fields["email"]


class RejectForm(NamedErrors, forms.Form):
    error_phrases = {"reason": "the reason for rejection"}
    reason = forms.CharField(label="Reason for rejection", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DirectoryForm(NamedErrors, forms.Form):
    error_phrases = {"q": "the organisation name", "country": "a country", "exam": "an exam"}
    q = forms.CharField(label="Organisation name", required=False, max_length=200)
    country = forms.ChoiceField(label="Country", required=False)
    exam = forms.ModelChoiceField(
        label="Recognises", queryset=Exam.objects.all(), required=False, empty_label="Any exam"
    )

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "Any country")] + [(c, c) for c in countries]  # type: ignore[attr-defined]
