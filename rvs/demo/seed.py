"""Deterministic demo data: candidates, results, centres, photos, organisations, users and shares.

The same ``seed`` and ``results`` always give the same names, dates, scores, centres, Exam
Reference Numbers and shares: every draw comes from ``random.Random`` streams seeded here, never
from the global generator. Independent streams feed the people, the photos and the shares, so
leaving photos out (as the benchmark does) changes nothing else, and the first candidates of a
small seed are the first candidates of a big one.

Scores are never hand-computed: each candidate has an ability on the Cambridge English Scale,
sits exams suited to it (schools versions while young, business versions sometimes as adults,
a higher level after each pass), gets component scores drawn around it, and
``rvs.exams.scoring`` turns them into the overall score, grade and CEFR level, as an import would.

Everything is written in one transaction (an interrupted run leaves nothing, so ``--once`` can
trust that demo users mean complete demo data), in batches of about 5,000 results through
``bulk.Table``: plain ``bulk_create`` managed 60,000 rows a second, ten minutes for a million.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from rvs.core import ern as ern_codec
from rvs.core.audit import log_action
from rvs.core.normalise import fold
from rvs.demo import photos as photo_drawing
from rvs.demo.bulk import Table, lock_and_reserve, reset_sequences
from rvs.demo.exams import DEMO_NOW, DEMO_TODAY, ExamChoice, ExamPlanner, session_dates
from rvs.demo.names import CULTURES, Culture
from rvs.demo.organisations import (
    DEMO_ORGANISATIONS,
    DEMO_PASSWORD,
    PRIMARY_EMAIL,
    STAFF_EMAIL,
    SeededOrganisation,
    create_organisations,
    demo_exists,
    search_examples,
)
from rvs.demo.places import CentreSpec, WeightedChoice, build_centres
from rvs.exams.scoring import Status, compute
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.secret_numbers import secret_number_hash
from rvs.sharing import search_index
from rvs.sharing.models import Share, ShareNameToken, ShareSearch

__all__ = [
    "DEMO_NOW",
    "DEMO_ORGANISATIONS",
    "DEMO_PASSWORD",
    "DEMO_TODAY",
    "PRIMARY_EMAIL",
    "STAFF_EMAIL",
    "DemoDataExists",
    "SeedReport",
    "demo_exists",
    "search_examples",
    "seed",
]

BATCH_RESULTS = 5000
PHOTO_POOL = 200
# Candidates' addresses use reserved domains: the app may email candidates, never a real inbox.
_EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "post.example", "inbox.example"]
_SCHOOL_AGES = (11, 12, 12, 13, 13, 14, 14, 15, 15, 15, 16, 16, 17)
_SKILLS = ("reading", "writing", "listening", "speaking", "use_of_english", "reading_and_writing")
_SITTINGS = WeightedChoice([1, 2, 3, 4], [72, 19, 6, 3])
# Roughly the part of all results a demo organisation can receive (by status and level); dividing
# its wanted rate by this keeps it near ``share_rate`` of *all* results. Measured on 50,000 results.
_ELIGIBLE = {0: 0.96, 1: 0.73, 2: 0.46, 3: 0.25, 4: 0.07}


def _at(date: dt.date, seconds: float) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC) + dt.timedelta(seconds=int(seconds))


class DemoDataExists(Exception):
    """Demo data is already in this database."""


@dataclass(frozen=True)
class CandidateLogin:
    """A demo candidate's Candidate ID Number and Secret Number (only known right after seeding)."""

    name: str
    candidate_number: str
    secret_number: str


@dataclass
class SeedReport:
    results: int = 0
    candidates: int = 0
    centres: int = 0
    photos: int = 0
    shares: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    logins: list[CandidateLogin] = field(default_factory=list)


# --- the generator --------------------------------------------------------------------------


@dataclass
class _Org:
    seeded: SeededOrganisation
    probability: float
    count: int = 0


