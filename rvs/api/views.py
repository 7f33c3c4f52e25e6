"""REST API v1. Every view calls the same services and selectors as the web pages."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import time
import uuid
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rvs.api import parameters, result_rows
from rvs.api import serializers as s
from rvs.api.actors import key_of
from rvs.api.openapi import RATE_HEADERS, problem_responses, statuses
from rvs.api.problems import plain_problem
from rvs.core import ratelimit
from rvs.core.models import Event
from rvs.core.permissions import Perm
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation
from rvs.requirements import selectors as requirement_selectors
from rvs.requirements import services as requirement_services
from rvs.sharing import access, lookups, search
from rvs.sharing.models import Share
from rvs.sharing.search import SearchCriteria

# Python ints and database ids: anything beyond a signed 64-bit integer is not an id we gave out.
MAX_ID = 2**63 - 1


class ApiView(APIView):
    """Base of every API view: per-key rate limit, with the limit's state in response headers."""

    required_permission: Perm | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and permission first
        key = key_of(request)
        limit, period = ratelimit.parse_rule(settings.RATE_LIMITS["api_key"])
        now = int(time.time())
        self._rate = (limit, period - now % period)
        try:
            # Per key (the headers describe this one), per organisation (all its keys) and per address.
            ratelimit.hit_all(
                {"api_key": str(key.pk), "api_org": str(key.organisation_id), "api_ip": request.META.get("REMOTE_ADDR")}
            )
        except ratelimit.RateLimited as exc:
            # nothing remains; without this the 429 said the whole limit did
            self._rate_used = limit if exc.scope == "api_key" else ratelimit.count("api_key", str(key.pk))
            raise
        self._rate_used = ratelimit.count("api_key", str(key.pk))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        rate = getattr(self, "_rate", None)
        if rate is not None:
            limit, reset = rate
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(max(0, limit - getattr(self, "_rate_used", 0)))
            response["X-RateLimit-Reset"] = str(reset)
        response["Cache-Control"] = "no-store"
        return response

    @property
    def organisation(self) -> Organisation:
        return key_of(self.request).organisation


class SharePagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = parameters.MAX_PAGE_SIZE
    # Newest share first by when it was shared; the id orders shares of the same moment. DRF keeps the
    # first field's value as the cursor's position and an offset within equal values.
    ordering = ("-shared_at", "-id")
    invalid_cursor_message = gettext_noop("This cursor is not one we gave you.")

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's cursor, refused with a 400 unless its position is a time with its zone (a forged one made a 500)."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": _(self.invalid_cursor_message)}) from None
        position = str(cursor.position) if cursor is not None and cursor.position is not None else None
        if position is not None and not _is_aware_time(position):
            raise ValidationError({"cursor": _(self.invalid_cursor_message)})
        return cursor


def _is_aware_time(text: str) -> bool:
    try:
        moment = parse_datetime(text)
    except ValueError:  # well formed, but no such date or time
        return False
    return moment is not None and moment.tzinfo is not None and text.isascii()


def requirement_context(organisation: Organisation, public_id: uuid.UUID | None) -> dict[str, Any]:
    """What ``ResultSerializer.get_verdict`` needs for one of the organisation's requirements.

    None: no verdict. Another organisation's requirement and an unknown one give the same 404.
    """
    if public_id is None:
        return {}
    requirement = requirement_selectors.requirement_for(organisation=organisation, public_id=public_id)
    if requirement is None:
        raise NotFound(_("No entry requirement of your organisation has this id (see GET /api/v1/requirements/)."))
    return {
        "requirement": requirement,
        "rule": requirement_services.rule_of(requirement),
        "allowed_exam_names": [exam.name for exam in requirement.exams.all()],
    }


