"""The Candidate Results Website: sign up, my results, share, shared results, invite."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rvs.accounts.views import SignInView
from rvs.candidates import selectors, services
from rvs.candidates.forms import InviteForm, ShareForm, SignUpForm
from rvs.candidates.permissions import CandidateRequest, candidate_account_of, candidate_required
from rvs.core import ratelimit
from rvs.core.confirm_views import Confirmation, render_confirm
from rvs.core.dates import display_date
from rvs.core.forms import apply_errors
from rvs.organisations import selectors as organisation_selectors
from rvs.sharing import access
from rvs.sharing import services as sharing_services
from rvs.sharing.models import Share


class CandidateSignInView(SignInView):
    """The Candidate Results Website's own sign-in page (issue 17 item 10).

    The same form, authentication backends, django-axes lockout and rate limits as the
    organisation sign-in (it is that view with another page): only the links around it differ.
    """

    template_name = "candidates/sign_in.html"


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ratelimit.hit("candidate_signup_ip", request.META.get("REMOTE_ADDR", ""))
        data = {k: v for k, v in form.cleaned_data.items() if k != "terms"}
        try:
            account = services.candidate_sign_up(**data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("candidates:confirm_needed")
    return render(request, "candidates/sign_up.html", {"form": form}, status=400 if form.errors else 200)


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.candidate_confirm_email(token=token)
    except ValidationError as exc:
        return render(request, "candidates/confirm_failed.html", {"error": " ".join(exc.messages)}, status=400)
    messages.success(request, _("Thank you: your email address is confirmed."))
    return redirect("candidates:results" if candidate_account_of(request.user) else "candidates:sign_in")


@never_cache
@require_http_methods(["GET", "POST"])
@candidate_required(confirmed=False)
def confirm_needed(request: CandidateRequest) -> HttpResponse:
    account = request.candidate_account
    if account.is_confirmed:
        return redirect("candidates:results")
    if request.method == "POST":
        services.candidate_resend_confirmation(account=account)
        sent = _("We have sent a new confirmation link to %(email)s.")
        messages.success(request, sent % {"email": account.user.email})
        return redirect("candidates:confirm_needed")
    return render(request, "candidates/confirm_needed.html", {"account": account})


@never_cache
@candidate_required
def results(request: CandidateRequest) -> HttpResponse:
    candidate = request.candidate
    return render(
        request,
        "candidates/results.html",
        {"candidate": candidate, "results": selectors.results_of(candidate=candidate)},
    )


@never_cache
@candidate_required
def organisation_options(request: CandidateRequest) -> HttpResponse:
    """The type-ahead: organisations matching what the candidate typed (an htmx fragment)."""
    query = request.GET.get("q", "")[:100]
    return render(
        request,
        "candidates/_organisation_options.html",
        {"organisations": selectors.organisations_to_share_with(query=query), "query": query},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@candidate_required
def share(request: CandidateRequest) -> HttpResponse:
    candidate = request.candidate
    own = selectors.shareable_results(candidate=candidate)
    choices = [(str(result.public_id), f"{result.exam.name}, {display_date(result.exam_date)}") for result in own]
    query = request.GET.get("q", "")[:100]
    form = ShareForm(request.POST if request.method == "POST" else None, result_choices=choices)
    context = {
        "form": form,
        "query": query,
        "organisations": selectors.organisations_to_share_with(query=query) if query else [],
        "results": own,
    }
    if request.method == "POST" and form.is_valid():
        organisation = organisation_selectors.organisation_for_sharing(form.cleaned_data["organisation"])
        chosen = selectors.results_for_candidate(candidate, form.cleaned_data["results"])
        if request.POST.get("confirmed") == "yes":
            sharing_services.share_create(
                actor=request.user,
                candidate=candidate,
                organisation=organisation,
                results=chosen,
                include_photo=form.cleaned_data["include_photo"],
            )
            sent = _("Your results have been sent to %(organisation)s.")
            messages.success(request, sent % {"organisation": organisation.name})
            return redirect("candidates:shared")
        context.update({"organisation": organisation, "chosen": chosen})
        return render(request, "candidates/share_confirm.html", context)
    if request.method == "POST" and form.data.get("organisation"):
        try:
            context["organisation"] = organisation_selectors.organisation_for_sharing(form.data["organisation"])
        except Http404:
            context["organisation"] = None  # an unknown id: nothing pre-selected, the form says why
    return render(request, "candidates/share.html", context, status=400 if form.errors else 200)


@never_cache
@candidate_required
def shared(request: CandidateRequest) -> HttpResponse:
    candidate = request.candidate
    return render(request, "candidates/shared.html", {"shares": selectors.shares_of(candidate=candidate)})


@never_cache
@require_http_methods(["GET", "POST"])
@candidate_required
def revoke(request: CandidateRequest, public_id: str) -> HttpResponse:
    """GET asks first, saying what the organisation keeps and loses; the POST revokes."""
    candidate = request.candidate
    share = access.share_for_candidate(candidate, public_id)
    if request.method == "GET":
        if share.revoked_at is not None:
            return redirect("candidates:shared")
        return render_confirm(request, _revoke_confirmation(share))
    sharing_services.share_revoke(actor=request.user, candidate=candidate, share=share)
    # Exactly what remains possible (decision 0014): "can no longer see it" would be untrue while
    # the organisation may still check the result with its ERN, surname and date of birth.
    revoked = _(
        "You have revoked your %(exam)s result from %(organisation)s. It is no longer in their list of shared "
        "results and they can no longer see your test day photo."
    )
    messages.success(request, revoked % {"exam": share.result.exam.name, "organisation": share.organisation.name})
    messages.info(request, _still_check())
    return redirect("candidates:shared")


def _still_check() -> str:
    """Said on the confirmation page and after revoking; translated when shown."""
    return _(
        "They can still check this result if they know its Exam Reference Number and enter your surname "
        "and date of birth with it; they then see the result without your photo."
    )


def _revoke_confirmation(share: Share) -> Confirmation:
    names = {"exam": share.result.exam.name, "organisation": share.organisation.name}
    if share.include_photo:
        leaves = _(
            "It leaves %(organisation)s's list of shared results at once and can no longer see your test day photo."
        )
    else:
        leaves = _("It leaves %(organisation)s's list of shared results at once.")
    return Confirmation(
        question=_("Are you sure you want to stop sharing your %(exam)s result with %(organisation)s?") % names,
        consequences=(leaves % names, _still_check()),
        button=_("Yes, revoke the share"),
        cancel_url=reverse("candidates:shared"),
        undo=_("You cannot undo this: to let them see it again you would send the result to them again."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@candidate_required
def invite(request: CandidateRequest) -> HttpResponse:
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.organisation_invite(account=request.candidate_account, **form.cleaned_data)
        invited = _("We have invited %(organisation)s to register.")
        messages.success(request, invited % {"organisation": form.cleaned_data["organisation_name"]})
        return redirect("candidates:share")
    return render(request, "candidates/invite.html", {"form": form}, status=400 if form.errors else 200)


def help_sharing(request: HttpRequest) -> HttpResponse:
    return render(request, "candidates/help_sharing.html")


@never_cache
@require_POST
@candidate_required
def statements(request: CandidateRequest) -> HttpResponseBase:
    """The candidate's own signed Statements of Results, as one PDF."""
    from rvs.downloads import services as download_services
    from rvs.downloads.views import file_response

    try:
        job = download_services.candidate_download_create(actor=request.user, candidate=request.candidate)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("candidates:results")
    buffer = io.BytesIO()
    included = download_services.download_render(job, buffer)
    download_services.download_mark_done(job=job, included=included)
    return file_response(job, buffer.getvalue())
