"""Issue 15 item 11: with RVS_TSA_URL set, every signed statement carries an RFC 3161 document timestamp."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from rvs.downloads import signing
from rvs.downloads.pdf import render_signed_statements
from rvs.downloads.selectors import results_in_order
from rvs.downloads.signing import sign_pdf, signing_certificate
from rvs.downloads.timestamping import TIMESTAMP_FIELD
from rvs.downloads.verify import verify_statement_pdf
from tests.downloads import pki
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db

STAMPED_AT = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")
    settings.RVS_SIGNING_CHAIN_FILE = ""


@pytest.fixture
def tsa(settings: Any) -> Iterator[pki.Tsa]:
    with pki.local_tsa(fixed=STAMPED_AT) as server:
        settings.RVS_TSA_URL = server.url
        settings.RVS_TSA_TIMEOUT = 30
        yield server


def _statement(tmp_path: Path, *, write_only: bool = False) -> bytes:
    results = [ResultFactory() for _ in range(2)]
    rows = results_in_order([r.pk for r in results])
    if write_only:

        class Sink(io.RawIOBase):
            def __init__(self) -> None:
                self.data = bytearray()

            def writable(self) -> bool:
                return True

            def write(self, b: Any) -> int:
                self.data += bytes(b)
                return len(b)

        sink = Sink()
        render_signed_statements(rows, sink)  # type: ignore[arg-type]
        return bytes(sink.data)
    path = tmp_path / "statement.pdf"
    with path.open("w+b") as out:
        render_signed_statements(rows, out)
    return path.read_bytes()


class TestDocumentTimestamp:
    @pytest.mark.parametrize("write_only", [False, True])
    def test_it_appends_an_rfc3161_document_timestamp(self, tsa: pki.Tsa, tmp_path: Path, write_only: bool) -> None:
        data = _statement(tmp_path, write_only=write_only)
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        signature, timestamp = reader.embedded_signatures
        assert timestamp.field_name == TIMESTAMP_FIELD
        assert timestamp.sig_object_type == "/DocTimeStamp"
        assert timestamp.sig_object["/SubFilter"] == "/ETSI.RFC3161"
        checked = validate_pdf_timestamp(timestamp, ValidationContext(trust_roots=[tsa.root.asn1()]))
        assert checked.intact
        assert checked.valid
        assert checked.trusted
        assert checked.timestamp == STAMPED_AT
        assert checked.coverage is not None
        assert checked.coverage.name == "ENTIRE_FILE"
        # The service's signature is untouched beneath it: its own revision, only LTA updates after.
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signing_certificate()]))
        assert status.intact
        assert status.valid
        assert status.trusted
        assert status.coverage is not None
        assert status.coverage.name == "ENTIRE_REVISION"
        assert status.modification_level == ModificationLevel.LTA_UPDATES

    def test_it_timestamps_statements_as_they_are_written_without_rereading_them(
        self, tsa: pki.Tsa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Decision 0008's flat memory holds with a TSA: no incremental writer reads the document back."""
        from rvs.downloads import pdf, timestamping

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("the statement was read back by pyHanko's incremental writer")

        monkeypatch.setattr(timestamping, "IncrementalPdfFileWriter", refuse)
        monkeypatch.setattr(pdf, "BATCH_PAGES", 2)
        results = [ResultFactory() for _ in range(5)]
        path = tmp_path / "statements.pdf"
        with path.open("w+b") as out:
            assert render_signed_statements(results_in_order([r.pk for r in results]), out) == 5
        reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=True)
        assert int(reader.root["/Pages"]["/Count"]) == 5
        signature, timestamp = reader.embedded_signatures
        checked = validate_pdf_timestamp(timestamp, ValidationContext(trust_roots=[tsa.root.asn1()]))
        assert checked.intact
        assert checked.trusted
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signing_certificate()]))
        assert status.modification_level == ModificationLevel.LTA_UPDATES
        assert [check.ern for check in verify_statement_pdf(path.read_bytes()).statements] == [r.ern for r in results]

    def test_it_is_still_authentic_on_the_verify_page(self, tsa: pki.Tsa, tmp_path: Path) -> None:
        verdict = verify_statement_pdf(_statement(tmp_path))
        assert verdict.authentic, verdict.reason
        assert len(verdict.statements) == 2

    def test_it_validates_with_pdfsig(self, tsa: pki.Tsa, tmp_path: Path) -> None:
        (tmp_path / "statement.pdf").write_bytes(_statement(tmp_path))
        nss = pki.nss_trusting(tmp_path / "nss", signing.certificate_pem())
        report = pki.pdfsig(tmp_path / "statement.pdf", nss)
        signature, timestamp = report.split("Signature #2:")
        assert "Signature Validation: Signature is Valid." in signature
        assert "Certificate Validation: Certificate is Trusted." in signature
        # Poppler (22.12) lists the document timestamp, covering the whole file, but cannot
        # validate an RFC 3161 token itself ("Unimplemented Feature"): pyHanko does, above.
        assert "Signature Field Name: StatementTimestamp" in timestamp
        assert "Signer Certificate Common Name: Test TSA Unit" in timestamp
        assert "Total document signed" in timestamp

    def test_it_proves_the_signature_existed_while_the_certificate_was_valid(
        self, tsa: pki.Tsa, tmp_path: Path, settings: Any
    ) -> None:
        """After the certificate expires the signature alone no longer validates; at the timestamp's time it does."""
        root = pki.issue("Test Board Root CA", ca=True, days=3650)
        leaf = pki.issue("Test Board Statements of Results", root, days=30)
        (tmp_path / "key.pem").write_bytes(leaf.key_pem())
        (tmp_path / "cert.pem").write_bytes(leaf.pem())
        (tmp_path / "chain.pem").write_bytes(root.pem())
        settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
        settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "cert.pem")
        settings.RVS_SIGNING_CHAIN_FILE = str(tmp_path / "chain.pem")
        reader = PdfFileReader(io.BytesIO(_statement(tmp_path)))
        signature, timestamp = reader.embedded_signatures
        stamped = validate_pdf_timestamp(timestamp, ValidationContext(trust_roots=[tsa.root.asn1()]))
        assert stamped.trusted
        expired = leaf.certificate.not_valid_after_utc + dt.timedelta(days=1)
        later = validate_pdf_signature(signature, ValidationContext(trust_roots=[root.asn1()], moment=expired))
        assert later.intact
        assert not later.trusted
        at_stamp = validate_pdf_signature(
            signature, ValidationContext(trust_roots=[root.asn1()], moment=stamped.timestamp)
        )
        assert at_stamp.intact
        assert at_stamp.trusted

    def test_it_timestamps_pdfs_signed_by_pyhanko_too(self, tsa: pki.Tsa, tmp_path: Path) -> None:
        from reportlab.pdfgen.canvas import Canvas

        buffer = io.BytesIO()
        canvas = Canvas(buffer)
        canvas.drawString(100, 700, "not a statement")
        canvas.save()
        reader = PdfFileReader(io.BytesIO(sign_pdf(buffer.getvalue())))
        assert [s.sig_object_type for s in reader.embedded_signatures] == ["/Sig", "/DocTimeStamp"]

    def test_it_says_which_server_failed_when_the_tsa_does_not_answer(self, settings: Any, tmp_path: Path) -> None:
        with pki.local_tsa() as gone:
            url = gone.url
        settings.RVS_TSA_URL = url  # the server has shut down: nothing listens there
        with pytest.raises(TimestampRequestError, match=r"127\.0\.0\.1"):
            _statement(tmp_path)


class TestVerifyPageWithTimestamps:
    def test_it_refuses_content_appended_after_the_timestamp(self, tsa: pki.Tsa, tmp_path: Path) -> None:
        data = _statement(tmp_path)
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        writer.root[generic.NameObject("/Lang")] = generic.pdf_string("fr")
        writer.update_root()
        out = io.BytesIO()
        writer.write(out)
        assert not verify_statement_pdf(out.getvalue()).authentic

    def test_it_refuses_a_byte_changed_inside_the_timestamped_revision(self, tsa: pki.Tsa, tmp_path: Path) -> None:
        data = _statement(tmp_path)
        altered = bytearray(data)
        altered[len(data) - 40] ^= 1  # in the timestamp revision's trailer
        assert not verify_statement_pdf(bytes(altered)).authentic

    def test_it_refuses_a_second_ordinary_signature(self, tmp_path: Path, settings: Any) -> None:
        settings.RVS_TSA_URL = ""
        data = _statement(tmp_path)
        assert verify_statement_pdf(data).authentic
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        meta = signers.PdfSignatureMetadata(field_name="Countersignature")
        countersigned = signers.sign_pdf(writer, meta, signer=signing.signer()).getvalue()
        assert not verify_statement_pdf(countersigned).authentic
