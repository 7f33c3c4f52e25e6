"""``seed_demo``: reproducible, realistic demo data that the rest of the code base can trust."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any, cast

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from PIL import Image

from rvs.accounts.models import User
from rvs.core import ern as ern_codec
from rvs.core.normalise import fold
from rvs.demo import seed as demo
from rvs.demo.names import CULTURES, distinct_names
from rvs.exams.scoring import Status, compute, scheme_for
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Candidate, Centre, Result
from rvs.results.services import candidate_sort_name, name_tokens_for, secret_number_matches
from rvs.sharing.models import Share
from rvs.sharing.search import SearchCriteria, shared_results
from tests.factories import CandidateFactory, ResultFactory

pytestmark = pytest.mark.django_db

RESULTS = 60


def _seed(results: int = RESULTS, seed: int = 7, **options: Any) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--results", str(results), "--seed", str(seed), *options.get("args", []), stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    """Everything that must come out the same for the same seed (database ids aside)."""
    return {
        "candidates": sorted(
            Candidate.objects.values_list(
                "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth", "email"
            )
        ),
        "results": sorted(
            (
                r.ern,
                r.candidate.candidate_number,
                r.exam.code,
                r.exam_date,
                r.centre.number,
                r.status,
                r.overall_score,
                r.grade,
                r.cefr,
                r.result_label,
                r.photo.name,
                tuple(r.components.values_list("code", "score")),
            )
            for r in Result.objects.select_related("candidate", "exam", "centre")
        ),
        "centres": sorted(Centre.objects.values_list("number", "name", "city", "country")),
        "shares": sorted(
            (
                s.result.ern,
                s.organisation.name,
                s.shared_at,
                s.first_viewed_at,
                s.revoked_at,
                s.include_photo,
            )
            for s in Share.objects.select_related("result", "organisation")
        ),
    }


def _seed_and_roll_back(**options: Any) -> dict[str, Any]:
    with transaction.atomic():
        demo.seed(results=RESULTS, seed=11, **options)
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


def test_it_gives_identical_data_for_the_same_seed() -> None:
    first = _seed_and_roll_back()
    second = _seed_and_roll_back()
    assert first == second
    assert len(first["results"]) == RESULTS


def test_it_gives_other_data_for_another_seed() -> None:
    with transaction.atomic():
        demo.seed(results=RESULTS, seed=12)
        other = _snapshot()
        transaction.set_rollback(True)
    assert other["candidates"] != _seed_and_roll_back()["candidates"]


def test_it_keeps_the_same_people_and_scores_without_photos() -> None:
    without, with_photos = _seed_and_roll_back(photos=False), _seed_and_roll_back()
    assert without["candidates"] == with_photos["candidates"]
    assert without["centres"] == with_photos["centres"]
    assert [row[:10] + row[11:] for row in without["results"]] == [
        row[:10] + row[11:] for row in with_photos["results"]
    ]
    assert all(row[10] == "" for row in without["results"])
    assert [row[:5] for row in without["shares"]] == [row[:5] for row in with_photos["shares"]]


def test_it_creates_the_requested_results_with_organisations_users_and_shares() -> None:
    output = _seed()
    assert Result.objects.count() == RESULTS
    assert 0 < Candidate.objects.count() <= RESULTS
    assert Organisation.objects.count() == len(demo.DEMO_ORGANISATIONS)
    for organisation in Organisation.objects.all():
        assert organisation.memberships.filter(role=Membership.Role.PRIMARY).count() == 1
        assert 1 <= organisation.memberships.filter(role=Membership.Role.ADDITIONAL).count() <= 2
        assert organisation.recognised_exams.exists()
    assert Share.objects.filter(organisation__name=demo.DEMO_ORGANISATIONS[0].name).count() >= 3
    assert User.objects.get(email=demo.STAFF_EMAIL).is_superuser
    assert "Seeded 60 results" in output


def test_it_spreads_candidates_over_many_real_centres() -> None:
    _seed()
    centres = Centre.objects.all()
    assert centres.count() >= 150
    assert len({centre.country for centre in centres}) >= 40
    for centre in centres:
        assert re.fullmatch(r"[A-Z]{2}[0-9]{3}", centre.number)
        assert centre.name_folded == fold(centre.name)
        assert centre.city_folded == fold(centre.city)
        assert fold(centre.city) in fold(centre.name)  # the place of entry is the centre's city
    assert (
        Centre.objects.filter(name="British Council Kraków").exists() or Centre.objects.filter(city="Kraków").exists()
    )


def test_it_scores_every_result_by_the_catalogue_rules() -> None:
    _seed(300, seed=3)
    statuses = set()
    for result in Result.objects.select_related("exam", "candidate").prefetch_related("components"):
        statuses.add(result.status)
        assert result.exam.verifiable
        scheme = scheme_for(result.exam.scoring, result.exam_date)
        assert scheme is not None
        components = {component.code: component.score for component in result.components.all()}
        if result.status == Status.RESULT:
            assert set(components) == {c.code for c in scheme.components}
            assert all(
                score is not None and scheme.component_min <= score <= scheme.scale_max for score in components.values()
            )
            outcome = compute(scheme, components)
            assert (outcome.status, outcome.overall, outcome.grade or "", outcome.cefr or "", outcome.label) == (
                result.status, result.overall_score, result.grade, result.cefr, result.result_label,
            )  # fmt: skip
        else:
            assert components == {}
            assert result.overall_score is None
        assert ern_codec.is_valid(result.ern)
    assert Status.RESULT in statuses
    assert statuses & {Status.PENDING, Status.WITHHELD, Status.ABSENT_PART, Status.ABSENT_ALL}


def test_it_dates_exams_in_the_past_and_births_to_suit_the_exam() -> None:
    _seed(300, seed=3)
    for result in Result.objects.select_related("exam", "candidate"):
        assert dt.date(2019, 1, 1) <= result.exam_date <= demo.DEMO_TODAY
        age = (result.exam_date - result.candidate.date_of_birth).days / 365.25
        assert 10 < age < 70
        if "schools" in result.exam.code:
            assert age < 19
    years = {date.year for date in Result.objects.values_list("exam_date", flat=True)}
    assert len(years) >= 6


def test_it_indexes_every_candidate_name_as_the_services_do() -> None:
    _seed(300, seed=3)
    for candidate in Candidate.objects.prefetch_related("name_tokens"):
        assert {t.token for t in candidate.name_tokens.all()} == {t.token for t in name_tokens_for([candidate])}
        assert candidate.sort_name == candidate_sort_name(candidate.first_name, candidate.last_name)


def test_it_stores_secret_numbers_that_the_candidates_can_use() -> None:
    with transaction.atomic():
        report = demo.seed(results=RESULTS, seed=5)
    assert report.logins
    for login in report.logins:
        candidate = Candidate.objects.get(candidate_number=login.candidate_number)
        assert re.fullmatch(r"[A-Z]{3}[0-9]{6}", candidate.candidate_number)
        assert secret_number_matches(candidate, login.secret_number)
        assert not secret_number_matches(candidate, f"{(int(login.secret_number) + 1) % 10000:04d}")


def test_it_uses_names_from_many_countries_with_their_accents() -> None:
    given, surnames = distinct_names()
    assert len(given) >= 300
    assert len(surnames) >= 300
    for name in ("Łukasz", "Søren", "José", "João", "Çağlar", "Siobhán", "Aleksandr", "Dimitrios", "Min-jun"):
        assert name in given
    for name in ("Wójcik", "Ørsted", "Müller", "Núñez", "Gonçalves", "Yılmaz", "Nguyễn", "O'Brien", "Al-Rashid"):
        assert name in surnames
    assert len(CULTURES) >= 30
    _seed(300, seed=3)
    names = [f"{first} {last}" for first, last in Candidate.objects.values_list("first_name", "last_name")]
    accented = [name for name in names if not name.isascii()]
    assert len(accented) > len(names) // 10
    assert len(set(names)) > len(names) * 0.8


def test_it_draws_valid_portraits_for_most_results() -> None:
    _seed()
    with_photo = Result.objects.exclude(photo="")
    assert with_photo.count() >= RESULTS * 0.7
    for name in set(with_photo.values_list("photo", flat=True)):
        assert name.startswith("photos/")
        with default_storage.open(name, "rb") as handle, Image.open(handle) as image:
            assert image.format == "JPEG"
            assert image.size == (240, 300)
            image.verify()


def test_it_shares_with_photos_only_results_that_have_one() -> None:
    _seed(300, seed=3)
    shares = Share.objects.select_related("result")
    assert shares.filter(include_photo=True).exists()
    assert not shares.filter(include_photo=True, result__photo="").exists()
    assert shares.filter(first_viewed_at__isnull=True).count() > shares.filter(first_viewed_at__isnull=False).count()
    for share in shares:
        assert share.result.exam_date < share.shared_at.date() <= demo.DEMO_TODAY
        if share.first_viewed_at:
            assert share.shared_at < share.first_viewed_at <= demo.DEMO_NOW


def test_it_lets_every_demo_user_sign_in_with_the_printed_password() -> None:
    output = _seed()
    assert demo.DEMO_PASSWORD in output
    assert len(demo.DEMO_PASSWORD) >= 15
    emails = [spec.email(user) for spec in demo.DEMO_ORGANISATIONS for user in spec.users] + [demo.STAFF_EMAIL]
    for email in emails:
        assert email in output
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.session.get("_auth_user_id") == str(User.objects.get(email=email).pk)
    assert "http://127.0.0.1:8000/" in output
    assert re.search(r"[0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6}", output)


def test_it_changes_nothing_and_prints_sign_in_details_with_once() -> None:
    _seed()
    before = _snapshot()
    output = _seed(500, seed=99, args=["--once"])
    assert _snapshot() == before
    assert "nothing changed" in output
    assert demo.PRIMARY_EMAIL in output
    assert demo.DEMO_PASSWORD in output


def test_it_seeds_an_empty_database_with_once() -> None:
    _seed(args=["--once"])
    assert Result.objects.count() == RESULTS


def test_it_refuses_to_seed_over_demo_data_without_once() -> None:
    _seed()
    with pytest.raises(CommandError, match="already"):
        _seed()
    assert Result.objects.count() == RESULTS


def test_it_refuses_to_run_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        _seed()
    assert not User.objects.exists()


def test_it_pages_searches_over_seeded_data_like_a_plain_query() -> None:
    """The search's late row look-up (ids from the index, then the page's rows) gives the pages of
    its plain queryset (the joined query, a name search's tiers first)."""
    _seed(300, seed=3)
    organisation = Organisation.objects.get(memberships__user__email=demo.PRIMARY_EMAIL)
    share = Share.objects.filter(organisation=organisation).select_related("result__candidate", "result__centre")[0]
    searches = [
        SearchCriteria(),
        SearchCriteria(exam_id=share.result.exam_id),
        SearchCriteria(place_of_entry=share.result.centre.city[:3]),
        SearchCriteria(centre_name="british"),
        SearchCriteria(name=share.result.candidate.last_name),
    ]
    for criteria in searches:
        for sort in ("name", "-shared", "exam", "score"):
            found = shared_results(organisation=organisation, criteria=criteria, sort=sort)
            for start in (0, 5):
                page = [s.pk for s in found[start : start + 7]]
                plain = [s.pk for s in found.queryset()[start : start + 7]]
                assert page == plain, (criteria, sort, start)
    assert shared_results(organisation=organisation, criteria=SearchCriteria(place_of_entry="Atlantis")).count() == 0


def test_it_seeds_next_to_existing_rows_and_leaves_ids_free_after() -> None:
    """Ids are reserved past existing rows, and sequences moved past the seeded ones (PostgreSQL)."""
    before = cast(Result, ResultFactory())
    _seed()
    after = cast(Result, ResultFactory(candidate=CandidateFactory(candidate_number="ZZZ000001")))
    assert Result.objects.count() == RESULTS + 2
    assert after.pk > max(Result.objects.exclude(pk=after.pk).values_list("pk", flat=True))
    assert before.pk < min(Result.objects.exclude(pk=before.pk).values_list("pk", flat=True))
