"""Every form of the web UI says which field is wrong (decision 0030, issue 17 item 5).

The walk finds every form class defined in ``rvs``, submits it empty, with values of the wrong
kind and with values out of range, and fails on any of Django's default messages ("This field is
required.", "Enter a valid URL.", "Ensure this value has at most 100 characters", "Select a
valid choice"). A new form is walked too: one that needs constructor arguments fails here until
it is given them in ``ARGUMENTS``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django import forms
from django.core import validators
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import fields as model_fields
from django.forms import fields as form_fields
from django.forms import models as form_models
from django.test import RequestFactory
from django.utils.functional import Promise

import rvs
from rvs.core.form_errors import NamedErrors, field_phrase, name_errors
from tests.factories import ResultFactory, UserFactory


def _rvs_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(rvs.__path__, "rvs."):
        if ".migrations" in module.name or ".management" in module.name:
            continue
        importlib.import_module(module.name)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    found = {cls for cls in below(forms.BaseForm) if cls.__module__.startswith("rvs.")}
    concrete = [cls for cls in found if cls.__name__ != "NamedErrors" and "base_fields" in dir(cls)]
    return sorted(concrete, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORMS = _rvs_form_classes()


def _user(**kwargs: Any) -> dict[str, Any]:
    return {"user": UserFactory()}


# Forms whose constructor needs more than data and files.
ARGUMENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "rvs.candidates.forms.ShareForm": lambda: {"result_choices": [("r1", "Result one")]},
    "rvs.organisations.forms.DirectoryForm": lambda: {"countries": ["Norway"]},
    "rvs.backoffice.results_views.CorrectionForm": lambda: {"result": ResultFactory()},
    "rvs.accounts.forms.NamedSetPasswordForm": _user,
    "rvs.accounts.forms.NamedPasswordChangeForm": _user,
    "rvs.accounts.forms.SignInForm": lambda: {"request": RequestFactory().post("/accounts/login/")},
    "rvs.organisations.activity_filter.ActivityFilterForm": lambda: {"people": {}},
}


def _make(form_class: type[forms.BaseForm], arguments: dict[str, Any], data: Any = None, files: Any = None) -> Any:
    """The form, bound to ``data`` and ``files`` if given (a form that takes no files gets none)."""
    parameters = inspect.signature(form_class.__init__).parameters
    takes_files = "files" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    return form_class(data=data, **({"files": files} if takes_files else {}), **arguments)


def _pattern(template: str) -> str:
    """A regular expression for one default message: its placeholders match anything."""
    parts = re.split(r"%\(\w+\)[sdr]|\{\w+\}", template)
    return ".*".join(re.escape(part) for part in parts)


def _django_defaults() -> re.Pattern[str]:
    templates: set[str] = set()
    for module in (form_fields, form_models):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.Field):
                templates.update(str(text) for text in vars(value).get("default_error_messages", {}).values())
    for value in vars(model_fields).values():  # a model field's own, through a ModelChoiceField
        if isinstance(value, type) and issubclass(value, models.Field):
            templates.update(str(text) for text in vars(value).get("default_error_messages", {}).values())
    for value in vars(validators).values():
        message = getattr(value, "message", None)
        if isinstance(value, type) and isinstance(message, str | Promise):
            templates.add(str(message))
    templates.update(str(validator.message) for validator in (validators.validate_email, validators.URLValidator()))
    patterns = [_pattern(text) for text in templates if text.strip()]
    # The brief's four, as prefixes: "Enter a valid …" and "Ensure this value …" in any wording.
    patterns += [r"This field is required", r"Enter a valid", r"Ensure this value", r"Select a valid choice"]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


DEFAULTS = _django_defaults()


def _wrong_kind(field: forms.Field) -> Any:
    """A value of the wrong kind for the field."""
    if isinstance(field, forms.FileField):
        return SimpleUploadedFile("empty.csv", b"")
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return ["no-such-choice"]
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.UUIDField):
        return "no-such-choice"
    if isinstance(field, forms.EmailField):
        return "not an email address"
    if isinstance(field, forms.URLField):
        return "not a web address"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "twelve"
    if isinstance(field, forms.DateField):
        return "2021-13-45"
    if isinstance(field, forms.CharField):
        return "bad\x00value"
    return "no-such-value"


def _out_of_range(field: forms.Field) -> Any:
    """A value of the right kind but too long, too small or too big."""
    if isinstance(field, forms.IntegerField):
        low = getattr(field, "min_value", None)
        return str(low - 1) if low is not None else "99999999"
    max_length = getattr(field, "max_length", None)
    if isinstance(field, forms.EmailField):
        return "a" * (max_length or 300) + "@example.com"
    if isinstance(field, forms.URLField):
        return "https://example.com/" + "a" * (max_length or 2100)
    if isinstance(field, forms.FileField):
        return SimpleUploadedFile("x" * 300 + ".csv", b"a,b\n")
    if isinstance(field, forms.CharField) and max_length:
        return "x" * (max_length + 1)
    return _wrong_kind(field)


def _submissions(form_class: type[forms.BaseForm], arguments: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    fields = _make(form_class, arguments).fields
    yield "empty", {}, {}
    for name, make in (("wrong kind", _wrong_kind), ("out of range", _out_of_range)):
        data: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for field_name, field in fields.items():
            value = make(field)
            (files if isinstance(value, SimpleUploadedFile) else data)[field_name] = value
        yield name, data, files


def _messages(form: forms.BaseForm) -> list[str]:
    return [str(error["message"]) for errors in form.errors.get_json_data().values() for error in errors]


def test_the_walk_finds_the_forms() -> None:
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in FORMS}
    assert {"rvs.results.forms.SearchForm", "rvs.accounts.forms.SignInForm", "rvs.bulk.views.BulkForm"} <= names
    assert len(FORMS) >= 25


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_form_names_the_field_in_its_messages(db: None, form_class: type[forms.BaseForm]) -> None:
    assert issubclass(form_class, NamedErrors), f"{form_class.__qualname__} does not mix in NamedErrors"
    arguments = ARGUMENTS.get(f"{form_class.__module__}.{form_class.__qualname__}", dict)()
    seen = 0
    for how, data, files in _submissions(form_class, arguments):
        form = _make(form_class, arguments, data, files)
        form.is_valid()
        for message in _messages(form):
            seen += 1
            assert not DEFAULTS.search(message), f"{form_class.__qualname__}, {how}: Django's default {message!r}"
    fields = _make(form_class, arguments).fields
    if any(field.required for field in fields.values()):
        assert seen, f"{form_class.__qualname__}: submitted empty and wrong, it gave no error at all"


class _Form(NamedErrors, forms.Form):
    error_phrases = {"email": "your email address", "dob": "the candidate's date of birth"}

    email = forms.EmailField(label="Email address", max_length=20)
    dob = forms.DateField(label="Date of birth")
    job_title = forms.CharField(label="Job title", max_length=5)
    access = forms.ChoiceField(label="Access", choices=[("read", "Read")])
    score = forms.IntegerField(label="Minimum overall score", min_value=80, max_value=230)
    own = forms.CharField(label="Own", error_messages={"required": "Our own words"})


def test_the_messages_name_the_field() -> None:
    form = _Form(data={})
    assert form.errors == {
        "email": ["Enter your email address"],
        "dob": ["Enter the candidate's date of birth"],
        "job_title": ["Enter the job title"],
        "access": ["Select the access"],
        "score": ["Enter the minimum overall score"],
        "own": ["Our own words"],
    }
    form = _Form(data={"email": "nope", "dob": "2021-02-30", "job_title": "too long", "access": "write", "score": "79"})
    assert form.errors["email"] == ["Enter your email address in the correct format, like name@example.com"]
    assert form.errors["dob"] == ["The candidate's date of birth must be a real date"]
    assert form.errors["job_title"] == ["The job title must be 5 characters or fewer"]
    assert form.errors["access"] == ["Select the access from the list"]
    assert form.errors["score"] == ["The minimum overall score must be 80 or more"]
    form = _Form(data={"score": "twelve", "email": "a" * 20 + "@example.com"})
    assert form.errors["score"] == ["The minimum overall score must be a whole number"]
    assert form.errors["email"] == ["Your email address must be 20 characters or fewer"]


def test_a_phrase_from_the_label() -> None:
    assert field_phrase(forms.CharField(label="Job title")) == "the job title"
    assert field_phrase(forms.CharField(label="Website")) == "the website"
    assert field_phrase(forms.CharField(label="Exam Reference Number")) == "the Exam Reference Number"
    assert field_phrase(forms.CharField(label="Country (optional)")) == "the country"
    assert field_phrase(forms.CharField(label="Job title"), "your job title") == "your job title"


def test_a_field_class_with_messages_of_its_own_keeps_them() -> None:
    class OwnMessages(forms.DateField):
        default_error_messages = {"required": "Enter the date", "invalid": "Date must be a real date"}

    class WithOwn(forms.Form):
        when = OwnMessages(label="Date")

    form = WithOwn(data={})
    name_errors(form)
    assert form.fields["when"].error_messages["required"] == "Enter the date"
    assert form.fields["when"].error_messages["invalid"] == "Date must be a real date"


def test_a_malformed_exam_reference_number_is_shown_with_an_example() -> None:
    from rvs.core import ern as ern_codec
    from rvs.results.forms import SearchForm

    assert ern_codec.is_valid(SearchForm.ern_example)
    form = SearchForm(data={"ern": "ABC"})
    assert form.errors["ern"] == [
        f"Enter an Exam Reference Number like {SearchForm.ern_example}. "
        "An Exam Reference Number has 18 characters; this one has 3."
    ]
    good = ern_codec.normalise(SearchForm.ern_example)
    typo = SearchForm(data={"ern": good[:-1] + ("A" if good[-1] != "A" else "B")})
    assert typo.errors["ern"][0].startswith("This Exam Reference Number contains a typing error")
