"""Entry requirements: the rule against the scoring rules (properties), SQL = Python, and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvs.exams.catalogue import read_catalogue
from rvs.exams.scoring import compute, scheme_for
from rvs.requirements import selectors, services
from rvs.requirements.models import EntryRequirement
from rvs.requirements.rules import Rule, evaluate
from tests.conftest import client_for
from tests.factories import ShareFactory

CES = [e for e in read_catalogue() if e["verifiable"]]
TODAY = dt.date(2026, 11, 29)


@st.composite
def scored(draw: Any) -> tuple[dict[str, Any], Any, dict[str, int]]:
    exam = draw(st.sampled_from(CES))
    scheme = scheme_for(exam["scoring"], TODAY)
    assert scheme is not None
    scores = {c.code: draw(st.integers(scheme.component_min, scheme.scale_max)) for c in scheme.components}
    return exam, compute(scheme, scores), scores


def _evaluate(rule: Rule, exam: dict[str, Any], outcome: Any, exam_date: dt.date = TODAY) -> Any:
    return evaluate(
        rule, exam_code=exam["code"], exam_name=exam["name"], exam_date=exam_date,
        shows_scores=outcome.status == "result", overall=outcome.overall, components=outcome.components, today=TODAY,
    )  # fmt: skip


@given(scored(), st.integers(80, 230))
def test_it_means_a_skill_minimum_is_also_an_overall_minimum(data: Any, floor: int) -> None:
    exam, outcome, _ = data
    by_skill = _evaluate(Rule(min_component=floor), exam, outcome)
    both = _evaluate(Rule(min_component=floor, min_overall=floor), exam, outcome)
    # The overall score is a (weighted) mean of the skills, rounded: never below the lowest skill.
    assert by_skill.met == both.met


@given(scored(), st.integers(80, 230), st.integers(0, 15))
def test_it_is_monotonic_in_every_score(data: Any, floor: int, raise_by: int) -> None:
    exam, outcome, scores = data
    scheme = scheme_for(exam["scoring"], TODAY)
    assert scheme is not None
    better = compute(scheme, {code: min(score + raise_by, scheme.scale_max) for code, score in scores.items()})
    rule = Rule(min_overall=floor, min_component=floor - 5)
    if _evaluate(rule, exam, outcome).met:
        assert _evaluate(rule, exam, better).met


@given(scored(), st.integers(80, 230))
def test_it_gives_a_reason_for_every_unmet_part(data: Any, floor: int) -> None:
    exam, outcome, _ = data
    verdict = _evaluate(Rule(min_overall=floor, exam_codes=frozenset({"nope"})), exam, outcome)
    assert not verdict.met
    assert any("not one of the accepted exams" in reason for reason in verdict.reasons)
    if outcome.overall is not None and outcome.overall < floor:
        assert any(f"below {floor}" in reason for reason in verdict.reasons)


def test_it_counts_years_back_from_today() -> None:
    rule = Rule(within_years=2)
    exam = CES[0]
    scheme = scheme_for(exam["scoring"], TODAY)
    assert scheme is not None
    outcome = compute(scheme, {c.code: scheme.scale_max for c in scheme.components})
    assert _evaluate(rule, exam, outcome, exam_date=dt.date(2024, 11, 29)).met
    assert not _evaluate(rule, exam, outcome, exam_date=dt.date(2024, 11, 28)).met


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(150, 200), st.integers(150, 200), st.booleans())
def test_it_filters_in_sql_exactly_as_it_judges_in_python(
    org_a: Any, overall: int, skill: int, with_exams: bool
) -> None:
    from rvs.exams.models import Exam
    from rvs.sharing.models import Share

    if not Share.objects.filter(organisation=org_a).exists():
        for index, scores in enumerate([
            {"reading": 185, "use_of_english": 190, "writing": 172, "listening": 180, "speaking": 178},
            {"reading": 160, "use_of_english": 165, "writing": 158, "listening": 170, "speaking": 162},
            {"reading": 190, "use_of_english": 190, "writing": 190, "listening": 190, "speaking": 190},
        ]):  # fmt: skip
            ShareFactory(organisation=org_a, result__scores=scores, result__exam_date=dt.date(2025, 1, 1 + index))
        ShareFactory(organisation=org_a, result__forced_status="pending")
    requirement = EntryRequirement.objects.create(
        organisation=org_a, name=f"r{overall}-{skill}-{with_exams}", min_overall=overall, min_component=skill
    )
    if with_exams:
        requirement.exams.set(Exam.objects.filter(code="b2-first"))
    shares = Share.objects.filter(organisation=org_a)
    in_sql = set(selectors.meeting(shares, requirement).values_list("pk", flat=True))
    in_python = {share.pk for share in shares if services.check(requirement, share.result).met}
    assert in_sql == in_python
    requirement.delete()


@pytest.mark.django_db
class TestPages:
    def _create(self, client: Client, **changes: Any) -> Any:
        from rvs.exams.models import Exam

        exams = [str(e.pk) for e in Exam.objects.filter(code__in=["b2-first", "c1-advanced", "c2-proficiency"])]
        data = {"name": "MSc entry", "min_overall": "176", "min_component": "169", "exams": exams, "within_years": "2"}
        data.update(changes)
        return client.post(reverse("requirements:new"), data)

    def test_it_lets_the_primary_user_define_requirements(self, primary: Any, member: Any, org_a: Any) -> None:
        assert self._create(client_for(member)).status_code == 403
        assert self._create(client_for(primary)).status_code == 302
        requirement = EntryRequirement.objects.get()
        assert requirement.min_overall == 176
        assert requirement.exams.count() == 3
        assert "MSc entry" in client_for(member).get(reverse("requirements:index")).content.decode()
        assert self._create(client_for(primary)).status_code == 400  # same name again

    def test_it_refuses_other_organisations_and_signed_out_visitors(
        self, primary: Any, outsider_client: Client
    ) -> None:
        self._create(client_for(primary))
        requirement = EntryRequirement.objects.get()
        for name in ("requirements:edit", "requirements:delete"):
            url = reverse(name, args=[requirement.public_id])
            assert outsider_client.get(url).status_code == 404
            assert outsider_client.post(url).status_code == 404
            assert Client().get(url).status_code == 302
        assert Client().get(reverse("requirements:index")).status_code == 302
        assert EntryRequirement.objects.exists()

    def test_it_shows_met_and_not_met_with_reasons_and_filters(self, primary: Any, org_a: Any) -> None:
        client = client_for(primary)
        self._create(client)
        requirement = EntryRequirement.objects.get()
        recent = dt.date.today() - dt.timedelta(days=30)
        strong = {"reading": 185, "use_of_english": 190, "writing": 172, "listening": 180, "speaking": 178}
        good = ShareFactory(
            organisation=org_a, result__candidate__last_name="Good", result__scores=strong, result__exam_date=recent
        )
        weak = ShareFactory(
            organisation=org_a, result__candidate__last_name="Weak", result__scores={**strong, "writing": 160},
            result__exam_date=recent,
        )  # fmt: skip
        response = client.post(reverse("results:search"), {"requirement": str(requirement.public_id)}, follow=True)
        page = response.content.decode()
        assert "Good, Łukasz" in page
        assert "Writing 160 is below 169" in page
        filtered = client.post(
            reverse("results:search"), {"requirement": str(requirement.public_id), "meets_only": "on"}, follow=True
        ).content.decode()
        assert "Good, Łukasz" in filtered
        assert "Weak, Łukasz" not in filtered
        dashboard = client.get(
            reverse("results:dashboard"), {"requirement": str(requirement.public_id)}
        ).content.decode()
        assert "Not met" in dashboard
        details = client.get(reverse("results:detail", args=[weak.result.public_id])).content.decode()
        assert "MSc entry" in details
        assert "Writing 160 is below 169" in details
        assert good.result.public_id
