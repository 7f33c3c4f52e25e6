"""Organisation-side pages: dashboard, search, result details."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect, push_url

from rvs.core import names, ratelimit
from rvs.core.actors import actor_key
from rvs.core.permissions import Perm, org_permission_required
from rvs.downloads import selectors as download_selectors
from rvs.downloads.models import DownloadTemplate
from rvs.organisations.http import OrganisationRequest
from rvs.requirements import selectors as requirement_selectors
from rvs.requirements import services as requirement_services
from rvs.results.forms import SearchForm
from rvs.sharing import access, lookups
from rvs.sharing.search import DEFAULT_SORT, SORTS, SearchCriteria, SearchResults, recent_shares, shared_results

_SAVED_SEARCHES = 20


def _templates(request: OrganisationRequest) -> QuerySet[DownloadTemplate]:
    return download_selectors.templates_of(organisation=request.organisation)


def _page(request: HttpRequest, found: SearchResults) -> Any:
    # Django's Paginator calls the results' count() and slices them; its stubs ask for a sequence.
    paginator: Paginator[Any] = Paginator(found, settings.SEARCH_PAGE_SIZE)  # type: ignore[arg-type]
    return paginator.get_page(request.GET.get("page"))


def _with_verdicts(page: Any, requirement: Any) -> Any:
    """Attach ``share.verdict`` for the rows of one page (components fetched in one query)."""
    if requirement is None:
        return page
    from django.db.models import prefetch_related_objects

    shares = list(page)
    prefetch_related_objects([share.result for share in shares], "components")
    rule = requirement_services.rule_of(requirement)
    for share in shares:
        share.verdict = requirement_services.check(requirement, share.result, rule)
    return page


@never_cache
@org_permission_required(Perm.RESULTS_VIEW)
def dashboard(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    requirements = requirement_selectors.requirements_of(organisation=organisation)
    requirement = requirement_selectors.requirement_for(
        organisation=organisation, public_id=request.GET.get("requirement")
    )
    sort = request.GET.get("sort", DEFAULT_SORT)
    sort = sort if sort in SORTS else DEFAULT_SORT
    new_only = request.GET.get("new") == "1"
    page = _with_verdicts(
        _page(request, recent_shares(organisation=organisation, sort=sort, new_only=new_only)), requirement
    )
    # The filters kept by the table's sort links, pages and downloads ("q=" on the search page).
    filters = {"requirement": str(requirement.public_id) if requirement else "", "new": "1" if new_only else ""}
    return render(
        request,
        "results/dashboard.html",
        {
            "page": page,
            "download_templates": _templates(request),
            "requirements": requirements,
            "requirement": requirement,
            "sort": sort,
            "new_only": new_only,
            "table_query": urlencode({key: value for key, value in filters.items() if value}),
            "row_back": _back_query(request.get_full_path()),
            "caption": _caption(new_only=new_only, newest_first=sort == DEFAULT_SORT),
            # A new organisation that nothing is shared with yet sees the first-day guide, not a table.
            "first_day": not new_only and page.paginator.count == 0,
            "verify_form": SearchForm(organisation=organisation),
        },
    )


def _caption(*, new_only: bool, newest_first: bool) -> str:
    """The results table's caption on the dashboard (read by screen readers, named by tests)."""
    if new_only:
        if newest_first:
            return _("New results shared with your organisation, newest first")
        return _("New results shared with your organisation")
    if newest_first:
        return _("Results shared with your organisation, newest first")
    return _("Results shared with your organisation")


def _with_name_matches(page: Any, name: str) -> Any:
    """Attach ``share.name_match``: how the candidate's name answers the searched name, and why."""
    if not name:
        return page
    for share in page:
        candidate = share.result.candidate
        share.name_match = names.explain(name, candidate.first_name, candidate.last_name)
    return page


