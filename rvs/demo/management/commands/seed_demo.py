"""``manage.py seed_demo``: fill the database with realistic, reproducible demo data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvs.demo import seed as demo
from rvs.organisations.models import Membership


class Command(BaseCommand):
    help = (
        "Seed demo data: candidates from many countries, results of every verifiable exam scored by the "
        "real rules, about 400 centres in 57 countries, test-day photos, five Recognising Organisations with "
        "their users, and results shared with them. The same --seed and --results always give the same data. "
        "On a database that already has demo data it refuses (start from an empty database to re-seed); "
        "with --once it prints the sign-in details and changes nothing, so `make run` can call it every time. "
        f"All demo users share the password {demo.DEMO_PASSWORD!r}; refused when RVS_PRODUCTION is on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--results", type=int, default=300, help="how many results to create (default 300)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--once", action="store_true", help="do nothing but print sign-in details if seeded")
        parser.add_argument("--no-photos", action="store_true", help="skip test-day photos (benchmarks)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates users with a published password; it never runs in production.")
        if options["results"] < 1:
            raise CommandError("--results must be at least 1.")
        if demo.demo_exists():
            if options["once"]:
                self.stdout.write("Demo data is already in the database; nothing changed.")
                self._sign_in()
                return
            raise CommandError(
                f"Demo data is already in this database ({demo.PRIMARY_EMAIL} exists). Seeding again would mix two "
                "data sets: start from an empty database (delete the SQLite file or drop the PostgreSQL database, "
                "then migrate), or pass --once to print the sign-in details."
            )
        try:
            report = demo.seed(
                results=options["results"],
                seed=options["seed"],
                photos=not options["no_photos"],
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
        except demo.DemoDataExists:  # another process seeded meanwhile
            raise CommandError("Demo data appeared while seeding; nothing was written.") from None
        shares = ", ".join(f"{name}: {count:,}" for name, count in report.shares.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.results:,} results of {report.candidates:,} candidates at {report.centres} centres, "
                f"{report.photos} photos, in {report.seconds:.1f} s."
            )
        )
        self.stdout.write(f"Shares: {shares}.")
        self._sign_in()
        if report.logins:
            self.stdout.write("Candidates (Candidate ID Number / Secret Number):")
            for login in report.logins:
                self.stdout.write(f"  {login.candidate_number} / {login.secret_number}  {login.name}")

    def _sign_in(self) -> None:
        write = self.stdout.write
        write("")
        write(f"Sign in at {settings.RVS_SITE_URL}/ with the password: {demo.DEMO_PASSWORD}")
        memberships = (
            Membership.objects.filter(user__email__endswith=".example", organisation__name__in=[
                org.name for org in demo.DEMO_ORGANISATIONS
            ])
            .select_related("user", "organisation")
            .order_by("organisation__id", "id")
        )  # fmt: skip
        current = None
        for membership in memberships:
            if membership.organisation_id != current:
                current = membership.organisation_id
                write(f"  {membership.organisation.name} ({membership.organisation.country})")
            role = "Primary User" if membership.is_primary else "additional user"
            write(f"    {membership.user.email:<40} {role}")
        write(f"  Back office (staff): {demo.STAFF_EMAIL}")
        examples = demo.search_examples()
        if examples:
            write(f"Try as {demo.DEMO_ORGANISATIONS[0].name}:")
            for example in examples:
                write(f"  {example.label}: {example.value}  ->  {example.finds}")
        write("")
