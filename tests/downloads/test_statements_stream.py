"""Where a Statement of Results keeps its ERNs and digests: a stream the verify page reads (and the old Keywords)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen.canvas import Canvas

from rvs.downloads.pdf import (
    KEYWORDS_PREFIX,
    STATEMENTS_KEY,
    render_signed_statements,
    result_digest,
    statement_entries,
)
from rvs.downloads.selectors import results_in_order
from rvs.downloads.signing import sign_pdf
from rvs.downloads.verify import verify_statement_pdf
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


def test_the_entries_are_a_compressed_stream_not_keywords() -> None:
    results = [ResultFactory(), ResultFactory(forced_status="withheld")]
    out = io.BytesIO()
    assert render_signed_statements(results_in_order([r.pk for r in results]), out) == 2
    reader = PdfFileReader(io.BytesIO(out.getvalue()))
    assert "/Keywords" not in reader.trailer_view["/Info"].get_object()
    stream = reader.root.raw_get(STATEMENTS_KEY).get_object()
    assert stream["/Filter"] == "/FlateDecode"
    expected = [{"ern": r.ern, "digest": result_digest(r)} for r in results_in_order([r.pk for r in results])]
    assert json.loads(stream.data) == expected
    assert statement_entries(reader) == expected
    verdict = verify_statement_pdf(out.getvalue())
    assert verdict.authentic
    assert [check.state for check in verdict.statements] == ["valid", "valid"]


def test_statements_issued_with_keywords_still_verify() -> None:
    result = ResultFactory()
    [loaded] = results_in_order([result.pk])
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    entries = [{"ern": result.ern, "digest": result_digest(loaded)}]
    canvas.setKeywords(KEYWORDS_PREFIX + base64.b64encode(json.dumps(entries).encode()).decode())
    canvas.drawString(100, 700, "Statement of Results")
    canvas.showPage()
    canvas.save()
    signed = sign_pdf(buffer.getvalue())
    assert statement_entries(PdfFileReader(io.BytesIO(signed))) == entries
    verdict = verify_statement_pdf(signed)
    assert verdict.authentic
    assert [check.state for check in verdict.statements] == ["valid"]


def test_a_signed_pdf_without_entries_is_not_a_statement() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 700, "Something else")
    canvas.showPage()
    canvas.save()
    verdict = verify_statement_pdf(sign_pdf(buffer.getvalue()))
    assert not verdict.authentic
    assert verdict.reason == "This signed PDF is not a Statement of Results."


class _WriteOnly(io.RawIOBase):
    """A response-like sink: it can be written to, never read or sought."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


@pytest.mark.parametrize("sink", ["file", "write-only"])
def test_the_signature_is_written_with_the_document_and_covers_all_of_it(
    sink: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Signed as it is written (no pyHanko re-read), over several batches: one signature, whole file."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from rvs.downloads import pdf
    from rvs.downloads.signing import SIGNATURE_FIELD, signing_certificate

    monkeypatch.setattr(pdf, "BATCH_PAGES", 2)
    results = [ResultFactory() for _ in range(5)]
    ids = [r.pk for r in results]
    if sink == "file":
        with (tmp_path / "statements.pdf").open("w+b") as out:
            assert render_signed_statements(results_in_order(ids), out) == 5
        data = (tmp_path / "statements.pdf").read_bytes()
    else:
        writer = _WriteOnly()
        assert render_signed_statements(results_in_order(ids), writer) == 5
        data = bytes(writer.data)
    reader = PdfFileReader(io.BytesIO(data), strict=True)
    assert int(reader.root["/Pages"]["/Count"]) == 5
    [signature] = reader.embedded_signatures
    assert signature.field_name == SIGNATURE_FIELD
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signing_certificate()]))
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage is not None
    assert status.coverage.name == "ENTIRE_FILE"
    verdict = verify_statement_pdf(data)
    assert verdict.authentic
    assert [check.ern for check in verdict.statements] == [r.ern for r in results]
    # A byte changed anywhere outside the signature's own contents: not authentic.
    for position in (20, data.index(b"/ByteRange") - 30, len(data) - 40):
        altered = bytearray(data)
        altered[position] ^= 1
        assert not verify_statement_pdf(bytes(altered)).authentic
