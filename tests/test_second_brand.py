"""A second exam board runs the service: its name, addresses and catalogue are settings and data.

Issue 16 (Must show: where a second exam board brand goes, docs/architecture.md). Nothing of the
example board ("Example English Exams", its email addresses, its catalogue's families and words)
may show on the pages, emails or statements of another board's deployment.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from rvs.core.emails import relay_due
from rvs.downloads.pdf import render_statements
from rvs.downloads.selectors import results_in_order
from rvs.exams.catalogue import DEFAULT_CATALOGUE, sync_catalogue
from rvs.exams.models import Exam
from rvs.sharing import services as sharing_services
from tests.conftest import client_for
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db

NORTHWIND = {
    "board_name": "Northwind Language Assessment",
    "service_name": "Northwind Results Check",
    "logo_url": "",
    "recognition_email": "schools@northwind.test",
    "api_support_email": "developers@northwind.test",
    "scale_name": "Northwind Scale",
}
EXAMPLE_BOARD = ("Example English Exams", "recognition@example.org", "api-support@example.org", "Cambridge")


@pytest.fixture
def northwind(settings: Any, tmp_path: Path) -> Path:
    """The other board's settings and catalogue (the example's schemes, its own exams and words)."""
    example = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    scheme = "b2-5"  # the factories' scores fit it
    catalogue = {
        "version": "northwind-1",
        "recognised_exams_notice": "Northwind Young Speakers cannot be verified here yet.",
        "schemes": example["schemes"],
        "exams": [
            {"code": "nw-b1", "name": "Northwind B1", "family": "Northwind Certificates", "verifiable": True,
             "scoring": [{"from": "2000-01-01", "scheme": scheme}]},
            {"code": "nw-young", "name": "Northwind Young Speakers", "family": "Northwind Young Speakers",
             "verifiable": False, "scoring": []},
        ],
    }  # fmt: skip
    path = tmp_path / "northwind.json"
    path.write_text(json.dumps(catalogue), encoding="utf-8")
    settings.RVS_BRAND = NORTHWIND
    settings.RVS_CATALOGUE_FILE = str(path)
    Exam.objects.all().delete()
    sync_catalogue(Exam, path)
    return path


def _share(result: Any, member: Any) -> None:
    organisation = member.membership.organisation
    candidate = result.candidate
    sharing_services.share_create(
        actor=candidate, candidate=candidate, organisation=organisation, results=[result], include_photo=False
    )


def _assert_northwind(text: str, where: str) -> None:
    leaked = [word for word in EXAMPLE_BOARD if word in text]
    assert not leaked, f"{where} shows the example board: {leaked}"


def test_the_public_pages_carry_the_other_boards_name(northwind: Path) -> None:
    for name in ("home", "accounts:login", "directory", "register"):
        page = Client().get(reverse(name)).content.decode()
        assert NORTHWIND["service_name"] in page, name
        _assert_northwind(page, name)


def test_an_organisations_pages_show_its_catalogue_and_words(northwind: Path, member: Any) -> None:
    client = client_for(member)
    exams = client.get(reverse("organisations:exams")).content.decode()
    assert "Northwind Certificates" in exams
    assert "Northwind Young Speakers cannot be verified here yet." in exams
    _assert_northwind(exams, "Recognised Exams and Tests")
    result = ResultFactory(exam=Exam.objects.get(code="nw-b1"))
    _share(result, member)
    for page in (reverse("results:dashboard"), reverse("results:detail", args=[result.public_id])):
        html = client.get(page).content.decode()
        assert "Northwind B1" in html, page
        _assert_northwind(html, page)


def test_emails_and_statements_name_the_other_board(northwind: Path, member: Any) -> None:
    result = ResultFactory(exam=Exam.objects.get(code="nw-b1"))
    member.membership.notify_on_share = True
    member.membership.save()
    _share(result, member)
    relay_due()
    assert mail.outbox, "the new share's email"
    for message in mail.outbox:
        _assert_northwind(f"{message.subject}\n{message.from_email}\n{message.body}", "an email")
    out = io.BytesIO()
    render_statements(results_in_order([result.pk]), out)
    info = PdfFileReader(io.BytesIO(out.getvalue())).trailer_view["/Info"].get_object()
    assert str(info["/Author"]) == NORTHWIND["board_name"]
    assert str(info["/Creator"]) == NORTHWIND["service_name"]


def test_the_board_names_its_catalogue_in_the_environment(tmp_path: Path) -> None:
    """``RVS_CATALOGUE_FILE`` is read from the environment (it was read by nothing) and a missing file
    stops start-up with the variable's name, rather than loading the example board's catalogue."""
    from tests.core.test_database_settings import _settings_of

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "RVS_DATA_DIR": str(tmp_path)}
    catalogue = tmp_path / "board.json"
    catalogue.write_text("{}", encoding="utf-8")
    named = _settings_of({**env, "RVS_CATALOGUE_FILE": str(catalogue)}, "settings.RVS_CATALOGUE_FILE")
    assert named.returncode == 0, named.stderr
    assert named.stdout.strip() == str(catalogue)
    missing = _settings_of({**env, "RVS_CATALOGUE_FILE": str(tmp_path / "none.json")}, "settings.RVS_CATALOGUE_FILE")
    assert missing.returncode != 0
    assert "RVS_CATALOGUE_FILE: no such file" in missing.stderr
