"""Issue 15 item 11: anyone can check a statement without us, given the published certificate."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.urls import reverse

from rvs.downloads.pdf import render_signed_statements
from rvs.downloads.selectors import results_in_order
from rvs.downloads.signing import signing_certificate
from rvs.downloads.verify import verify_statement_pdf
from tests.downloads import pki
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")
    settings.RVS_SIGNING_CHAIN_FILE = ""
    settings.RVS_TSA_URL = ""


@pytest.fixture
def ca_chain(settings: Any, tmp_path: Path) -> dict[str, pki.Issued]:
    """A CA-issued signing certificate: root → intermediate → signing, configured in settings."""
    root = pki.issue("Test Board Root CA", ca=True)
    intermediate = pki.issue("Test Board Issuing CA", root, ca=True)
    leaf = pki.issue("Test Board Statements of Results", intermediate)
    folder = tmp_path / "ca"
    folder.mkdir()
    (folder / "key.pem").write_bytes(leaf.key_pem())
    (folder / "cert.pem").write_bytes(leaf.pem())
    (folder / "chain.pem").write_bytes(intermediate.pem() + root.pem())
    settings.RVS_SIGNING_KEY_FILE = str(folder / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(folder / "cert.pem")
    settings.RVS_SIGNING_CHAIN_FILE = str(folder / "chain.pem")
    return {"root": root, "intermediate": intermediate, "leaf": leaf}


def _statement(tmp_path: Path) -> Path:
    results = [ResultFactory() for _ in range(2)]
    path = tmp_path / "statement.pdf"
    with path.open("w+b") as out:
        render_signed_statements(results_in_order([r.pk for r in results]), out)
    return path


def _der(pem: bytes) -> list[bytes]:
    return [c.public_bytes(serialization.Encoding.DER) for c in x509.load_pem_x509_certificates(pem)]


class TestPublishedCertificate:
    def test_it_serves_the_signing_certificate_as_pem_with_cache_headers(self, client: Client) -> None:
        response = client.get("/verify/certificate.pem")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/x-pem-file"
        assert _der(response.content) == [signing_certificate().dump()]
        cache = response["Cache-Control"]
        assert "public" in cache
        assert "max-age=3600" in cache
        assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
        again = client.get("/verify/certificate.pem", headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304
        assert "max-age=3600" in again["Cache-Control"]

    def test_it_shows_the_sha256_fingerprint_of_the_der(self, client: Client) -> None:
        digest = hashlib.sha256(signing_certificate().dump()).hexdigest().upper()
        shown = ":".join(digest[i : i + 2] for i in range(0, 64, 2))
        response = client.get(reverse("signing_certificate"))
        assert response.status_code == 200
        assert shown in response.content.decode()
        assert reverse("signing_certificate_pem") in response.content.decode()

    def test_it_links_to_the_certificate_from_the_verify_page_and_the_portal(self, client: Client) -> None:
        for page in (reverse("verify_statement"), reverse("developers:index")):
            body = client.get(page).content.decode()
            assert f'href="{reverse("signing_certificate")}"' in body, page
            assert reverse("signing_certificate_pem") in body, page

    def test_it_serves_the_pem_to_signed_in_users_of_any_organisation_too(
        self, member_client: Client, outsider_client: Client
    ) -> None:
        for visitor in (member_client, outsider_client):
            assert _der(visitor.get("/verify/certificate.pem").content) == [signing_certificate().dump()]


class TestOfflineValidation:
    def test_it_validates_with_pdfsig_trusting_only_the_published_certificate(
        self, client: Client, tmp_path: Path
    ) -> None:
        statement = _statement(tmp_path)
        nss = pki.nss_trusting(tmp_path / "nss", client.get("/verify/certificate.pem").content)
        report = pki.pdfsig(statement, nss)
        assert "Signature Validation: Signature is Valid." in report
        assert "Certificate Validation: Certificate is Trusted." in report
        assert "Total document signed" in report

    def test_it_validates_with_pyhanko_outside_the_service(self, client: Client, tmp_path: Path) -> None:
        statement = _statement(tmp_path)
        published = tmp_path / "published.pem"
        published.write_bytes(client.get("/verify/certificate.pem").content)
        status = json.loads(pki.validate_outside(statement, published))
        assert status["intact"]
        assert status["valid"]
        assert status["trusted"]
        assert status["coverage"] == "ENTIRE_FILE"

    def test_it_is_not_trusted_with_another_certificate(self, tmp_path: Path) -> None:
        statement = _statement(tmp_path)
        stranger = tmp_path / "stranger.pem"
        stranger.write_bytes(pki.issue("Someone else").pem())
        status = json.loads(pki.validate_outside(statement, stranger))
        assert status["intact"]
        assert not status["trusted"]


class TestCaIssuedChain:
    def test_it_embeds_the_chain_in_the_signature(self, ca_chain: dict[str, pki.Issued], tmp_path: Path) -> None:
        statement = _statement(tmp_path)
        root = tmp_path / "root.pem"
        root.write_bytes(ca_chain["root"].pem())
        status = json.loads(pki.validate_outside(statement, root))  # only the root: the rest is embedded
        assert status["intact"]
        assert status["valid"]
        assert status["trusted"]
        assert "Test Board Statements of Results" in status["signer"]
        assert any("Test Board Issuing CA" in subject for subject in status["chain"])
        assert verify_statement_pdf(statement.read_bytes()).authentic

    def test_it_publishes_the_chain(self, ca_chain: dict[str, pki.Issued], client: Client) -> None:
        response = client.get(reverse("signing_certificate_chain"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pem-certificate-chain"
        assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'  # not the leaf's alone
        expected = [
            ca_chain[n].certificate.public_bytes(serialization.Encoding.DER) for n in ("leaf", "intermediate", "root")
        ]
        assert _der(response.content) == expected
        assert _der(client.get(reverse("signing_certificate_pem")).content) == expected[:1]
        page = client.get(reverse("signing_certificate")).content.decode()
        assert "Test Board Issuing CA" in page
        intermediate = hashlib.sha256(expected[1]).hexdigest().upper()
        assert ":".join(intermediate[i : i + 2] for i in range(0, 64, 2)) in page

    def test_it_validates_the_chain_with_pdfsig_trusting_the_root(
        self, ca_chain: dict[str, pki.Issued], tmp_path: Path
    ) -> None:
        statement = _statement(tmp_path)
        report = pki.pdfsig(statement, pki.nss_trusting(tmp_path / "nss", ca_chain["root"].pem()))
        assert "Signature Validation: Signature is Valid." in report
        assert "Certificate Validation: Certificate is Trusted." in report

    def test_it_refuses_to_make_a_self_signed_key_when_a_chain_is_configured(
        self, ca_chain: dict[str, pki.Issued], settings: Any, tmp_path: Path
    ) -> None:
        from rvs.downloads.signing import ensure_signing_key

        settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "missing-key.pem")
        with pytest.raises(RuntimeError, match="RVS_SIGNING_CHAIN_FILE is set"):
            ensure_signing_key()
