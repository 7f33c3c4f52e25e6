"""GET /api/v1/requirements/: the organisation's entry requirements, whose ids the results filter takes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from rvs.api import serializers as s
from rvs.api.openapi import RATE_HEADERS, problem_responses, statuses
from rvs.api.views import ApiView
from rvs.core.permissions import Perm
from rvs.requirements import selectors as requirement_selectors


class RequirementsView(ApiView):
    required_permission = Perm.RESULTS_VIEW

    @extend_schema(
        operation_id="requirements_list",
        summary="Your entry requirements",
        description=(
            "The entry requirements your organisation defined under Your Organisation → Entry requirements. "
            "Pass an id as requirement= (only results that meet it) or check= (every result, with its verdict) "
            "to GET /results/, or as check= to GET /results/{result_id}/."
        ),
        parameters=RATE_HEADERS,
        responses={200: s.RequirementSerializer(many=True), **problem_responses(*statuses())},
    )
    def get(self, request: Request) -> Response:
        requirements = requirement_selectors.requirements_of(organisation=self.organisation)
        return Response(s.RequirementSerializer(requirements, many=True).data)
