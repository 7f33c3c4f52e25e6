"""Issue 15 item 11: statements stay checkable on the verify page after the signing certificate is rotated."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.downloads.pdf import render_signed_statements
from rvs.downloads.selectors import results_in_order
from rvs.downloads.verify import verify_statement_pdf
from tests.downloads import pki
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db


def _use_key(settings: Any, folder: Path, issued: pki.Issued) -> None:
    folder.mkdir()
    (folder / "key.pem").write_bytes(issued.key_pem())
    (folder / "cert.pem").write_bytes(issued.pem())
    settings.RVS_SIGNING_KEY_FILE = str(folder / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(folder / "cert.pem")


def _statement() -> bytes:
    result = ResultFactory()
    out = io.BytesIO()
    render_signed_statements(results_in_order([result.pk]), out)
    return out.getvalue()


@pytest.fixture
def rotated(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """A statement signed with the 2025 certificate, then the key rotated to the 2026 one."""
    settings.RVS_SIGNING_CHAIN_FILE = ""
    settings.RVS_TSA_URL = ""
    old, new = pki.issue("Statements 2025"), pki.issue("Statements 2026")
    _use_key(settings, tmp_path / "old", old)
    before = _statement()
    _use_key(settings, tmp_path / "new", new)
    return {"old": old, "new": new, "before": before, "folder": tmp_path}


class TestRetiredCertificates:
    def test_it_still_recognises_statements_signed_before_a_rotation(
        self, rotated: dict[str, Any], settings: Any
    ) -> None:
        retired = rotated["folder"] / "retired.pem"
        retired.write_bytes(rotated["old"].pem())
        settings.RVS_SIGNING_RETIRED_CERTS_FILE = str(retired)
        assert verify_statement_pdf(rotated["before"]).authentic
        assert verify_statement_pdf(_statement()).authentic

    def test_it_refuses_them_once_their_certificate_is_no_longer_listed(
        self, rotated: dict[str, Any], settings: Any
    ) -> None:
        """An operator whose old key leaked takes its certificate out of the list."""
        settings.RVS_SIGNING_RETIRED_CERTS_FILE = ""
        assert not verify_statement_pdf(rotated["before"]).authentic
        assert verify_statement_pdf(_statement()).authentic

    def test_it_shows_the_retired_fingerprints_on_the_certificate_page(
        self, rotated: dict[str, Any], settings: Any, client: Client
    ) -> None:
        retired = rotated["folder"] / "retired.pem"
        retired.write_bytes(rotated["old"].pem())
        settings.RVS_SIGNING_RETIRED_CERTS_FILE = str(retired)
        digest = hashlib.sha256(rotated["old"].asn1().dump()).hexdigest().upper()
        page = client.get(reverse("signing_certificate")).content.decode()
        assert ":".join(digest[i : i + 2] for i in range(0, 64, 2)) in page
        assert "Statements 2025" in page
