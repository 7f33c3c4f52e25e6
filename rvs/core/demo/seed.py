"""Deterministic demo data: candidates, results, centres, photos, organisations, users and shares.

The same ``seed`` and ``results`` always give the same names, dates, scores, centres, Exam
Reference Numbers and shares: every draw comes from ``random.Random`` streams seeded here, never
from the global generator. Independent streams feed the people, the photos and the shares, so
leaving photos out (as the benchmark does) changes nothing else, and the first candidates of a
small seed are the first candidates of a big one.

Scores are never hand-computed: each candidate has an ability on the Cambridge English Scale,
sits exams suited to it (schools versions while young, business versions sometimes as adults),
gets component scores drawn around it, and ``rvs.exams.scoring`` turns them into the overall
score, grade and CEFR level, exactly as an import would.

Rows are written with ``bulk_create`` in batches inside one transaction, so an interrupted run
leaves nothing behind and ``--once`` can trust that demo users mean complete demo data.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from rvs.accounts.models import User
from rvs.core import ern as ern_codec
from rvs.core.audit import log_action
from rvs.core.demo import photos as photo_drawing
from rvs.core.demo.names import CULTURES, Culture
from rvs.core.demo.places import CentreSpec, WeightedChoice, build_centres
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, Status, compute, scheme_for
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.services import candidate_sort_name, name_tokens_for, secret_number_hash
from rvs.sharing.models import Share

DEMO_PASSWORD = "verify results demo 2026"
STAFF_EMAIL = "staff@example.org"
# A fixed "today" keeps the data identical whichever day it is seeded; it is the project's
# reference date, so no exam date is ever in the future.
DEMO_TODAY = dt.date(2026, 11, 29)
DEMO_NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
FIRST_EXAM_DATE = dt.date(2019, 1, 5)
BATCH_RESULTS = 5000
PHOTO_POOL = 200
# Candidates' addresses use reserved domains: the app may email candidates, and must never reach a real inbox.
_EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "post.example", "inbox.example"]
_MONTH_WEIGHTS = [0.5, 0.6, 1.0, 0.8, 1.4, 1.6, 1.0, 0.4, 0.5, 0.8, 1.2, 1.2]
_SCHOOL_AGES = (11, 12, 12, 13, 13, 14, 14, 15, 15, 15, 16, 16, 17)
_SKILLS = ("reading", "writing", "listening", "speaking", "use_of_english", "reading_and_writing")
_SITTINGS = WeightedChoice([1, 2, 3, 4], [72, 19, 6, 3])


@dataclass(frozen=True)
class DemoUser:
    local_part: str
    full_name: str
    job_title: str


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: str
    city: str
    country: str
    address: str
    # Expected share of all results shared with it, and a ceiling so a huge seed stays plausible.
    share_rate: float
    share_cap: int
    min_level: int  # 0 = A2 ... 4 = C2: what it accepts, hence what candidates share with it
    users: tuple[DemoUser, ...]

    def email(self, user: DemoUser) -> str:
        return f"{user.local_part}@{self.slug}.example"


DEMO_ORGANISATIONS = [
    DemoOrganisation(
        "westbridge", "University of Westbridge", Organisation.Kind.UNIVERSITY, "Bristol", "United Kingdom",
        "International Admissions Office\nQueen's Road\nBristol BS8 1QU", 0.10, 100_000, 2,
        (DemoUser("primary", "Helen Carter", "Head of International Admissions"),
         DemoUser("admissions", "Tom Okafor", "Admissions Officer"),
         DemoUser("compliance", "Aisha Rahman", "Visa Compliance Officer")),
    ),
    DemoOrganisation(
        "harbourview", "Harbourview College", Organisation.Kind.COLLEGE, "Halifax", "Canada",
        "1350 Barrington Street\nHalifax, NS B3J 1Z1", 0.04, 40_000, 1,
        (DemoUser("primary", "Marie-Claude Tremblay", "Registrar"),
         DemoUser("international", "Daniel Wong", "International Admissions Advisor")),
    ),
    DemoOrganisation(
        "skills-migration", "Department of Skills and Migration", Organisation.Kind.GOVERNMENT, "Canberra",
        "Australia", "Skills Assessment Branch\n12 Constitution Avenue\nCanberra ACT 2601", 0.03, 30_000, 1,
        (DemoUser("primary", "Sarah Nguyen", "Assessment Manager"),
         DemoUser("assessments", "James Whitfield", "Case Officer"),
         DemoUser("records", "Priya Raman", "Records Officer")),
    ),
    DemoOrganisation(
        "elbtal", "Elbtal Medizintechnik GmbH", Organisation.Kind.EMPLOYER, "Dresden", "Germany",
        "Personalabteilung\nTharandter Straße 12\n01159 Dresden", 0.015, 15_000, 1,
        (DemoUser("primary", "Katrin Vogel", "Head of Human Resources"),
         DemoUser("recruiting", "Jonas Bäumer", "Recruiter")),
    ),
    DemoOrganisation(
        "guadalquivir", "Universidad del Guadalquivir", Organisation.Kind.UNIVERSITY, "Sevilla", "Spain",
        "Oficina de Relaciones Internacionales\nAvenida de la Reina Mercedes 4\n41012 Sevilla", 0.03, 30_000, 2,
        (DemoUser("primary", "Lucía Ortega Núñez", "Directora de Relaciones Internacionales"),
         DemoUser("erasmus", "Pablo Medina", "Erasmus Coordinator")),
    ),
]  # fmt: skip
PRIMARY_EMAIL = DEMO_ORGANISATIONS[0].email(DEMO_ORGANISATIONS[0].users[0])
# Roughly the share of results a demo organisation may receive (status and level); dividing the
# wanted rate by it keeps each organisation near its share_rate of *all* results.
_ELIGIBLE = {0: 0.96, 1: 0.85, 2: 0.62, 3: 0.3, 4: 0.08}


class DemoDataExists(Exception):
    """Demo data is already in this database."""


@dataclass(frozen=True)
class CandidateLogin:
    """A demo candidate's Candidate ID Number and Secret Number (only known right after seeding)."""

    name: str
    candidate_number: str
    secret_number: str