class SharedResultsView(ApiView):
    required_permission = Perm.RESULTS_SEARCH

    @extend_schema(
        operation_id="results_list",
        summary="Results shared with your organisation",
        description=(
            "The nine search fields of the web page as filters, newest share first, cursor-paginated. "
            "requirement=<id> keeps only the results that meet one of your entry requirements; check=<id> "
            "keeps them all; either adds each result's verdict for that requirement. With name=, each result "
            "says how its name matched (name_match: exact, prefix or a spelling variant, and why)."
        ),
        parameters=[
            parameters.SearchParametersSerializer,
            OpenApiParameter(
                "cursor",
                str,
                required=False,
                pattern=r"^[A-Za-z0-9+/=]{0,200}$",
                description="Opaque: follow the next and previous links rather than making one.",
            ),
            *RATE_HEADERS,
        ],
        responses={200: s.ResultPageSerializer, **problem_responses(*statuses(params=True, lookup=True))},
    )
    def get(self, request: Request) -> Response:
        params = parameters.SearchParametersSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        exam_id = None
        if data.get("exam"):
            exam = Exam.objects.filter(code=data["exam"]).first()
            exam_id = exam.pk if exam else -1
        criteria = SearchCriteria(
            name=data.get("name", ""),
            date_of_birth=data.get("date_of_birth"),
            candidate_number=data.get("candidate_number", ""),
            exam_id=exam_id,
            place_of_entry=data.get("place_of_entry", ""),
            centre_name=data.get("centre_name", ""),
            email=data.get("email", ""),
            exam_date=data.get("exam_date"),
        )
        verdicts = requirement_context(self.organisation, data.get("requirement") or data.get("check"))
        found = search.shared_results(organisation=self.organisation, criteria=criteria)
        # The matches in the cursor's order (newest share first): a name search's tiers, which the
        # cursor would replace, are never built (bench/api.py).
        queryset: QuerySet[Share] = found.queryset(order_by=SharePagination.ordering)
        if data.get("requirement"):
            queryset = requirement_selectors.meeting(queryset, verdicts["requirement"])
        paginator = SharePagination()
        # The page as plain rows of the columns a result shows and its component scores, in one query
        # (result_rows): model instances and a second query cost more than the rest (bench/api.py).
        page = paginator.paginate_queryset(queryset.values("id", "shared_at"), request, view=self)
        results, shares, components = result_rows.rows_of(result_rows.page_by_ids([row["id"] for row in page or []]))
        context = {
            "request": request,
            "shares": shares,
            "include_photo": data.get("include") == "photo",
            "components": components,
            "name_query": criteria.name,
            **verdicts,
        }
        return paginator.get_paginated_response(s.ResultSerializer(results, many=True, context=context).data)


class ResultDetailView(ApiView):
    required_permission = Perm.RESULTS_VIEW

    @extend_schema(
        operation_id="results_retrieve",
        summary="One result",
        description="A result shared with you (or looked up by its ERN). Reading it marks a new share as read.",
        parameters=[
            OpenApiParameter("include", str, enum=["photo"], required=False, description="photo: add photo_url"),
            OpenApiParameter(
                "check",
                OpenApiTypes.UUID,
                required=False,
                description="An entry requirement id of yours (GET /requirements/): add the result's verdict for it",
            ),
            *RATE_HEADERS,
        ],
        responses={200: s.ResultSerializer, **problem_responses(*statuses(params=True, lookup=True))},
    )
    def get(self, request: Request, result_id: uuid.UUID) -> Response:
        params = parameters.ResultParametersSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        result, share = access.result_for_organisation(self.organisation, result_id)
        verdicts = requirement_context(self.organisation, params.validated_data.get("check"))
        lookups.result_open(actor=key_of(request), organisation=self.organisation, result=result, share=share)
        if verdicts:  # the components and the verdict read the component scores once, not twice
            prefetch_related_objects([result], "components")
        context = {
            "request": request,
            "shares": {result.pk: share} if share else {},
            "include_photo": params.validated_data.get("include") == "photo",
            **verdicts,
        }
        return Response(s.ResultSerializer(result, context=context).data)


class ResultPhotoView(ApiView):
    required_permission = Perm.RESULTS_VIEW

    @extend_schema(
        operation_id="results_photo",
        summary="Test day photo",
        description="Only when the candidate included the photo in their share with you.",
        parameters=RATE_HEADERS,
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **problem_responses(*statuses(lookup=True))},
    )
    def get(self, request: Request, result_id: uuid.UUID) -> Any:
        result, share = access.result_for_organisation(self.organisation, result_id)
        if share is None or not share.include_photo or not result.photo:
            raise Http404
        return FileResponse(result.photo.open("rb"), content_type="image/jpeg")


