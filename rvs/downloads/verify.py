"""Checking a Statement of Results: is the PDF ours and unaltered, and is each result still valid?"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from rvs.downloads.changes import Change, compare, last_correction, since_digest, since_revision, statement_state
from rvs.downloads.pdf import result_digest, statement_entries
from rvs.downloads.pdf_guard import DECODE_LIMITS, Deadline, DeadlineStream, ParseTimeout, Unreadable, scan
from rvs.downloads.signing import trusted_certificates
from rvs.downloads.timestamping import signature_covers_document
from rvs.results.models import Result


@dataclass
class StatementCheck:
    """The verdict on one result of a statement.

    ``state``: "valid"; "changed" (corrected since this statement was issued: ``changes`` says
    what, when the history shows it); "corrected" (corrected at ``changed_at``, but when this
    statement was issued is not known: a QR link from before decision 0017); "withdrawn";
    "unknown".
    """

    ern: str
    state: str
    result: Result | None = None
    changes: list[Change] = field(default_factory=list)
    changed_at: datetime | None = None


@dataclass
class Verdict:
    authentic: bool
    reason: str
    statements: list[StatementCheck] = field(default_factory=list)

    @property
    def all_valid(self) -> bool:
        return self.authentic and bool(self.statements) and all(s.state == "valid" for s in self.statements)


def check_result(ern: str, digest: str | None = None, *, revision: int | None = None) -> StatementCheck:
    """The verdict on the result ``ern`` for a statement issued with ``digest`` (an uploaded PDF)
    or at ``revision`` (a QR link); with neither (an old QR link), as of its last correction."""
    result = (
        Result.objects.select_related("candidate", "exam", "centre")
        .prefetch_related("components")
        .filter(ern=ern)
        .first()
    )
    if result is None:
        return StatementCheck(ern, "unknown")
    withdrawn = result.status == Result.Status.WITHDRAWN
    if digest is None and revision is None:
        corrected_at = last_correction(result)
        state = "withdrawn" if withdrawn else "corrected" if corrected_at else "valid"
        return StatementCheck(ern, state, result, changed_at=corrected_at)
    if digest is not None and not withdrawn and result_digest(result) == digest:
        return StatementCheck(ern, "valid", result)
    since = since_digest(result, digest) if digest is not None else since_revision(result, revision or 0)
    changes = compare(result, since.state, statement_state(result)) if since else []
    changed_at = since.changed_at if since else None
    if withdrawn:
        return StatementCheck(ern, "withdrawn", result, changes, changed_at)
    if since is None and digest is None:
        return StatementCheck(ern, "valid", result)  # not corrected since the QR link's revision
    return StatementCheck(ern, "changed", result, changes, changed_at)


NOT_READABLE = gettext_lazy("This file is not a readable PDF.")
# pdf_guard's reasons stay English there; these marks put them in the catalogue, shown translated.
GUARD_REASONS = (
    gettext_noop("It is not shaped like any PDF we issue."),
    gettext_noop("Its structure is nested deeper than any PDF we issue."),
    gettext_noop("It holds more separate parts than any PDF we issue."),
)


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
        return Verdict(False, _("This file is not a readable PDF. Reading it took too long, so it cannot be checked."))
    except Unreadable as refused:
        # Translators: reason is one sentence saying why, e.g. "It is not shaped like any PDF we issue."
        return Verdict(False, _("This file is not a readable PDF. %(reason)s") % {"reason": _(refused.reason)})
    except Exception:  # any parser failure on hostile bytes is a verdict, never a server error
        return Verdict(False, str(NOT_READABLE))
    if isinstance(outcome, Verdict):
        return outcome
    return Verdict(True, _("Authentic and unaltered."), [check_result(e["ern"], e["digest"]) for e in outcome])


def _signed_entries(data: bytes, deadline: Deadline) -> Verdict | list[dict[str, str]]:
    """The statements' entries of a PDF we signed, or the verdict on why it is not one."""
    reader = PdfFileReader(DeadlineStream(data, deadline), strict=False, decode_limits=DECODE_LIMITS)
    # Document timestamps may follow our signature (decision 0018, ``timestamping``).
    signatures = [s for s in reader.embedded_signatures if s.sig_object_type != "/DocTimeStamp"]
    timestamps = [s for s in reader.embedded_signatures if s.sig_object_type == "/DocTimeStamp"]
    if len(signatures) != 1:
        return Verdict(
            False, _("This PDF does not carry our signature, so it is not an authentic Statement of Results.")
        )
    context = ValidationContext(trust_roots=trusted_certificates(), allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], context)
    except ParseTimeout:
        raise
    except Exception:
        return Verdict(False, _("The signature on this PDF cannot be checked, so it is not authentic."))
    whole_file = signature_covers_document(status, timestamps)
    if not (status.intact and status.valid and status.trusted and whole_file):
        return Verdict(
            False, _("This PDF has been altered since it was issued, or was not signed by us: it is not authentic.")
        )
    entries = statement_entries(reader)
    if not entries:
        return Verdict(False, _("This signed PDF is not a Statement of Results."))
    return entries
