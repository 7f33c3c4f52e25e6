from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rvs.core import ern as ern_codec
from rvs.core import names
from rvs.core.models import Event
from rvs.downloads.exporters import EXPORTERS
from rvs.downloads.models import DownloadJob
from rvs.organisations.models import Organisation
from rvs.requirements.models import EntryRequirement
from rvs.requirements.rules import evaluate
from rvs.results.models import Result
from rvs.sharing.models import Share

# The event types of the changes feed and of webhooks (the test event is for webhooks only).
FEED_EVENT_TYPES = [kind for kind in Event.Kind.values if kind != Event.Kind.TEST]

# A printable-text pattern for free-text query parameters: no control characters.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_blank=True, help_text="e.g. date_of_birth; empty for the request as a whole")
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, sent as ``application/problem+json``."""

    type = serializers.CharField(help_text="A URI naming the kind of problem")
    title = serializers.CharField(help_text="The kind of problem in words, the same for every instance")
    status = serializers.IntegerField(help_text="The HTTP status code")
    detail = serializers.CharField(help_text="What went wrong this time, for a person to read")
    errors = ProblemErrorSerializer(many=True, required=False, help_text="400 only: one entry per invalid field")  # type: ignore[assignment]  # DRF declares fields as attributes


class CandidateSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    candidate_number = serializers.CharField(help_text="Candidate ID Number, as on the Confirmation of Entry")
    email = serializers.CharField(allow_blank=True)


class ExamSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CentreSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()
    place_of_entry = serializers.CharField(source="city")
    country = serializers.CharField()


class ComponentSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF declares fields as attributes
    score = serializers.IntegerField(allow_null=True)


DATETIME = serializers.DateTimeField()  # formats a datetime as every DateTimeField of the API does


class ShareInfoSerializer(serializers.Serializer):
    shared_at = serializers.DateTimeField()
    first_viewed_at = serializers.DateTimeField(allow_null=True)
    include_photo = serializers.BooleanField()


class VerdictSerializer(serializers.Serializer):
    """A result checked against one of the organisation's entry requirements."""

    requirement = serializers.UUIDField(help_text="The entry requirement's id (GET /requirements/)")
    name = serializers.CharField(help_text="The entry requirement's name, e.g. MSc entry")
    met = serializers.BooleanField(help_text="True when the result meets every part of the requirement")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why it is not met, one entry per failing part; empty when met"
    )


class NameMatchSerializer(serializers.Serializer):
    """How the candidate's name answers the ``name`` searched for (issue 8), as on the search page."""

    tier = serializers.ChoiceField(
        choices=["exact", "prefix", "variant"],
        help_text="exact: every word as written; prefix: a word begins a name; variant: a spelling or "
        "transliteration variant (Mueller for Müller, Alexander for Александр). Sort by it for exact matches first.",
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why it matched, in words (names swapped, middle name not given...)"
    )


