"""Checking a Statement of Results: is the PDF ours and unaltered, and is each result still valid?"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from rvs.downloads.pdf import result_digest, statement_entries
from rvs.downloads.signing import signing_certificate
from rvs.results.models import Result


@dataclass
class StatementCheck:
    ern: str
    state: str  # "valid", "changed" (corrected since issue), "withdrawn", "unknown"
    result: Result | None = None


@dataclass
class Verdict:
    authentic: bool
    reason: str
    statements: list[StatementCheck] = field(default_factory=list)

    @property
    def all_valid(self) -> bool:
        return self.authentic and bool(self.statements) and all(s.state == "valid" for s in self.statements)


def check_result(ern: str, digest: str | None = None) -> StatementCheck:
    result = (
        Result.objects.select_related("candidate", "exam", "centre")
        .prefetch_related("components")
        .filter(ern=ern)
        .first()
    )
    if result is None:
        return StatementCheck(ern, "unknown")
    if result.status == "withdrawn":
        return StatementCheck(ern, "withdrawn", result)
    if digest is not None and result_digest(result) != digest:
        return StatementCheck(ern, "changed", result)
    return StatementCheck(ern, "valid", result)


def verify_statement_pdf(data: bytes) -> Verdict:
    """Authentic = one signature by our key, cryptographically intact, covering the whole file."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, OSError):
        return Verdict(False, "This file is not a readable PDF.")
    if len(signatures) != 1:
        return Verdict(False, "This PDF does not carry our signature, so it is not an authentic Statement of Results.")
    context = ValidationContext(trust_roots=[signing_certificate()], allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], context)
    except Exception:
        return Verdict(False, "The signature on this PDF cannot be checked, so it is not authentic.")
    whole_file = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    if not (status.intact and status.valid and status.trusted and whole_file):
        return Verdict(
            False, "This PDF has been altered since it was issued, or was not signed by us: it is not authentic."
        )
    entries = statement_entries(reader)
    if not entries:
        return Verdict(False, "This signed PDF is not a Statement of Results.")
    return Verdict(True, "Authentic and unaltered.", [check_result(e["ern"], e["digest"]) for e in entries])