@dataclass(frozen=True)
class SearchExample:
    label: str
    value: str
    finds: str


@dataclass
class SeedReport:
    results: int = 0
    candidates: int = 0
    centres: int = 0
    photos: int = 0
    shares: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    logins: list[CandidateLogin] = field(default_factory=list)


def demo_exists() -> bool:
    return User.objects.filter(email=PRIMARY_EMAIL).exists()


# --- exams ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamChoice:
    exam: Exam
    level: int
    variant: str  # "general", "schools" or "business"


class ExamPlanner:
    """Verifiable exams of the catalogue grouped into levels by their pass mark (grade C)."""

    def __init__(self) -> None:
        exams = [exam for exam in Exam.objects.filter(verifiable=True).order_by("position") if self._scheme(exam)]
        pass_marks = sorted({self._pass_mark(exam) for exam in exams})
        self.pass_marks = pass_marks
        self.by_level: dict[int, dict[str, Exam]] = {}
        for exam in exams:
            variant = "schools" if "schools" in exam.code else ("business" if "business" in exam.code else "general")
            self.by_level.setdefault(pass_marks.index(self._pass_mark(exam)), {}).setdefault(variant, exam)
        self._schemes: dict[tuple[int, dt.date], CesScheme | None] = {}

    @staticmethod
    def _scheme(exam: Exam) -> CesScheme | None:
        return scheme_for(exam.scoring, DEMO_TODAY)

    @classmethod
    def _pass_mark(cls, exam: Exam) -> int:
        scheme = cls._scheme(exam)
        assert scheme is not None
        return min(band.min for band in scheme.bands if band.grade)

    def scheme(self, exam: Exam, exam_date: dt.date) -> CesScheme | None:
        # scheme_for parses JSON each call; a million results share ~30,000 (exam, date) pairs.
        key = (exam.pk, exam_date)
        if key not in self._schemes:
            self._schemes[key] = scheme_for(exam.scoring, exam_date)
        return self._schemes[key]

    def choose(self, rng: random.Random, ability: float, age: int, floor: int = 0) -> ExamChoice:
        """The hardest level (``floor`` at least) the candidate expects to pass, in the version for their age."""
        hope = ability + rng.gauss(0, 6)
        level = floor
        for index, mark in enumerate(self.pass_marks):
            if mark + 6 <= hope and index > level:
                level = index
        variants = self.by_level[level]
        variant = "general"
        if age <= 17 and "schools" in variants and rng.random() < 0.85:
            variant = "schools"
        elif age >= 21 and "business" in variants and rng.random() < 0.15:
            variant = "business"
        if variant not in variants:
            variant = next(iter(variants))
        return ExamChoice(variants[variant], level, variant)


