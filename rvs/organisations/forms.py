from __future__ import annotations

from typing import Any

from django import forms

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


class RegistrationForm(forms.ModelForm[RegistrationRequest]):
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


class OrganisationForm(forms.ModelForm[Organisation]):
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


class RecognisedExamsForm(forms.Form):
    exams = _exams()


class UserForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Email address")
    job_title = forms.CharField(label="Job title", max_length=200, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The email is the sign-in name; changing it is a separate, verified flow.
            del self.fields["email"]


class RejectForm(forms.Form):
    reason = forms.CharField(label="Reason for rejection", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DirectoryForm(forms.Form):
    q = forms.CharField(label="Organisation name", required=False, max_length=200)
    country = forms.ChoiceField(label="Country", required=False)
    exam = forms.ModelChoiceField(
        label="Recognises", queryset=Exam.objects.all(), required=False, empty_label="Any exam"
    )

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "Any country")] + [(c, c) for c in countries]  # type: ignore[attr-defined]
