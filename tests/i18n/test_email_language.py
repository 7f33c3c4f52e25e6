"""Emails go out in the recipient's language (decision 0033), and the catalogue compiler behind it.

A tiny Spanish catalogue is compiled into a temporary LOCALE_PATHS entry (ahead of the real one),
so the test does not wait for the translations; the callers are checked by recording the
language active while each email's templates are rendered.
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from rvs.candidates.models import CandidateAccount
from rvs.candidates.services import candidate_resend_confirmation, candidate_sign_up
from rvs.core import emails
from rvs.core.emails import queue_email
from rvs.core.models import OutboxEmail
from rvs.organisations import services as organisations
from rvs.organisations.models import Membership
from rvs.sharing.services import share_create
from tests.factories import CandidateFactory, MembershipFactory, ResultFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
SUBJECT_EN = "Results Verification Service: confirm your email address"
SUBJECT_ES = "Results Verification Service: confirme su dirección de correo electrónico"
TEST_PO = r"""# A test catalogue.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Language: es\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "%(service)s: confirm your email address"
msgstr "%(service)s: confirme su dirección de correo electrónico"

msgctxt "a page, the main navigation"
msgid "Search"
msgstr "Buscar"

#, fuzzy
msgid "Sign in"
msgstr "Nunca"

msgid "Sign out"
msgstr ""

#, python-format
msgid "%(counter)s result"
msgid_plural "%(counter)s results"
msgstr[0] "%(counter)s resultado"
msgstr[1] "%(counter)s "
"resultados"
#~ msgid "Old"
#~ msgstr "Viejo"
"""


def _compiler() -> Any:
    spec = importlib.util.spec_from_file_location("compile_messages", ROOT / "scripts" / "compile_messages.py")
    assert spec is not None
    assert spec.loader is not None
    module = sys.modules.setdefault("compile_messages", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)  # registered first: its dataclasses look their module up
    return module


@pytest.fixture
def spanish(settings: Any, tmp_path: Path) -> Path:
    """LOCALE_PATHS with the test catalogue first (compiled by scripts/compile_messages.py)."""
    po = tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(TEST_PO, encoding="utf-8")
    _compiler().compile_po(po)
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    return po.with_suffix(".mo")


@pytest.fixture
def rendered_in(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(template, language) of every email template rendered."""
    seen: list[tuple[str, str]] = []
    real = emails.render_to_string

    def spy(name: str, context: Any = None, *args: Any, **kwargs: Any) -> str:
        seen.append((name.removeprefix("emails/"), translation.get_language() or ""))
        return real(name, context, *args, **kwargs)

    monkeypatch.setattr(emails, "render_to_string", spy)
    return seen


def _languages(seen: list[tuple[str, str]], template: str) -> set[str]:
    names = {f"{template}_subject.txt", f"{template}_body.txt", f"{template}_body.html"}
    return {language for name, language in seen if name in names}


def _account(language: str = "", candidate: Any = None) -> CandidateAccount:
    user = UserFactory(language=language)
    candidate = candidate or CandidateFactory()
    return CandidateAccount.objects.create(user=user, candidate=candidate, terms_accepted_at=timezone.now())


class TestCompiler:
    def test_it_compiles_contexts_plurals_and_leaves_out_fuzzy_and_empty(self, tmp_path: Path) -> None:
        po = tmp_path / "django.po"
        po.write_text(TEST_PO, encoding="utf-8")
        with po.with_suffix(".mo").open("wb") as out:  # replaced whole, never appended to
            out.write(b"old")
        catalogue = gettext.GNUTranslations(_compiler().compile_po(po).open("rb"))
        assert catalogue.pgettext("a page, the main navigation", "Search") == "Buscar"
        assert catalogue.gettext("Search") == "Search"
        assert catalogue.gettext("Sign in") == "Sign in"  # fuzzy: left out
        assert catalogue.gettext("Sign out") == "Sign out"  # untranslated: left out
        assert catalogue.gettext("Old") == "Old"  # obsolete
        assert catalogue.ngettext("%(counter)s result", "%(counter)s results", 1) == "%(counter)s resultado"
        assert catalogue.ngettext("%(counter)s result", "%(counter)s results", 3) == "%(counter)s resultados"
        assert catalogue.info()["plural-forms"] == "nplurals=2; plural=(n != 1);"

    @pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
    def test_it_agrees_with_msgfmt(self, tmp_path: Path) -> None:
        po = tmp_path / "django.po"
        po.write_text(TEST_PO, encoding="utf-8")
        ours = gettext.GNUTranslations(_compiler().compile_po(po).open("rb"))
        subprocess.run(["msgfmt", "-o", str(tmp_path / "gnu.mo"), str(po)], check=True)
        gnu = gettext.GNUTranslations((tmp_path / "gnu.mo").open("rb"))
        assert ours._catalog == gnu._catalog  # type: ignore[attr-defined]

    def test_a_broken_catalogue_is_an_error(self, tmp_path: Path) -> None:
        po = tmp_path / "django.po"
        po.write_text('msgid "a"\nmsgstr b\n', encoding="utf-8")
        assert _compiler().main([str(po)]) == 1


@pytest.mark.django_db
class TestQueueEmail:
    def test_it_renders_in_the_language_given(self, spanish: Path) -> None:
        context = {"user": UserFactory(), "link": "https://example.org/x"}
        spanish_email = queue_email(to="a@example.org", template="candidate_confirm", context=context, language="es")
        english = queue_email(to="b@example.org", template="candidate_confirm", context=context, language="en-gb")
        assert spanish_email.subject == SUBJECT_ES
        assert english.subject == SUBJECT_EN

    def test_without_a_language_or_with_an_unknown_one_it_writes_english(self, spanish: Path) -> None:
        context = {"user": UserFactory(), "link": "https://example.org/x"}
        with translation.override("es"):  # the page's language is not the recipient's
            assert queue_email(to="a@example.org", template="candidate_confirm", context=context).subject == SUBJECT_EN
            unknown = queue_email(to="a@example.org", template="candidate_confirm", context=context, language="fr")
        assert unknown.subject == SUBJECT_EN
        assert translation.get_language() == "en-gb"  # the page's language is back