# --- dates ----------------------------------------------------------------------------------


def _session_dates(rng: random.Random) -> tuple[list[dt.date], WeightedChoice[dt.date]]:
    """Exam days: every Saturday (paper-based) and a few weekdays a month (computer-based)."""
    days: list[dt.date] = []
    weights: list[float] = []
    growth = {2019: 1.0, 2020: 0.55, 2021: 0.85, 2022: 1.0, 2023: 1.05, 2024: 1.1, 2025: 1.15, 2026: 1.2}
    for year in range(FIRST_EXAM_DATE.year, DEMO_TODAY.year + 1):
        for month in range(1, 13):
            weight = _MONTH_WEIGHTS[month - 1] * growth.get(year, 1.2)
            if year == 2020 and 4 <= month <= 6:
                weight *= 0.05  # centres closed in the first lockdown
            _, last_day = calendar.monthrange(year, month)
            weekdays = rng.sample(range(1, last_day + 1), 3)
            for day in range(1, last_day + 1):
                date = dt.date(year, month, day)
                if not FIRST_EXAM_DATE <= date <= DEMO_TODAY:
                    continue
                if date.weekday() == 5:
                    days.append(date)
                    weights.append(3 * weight)
                elif day in weekdays and date.weekday() < 5:
                    days.append(date)
                    weights.append(weight)
    return days, WeightedChoice(days, weights)


def _aware(date: dt.date, seconds: float) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC) + dt.timedelta(seconds=int(seconds))


# --- the generator --------------------------------------------------------------------------


@dataclass
class _Org:
    spec: DemoOrganisation
    organisation: Organisation
    user_ids: list[int]
    probability: float
    count: int = 0


@dataclass
class _Batch:
    candidates: list[Candidate] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    scores: list[tuple[Result, int, str, str, int | None]] = field(default_factory=list)
    shares: list[tuple[Result, Share]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.results)


