"""The Developer Portal's reference pages as data: the problem details each status answers with,
and the API's changelog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROBLEM_EXAMPLES: list[tuple[int, StrOrPromise, str]] = [
    (
        400,
        _("A filter or field that is not valid; errors lists each one."),
        """\
{
  "type": "https://rvs.invalid/problems/invalid-request",
  "title": "Invalid request",
  "status": 400,
  "detail": "date_of_birth: Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
  "errors": [
    {"field": "date_of_birth", "message": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."}
  ]
}""",
    ),
    (
        401,
        _("No key, or a key that is not valid, has expired or has been revoked (WWW-Authenticate: Bearer)."),
        """\
{
  "type": "https://rvs.invalid/problems/authentication-required",
  "title": "Authentication required",
  "status": 401,
  "detail": "This API key is not valid, has expired or has been revoked."
}""",
    ),
    (
        403,
        _("The key may not do this: a read-only key creating or fetching downloads."),
        """\
{
  "type": "https://rvs.invalid/problems/not-allowed",
  "title": "Not allowed",
  "status": 403,
  "detail": "This API key may not do this. Read-only keys cannot create downloads."
}""",
    ),
    (
        404,
        _("No such result, download or template, or one your organisation may not see: the same answer for both."),
        """\
{
  "type": "https://rvs.invalid/problems/not-found",
  "title": "Not found",
  "status": 404,
  "detail": "No such resource, or not one your organisation can see."
}""",
    ),
    (
        409,
        _("The download's file is not ready yet: poll the download until its status is done."),
        """\
{
  "type": "https://rvs.invalid/problems/not-ready",
  "title": "Not ready",
  "status": 409,
  "detail": "This download is waiting; poll it until it is ready."
}""",
    ),
    (
        415,
        _("The request body is not JSON: send it with Content-Type: application/json."),
        """\
{
  "type": "https://rvs.invalid/problems/unsupported-media-type",
  "title": "Unsupported media type",
  "status": 415,
  "detail": "Unsupported media type \\"application/x-www-form-urlencoded\\" in request."
}""",
    ),
    (
        429,
        _("Too many requests: wait the number of seconds in the Retry-After header, then try again."),
        """\
{
  "type": "https://rvs.invalid/problems/too-many-requests",
  "title": "Too many requests",
  "status": 429,
  "detail": "Too many requests; try again in 23 seconds."
}""",
    ),
]

CHANGELOG: list[tuple[str, str, list[StrOrPromise]]] = [
    (
        "1.3.0",
        "2026-12-07",
        [
            _(
                "GET /results/ lists the newest share first by shared_at (it followed the order shares were stored in, "
                "which an import or a re-share can change)."
            ),
            _(
                "page_size outside 1-100 (GET /results/) and limit outside 1-500 (GET /changes/) are refused with 400 "
                "instead of being quietly clamped; both bounds are in the schema."
            ),
            _(
                "Each operation in the OpenAPI schema lists the statuses it can send (415 for a body that is not JSON, "
                "503 while requests cannot be counted); 409 only where a file may not be ready. Nullable objects are "
                "described so that strict OpenAPI 3.0 validators accept null."
            ),
        ],
    ),
    (
        "1.2.0",
        "2026-11-29",
        [
            _(
                "GET /results/?name= forgives how a name is written (Mueller finds Müller, Alexander finds "
                "Александр, O Brien finds O'Brien, names in either order, middle names left out), and each result "
                "carries name_match: its tier (exact, prefix, variant) and the reasons. Results have a new field, "
                "name_match, null unless you search by name."
            ),
        ],
    ),
    (
        "1.1.0",
        "2026-11-29",
        [
            _("GET /requirements/: your organisation's entry requirements."),
            _(
                "GET /results/ takes requirement=<id> (only the results that meet it) or check=<id> (every result), "
                "and GET /results/{result_id}/ takes check=<id>; each result then carries verdict (met, and why not). "
                "Results have a new field, verdict, null unless you ask."
            ),
        ],
    ),
    (
        "1.0.0",
        "2026-11-29",
        [
            _(
                "First release of the REST API at /api/v1/: shared results with the nine search filters and cursor "
                "pages, one result, test day photo, verify by Exam Reference Number, changes feed, downloads (PDF, "
                "XLSX, CSV) with templates, the exam catalogue and your organisation."
            ),
            _("API keys with read or read-and-write access, rotation with an overlap, revocation."),
            _("Errors as RFC 9457 problem details; rate limits with X-RateLimit-* headers."),
            _(
                "Webhooks signed the Standard Webhooks way for result.shared, share.revoked, result.corrected and "
                "result.withdrawn."
            ),
            _("OpenAPI 3 schema, Swagger UI and ReDoc."),
        ],
    ),
]
