"""Query parameters of the API's GET operations, validated (400 outside their bounds) and documented."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from rvs.api.serializers import TEXT_PATTERN

MAX_PAGE_SIZE = 100
MAX_CHANGES = 500


class SearchParametersSerializer(serializers.Serializer):
    """The nine search fields of the web page (the ERN is ``POST /verify/``), and the page size."""

    name = serializers.RegexField(TEXT_PATTERN, required=False, max_length=200, help_text="First name, surname or both")
    date_of_birth = serializers.DateField(required=False)
    candidate_number = serializers.RegexField(r"^[A-Za-z0-9]{1,32}$", required=False)
    exam = serializers.SlugField(required=False, help_text="Exam code, e.g. b2-first (see GET /exams/)")
    place_of_entry = serializers.RegexField(TEXT_PATTERN, required=False, max_length=100)
    centre_name = serializers.RegexField(TEXT_PATTERN, required=False, max_length=200)
    email = serializers.EmailField(required=False)
    exam_date = serializers.DateField(required=False)
    include = serializers.ChoiceField(choices=["photo"], required=False, help_text="include=photo adds photo_url")
    requirement = serializers.UUIDField(
        required=False,
        help_text="An entry requirement id of yours (GET /requirements/): only results that meet it, with verdicts",
    )
    check = serializers.UUIDField(
        required=False,
        help_text="An entry requirement id of yours: every result with its verdict (met, or not met and why)",
    )
    # Refused outside its bounds rather than quietly clamped: a client asking for 1,000 learns why it got 100.
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=f"Results per page: 1-{MAX_PAGE_SIZE}, default 50.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("requirement") and attrs.get("check"):
            message = _("Give requirement (filter) or check (verdict only), not both.")
            raise serializers.ValidationError({"check": message})
        return attrs


class ResultParametersSerializer(serializers.Serializer):
    """Query parameters of one result (validated so a malformed requirement id is a 400, not ignored)."""

    include = serializers.CharField(required=False, allow_blank=True)
    check = serializers.UUIDField(required=False)


class ChangesParametersSerializer(serializers.Serializer):
    """The changes feed's position and page size."""

    cursor = serializers.RegexField(
        r"^[A-Za-z0-9_-]{0,40}$",
        required=False,
        allow_blank=True,
        help_text="The next_cursor of your previous call; leave out to start from the beginning.",
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_CHANGES, default=100,
        help_text=f"Events per page: 1-{MAX_CHANGES}, default 100.",
    )  # fmt: skip
