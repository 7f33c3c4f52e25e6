"""POST /api/v1/bulk-verifications/: the bulk verification of the web page, as JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from rvs.api.actors import key_of
from rvs.api.openapi import RATE_HEADERS, problem_responses, statuses
from rvs.api.serializers import TEXT_PATTERN
from rvs.api.views import ApiView
from rvs.bulk.verification import Sheet, bulk_limits_hit, verify_rows
from rvs.core.audit import log_action
from rvs.core.permissions import Perm

MAX_ROWS = 1000


class ApplicantSerializer(serializers.Serializer):
    ern = serializers.RegexField(TEXT_PATTERN, max_length=40, help_text="Exam Reference Number")
    name = serializers.RegexField(TEXT_PATTERN, required=False, allow_blank=True, max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True)


class BulkRequestSerializer(serializers.Serializer):
    rows = serializers.ListField(child=ApplicantSerializer(), min_length=1, max_length=MAX_ROWS)


class RowVerdictSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    ern = serializers.CharField()
    verdict = serializers.ChoiceField(
        choices=["verified", "mismatch", "not found", "withheld", "withdrawn", "pending", "invalid"]
    )
    details = serializers.CharField()
    result_id = serializers.UUIDField(allow_null=True)


class BulkResponseSerializer(serializers.Serializer):
    results = RowVerdictSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())


class BulkVerificationView(ApiView):
    required_permission = Perm.ERN_LOOKUP

    @extend_schema(
        operation_id="bulk_verify",
        summary="Verify many applicants at once",
        description=f"Up to {MAX_ROWS} rows; each gets a verdict. Audited and rate-limited per organisation.",
        request=BulkRequestSerializer,
        parameters=RATE_HEADERS,
        responses={
            200: BulkResponseSerializer,
            **problem_responses(*statuses(body=True)),  # sent as application/problem+json, so documented as such
        },
    )
    def post(self, request: Request) -> Response:
        body = BulkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        applicants: list[dict[str, Any]] = body.validated_data["rows"]
        bulk_limits_hit(actor=key_of(request), organisation=self.organisation, rows=len(applicants))
        sheet = Sheet(
            header=["ern", "name", "date_of_birth"],
            rows=[
                [a["ern"], a.get("name") or "", a["date_of_birth"].isoformat() if a.get("date_of_birth") else ""]
                for a in applicants
            ],
            ern_column=0,
            name_columns=[1],
            dob_column=2,
        )
        verdicts = verify_rows(sheet, organisation=self.organisation)
        counts: dict[str, int] = {}
        rows = []
        for index, (applicant, verdict) in enumerate(zip(applicants, verdicts, strict=True), start=1):
            counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
            rows.append(
                {
                    "row": index,
                    "ern": applicant["ern"],
                    "verdict": verdict.verdict,
                    "details": verdict.details,
                    "result_id": verdict.result.public_id if verdict.result is not None else None,
                }
            )
        log_action(
            "bulk.verified",
            actor=key_of(request),
            organisation=self.organisation,
            data={"rows": len(rows), "counts": counts},
        )
        return Response(BulkResponseSerializer({"results": rows, "counts": counts}).data)
