"""Staff pages: find a result, correct or withdraw it (reason required, history kept)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.backoffice import services
from rvs.backoffice.http import StaffRequest
from rvs.backoffice.permissions import StaffPerm, staff_required
from rvs.core import ern as ern_codec
from rvs.core.access import owned_or_404
from rvs.core.confirm_views import Confirmation, carried, is_confirmed, render_confirm
from rvs.core.date_parts import DatePartsField
from rvs.core.form_errors import NamedErrors
from rvs.core.forms import apply_errors
from rvs.core.normalise import tokens
from rvs.exams.scoring import scheme_for
from rvs.results.models import CandidateNameToken, Result
from rvs.sharing import access

STATUS_CHOICES = [
    ("result", gettext_lazy("Result issued (scores below)")),
    ("pending", gettext_lazy("Pending")),
    ("withheld", gettext_lazy("Withheld")),
    ("withdrawn", gettext_lazy("Withdrawn")),
]


def _find(query: str) -> list[Result]:
    query = query.strip()
    if not query:
        return []
    base = Result.objects.select_related("candidate", "exam", "centre").order_by("-exam_date")
    try:
        return list(base.filter(ern=ern_codec.normalise(query)))
    except ern_codec.ErnFormatError:
        pass
    by_number = list(base.filter(candidate__candidate_number=query.upper())[:50])
    if by_number:
        return by_number
    words = tokens(query)
    if not words or any(len(word) < 2 for word in words):
        return []
    results = base
    for word in words:
        results = results.filter(candidate_id__in=CandidateNameToken.objects.filter(token=word).values("candidate_id"))
    return list(results[:50])


@never_cache
@staff_required(StaffPerm.CORRECT)
def find(request: StaffRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    return render(request, "backoffice/results.html", {"query": query, "results": _find(query)})


class CorrectionForm(NamedErrors, forms.Form):
    # Translators: each phrase names a field inside an error message, e.g. "Enter the candidate's surname".
    error_phrases = {
        "first_name": gettext_lazy("the candidate's first name"),
        "last_name": gettext_lazy("the candidate's surname"),
        "date_of_birth": gettext_lazy("the candidate's date of birth"),
        "status": gettext_lazy("the status"),
        "reason": gettext_lazy("the reason for the change"),
    }

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=200, required=False)
    last_name = forms.CharField(label=gettext_lazy("Surname"), max_length=200)
    date_of_birth = DatePartsField(
        label=gettext_lazy("Date of birth"),
        what=gettext_lazy("the candidate's date of birth"),
        subject=gettext_lazy("Date of birth"),
        past="strict",
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_CHOICES)
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, result: Result, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scheme = scheme_for(result.exam.scoring, result.exam_date)
        self.component_codes = [c.code for c in scheme.components] if scheme else []
        for component in scheme.components if scheme else []:
            # Translators: names a score field in an error message; %(component)s is e.g. "Listening"
            phrase = _("the %(component)s score") % {"component": component.label}
            self.error_phrases = {**self.error_phrases, f"score_{component.code}": phrase}
            self.fields[f"score_{component.code}"] = forms.CharField(
                label=component.label, required=False, max_length=3, help_text=_("A score, X or Z")
            )


def _result(public_id: str) -> Result:
    return owned_or_404(Result.objects.select_related("candidate", "exam", "centre"), public_id)


def _ask_to_withdraw(request: StaffRequest, result: Result, status: str, reason: str) -> HttpResponse | None:
    """The confirmation page when this correction withdraws the result and was not confirmed yet."""
    if status != Result.Status.WITHDRAWN or result.status == status or is_confirmed(request):
        return None
    organisations = sorted({share.organisation.name for share in access.shares_of_result(result)})
    if organisations:
        told = _(
            "Organisations that received it are told at once (event, webhook, and email if they opted in); it is "
            "shared with %(organisations)s."
        ) % {"organisations": ", ".join(organisations)}
    else:
        told = _(
            "No organisation has received it through a share; any organisation that looks it up sees it withdrawn."
        )
    confirm = Confirmation(
        question=_("Are you sure you want to withdraw the %(exam)s result of %(candidate)s?")
        % {"exam": result.exam.name, "candidate": result.candidate.full_name},
        consequences=(
            _(
                "Its scores are no longer shown to anyone, and anyone checking one of its Statements of Results is "
                "told it has been withdrawn."
            ),
            told,
            _("Reason for the change: “%(reason)s”.") % {"reason": reason},
        ),
        button=_("Yes, withdraw the result"),
        cancel_url=reverse("backoffice:result", kwargs={"public_id": result.public_id}),
        hidden=carried(request.POST),
        undo=_("The organisations cannot be untold: if this is a mistake, a further correction tells them again."),
    )
    return render_confirm(request, confirm)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(StaffPerm.CORRECT)
def correct(request: StaffRequest, public_id: str) -> HttpResponse:
    result = _result(public_id)
    scores = {c.code: c.score for c in result.components.all()}
    initial = {
        "first_name": result.candidate.first_name,
        "last_name": result.candidate.last_name,
        "date_of_birth": result.candidate.date_of_birth,
        "status": result.status if result.status in dict(STATUS_CHOICES) else "result",
        **{f"score_{code}": "" if score is None else str(score) for code, score in scores.items()},
    }
    form = CorrectionForm(request.POST if request.method == "POST" else None, initial=initial, result=result)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        new_scores = {code: data.get(f"score_{code}") or None for code in form.component_codes}
        asked = _ask_to_withdraw(request, result, status, data["reason"])
        if asked is not None:
            return asked
        try:
            services.result_correct(
                actor=request.user,
                result=result,
                reason=data["reason"],
                scores=new_scores if status == "result" else None,
                status=status,
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError(
                    {(f"score_{k}" if k in form.component_codes else k): v for k, v in exc.error_dict.items()}
                )
            apply_errors(form, exc)
        else:
            messages.success(request, _("The result has been changed; organisations that received it have been told."))
            return redirect("backoffice:result", public_id=result.public_id)
    context = {
        "result": result,
        "form": form,
        "revisions": result.revisions.select_related("changed_by"),
        "shared_names": ", ".join(share.organisation.name for share in access.shares_of_result(result)),
    }
    return render(request, "backoffice/result.html", context, status=400 if form.errors else 200)