@dataclass
class _Batch:
    candidates: list[tuple[Any, ...]] = field(default_factory=list)
    tokens: list[tuple[int, str]] = field(default_factory=list)
    results: list[tuple[Any, ...]] = field(default_factory=list)
    scores: list[tuple[Any, ...]] = field(default_factory=list)
    shares: list[tuple[Any, ...]] = field(default_factory=list)

    def write(self) -> None:
        # Built per batch: a Table fixes the auto_now time and the connection's value adapters.
        Table(
            Candidate,
            ["id", "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth", "email"],
        ).insert(self.candidates)
        Table(CandidateNameToken, ["candidate_id", "token"]).insert(self.tokens)
        Table(
            Result,
            [
                "id",
                "candidate_id",
                "exam_id",
                "centre_id",
                "exam_date",
                "ern",
                "status",
                "overall_score",
                "grade",
                "cefr",
                "result_label",
                "photo",
            ],
        ).insert(self.results)
        Table(ComponentScore, ["result_id", "position", "code", "label", "score"]).insert(self.scores)
        Table(Share, ["result_id", "organisation_id", "include_photo", "shared_at", "first_viewed_at",
                      "first_viewed_by_id", "revoked_at"]).insert(self.shares)  # fmt: skip


@dataclass(frozen=True)
class _Sitting:
    """What the share stream needs to know about a result just made."""

    result_id: int
    exam_date: dt.date
    status: str
    level: int
    has_photo: bool