class ResultSerializer(serializers.Serializer):
    """A result as the organisation may see it; ``share`` is null when found by ERN only."""

    id = serializers.UUIDField(source="public_id")
    ern = serializers.CharField(source="ern_display", help_text="Exam Reference Number, grouped")
    candidate = CandidateSerializer()
    exam = ExamSerializer()
    exam_date = serializers.DateField()
    centre = CentreSerializer()
    status = serializers.ChoiceField(choices=Result.Status.choices)
    overall_score = serializers.SerializerMethodField()
    cefr = serializers.SerializerMethodField()
    grade = serializers.SerializerMethodField()
    result_label = serializers.CharField()
    components = serializers.SerializerMethodField()
    share = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField()
    name_match = serializers.SerializerMethodField()

    def to_representation(self, instance: Result) -> dict[str, Any]:
        """The declared fields' output, written out: DRF's walk over some 30 fields cost about as much as
        the whole request of a trivial endpoint for each result of a page (bench/api.py). The fields
        above stay the contract and the OpenAPI schema; tests/api/test_schemathesis.py checks that this
        gives exactly what DRF's own ``to_representation`` would.
        """
        result, candidate, exam, centre = instance, instance.candidate, instance.exam, instance.centre
        return {
            "id": str(result.public_id),
            "ern": result.ern_display,
            "candidate": {
                "first_name": candidate.first_name,
                "last_name": candidate.last_name,
                "date_of_birth": candidate.date_of_birth.isoformat(),
                "candidate_number": candidate.candidate_number,
                "email": candidate.email,
            },
            "exam": {"code": exam.code, "name": exam.name},
            "exam_date": result.exam_date.isoformat(),
            "centre": {
                "number": centre.number,
                "name": centre.name,
                "place_of_entry": centre.city,
                "country": centre.country,
            },
            "status": result.status,
            "overall_score": self.get_overall_score(result),
            "cefr": self.get_cefr(result),
            "grade": self.get_grade(result),
            "result_label": result.result_label,
            "components": self.get_components(result),
            "share": self.get_share(result),
            "photo_url": self.get_photo_url(result),
            "verdict": self.get_verdict(result),
            "name_match": self.get_name_match(result),
        }

    def fields_walk(self, instance: Result) -> dict[str, Any]:
        """DRF's own field-by-field representation (what ``to_representation`` must equal)."""
        return dict(super().to_representation(instance))

    def get_overall_score(self, result: Result) -> int | None:
        return result.overall_score if result.shows_scores else None

    def get_cefr(self, result: Result) -> str:
        return result.cefr if result.shows_scores else ""

    def get_grade(self, result: Result) -> str:
        return result.grade if result.shows_scores else ""

    @extend_schema_field(ComponentSerializer(many=True))
    def get_components(self, result: Result) -> list[dict[str, Any]]:
        if not result.shows_scores:
            return []
        # Plain dicts (the shape of ComponentSerializer): a nested serializer built for every result of
        # a page cost more than the rest of the result together (bench/api.py). A list view passes
        # the page's components read in one query.
        fetched: dict[int, list[dict[str, Any]]] | None = self.context.get("components")
        if fetched is not None:
            return fetched.get(result.pk, [])
        return [{"code": c.code, "label": c.label, "score": c.score} for c in result.components.all()]

    def _share(self, result: Result) -> Share | None:
        shares: dict[int, Share] = self.context.get("shares", {})
        return shares.get(result.pk)

    @extend_schema_field(ShareInfoSerializer(allow_null=True, help_text="Null when found by ERN only"))
    def get_share(self, result: Result) -> dict[str, Any] | None:
        share = self._share(result)
        if share is None:
            return None
        # ShareInfoSerializer's shape, without building one per result.
        return {
            "shared_at": DATETIME.to_representation(share.shared_at),
            "first_viewed_at": DATETIME.to_representation(share.first_viewed_at) if share.first_viewed_at else None,
            "include_photo": share.include_photo,
        }

    def get_photo_url(self, result: Result) -> str | None:
        """Only when the candidate shared the photo with you and you asked (``include=photo``)."""
        share = self._share(result)
        if not self.context.get("include_photo") or share is None or not share.include_photo or not result.photo:
            return None
        request = self.context["request"]
        return str(request.build_absolute_uri(reverse("api:result_photo", args=[result.public_id])))

    @extend_schema_field(
        VerdictSerializer(allow_null=True, help_text="Null unless a requirement was asked for (requirement or check)")
    )
    def get_verdict(self, result: Result) -> dict[str, Any] | None:
        """The verdict for the requirement in the context (``requirement``), from the page's components."""
        requirement: EntryRequirement | None = self.context.get("requirement")
        if requirement is None:
            return None
        fetched: dict[int, list[dict[str, Any]]] | None = self.context.get("components")
        if fetched is not None:
            components = fetched.get(result.pk, [])
        else:
            components = [{"code": c.code, "label": c.label, "score": c.score} for c in result.components.all()]
        verdict = evaluate(
            self.context["rule"],
            exam_code=result.exam.code,
            exam_name=result.exam.name,
            exam_date=result.exam_date,
            shows_scores=result.shows_scores,
            overall=result.overall_score,
            components={c["code"]: c["score"] for c in components},
            labels={c["code"]: c["label"] for c in components},
            allowed_exam_names=self.context["allowed_exam_names"],
        )
        return {
            "requirement": str(requirement.public_id),
            "name": requirement.name,
            "met": verdict.met,
            "reasons": list(verdict.reasons),
        }

    @extend_schema_field(NameMatchSerializer(allow_null=True, help_text="Null unless a name was searched for"))
    def get_name_match(self, result: Result) -> dict[str, Any] | None:
        query: str = self.context.get("name_query", "")
        if not query:
            return None
        match = names.explain(query, result.candidate.first_name, result.candidate.last_name)
        if match is None:  # found through another field of a stored name than these two (should not happen)
            return None
        return {"tier": match.label, "reasons": list(match.reasons)}


