"""The API Developer Portal: public pages, server-rendered, everything in them checked against the API by tests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from rvs.api.bulk_views import MAX_ROWS as BULK_MAX_ROWS
from rvs.api.problems import title_of
from rvs.api.webhooks import EVENT_TYPES
from rvs.core import ratelimit
from rvs.developers import examples, operations, reference

PAGES = [
    ("developers:index", gettext_lazy("Getting started")),
    ("developers:authentication", gettext_lazy("Authentication")),
    ("developers:endpoints", gettext_lazy("Endpoints")),
    ("developers:errors", gettext_lazy("Errors")),
    ("developers:rate_limits", gettext_lazy("Rate limits")),
    ("developers:webhooks", gettext_lazy("Webhooks")),
    ("developers:changelog", gettext_lazy("Changelog")),
]
EVENT_DESCRIPTIONS = {
    "result.shared": gettext_lazy("A candidate shared a result with you. data: share (its id) and include_photo."),
    "share.revoked": gettext_lazy("A candidate revoked a share: the result is no longer yours to see. data: share."),
    "result.corrected": gettext_lazy(
        "We corrected a result you can see. data: changed (the names of the fields that changed)."
    ),
    "result.withdrawn": gettext_lazy("We withdrew a result you can see. data: changed."),
}


def _base_url() -> str:
    return str(settings.RVS_SITE_URL).rstrip("/")


def code(text: str) -> str:
    """An example as shown: with this site's address instead of the placeholder one."""
    return text.replace(examples.BASE_URL, _base_url())


def _number(value: int) -> str:
    """ "10,000" in English, "10 000" in Spanish: the page language's separators (decision 0036)."""
    return formats.number_format(value, force_grouping=True)


def _per(rule: str) -> str:
    """ "600/60" → "600 a minute"."""
    count, seconds = ratelimit.parse_rule(rule)
    shown = {"count": _number(count), "seconds": _number(seconds)}
    if seconds == 60:
        return _("%(count)s a minute") % shown
    if seconds == 3600:
        return _("%(count)s an hour") % shown
    if seconds == 86400:
        return _("%(count)s a day") % shown
    return _("%(count)s every %(seconds)s seconds") % shown


def _hours(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def facts() -> dict[str, Any]:
    """The numbers the pages quote, from the settings in force."""
    limits = settings.RATE_LIMITS
    return {
        "base_url": _base_url(),
        "api_base": _base_url() + "/api/v1",
        "grant_days": settings.ERN_GRANT_HOURS // 24,
        "grant": _hours(settings.ERN_GRANT_HOURS),
        "stream_limit": settings.DOWNLOAD_STREAM_LIMIT,
        "max_results": _number(settings.DOWNLOAD_MAX_RESULTS),
        "api_key_rate": _per(limits["api_key"]),
        "ern_user_rate": _per(limits["ern_lookup_user"]),
        "ern_org_rate": _per(limits["ern_lookup_org"]),
        "ern_miss_rate": _per(limits["ern_miss_user"]),
        "overlap": _hours(settings.API_KEY_ROTATION_OVERLAP_HOURS),
        "retry": _hours(settings.WEBHOOK_RETRY_HOURS),
        "disable_after": settings.WEBHOOK_DISABLE_AFTER,
        "bulk_rows": _number(BULK_MAX_ROWS),
        "bulk_rate": _per(limits["bulk_org"]),
        "bulk_key_rate": _per(limits["bulk_user"]),
        "bulk_ip_rate": _per(limits["bulk_ip"]),
        "api_org_rate": _per(limits["api_org"]),
        "api_ip_rate": _per(limits["api_ip"]),
        "ern_ip_rate": _per(limits["ern_lookup_ip"]),
    }


def _render(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(request, f"developers/{template}", {"pages": PAGES, "facts": facts(), **context})


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "index.html",
        first_call=code(examples.FIRST_CALL),
        first_call_response=examples.FIRST_CALL_RESPONSE,
        python_setup=code(examples.PYTHON_SETUP),
        validate_statement=code(VALIDATE_STATEMENT),
    )


# Offline validation of a statement, outside the service (decision 0018).
VALIDATE_STATEMENT = f"""curl -o statement-signing-certificate.pem {examples.BASE_URL}/verify/certificate.pem
pip install pyhanko-cli
pyhanko sign validate --pretty-print --trust statement-signing-certificate.pem statement.pdf"""


@require_safe
def authentication(request: HttpRequest) -> HttpResponse:
    return _render(request, "authentication.html", first_call=code(examples.FIRST_CALL))


@require_safe
def endpoints(request: HttpRequest) -> HttpResponse:
    values = facts()
    shown = [
        {
            "slug": e.slug,
            "title": e.title,
            "method": e.method,
            "path": e.path,
            "scope": e.scope,
            "summary": e.summary.format(**values),
            "notes": [note.format(**values) for note in e.notes],
            "curl": code(e.curl),
            "python": code(e.python),
            "response": code(str(e.response)),
        }
        for e in operations.ENDPOINTS
    ]
    return _render(request, "endpoints.html", endpoints=shown, python_setup=code(examples.PYTHON_SETUP))


@require_safe
def errors(request: HttpRequest) -> HttpResponse:
    problems = [
        {"status": status, "title": title_of(status), "id": f"problem-{status}", "meaning": meaning, "body": body}
        for status, meaning, body in reference.PROBLEM_EXAMPLES
    ]
    return _render(request, "errors.html", problems=problems)


@require_safe
def rate_limits(request: HttpRequest) -> HttpResponse:
    return _render(request, "rate_limits.html")


@require_safe
def webhooks(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "webhooks.html",
        events=[(kind, EVENT_DESCRIPTIONS[kind]) for kind in EVENT_TYPES],
        payload=examples.WEBHOOK_PAYLOAD,
        delivery=examples.WEBHOOK_DELIVERY,
        example_secret=examples.WEBHOOK_EXAMPLE_SECRET,
        verify_snippet=examples.snippet("verify_webhook"),
        receive_snippet=examples.snippet("receive_webhook"),
    )


@require_safe
def changelog(request: HttpRequest) -> HttpResponse:
    return _render(request, "changelog.html", releases=reference.CHANGELOG)