class _Generator:
    def __init__(self, *, seed: int, results: int, photos: bool, planner: ExamPlanner, orgs: list[_Org]) -> None:
        self.people = random.Random(f"rvs-demo-people-{seed}")
        self.photo_rng = random.Random(f"rvs-demo-photos-{seed}")
        self.share_rng = random.Random(f"rvs-demo-shares-{seed}")
        self.total = results
        self.orgs = orgs
        self.planner = planner
        specs = build_centres(self.people)
        self.centre_choice = WeightedChoice([spec for spec, _ in specs], [weight for _, weight in specs])
        self.centres_by_country: dict[str, list[CentreSpec]] = {}
        for spec, _ in specs:
            self.centres_by_country.setdefault(spec.country.code, []).append(spec)
        self.cultures = {
            spec.country.code: WeightedChoice([CULTURES[key] for key, _ in spec.country.cultures],
                                              [share for _, share in spec.country.cultures])
            for spec, _ in specs
        }  # fmt: skip
        self.centre_ids = {number: centre.pk for number, centre in _save_centres([s for s, _ in specs]).items()}
        self.sessions, self.session_choice = session_dates(self.people)
        modulus = 26**3 * 10**6
        multiplier = self.people.randrange(modulus // 3, modulus) | 1
        while multiplier % 5 == 0 or multiplier % 13 == 0:
            multiplier += 2
        self.number_key = (multiplier, self.people.randrange(modulus), modulus)
        self.pool_size = min(PHOTO_POOL, results)
        self.photo_names = _save_photos(seed, self.pool_size) if photos else []
        self.logins: list[CandidateLogin] = []
        self._folded: dict[str, str] = {}
        start = lock_and_reserve([Candidate, Result])
        self.next_candidate_id, self.next_result_id = start[Candidate], start[Result]

    def candidate_number(self, index: int) -> str:
        """Three letters and six digits, unique: an affine bijection of the index, no set of used numbers."""
        multiplier, offset, modulus = self.number_key
        letters, digits = divmod((index * multiplier + offset) % modulus, 10**6)
        a, rest = divmod(letters, 26 * 26)
        b, c = divmod(rest, 26)
        return f"{chr(65 + a)}{chr(65 + b)}{chr(65 + c)}{digits:06d}"

    def _name_parts(self, first: str, last: str) -> tuple[str, list[str], str, str]:
        """Sort name, index tokens and e-mail parts of a name.

        ``fold`` works character by character, so folding each part once and joining gives what
        ``candidate_sort_name`` and ``name_tokens_for`` give for the whole name, at a fraction of
        the cost over a million candidates; the seeding tests check the two agree on every row.
        """
        given, family = self._fold(first), self._fold(last)
        sort_name = f"{family} {given}".strip()
        tokens = list(dict.fromkeys(token[:64] for token in f"{given} {family}".split()))
        return sort_name, tokens, given.replace(" ", ""), family.replace(" ", "")

    def _fold(self, text: str) -> str:
        folded = self._folded.get(text)
        if folded is None:
            folded = self._folded[text] = fold(text)
        return folded

    def _email(self, given: str, family: str, birth_year: int) -> str:
        rng = self.people
        style = rng.randrange(4)
        if style == 0:
            local = f"{given}.{family}"
        elif style == 1:
            local = f"{given}{family}{birth_year % 100:02d}"
        elif style == 2:
            local = f"{given[:1]}.{family}{rng.randint(1, 99)}"
        else:
            local = f"{family}.{given}{rng.randint(1, 999)}"
        return f"{local.strip('.') or 'candidate'}@{rng.choice(_EMAIL_DOMAINS)}"

    def batches(self) -> Iterator[_Batch]:
        """Batches of about ``BATCH_RESULTS`` results; a candidate's results stay in one batch."""
        batch = _Batch()
        made = index = 0
        while made < self.total:
            made += self._candidate(index, batch, self.total - made)
            index += 1
            if len(batch.results) >= BATCH_RESULTS:
                yield batch
                batch = _Batch()
        if batch.results:
            yield batch

    def _candidate(self, index: int, batch: _Batch, room: int) -> int:
        rng = self.people
        home = self.centre_choice.draw(rng)
        culture: Culture = self.cultures[home.country.code].draw(rng)
        first, last, _female = culture.person(rng)
        schoolchild = rng.random() < 0.45
        age = rng.choice(_SCHOOL_AGES) if schoolchild else min(65, 18 + int(rng.expovariate(1 / 7)))
        # Abilities on the Cambridge English Scale: children gain about nine points a year.
        ability = 114 + (age - 11) * 9 + rng.gauss(0, 12) if schoolchild else rng.gauss(172, 18)
        ability = max(100.0, min(228.0, ability))
        # Each person's strengths: a steady offset per skill, so their reports look like one person's.
        profile = {code: rng.gauss(0, 5) for code in _SKILLS}
        first_date = self.session_choice.draw(rng)
        date_of_birth = first_date - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
        number = self.candidate_number(index)
        secret = f"{rng.randrange(10000):04d}"
        sort_name, tokens, given, family = self._name_parts(first, last)
        email = self._email(given, family, date_of_birth.year) if rng.random() < 0.85 else ""
        has_photo = self.photo_rng.random() < 0.9
        photo_index = self.photo_rng.randrange(self.pool_size)
        photo = self.photo_names[photo_index] if has_photo and self.photo_names else ""

        candidate_id = self.next_candidate_id
        self.next_candidate_id += 1
        batch.candidates.append((candidate_id, number, secret_number_hash(number, secret), first, last, sort_name,
                                 date_of_birth, email))  # fmt: skip
        batch.tokens.extend((candidate_id, token) for token in tokens)
        if len(self.logins) < 3:
            self.logins.append(CandidateLogin(f"{first} {last}", number, secret))

        sittings = min(room, _SITTINGS.draw(rng))
        exam_date, centre, made = first_date, home, 0
        previous: ExamChoice | None = None
        passed = True
        while made < sittings:
            years = (exam_date - first_date).days / 365.25
            age_now = age + int(years)
            grown = ability + years * (rng.gauss(7, 3) if age_now < 25 else rng.gauss(2, 2))
            if previous is not None and not passed and rng.random() < 0.6:
                choice = previous  # a retake of the exam just failed
            else:
                # After a pass people aim higher, never at the same level again.
                floor = previous.level + 1 if previous is not None and passed else 0
                if floor >= len(self.planner.pass_marks):
                    break
                choice = self.planner.choose(rng, grown, age_now, floor)
            sitting, passed = self._result(batch, candidate_id, choice, exam_date, centre, grown, profile, photo)
            self._share(batch, sitting)
            previous = choice
            made += 1
            # The next sitting: three months to two years later, mostly at the same centre.
            target = exam_date + dt.timedelta(days=rng.randint(90, 730))
            position = bisect.bisect_left(self.sessions, target)
            if position >= len(self.sessions):
                break
            exam_date = self.sessions[position]
            if rng.random() < 0.15:
                centre = rng.choice(self.centres_by_country[home.country.code])
        return made

    def _result(
        self,
        batch: _Batch,
        candidate_id: int,
        choice: ExamChoice,
        exam_date: dt.date,
        centre: CentreSpec,
        ability: float,
        profile: dict[str, float],
        photo: str,
    ) -> tuple[_Sitting, bool]:
        """Add one result; also say whether it reached the exam's pass mark."""
        rng = self.people
        scheme = self.planner.scheme(choice.exam, exam_date)
        codes = [component.code for component in scheme.components]
        low, high = scheme.component_min, scheme.scale_max
        scores: dict[str, int | str | None] = {
            code: max(low, min(high, round(ability + profile[code] + rng.gauss(0, 4)))) for code in codes
        }
        status = ""
        draw = rng.random()
        if (DEMO_TODAY - exam_date).days < 20:
            status = Status.PENDING  # results are not out yet
        elif draw < 0.008:
            status = Status.PENDING
        elif draw < 0.013:
            status = Status.WITHHELD
        elif draw < 0.025:
            scores[rng.choice(codes)] = "X"
        elif draw < 0.031:
            scores = dict.fromkeys(codes, "Z")
        outcome = compute(scheme, {} if status else scores, status=status)
        result_id = self.next_result_id
        self.next_result_id += 1
        batch.results.append((
            result_id, candidate_id, choice.exam.pk, self.centre_ids[centre.number], exam_date,
            ern_codec.from_random(rng), outcome.status, outcome.overall, outcome.grade or "", outcome.cefr or "",
            outcome.label, photo,
        ))  # fmt: skip
        if outcome.status == Status.RESULT:
            for position, component in enumerate(scheme.components):
                batch.scores.append(
                    (result_id, position, component.code, component.label, outcome.components.get(component.code))
                )
        passed = outcome.overall is not None and outcome.overall >= self.planner.pass_marks[choice.level]
        return _Sitting(result_id, exam_date, outcome.status, choice.level, bool(photo)), passed

    def _share(self, batch: _Batch, sitting: _Sitting) -> None:
        """Share a good result with some organisations: soon after release, a third of them already opened."""
        rng = self.share_rng
        if sitting.status not in (Status.RESULT, Status.PENDING):
            return
        for org in self.orgs:
            spec = org.seeded.spec
            if sitting.level < spec.min_level or rng.random() >= org.probability or org.count >= spec.share_cap:
                continue
            org.count += 1
            release = sitting.exam_date + dt.timedelta(days=rng.randint(14, 28))
            if release >= DEMO_TODAY or sitting.status == Status.PENDING:
                days = max(1, (DEMO_TODAY - sitting.exam_date).days)
                shared_at = _at(sitting.exam_date, rng.uniform(86_400, days * 86_400))
            else:
                delay = min(rng.expovariate(1 / 40), (DEMO_TODAY - release).days)
                shared_at = _at(release, delay * 86_400 + rng.uniform(25_000, 80_000))
            shared_at = min(shared_at, DEMO_NOW - dt.timedelta(minutes=rng.randint(5, 600)))
            wants_photo = rng.random() < 0.5  # drawn either way: photos must not shift later draws
            include_photo = sitting.has_photo and wants_photo
            viewed_at = viewed_by = revoked_at = None
            age = (DEMO_NOW - shared_at).total_seconds()
            if age > 2 * 86_400 and rng.random() < 0.35:
                viewed_at = shared_at + dt.timedelta(seconds=min(age - 60, rng.expovariate(1 / 250_000)))
                viewed_by = rng.choice(org.seeded.user_ids)
            if rng.random() < 0.02:
                revoked_at = shared_at + dt.timedelta(seconds=rng.uniform(60, age))
            batch.shares.append((sitting.result_id, org.seeded.organisation.pk, include_photo, shared_at, viewed_at,
                                 viewed_by, revoked_at))  # fmt: skip


def _save_centres(specs: list[CentreSpec]) -> dict[str, Centre]:
    """The demo centres, reusing any centre already known by its number (an import may have made it)."""
    numbers = [spec.number for spec in specs]
    existing = {centre.number: centre for centre in Centre.objects.filter(number__in=numbers)}
    Centre.objects.bulk_create(
        Centre(number=s.number, name=s.name, name_folded=fold(s.name), city=s.city, city_folded=fold(s.city),
               country=s.country.name)
        for s in specs
        if s.number not in existing
    )  # fmt: skip
    return {centre.number: centre for centre in Centre.objects.filter(number__in=numbers)}


def _save_photos(seed: int, count: int) -> list[str]:
    """A pool of portraits shared by the results; a file already there from this seed is reused."""
    rng = random.Random(f"rvs-demo-portraits-{seed}")
    names = []
    for index in range(count):
        content = photo_drawing.portrait(rng)
        name = f"photos/demo-{seed}-{index:03d}.jpg"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(content))
        names.append(name)
    return names