class VerifyView(ApiView):
    required_permission = Perm.ERN_LOOKUP

    @extend_schema(
        operation_id="verify",
        summary="Verify a result by its Exam Reference Number",
        description=(
            "Finds any result, shared or not. Audited and rate-limited. A mistyped number gives 400 (its check "
            "character does not match); an unknown number, or details that do not match, give 404. After the "
            "candidate revoked a share of the result with you, last_name and date_of_birth are both required "
            "(404 without them) and the answer never has a photo."
        ),
        request=s.VerifyRequestSerializer,
        parameters=RATE_HEADERS,
        responses={200: s.ResultSerializer, **problem_responses(*statuses(body=True, lookup=True))},
    )
    def post(self, request: Request) -> Response:
        body = s.VerifyRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            result = lookups.result_lookup_by_ern(
                actor=key_of(request),
                organisation=self.organisation,
                ern=data["ern"],
                date_of_birth=data.get("date_of_birth"),
                last_name=data.get("last_name", ""),
            )
        except lookups.ErnNotFound:
            raise Http404 from None
        share = access.share_of(self.organisation, result)
        context = {"request": request, "shares": {result.pk: share} if share else {}}
        return Response(s.ResultSerializer(result, context=context).data)


def _encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{event_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        # Digits only and within a database id: int() alone takes "-1", " 1" and numbers the database overflows on.
        if not text.startswith("e") or not text[1:].isdigit() or int(text[1:]) > MAX_ID:
            raise ValueError
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": _("This cursor is not one we gave you.")}) from None


class ChangesView(ApiView):
    required_permission = Perm.RESULTS_VIEW
    settle = dt.timedelta(seconds=2)

    @extend_schema(
        operation_id="changes",
        summary="Changes feed",
        description=(
            "Shares, revocations, corrections and withdrawals, oldest first, after the cursor you were given. "
            "Store next_cursor and pass it next time: you never miss or double-count an event. Events appear "
            "two seconds after they happen, so a slow transaction is never skipped."
        ),
        parameters=[parameters.ChangesParametersSerializer, *RATE_HEADERS],
        responses={200: s.ChangesSerializer, **problem_responses(*statuses(params=True))},
    )
    def get(self, request: Request) -> Response:
        params = parameters.ChangesParametersSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cursor, limit = params.validated_data.get("cursor", ""), params.validated_data["limit"]
        after = _decode_cursor(cursor) if cursor else 0
        events = list(
            Event.objects.filter(
                organisation=self.organisation, id__gt=after, created_at__lte=timezone.now() - self.settle
            )
            .exclude(kind=Event.Kind.TEST)
            .select_related("result")
            .order_by("id")[:limit]
        )
        next_cursor = _encode_cursor(events[-1].pk) if events else (cursor or _encode_cursor(0))
        return Response(s.ChangesSerializer({"events": events, "next_cursor": next_cursor}).data)


class OrganisationView(ApiView):
    required_permission = Perm.ORG_VIEW

    @extend_schema(
        operation_id="organisation",
        summary="Your organisation",
        description="The organisation the API key belongs to, with the exams it recognises.",
        parameters=RATE_HEADERS,
        responses={200: s.OrganisationSerializer, **problem_responses(*statuses())},
    )
    def get(self, request: Request) -> Response:
        return Response(s.OrganisationSerializer(self.organisation).data)


class ExamsView(ApiView):
    required_permission = Perm.RESULTS_VIEW

    @extend_schema(
        operation_id="exams_list",
        summary="The exam catalogue",
        description="Every exam, with its code (the exam filter of GET /results/) and whether it can be verified.",
        parameters=RATE_HEADERS,
        responses={200: s.ExamListSerializer(many=True), **problem_responses(*statuses())},
    )
    def get(self, request: Request) -> Response:
        return Response(s.ExamListSerializer(Exam.objects.all(), many=True).data)


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other path under /api/v1/ (an id that is not a UUID, a missing slash): a problem, not an HTML page."""
    return plain_problem(404, _("No such resource. API paths end with a slash, e.g. /api/v1/results/."))