def _save_search(request: HttpRequest, criteria: SearchCriteria, form_data: dict[str, Any]) -> str:
    """Keep the criteria in the session so names and dates of birth never appear in URLs or logs."""
    saved: dict[str, Any] = request.session.get("searches", {})
    key = secrets.token_urlsafe(8)
    saved[key] = {"criteria": criteria.to_session(), "form": form_data}
    request.session["searches"] = dict(list(saved.items())[-_SAVED_SEARCHES:])
    return key


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.RESULTS_SEARCH)
def search(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    if request.method == "POST":
        form = SearchForm(request.POST, organisation=organisation)
        if form.is_valid():
            ern = form.cleaned_data["ern"]
            if ern:
                return _lookup(request, form, ern)
            form_data = form.saved_form()
            key = _save_search(request, form.criteria(), form_data)
            requirement = form.cleaned_data.get("requirement")
            request.session["searches"][key]["requirement"] = str(requirement.public_id) if requirement else ""
            request.session["searches"][key]["meets_only"] = bool(form.cleaned_data.get("meets_only"))
            request.session.modified = True
            address = f"{reverse('results:search')}?q={key}"
            if request.htmx:
                # The page's script sent the form (decision 0007): the results at once, in one request,
                # and the address bar shows /search/?q=<key> as after the redirect below.
                return push_url(_results(request, key, request.session["searches"][key], "name"), address)
            return redirect(address)
        return render(request, "results/search.html", {"form": form}, status=400)
    key = request.GET.get("q", "")
    saved = request.session.get("searches", {}).get(key)
    if saved is None:
        # The dashboard's "More search options" link opens them.
        context = {"form": SearchForm(organisation=organisation), "open_more": request.GET.get("more") == "1"}
        return render(request, "results/search.html", context)
    return _results(request, key, saved, request.GET.get("sort", "name"))


def _results(request: OrganisationRequest, key: str, saved: dict[str, Any], sort: str) -> HttpResponse:
    """A page of the saved search ``key``: the form as filled in, the results, the download form."""
    organisation = request.organisation
    # Each page of results runs the search: limited per user, per organisation and per address.
    ratelimit.hit_all(
        {
            "search_user": actor_key(request.user),
            "search_org": str(organisation.pk),
            "search_ip": request.META.get("REMOTE_ADDR", ""),
        }
    )
    if sort not in SORTS:
        sort = "name"
    criteria = SearchCriteria.from_session(saved["criteria"])
    shares = shared_results(organisation=organisation, criteria=criteria, sort=sort)
    requirement = requirement_selectors.requirement_for(
        organisation=organisation, public_id=saved.get("requirement") or None
    )
    # Where "back" from a download or a result goes: this page's address, also when it answered the form's POST.
    results_url = request.get_full_path() if request.method == "GET" else f"{reverse('results:search')}?q={key}"
    if requirement is not None and saved.get("meets_only"):
        shares = shares.narrow(partial(requirement_selectors.meeting, requirement=requirement))
    return render(
        request,
        "results/search.html",
        {
            "form": SearchForm(initial=saved["form"], organisation=organisation),
            "page": _with_name_matches(_with_verdicts(_page(request, shares), requirement), criteria.name),
            "name_query": criteria.name,
            "requirement": requirement,
            "query_key": key,
            "table_query": urlencode({"q": key}),
            "sort": sort,
            "download_templates": _templates(request),
            "results_url": results_url,
            "row_back": _back_query(results_url),
        },
    )


def _lookup(request: OrganisationRequest, form: SearchForm, ern: str) -> HttpResponse:
    try:
        result = lookups.result_lookup_by_ern(
            actor=request.user,
            organisation=request.organisation,
            ern=ern,
            date_of_birth=form.cleaned_data.get("date_of_birth"),
            last_name=form.cleaned_data.get("name", ""),
        )
    except lookups.ErnNotFound:
        form.add_error("ern", _ern_miss_message(form.cleaned_data))
        return render(request, "results/search.html", {"form": form}, status=404)
    # "Back" from the result returns to the page the look-up was made on (the dashboard's verify box).
    back = local_path(request.POST.get("back", "")) or reverse("results:search")
    address = f"{reverse('results:detail', args=[result.public_id])}?{urlencode({'back': back})}"
    if request.htmx:
        return HttpResponseClientRedirect(address)
    return redirect(address)


def _ern_miss_message(data: dict[str, Any]) -> str:
    """What a missed ERN look-up says: the same for an unknown number and for any result.

    Without both surname and date of birth it also says that a result whose share the candidate
    revoked needs them (decision 0014); said on every such miss, it tells nothing about this one.
    """
    given = bool(data.get("date_of_birth")), bool(data.get("name"))
    if all(given):
        return _("No result matches this Exam Reference Number and the details you entered.")
    if any(given):
        return _(
            "No result matches this Exam Reference Number and the details you entered. If the candidate revoked a "
            "result they had shared with you, enter their surname and date of birth too."
        )
    return _(
        "No result matches this Exam Reference Number. If the candidate revoked a result they had shared with you, "
        "enter their surname and date of birth too."
    )


@never_cache
@org_permission_required(Perm.RESULTS_VIEW)
def detail(request: OrganisationRequest, public_id: str) -> HttpResponse:
    organisation = request.organisation
    result, share = access.result_for_organisation(organisation, public_id)
    was_new = share is not None and share.first_viewed_at is None
    lookups.result_open(actor=request.user, organisation=organisation, result=result, share=share)
    back_url, back_label = _back(request)
    return render(
        request,
        "results/detail.html",
        {
            "result": result,
            "share": share,
            "was_new": was_new,
            # The verdict panel: when this check was made, what the page offers next.
            "checked_at": timezone.now(),
            "back_label": back_label,
            "detail_url": request.get_full_path(),
            "download_templates": _templates(request),
            "components": list(result.components.all()),
            "show_photo": bool(share and share.include_photo and result.photo),
            "back_url": back_url,
            "last_revision": result.revisions.first(),
            "verdicts": [
                (requirement, requirement_services.check(requirement, result))
                for requirement in requirement_selectors.requirements_of(organisation=organisation)
            ],
        },
    )


def _back_query(path: str) -> str:
    """``?back=<path>``: what a link to a result carries to come back to ``path`` (``_back``)."""
    return f"?{urlencode({'back': path})}"


def local_path(value: str) -> str | None:
    """``value`` if it is a path on this site ("/search/?q=…"), else None: a ``back`` parameter is
    only ever followed within the site, never to another one (no open redirect)."""
    if not value.startswith("/") or value.startswith("//") or any(c in value for c in "\\\r\n\t"):
        return None
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=set()) else None


def _back(request: HttpRequest) -> tuple[str, str]:
    """Where the result page's back link goes, and what it says: the ``back`` path the results table
    (or the verify box) gave, else the page the user came from, else the dashboard."""
    back = local_path(request.GET.get("back", ""))
    if back is None:
        referer = request.META.get("HTTP_REFERER", "")
        if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
            back = referer
        else:
            back = reverse("results:dashboard")
    address = urlsplit(back)
    if address.path == reverse("results:search"):
        return back, _("Back to search results") if "q=" in address.query else _("Back to search")
    if address.path == reverse("results:dashboard"):
        return back, _("Back to Shared with you")
    return back, _("Back")


@never_cache
@org_permission_required(Perm.RESULTS_VIEW)
def photo(request: OrganisationRequest, public_id: str) -> HttpResponseBase:
    result, share = access.result_for_organisation(request.organisation, public_id)
    if share is None or not share.include_photo or not result.photo:
        raise Http404("No photo.")
    response = FileResponse(
        result.photo.open("rb"), content_type="image/png" if result.photo.name.endswith(".png") else "image/jpeg"
    )
    response["Cache-Control"] = "no-store, private"
    return response
