"""Checking a Statement of Results: is the PDF ours and unaltered, and is each result still valid?"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from rvs.downloads.pdf import result_digest, statement_entries
from rvs.downloads.pdf_guard import DECODE_LIMITS, Deadline, DeadlineStream, ParseTimeout, TooDeep, scan
from rvs.downloads.signing import signing_certificate
from rvs.downloads.timestamping import signature_covers_document
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


NOT_READABLE = "This file is not a readable PDF."


def verify_statement_pdf(data: bytes, *, clock: Callable[[], float] = time.monotonic) -> Verdict:
    """Authentic = one signature by our key, cryptographically intact, covering the whole file.

    Never raises for what the file holds: any failure to read it, of whatever type (a parser's
    error, ``RecursionError``, ``MemoryError``, a decode limit, the deadline), is "not a readable
    PDF" (see ``pdf_guard`` for the bounds). ``clock`` is for tests of the deadline.
    """
    deadline = Deadline(settings.RVS_VERIFY_PARSE_SECONDS, clock)
    try:
        scan(data, deadline)
        outcome = _signed_entries(data, deadline)
    except ParseTimeout:
        return Verdict(False, f"{NOT_READABLE} Reading it took too long, so it cannot be checked.")
    except TooDeep:
        return Verdict(False, f"{NOT_READABLE} Its structure is nested deeper than any PDF we issue.")
    except Exception:  # any parser failure on hostile bytes is a verdict, never a server error
        return Verdict(False, NOT_READABLE)
    if isinstance(outcome, Verdict):
        return outcome
    return Verdict(True, "Authentic and unaltered.", [check_result(e["ern"], e["digest"]) for e in outcome])


def _signed_entries(data: bytes, deadline: Deadline) -> Verdict | list[dict[str, str]]:
    """The statements' entries of a PDF we signed, or the verdict on why it is not one."""
    reader = PdfFileReader(DeadlineStream(data, deadline), strict=False, decode_limits=DECODE_LIMITS)
    # Document timestamps may follow our signature (decision 0018, ``timestamping``).
    signatures = [s for s in reader.embedded_signatures if s.sig_object_type != "/DocTimeStamp"]
    timestamps = [s for s in reader.embedded_signatures if s.sig_object_type == "/DocTimeStamp"]
    if len(signatures) != 1:
        return Verdict(False, "This PDF does not carry our signature, so it is not an authentic Statement of Results.")
    context = ValidationContext(trust_roots=[signing_certificate()], allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], context)
    except ParseTimeout:
        raise
    except Exception:
        return Verdict(False, "The signature on this PDF cannot be checked, so it is not authentic.")
    whole_file = signature_covers_document(status, timestamps)
    if not (status.intact and status.valid and status.trusted and whole_file):
        return Verdict(
            False, "This PDF has been altered since it was issued, or was not signed by us: it is not authentic."
        )
    entries = statement_entries(reader)
    if not entries:
        return Verdict(False, "This signed PDF is not a Statement of Results.")
    return entries
