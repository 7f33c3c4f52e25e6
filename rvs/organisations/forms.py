from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rvs.core.form_errors import NamedErrors
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation, RegistrationRequest


class ExamCheckboxes(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Exam) -> str:
        if obj.verifiable:
            return obj.name
        return gettext("%(exam)s (cannot be verified on this service)") % {"exam": obj.name}


def _exams() -> ExamCheckboxes:
    return ExamCheckboxes(queryset=Exam.objects.all(), required=False, label=_("Recognised Exams and Tests"))


def _website(required: bool) -> forms.URLField:
    return forms.URLField(
        label=_("Website"),
        required=required,
        assume_scheme="https",
        help_text=_("For example https://www.example.ac.uk"),
    )


# How error messages name the fields an organisation describes itself with (rvs/core/form_errors.py).
# Translators: each phrase completes an error message such as “Enter your name” or “Select the country”.
_ORGANISATION_PHRASES = {
    "organisation_name": _("your organisation's name"), "kind": _("the type of organisation"),
    "country": _("the country"), "city": _("the city"), "address": _("the address"),
    "website": _("your organisation's website"),
}  # fmt: skip


class RegistrationForm(NamedErrors, forms.ModelForm[RegistrationRequest]):
    error_phrases = {
        **_ORGANISATION_PHRASES, "registrant_name": _("your name"), "job_title": _("your job title"),
        "work_email": _("your work email address"), "recognised_exams": _("the exams you recognise"),
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
            "organisation_name": _("Organisation name"),
            "kind": _("Type of organisation"),
            "country": _("Country"),
            "city": _("City"),
            "address": _("Address"),
            "website": _("Website"),
            "registrant_name": _("Your name"),
            "job_title": _("Job title"),
            "work_email": _("Work email address"),
        }
        help_texts = {
            "work_email": _("You will be the Primary User; we send the approval to this address."),
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class OrganisationForm(NamedErrors, forms.ModelForm[Organisation]):
    error_phrases = {**_ORGANISATION_PHRASES, "name": _("your organisation's name")}
    website = _website(required=False)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "country", "city", "address", "website"]
        labels = {
            "name": _("Organisation name"),
            "kind": _("Type of organisation"),
            "country": _("Country"),
            "city": _("City"),
            "address": _("Address"),
            "website": _("Website"),
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class RecognisedExamsForm(NamedErrors, forms.Form):
    error_phrases = {"exams": _("the exams you recognise")}
    exams = _exams()


class UserForm(NamedErrors, forms.Form):
    error_phrases = {
        "full_name": _("the user's full name"), "email": _("the user's email address"),
        "job_title": _("the user's job title"),
    }  # fmt: skip
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email address"))
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The email is the sign-in name; changing it is a separate, verified flow.
            del self.fields["email"]


class RejectForm(NamedErrors, forms.Form):
    error_phrases = {"reason": _("the reason for rejection")}
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DirectoryForm(NamedErrors, forms.Form):
    error_phrases = {"q": _("the organisation name"), "country": _("a country"), "exam": _("an exam")}
    q = forms.CharField(label=_("Organisation name"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    exam = forms.ModelChoiceField(
        label=_("Recognises"), queryset=Exam.objects.all(), required=False, empty_label=_("Any exam")
    )

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any country"))] + [(c, c) for c in countries]  # type: ignore[attr-defined]
