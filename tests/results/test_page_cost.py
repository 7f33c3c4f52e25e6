"""What the organisation pages users load most cost: queries per page, and the results rows rendered
in Python (``results_table``) as the template rendered them (issue 9, load).

The load benchmark (``bench/load.py``) is CPU-bound on two cores; every query is CPU in the web
process and in the database. These budgets keep a change from quietly adding a query per page.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from rvs.results.models import Result
from rvs.sharing.models import Share
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db

# Session, user, membership (with its organisation and whether the user has a TOTP device).
PER_REQUEST = 3


def _queries(client: Client, method: str, path: str, data: Any = None) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
    return response, [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def shares(org_a: Any) -> list[Share]:
    return [ShareFactory(organisation=org_a) for _ in range(6)]


def test_the_dashboard_reads_the_user_membership_and_organisation_in_one_query(
    member_client: Client, shares: list[Share]
) -> None:
    response, queries = _queries(member_client, "get", reverse("results:dashboard"))
    assert response.status_code == 200
    assert not any("candidates_candidateaccount" in sql for sql in queries)  # a member is not a candidate
    assert not any(sql.lstrip().startswith('SELECT 1 AS "a" FROM "otp_totp_totpdevice"') for sql in queries)
    # count, page ids, page rows, requirements, download templates
    assert len(queries) <= PER_REQUEST + 5, queries


def test_the_dashboards_sorts_and_new_only_filter_cost_no_more_queries(
    member_client: Client, shares: list[Share]
) -> None:
    """Issue 17 item 10: sorted and filtered, the dashboard is still the same five queries."""
    for params in ("?sort=name", "?sort=-score&new=1", "?new=1&page=2"):
        response, queries = _queries(member_client, "get", reverse("results:dashboard") + params)
        assert response.status_code == 200
        assert len(queries) <= PER_REQUEST + 5, (params, queries)


def test_the_search_results_page_and_details_stay_within_their_query_budgets(
    member_client: Client, shares: list[Share]
) -> None:
    name = shares[0].result.candidate.last_name
    posted = member_client.post(reverse("results:search"), {"name": name})
    assert posted.status_code == 302
    response, queries = _queries(member_client, "get", posted["Location"])
    assert response.status_code == 200
    assert name in response.content.decode()
    # name tiers counted and paged, page rows, exams and requirements (the form), download templates
    assert len(queries) <= PER_REQUEST + 7, queries
    assert not any("DECLARE" in sql for sql in queries)  # the form's choices: no server-side cursor

    detail = reverse("results:detail", args=[shares[0].result.public_id])
    response, queries = _queries(member_client, "get", detail)
    assert response.status_code == 200
    # result, share, first view + audit entry (in a transaction), components, revisions, requirements
    assert len(queries) <= PER_REQUEST + 10, queries


def test_a_user_with_a_confirmed_device_is_still_asked_for_the_second_factor(
    member: Any, member_client: Client
) -> None:
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    response = member_client.get(reverse("results:dashboard"))
    assert response.status_code == 302
    assert reverse("accounts:two_factor") in response["Location"]


def test_an_unconfirmed_device_does_not_ask_for_it(member: Any, member_client: Client) -> None:
    TOTPDevice.objects.create(user=member, name="phone", confirmed=False)
    assert member_client.get(reverse("results:dashboard")).status_code == 200


def test_the_rows_are_the_markup_the_template_made_escaped_the_same_way(org_a: Any, rf: Any, member: Any) -> None:
    """The rows as ``results/_table.html`` rendered them before ``results_table`` (kept here as a template)."""
    old_rows = engines["django"].get_template("results/_rows_reference.html")
    new_rows = engines["django"].from_string(
        "{% load results_table %}{% result_rows page name_query requirement back %}{% page_result_ids page %}"
    )
    page = []
    for index in range(4):
        share = ShareFactory(
            organisation=org_a,
            result__candidate__first_name=f'<b>Ann & "{index}"',
            result__candidate__last_name="O'Brien <script>",
            result__status=Result.Status.RESULT if index % 2 else Result.Status.WITHDRAWN,
            result__cefr="" if index == 3 else "C1",
            result__exam_date=dt.date(2024, 5, 17),
        )
        if index == 1:
            Share.objects.filter(pk=share.pk).update(first_viewed_at=share.shared_at)
            share.refresh_from_db()
        share.name_match = (
            SimpleNamespace(label="exact <i>", label_shown="exact <i>", reasons=("same <name>", "a & b"))
            if index
            else None
        )
        share.verdict = SimpleNamespace(met=index == 2, reasons=["Overall < 160", "x & y"])
        page.append(share)

    def squeeze(html: str) -> str:
        return " ".join(html.split())

    request = rf.get("/")
    request.user = member
    for context in (
        {"page": page},
        {"page": page, "name_query": "ann"},
        {"page": page, "requirement": SimpleNamespace(name="Req")},
        {"page": page, "name_query": "ann", "requirement": SimpleNamespace(name="Req")},
        # The result's way back (issue 17 item 2).
        {"page": page, "back": "?back=%2Fsearch%2F%3Fq%3Da_b-1%26sort%3D-name%26page%3D2"},
    ):
        made = new_rows.render(context, request)
        ids = "".join(f'<input type="hidden" name="page_results" value="{share.result.public_id}">' for share in page)
        assert squeeze(made) == squeeze(old_rows.render(context, request) + ids)
    assert "&lt;script&gt;" in made
    assert "<script>" not in made


def test_the_search_forms_widgets_are_the_markup_djangos_templates_make(org_a: Any) -> None:
    """``SearchForm`` renders its widgets in Python (``_WidgetRenderer``): the same HTML as Django's."""
    from django.forms.renderers import DjangoTemplates

    from rvs.requirements.models import EntryRequirement
    from rvs.results.forms import SearchForm

    for index, name in enumerate(["IELTS-like <b>", 'Quote "x" & y']):
        EntryRequirement.objects.create(organisation=org_a, name=name, min_overall=160 + index)
    forms = [
        SearchForm(organisation=org_a),
        SearchForm(
            initial={"name": "O'Brien <x>", "date_of_birth": "2000-05-17", "meets_only": True}, organisation=org_a
        ),
        SearchForm({"name": "a", "email": "not-an-email", "exam_date": "2999-01-01", "exam": "1"}, organisation=org_a),
        SearchForm({"ern": "??", "meets_only": "on", "requirement": "nope"}, organisation=org_a),
        SearchForm({}, organisation=org_a),
    ]
    django_renderer = DjangoTemplates()
    compared = 0
    for form in forms:
        if form.is_bound:
            form.is_valid()
        for field in form:
            widget, value = field.field.widget, field.value()
            for extra in ({}, {"aria-describedby": f"{field.auto_id}_hint", "aria-invalid": "true", "required": True}):
                attrs = field.build_widget_attrs({"id": field.auto_id, **extra})
                fast = widget.render(field.html_name, value, attrs=attrs, renderer=form.renderer)
                slow = widget.render(field.html_name, value, attrs=attrs, renderer=django_renderer)
                assert str(fast) == str(slow), (field.name, str(fast), str(slow))
                compared += 1
        assert str(form["exam"]).count("<option") == 1 + form.fields["exam"].queryset.count()
    assert compared == 2 * 11 * len(forms)
    assert "&lt;b&gt;" in str(forms[0]["requirement"])
    with patch.object(DjangoTemplates, "render", side_effect=AssertionError("a widget went to Django's templates")):
        for form in forms:
            for field in form:
                field.field.widget.render(field.html_name, field.value(), renderer=form.renderer)