class ResultPageSerializer(serializers.Serializer):
    """One page of a cursor-paginated list: follow ``next`` until it is null."""

    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null on the first one")
    results = ResultSerializer(many=True)


class VerifyRequestSerializer(serializers.Serializer):
    ern = serializers.CharField(max_length=40, help_text="Exam Reference Number, with or without hyphens")
    date_of_birth = serializers.DateField(required=False, help_text="If given, must match (a second factor)")
    last_name = serializers.RegexField(TEXT_PATTERN, required=False, max_length=200)

    def validate_ern(self, value: str) -> str:
        try:
            return ern_codec.normalise(value)
        except ern_codec.ErnFormatError as exc:
            raise serializers.ValidationError(str(exc)) from None


class EventSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    type = serializers.ChoiceField(source="kind", choices=FEED_EVENT_TYPES)
    created_at = serializers.DateTimeField()
    result_id = serializers.SerializerMethodField()
    data = serializers.DictField()  # type: ignore[assignment]  # DRF declares fields as attributes

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_result_id(self, event: Any) -> str | None:
        return str(event.result.public_id) if event.result_id else None


class ChangesSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as ?cursor= next time; unchanged when nothing new")


class DownloadRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(EXPORTERS))
    template = serializers.UUIDField(required=False, allow_null=True, help_text="A template id; default: all fields")
    results = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=100_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The registry as it is now, not as it was at import (decision 0021).
        field = self.fields["format"]
        assert isinstance(field, serializers.ChoiceField)
        field.choices = list(EXPORTERS)


class DownloadSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    format = serializers.ChoiceField(source="exporter", choices=list(EXPORTERS))
    template = serializers.CharField(source="template_name")
    status = serializers.ChoiceField(choices=DownloadJob.Status.values)
    progress = serializers.IntegerField()
    requested = serializers.IntegerField()
    included = serializers.IntegerField()
    omitted = serializers.IntegerField(help_text="Results left out: not (or no longer) shared with you")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    file_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="Set once status is done"))
    def get_file_url(self, job: Any) -> str | None:
        if job.status != "done":
            return None
        return str(self.context["request"].build_absolute_uri(reverse("api:download_file", args=[job.public_id])))


class TemplateColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A field, or requirement:<id> for an entry requirement's verdict")
    label = serializers.CharField(help_text='The heading, e.g. "Surname" or "Meets: MSc entry"')  # type: ignore[assignment]


class TemplateSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", allow_null=True)
    name = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]  # DRF declares fields as attributes
    columns = serializers.SerializerMethodField()

    @extend_schema_field(TemplateColumnSerializer(many=True))
    def get_columns(self, template: Any) -> list[dict[str, str]]:
        """The file's columns in order; an entry requirement deleted since is left out, as in the file.

        An entry requirement's column says "met", or "not met: " and the reasons.
        """
        available = self.context["available_fields"]
        fields = template["fields"] if isinstance(template, dict) else template.fields
        return [{"key": key, "label": available[key]} for key in fields if key in available]


class RequirementSerializer(serializers.Serializer):
    """An entry requirement: every part is optional, and a result meets it when every given part holds."""

    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    min_overall = serializers.IntegerField(allow_null=True, help_text="Lowest overall score accepted")
    min_component = serializers.IntegerField(allow_null=True, help_text="Lowest score accepted in every skill")
    exams = serializers.SerializerMethodField()
    within_years = serializers.IntegerField(allow_null=True, help_text="The exam taken at most this many years ago")

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="Exam codes; empty: any"))
    def get_exams(self, requirement: Any) -> list[str]:
        return sorted(exam.code for exam in requirement.exams.all())


class OrganisationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    type = serializers.CharField(source="kind")
    country = serializers.CharField()
    city = serializers.CharField()
    website = serializers.CharField()
    recognised_exams = serializers.SerializerMethodField()

    def get_recognised_exams(self, organisation: Organisation) -> list[str]:
        return [exam.code for exam in organisation.recognised_exams.all()]


class ExamListSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    family = serializers.CharField()
    verifiable = serializers.BooleanField()