class _Generator:
    def __init__(self, *, seed: int, results: int, photos: bool, orgs: list[_Org]) -> None:
        self.people = random.Random(f"rvs-demo-people-{seed}")
        self.photo_rng = random.Random(f"rvs-demo-photos-{seed}")
        self.share_rng = random.Random(f"rvs-demo-shares-{seed}")
        self.total = results
        self.orgs = orgs
        self.planner = ExamPlanner()
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
        self.centre_rows = _save_centres([spec for spec, _ in specs])
        self.sessions, self.session_choice = _session_dates(self.people)
        modulus = 26**3 * 10**6
        multiplier = self.people.randrange(modulus // 3, modulus) | 1
        while multiplier % 5 == 0 or multiplier % 13 == 0:
            multiplier += 2
        self.number_key = (multiplier, self.people.randrange(modulus), modulus)
        self.photo_names = _save_photos(seed, min(PHOTO_POOL, results)) if photos else []
        self.pool_size = min(PHOTO_POOL, results)
        self.logins: list[CandidateLogin] = []
        self._fold_cache: dict[str, str] = {}

    def candidate_number(self, index: int) -> str:
        """Three letters and six digits, unique: a bijection of the index, so no set of used numbers."""
        multiplier, offset, modulus = self.number_key
        value = (index * multiplier + offset) % modulus
        letters, digits = divmod(value, 10**6)
        a, rest = divmod(letters, 26 * 26)
        b, c = divmod(rest, 26)
        return f"{chr(65 + a)}{chr(65 + b)}{chr(65 + c)}{digits:06d}"

    def _email(self, first: str, last: str, birth_year: int) -> str:
        rng = self.people
        given = self._fold(first).replace(" ", "")
        family = self._fold(last).replace(" ", "")
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

    def _fold(self, text: str) -> str:
        folded = self._fold_cache.get(text)
        if folded is None:
            folded = self._fold_cache[text] = fold(text)
        return folded

    def batches(self) -> Any:
        """Yield batches of about ``BATCH_RESULTS`` results; a candidate's results share a batch."""
        batch = _Batch()
        made = 0
        index = 0
        while made < self.total:
            made += self._candidate(index, batch, self.total - made)
            index += 1
            if len(batch) >= BATCH_RESULTS:
                yield batch
                batch = _Batch()
        if len(batch):
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
        email = self._email(first, last, date_of_birth.year) if rng.random() < 0.85 else ""
        has_photo = self.photo_rng.random() < 0.9
        photo_index = self.photo_rng.randrange(self.pool_size) if self.pool_size else 0
        candidate = Candidate(
            candidate_number=number,
            secret_hash=secret_number_hash(number, secret),
            first_name=first,
            last_name=last,
            sort_name=candidate_sort_name(first, last),
            date_of_birth=date_of_birth,
            email=email,
        )
        batch.candidates.append(candidate)
        if len(self.logins) < 3:
            self.logins.append(CandidateLogin(f"{first} {last}", number, secret))

        sittings = min(room, _SITTINGS.draw(rng))
        exam_date, centre, made = first_date, home, 0
        previous: ExamChoice | None = None
        passed_previous = True
        while made < sittings:
            years = (exam_date - first_date).days / 365.25
            age_now = age + int(years)
            grown = ability + years * (rng.gauss(7, 3) if age_now < 25 else rng.gauss(2, 2))
            if previous is not None and not passed_previous and rng.random() < 0.6:
                choice = previous  # a retake of the exam just failed
            else:
                # After a pass people aim higher, never at the same level again.
                floor = previous.level + 1 if previous is not None and passed_previous else 0
                if floor >= len(self.planner.pass_marks):
                    break
                choice = self.planner.choose(rng, grown, age_now, floor)
            passed_previous = self._result(batch, candidate, choice, exam_date, centre, grown, profile)
            if has_photo and self.photo_names:
                batch.results[-1].photo.name = self.photo_names[photo_index]
            self._share(batch, batch.results[-1], choice)
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
        candidate: Candidate,
        choice: ExamChoice,
        exam_date: dt.date,
        centre: CentreSpec,
        ability: float,
        profile: dict[str, float],
    ) -> bool:
        """Add one result; True when it reached the exam's pass mark."""
        rng = self.people
        scheme = self.planner.scheme(choice.exam, exam_date)
        assert scheme is not None  # the planner only offers exams with rules for 2019 onwards
        codes = [component.code for component in scheme.components]
        scores: dict[str, int | str | None] = {
            code: max(scheme.component_min, min(scheme.scale_max, round(ability + profile[code] + rng.gauss(0, 4))))
            for code in codes
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
        result = Result(
            candidate=candidate,
            exam=choice.exam,
            centre=self.centre_rows[centre.number],
            exam_date=exam_date,
            ern=ern_codec.from_random(rng),
            status=outcome.status,
            overall_score=outcome.overall,
            grade=outcome.grade or "",
            cefr=outcome.cefr or "",
            result_label=outcome.label,
        )
        batch.results.append(result)
        if outcome.status == Status.RESULT:
            for position, component in enumerate(scheme.components):
                batch.scores.append(
                    (result, position, component.code, component.label, outcome.components.get(component.code))
                )
        return outcome.overall is not None and outcome.overall >= self.planner.pass_marks[choice.level]

    def _share(self, batch: _Batch, result: Result, choice: ExamChoice) -> None:
        rng = self.share_rng
        if result.status not in (Status.RESULT, Status.PENDING):
            return
        for org in self.orgs:
            if choice.level < org.spec.min_level or rng.random() >= org.probability:
                continue
            if org.count >= org.spec.share_cap:
                continue
            org.count += 1
            release = result.exam_date + dt.timedelta(days=rng.randint(14, 28))
            if release >= DEMO_TODAY or result.status == Status.PENDING:
                days = max(1, (DEMO_TODAY - result.exam_date).days)
                shared_at = _aware(result.exam_date, rng.uniform(86_400, days * 86_400))
            else:
                delay = min(rng.expovariate(1 / 40), (DEMO_TODAY - release).days)
                shared_at = _aware(release, delay * 86_400 + rng.uniform(25_000, 80_000))
            shared_at = min(shared_at, DEMO_NOW - dt.timedelta(minutes=rng.randint(5, 600)))
            share = Share(result=result, organisation=org.organisation, shared_at=shared_at,
                          include_photo=bool(result.photo.name) and rng.random() < 0.5)  # fmt: skip
            age = (DEMO_NOW - shared_at).total_seconds()
            if age > 2 * 86_400 and rng.random() < 0.35:
                share.first_viewed_at = shared_at + dt.timedelta(seconds=min(age - 60, rng.expovariate(1 / 250_000)))
                share.first_viewed_by_id = rng.choice(org.user_ids)
            if rng.random() < 0.02:
                share.revoked_at = shared_at + dt.timedelta(seconds=rng.uniform(60, age))
            batch.shares.append((result, share))


def _save_centres(specs: list[CentreSpec]) -> dict[str, Centre]:
    """The demo centres, reusing any centre already known by its number (an import may have made it)."""
    existing = {centre.number: centre for centre in Centre.objects.filter(number__in=[s.number for s in specs])}
    new = [
        Centre(number=s.number, name=s.name, name_folded=fold(s.name), city=s.city, city_folded=fold(s.city),
               country=s.country.name)
        for s in specs
        if s.number not in existing
    ]  # fmt: skip
    Centre.objects.bulk_create(new)
    existing.update({centre.number: centre for centre in Centre.objects.filter(number__in=[s.number for s in specs])})
    return existing


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


def _organisations(results: int) -> list[_Org]:
    password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user would cost seconds
    exams = list(Exam.objects.filter(verifiable=True))
    planner = ExamPlanner()
    levels = {exam.code: level for level, variants in planner.by_level.items() for exam in variants.values()}
    orgs = []
    for spec in DEMO_ORGANISATIONS:
        organisation = Organisation.objects.create(
            name=spec.name, kind=spec.kind, city=spec.city, country=spec.country, address=spec.address,
            website=f"https://www.{spec.slug}.example",
        )  # fmt: skip
        organisation.recognised_exams.set([e for e in exams if levels.get(e.code, -1) >= spec.min_level])
        user_ids = []
        for position, demo_user in enumerate(spec.users):
            user = User.objects.create_user(spec.email(demo_user), full_name=demo_user.full_name,
                                            job_title=demo_user.job_title)  # fmt: skip
            user.password = password
            user.save(update_fields=["password"])
            role = Membership.Role.PRIMARY if position == 0 else Membership.Role.ADDITIONAL
            Membership.objects.create(user=user, organisation=organisation, role=role, notify_on_share=position == 0)
            user_ids.append(user.pk)
        wanted = min(spec.share_rate, spec.share_cap / max(results, 1))
        orgs.append(_Org(spec, organisation, user_ids, min(1.0, wanted / _ELIGIBLE[spec.min_level])))
    if not User.objects.filter(email=STAFF_EMAIL).exists():
        staff = User.objects.create_superuser(STAFF_EMAIL, full_name="Demo Staff", job_title="Results Officer")
        staff.password = password
        staff.save(update_fields=["password"])
    return orgs


def _write(batch: _Batch) -> None:
    Candidate.objects.bulk_create(batch.candidates)
    CandidateNameToken.objects.bulk_create(name_tokens_for(batch.candidates))
    Result.objects.bulk_create(batch.results)
    ComponentScore.objects.bulk_create(
        ComponentScore(result=result, position=position, code=code, label=label, score=score)
        for result, position, code, label, score in batch.scores
    )
    Share.objects.bulk_create(share for _, share in batch.shares)


def seed(*, results: int, seed: int, photos: bool = True, progress: Callable[[str], None] | None = None) -> SeedReport:
    """Write ``results`` demo results and everything around them; raise ``DemoDataExists`` if present."""
    started = time.perf_counter()
    report = SeedReport()
    with transaction.atomic():
        if demo_exists():
            raise DemoDataExists(PRIMARY_EMAIL)
        if connection.vendor == "sqlite":
            # A bigger page cache keeps the unique indexes (ERN, public ids) off the disk while loading.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        orgs = _organisations(results)
        generator = _Generator(seed=seed, results=results, photos=photos, orgs=orgs)
        for batch in generator.batches():
            _write(batch)
            report.results += len(batch.results)
            report.candidates += len(batch.candidates)
            if progress and report.results % 100_000 < len(batch.results):
                progress(f"{report.results:,} results in {time.perf_counter() - started:.0f} s")
        report.centres = len(generator.centre_rows)
        report.photos = len(generator.photo_names)
        report.shares = {org.spec.name: org.count for org in orgs}
        report.logins = generator.logins
        log_action("demo.seeded", actor="seed_demo", data={"results": results, "seed": seed})
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would give.
        cursor.execute("ANALYZE")
    report.seconds = time.perf_counter() - started
    return report


def search_examples(limit: int = 3) -> list[SearchExample]:
    """Searches worth trying as the first demo organisation, read back from the database."""
    organisation = Organisation.objects.filter(memberships__user__email=PRIMARY_EMAIL).first()
    if organisation is None:
        return []
    shares = (
        Share.objects.filter(organisation=organisation, revoked_at__isnull=True, result__status=Status.RESULT)
        .select_related("result__candidate", "result__exam", "result__centre")
        .order_by("-shared_at")
    )
    examples = []
    for share in shares[:limit]:
        result = share.result
        examples.append(
            SearchExample(
                "Exam Reference Number",
                ern_codec.display(result.ern),
                f"{result.candidate.full_name}, {result.exam.name} {result.exam_date:%d %b %Y}, "
                f"born {result.candidate.date_of_birth:%d %b %Y}",
            )
        )
    for share in shares[limit : limit + 200]:
        name = share.result.candidate.last_name
        if fold(name) != name.lower():  # an accented or transliterated name: show accent-blind search
            examples.append(
                SearchExample("Candidate Name", fold(name).split(" ")[0], f"{share.result.candidate.full_name}")
            )
            break
    if shares:
        centre = shares[0].result.centre
        examples.append(SearchExample("Exam Place of Entry", centre.city, f"results taken at {centre.name}"))
    unshared = Result.objects.exclude(shares__organisation=organisation).select_related("candidate").first()
    if unshared is not None:
        examples.append(
            SearchExample(
                "Exam Reference Number", ern_codec.display(unshared.ern), f"{unshared.candidate.full_name} (not shared)"
            )
        )
    return examples
