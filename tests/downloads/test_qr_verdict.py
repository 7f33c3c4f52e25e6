"""The QR verdict equals the upload verdict: a corrected result reads as changed, never as a forgery."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from rvs.backoffice.services import result_correct
from rvs.downloads import pdf
from rvs.downloads.changes import Change, statement_state
from rvs.downloads.pdf import render_signed_statements, result_digest, verification_code
from rvs.downloads.selectors import results_in_order
from rvs.downloads.verify import check_result
from rvs.results.models import Result, ResultRevision
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db
CHANGED = "This result has changed since this statement was issued"
FORGERY = "If they differ, the statement has been altered."
WRITING_CORRECTED = [
    Change("Overall score", "178", "182"),
    Change("CEFR level", "B2", "C1"),
    Change("Grade", "B", "A"),
    Change("Writing", "169", "189"),
]


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


def issue(result: Result, monkeypatch: Any) -> tuple[bytes, str]:
    """A signed statement of ``result`` as downloaded, and the link its QR code encodes."""
    links: list[str] = []
    draw = pdf._qr

    def spy(canvas: Any, text: str, *args: Any) -> None:
        links.append(text)
        draw(canvas, text, *args)

    monkeypatch.setattr(pdf, "_qr", spy)
    out = io.BytesIO()
    render_signed_statements(results_in_order([result.pk]), out)
    [link] = links
    parts = urlsplit(link)
    return out.getvalue(), f"{parts.path}?{parts.query}"


def correct_writing(staff: Any, result: Result, score: int = 189) -> None:
    correct_writing_revision(staff, result, score)


def correct_writing_revision(staff: Any, result: Result, score: int = 189) -> ResultRevision:
    return result_correct(actor=staff, result=result, reason="Writing re-marked", scores={"writing": score})


def upload(client: Client, data: bytes) -> str:
    file = io.BytesIO(data)
    file.name = "statement.pdf"
    return client.post(reverse("verify_statement"), {"statement": file}).content.decode()


class TestQrLink:
    def test_it_says_changed_since_issue_and_what_changed(self, staff: Any, client: Client, monkeypatch: Any) -> None:
        result = ResultFactory()
        _, link = issue(result, monkeypatch)
        correct_writing(staff, result)
        response = client.get(link)
        assert response.status_code == 200
        page = response.content.decode()
        assert CHANGED in page
        assert "This result is valid" not in page
        assert FORGERY not in page
        for change in WRITING_CORRECTED:
            assert (
                f'<tr><th scope="row">{change.label}</th><td>{change.before}</td><td>{change.after}</td></tr>' in page
            )

    def test_it_carries_the_revision_at_issue(self, staff: Any, client: Client, monkeypatch: Any) -> None:
        result = ResultFactory()
        correct_writing(staff, result, 180)
        _, link = issue(result, monkeypatch)
        assert parse_qs(urlsplit(link).query)["r"] == ["1"]
        page = client.get(link).content.decode()
        assert "This result is valid" in page  # corrected before this statement, not since
        correct_writing(staff, result, 189)
        page = client.get(link).content.decode()
        assert CHANGED in page
        assert "<td>180</td><td>189</td>" in page  # from the statement's values, not the first ones

    def test_it_refuses_a_link_whose_revision_was_altered(self, staff: Any, client: Client, monkeypatch: Any) -> None:
        result = ResultFactory()
        correct_writing(staff, result)
        _, link = issue(result, monkeypatch)
        assert client.get(link).status_code == 200
        assert client.get(link.replace("r=1", "r=0")).status_code == 404  # the code covers the revision
        for bad in ["x", "-1", "1.0", "\u0661", "9" * 7, ""]:  # not 1-6 ASCII digits: 404, never a 500
            assert client.get(link.replace("r=1", f"r={bad}")).status_code == 404, bad
        assert (
            client.get(
                reverse("verify_ern", args=[result.ern]), {"r": "0", "c": verification_code(result.ern)}
            ).status_code
            == 404
        )

    def test_it_says_withdrawn_and_what_changed(self, staff: Any, client: Client, monkeypatch: Any) -> None:
        result = ResultFactory()
        _, link = issue(result, monkeypatch)
        result_correct(actor=staff, result=result, reason="Malpractice", status="withdrawn")
        page = client.get(link).content.decode()
        assert "This result has been withdrawn" in page
        assert '<tr><th scope="row">Withdrawn</th><td>no</td><td>yes</td></tr>' in page


class TestOldLinks:
    """QR codes printed before the link carried a revision keep working."""

    def test_it_says_valid_for_a_result_never_corrected(self, client: Client) -> None:
        result = ResultFactory()
        page = client.get(reverse("verify_ern", args=[result.ern]), {"c": verification_code(result.ern)}).content
        assert "This result is valid" in page.decode()

    def test_it_does_not_call_a_corrected_result_a_forgery(self, staff: Any, client: Client) -> None:
        result = ResultFactory()
        correct_writing(staff, result)
        response = client.get(reverse("verify_ern", args=[result.ern]), {"c": verification_code(result.ern)})
        assert response.status_code == 200
        page = response.content.decode()
        assert "This result has been corrected since it was first issued" in page
        assert "This result is valid" not in page
        assert FORGERY not in page
        assert "does not by itself mean the statement was altered" in page


class TestSameVerdict:
    def test_the_upload_lists_what_changed(self, staff: Any, client: Client, monkeypatch: Any) -> None:
        result = ResultFactory()
        data, _ = issue(result, monkeypatch)
        correct_writing(staff, result)
        page = upload(client, data)
        assert "Changed since issue" in page
        for change in WRITING_CORRECTED:
            assert (
                f'<tr><th scope="row">{change.label}</th><td>{change.before}</td><td>{change.after}</td></tr>' in page
            )

    def test_both_checks_give_one_comparison(self, staff: Any, monkeypatch: Any) -> None:
        result = ResultFactory(candidate__first_name="Łukasz", candidate__last_name="Wójcik")
        correct_writing(staff, result, 180)
        issued_digest = result_digest(Result.objects.get(pk=result.pk))
        correct_writing(staff, result, 189)
        result_correct(actor=staff, result=result, reason="Name", first_name="Ana", last_name="Nowak")
        by_upload = check_result(result.ern, issued_digest)
        by_qr = check_result(result.ern, revision=1)
        assert by_upload.state == by_qr.state == "changed"
        assert by_upload.changes == by_qr.changes
        assert by_upload.changed_at == by_qr.changed_at
        assert Change("Writing", "180", "189") in by_qr.changes
        assert Change("Name", result.candidate.full_name, "Ana Nowak") in by_qr.changes


class TestDigest:
    def test_the_statement_state_is_the_correction_historys(self, staff: Any) -> None:
        result = Result.objects.get(pk=ResultFactory().pk)
        before = statement_state(result)
        revision = correct_writing_revision(staff, result)
        result = Result.objects.get(pk=result.pk)
        assert (revision.before, revision.after) == (before, statement_state(result))

    def test_statements_issued_before_still_verify(self) -> None:
        """The digest is computed as it always was: statements already issued stay valid."""
        result = Result.objects.get(pk=ResultFactory().pk)
        components = {c.code: c.score for c in result.components.all()}
        payload = [
            result.ern, result.candidate.first_name, result.candidate.last_name,
            result.candidate.date_of_birth.isoformat(), result.exam.code, result.exam_date.isoformat(),
            result.status, result.overall_score, result.grade, result.cefr, sorted(components.items()),
        ]  # fmt: skip
        legacy = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:32]
        assert result_digest(result) == legacy
        assert check_result(result.ern, legacy).state == "valid"