def _settle() -> None:
    """Leave the tables as a live database would be: planner statistics and, on PostgreSQL, a
    visibility map, which autovacuum gives after inserts and index-only scans need."""
    tables = [Candidate, CandidateNameToken, Result, ComponentScore, Share, ShareSearch, ShareNameToken]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
            cursor.execute(f"VACUUM (ANALYZE) {names}")
        else:
            cursor.execute("ANALYZE")


def seed(*, results: int, seed: int, photos: bool = True, progress: Callable[[str], None] | None = None) -> SeedReport:
    """Write ``results`` demo results and everything around them; raise ``DemoDataExists`` if present."""
    started = time.perf_counter()
    report = SeedReport()
    with transaction.atomic():
        if demo_exists():
            raise DemoDataExists(PRIMARY_EMAIL)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # A bigger page cache keeps the random-order unique indexes (ERN, public ids) in memory.
                cursor.execute("PRAGMA cache_size = -262144")
        planner = ExamPlanner()
        orgs = []
        for seeded in create_organisations(planner.levels):
            spec = seeded.spec
            wanted = min(spec.share_rate, spec.share_cap / results)
            orgs.append(_Org(seeded, min(1.0, wanted / _ELIGIBLE[spec.min_level])))
        generator = _Generator(seed=seed, results=results, photos=photos, planner=planner, orgs=orgs)
        for batch in generator.batches():
            batch.write()
            report.results += len(batch.results)
            report.candidates += len(batch.candidates)
            if progress and report.results % 100_000 < len(batch.results):
                progress(f"{report.results:,} results in {time.perf_counter() - started:.0f} s")
        reset_sequences([Candidate, CandidateNameToken, Result, ComponentScore, Share])
        # The shares went in by bulk insert: index the demo organisations' shares in one statement.
        search_index.rebuild(organisation_ids=[org.seeded.organisation.pk for org in orgs])
        report.centres = len(generator.centre_ids)
        report.photos = len(generator.photo_names)
        report.shares = {org.seeded.spec.name: org.count for org in orgs}
        report.logins = generator.logins
        log_action("demo.seeded", actor="seed_demo", data={"results": results, "seed": seed})
    _settle()
    report.seconds = time.perf_counter() - started
    return report