@pytest.mark.django_db
class TestCallers:
    def test_a_candidate_email_is_in_the_candidate_language(self, spanish: Path) -> None:
        candidate_resend_confirmation(account=_account("es"))
        candidate_resend_confirmation(account=_account(""))
        assert list(OutboxEmail.objects.order_by("created_at").values_list("subject", flat=True)) == [
            SUBJECT_ES,
            SUBJECT_EN,
        ]

    def test_signing_up_saves_the_language_of_the_page_and_writes_in_it(self, spanish: Path) -> None:
        candidate = CandidateFactory()
        with translation.override("es"):
            account = candidate_sign_up(
                candidate_number=candidate.candidate_number,
                secret_number="1234",
                email="nueva@cand.example",
                password="my exam results are mine",
            )
        assert account.user.language == "es"
        assert OutboxEmail.objects.get(to="nueva@cand.example").subject == SUBJECT_ES

    def test_a_registration_is_answered_in_the_language_it_was_made_in(
        self, staff: Any, rendered_in: list[tuple[str, str]]
    ) -> None:
        data = {
            "organisation_name": "Universidad de Prueba",
            "kind": "university",
            "country": "Spain",
            "city": "Salamanca",
            "address": "Calle Mayor 1",
            "website": "https://usal.example",
            "registrant_name": "Ana García",
            "job_title": "Admisiones",
            "work_email": "ana@usal.example",
        }
        with translation.override("es"):
            request = organisations.registration_submit(data=data)
        assert request.language == "es"
        organisation = organisations.registration_approve(actor=staff, request=request)  # staff reads English
        other = organisations.registration_submit(data={**data, "organisation_name": "Otra", "work_email": "b@x.es"})
        with translation.override("zh-hans"):
            organisations.registration_reject(actor=staff, request=other, reason="Not an organisation")
        assert _languages(rendered_in, "registration_received") == {"es", "en-gb"}
        assert _languages(rendered_in, "registration_approved") == {"es"}
        assert _languages(rendered_in, "registration_rejected") == {"en-gb"}
        primary = Membership.objects.get(organisation=organisation).user
        assert primary.language == "es"

    def test_a_person_added_is_written_to_in_the_language_of_who_added_them(
        self, primary: Any, rendered_in: list[tuple[str, str]]
    ) -> None:
        organisation = Membership.objects.get(user=primary).organisation
        with translation.override("zh-hans"):
            membership = organisations.user_add(
                actor=primary, organisation=organisation, email="new@example.org", full_name="New Person"
            )
        assert _languages(rendered_in, "user_added") == {"zh-hans"}
        assert membership.user.language == ""  # their own choice is still to come

    def test_organisation_users_are_written_to_in_their_own_language(
        self, org_a: Any, rendered_in: list[tuple[str, str]]
    ) -> None:
        MembershipFactory(organisation=org_a, notify_on_share=True, user=UserFactory(language="ar"))
        MembershipFactory(organisation=org_a, notify_on_share=True, user=UserFactory(language=""))
        result = ResultFactory()
        account = _account("es", result.candidate)
        with translation.override("es"):  # the candidate's page
            share_create(
                actor=account.user,
                candidate=result.candidate,
                organisation=org_a,
                results=[result],
                include_photo=False,
            )
        assert sorted(language for name, language in rendered_in if name == "result_shared_subject.txt") == [
            "ar",
            "en-gb",
        ]

    def test_a_password_reset_is_in_the_saved_language(self, rendered_in: list[tuple[str, str]]) -> None:
        user = UserFactory(language="zh-hans")
        Client().post(reverse("accounts:forgot_password"), {"email": user.email}, HTTP_ACCEPT_LANGUAGE="es")
        Client().post(reverse("accounts:forgot_password"), {"email": UserFactory().email}, HTTP_ACCEPT_LANGUAGE="es")
        assert sorted(language for name, language in rendered_in if name == "password_reset_subject.txt") == [
            "es",
            "zh-hans",
        ]

    def test_a_sign_up_lock_reaches_the_candidate_in_the_page_language_and_the_board_in_english(
        self, settings: Any, rendered_in: list[tuple[str, str]]
    ) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "candidate_pair": "100/3600", "candidate_signup_ip": "100/3600"}
        settings.CANDIDATE_SIGNUP_MAX_FAILURES = 2
        settings.SECURITY_ALERT_EMAIL = "security@board.example"
        candidate = CandidateFactory(email="lan@board-records.example")
        for guess in ("9000", "9001"):
            data = {"candidate_number": candidate.candidate_number, "secret_number": guess, "terms": "on"}
            data |= {"email": "lan@example.vn", "password": "my exam results are mine"}
            Client().post(reverse("candidates:sign_up"), data, HTTP_ACCEPT_LANGUAGE="es")
        assert _languages(rendered_in, "candidate_id_locked") == {"es"}
        assert _languages(rendered_in, "candidate_id_locked_alert") == {"en-gb"}


def test_every_caller_says_whose_language_it_writes_in() -> None:
    """queue_email writes English without ``language=``: each call in rvs/ must pass one (decision 0033)."""
    missing = []
    for path in sorted((ROOT / "rvs").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "queue_email" and "language" not in {keyword.arg for keyword in node.keywords}:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == [], f"queue_email without language=: {missing}"
