"""The demo Recognising Organisations, their users, and searches worth trying as one of them.

Fictional organisations of the kinds the service serves (a UK university, a Canadian college,
an Australian government department, a German employer, a Spanish university). Every user's
address is at a reserved ``.example`` domain and all share one published password, which is why
``seed_demo`` refuses to run in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from rvs.accounts.models import User
from rvs.core import ern as ern_codec
from rvs.core.dates import display_date
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import Status
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Result
from rvs.sharing.models import Share

DEMO_PASSWORD = "verify results demo 2026"
STAFF_EMAIL = "staff@example.org"


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


def demo_exists() -> bool:
    return User.objects.filter(email=PRIMARY_EMAIL).exists()


@dataclass
class SeededOrganisation:
    spec: DemoOrganisation
    organisation: Organisation
    user_ids: list[int]


def create_organisations(levels: dict[str, int]) -> list[SeededOrganisation]:
    """The demo organisations with their users, and the staff user; ``levels`` maps exam codes to levels."""
    password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 for each user would cost seconds
    exams = list(Exam.objects.filter(verifiable=True))
    seeded = []
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
        seeded.append(SeededOrganisation(spec, organisation, user_ids))
    if not User.objects.filter(email=STAFF_EMAIL).exists():
        staff = User.objects.create_superuser(STAFF_EMAIL, full_name="Demo Staff", job_title="Results Officer")
        staff.password = password
        staff.save(update_fields=["password"])
    return seeded


@dataclass(frozen=True)
class SearchExample:
    label: str
    value: str
    finds: str


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
                f"{result.candidate.full_name}, {result.exam.name} {display_date(result.exam_date)}, "
                f"born {display_date(result.candidate.date_of_birth)}",
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
