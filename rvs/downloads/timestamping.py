"""RFC 3161 document timestamps on signed statements, when a time-stamping authority is configured.

A document timestamp (``/Type /DocTimeStamp``, ``/SubFilter /ETSI.RFC3161``) is an incremental
revision appended after the service's signature: a TSA's token over the hash of everything
before it, signature included. It proves the signature existed at that time, so the statement
stays checkable after the signing certificate expires or is rotated (PAdES B-LTA's last step).
With ``RVS_TSA_URL`` empty (the default) nothing is added and signing costs what it did.
"""

from __future__ import annotations

import asyncio
import functools
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import BinaryIO

from asn1crypto import tsp
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

TIMESTAMP_FIELD = "StatementTimestamp"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY = 1 << 20  # a token is a few KB; a TSA answering megabytes is not one


class UrlTimeStamper(TimeStamper):
    """An RFC 3161 client over HTTP(S) with the standard library (no extra HTTP client to pin)."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__()
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await asyncio.to_thread(self._post, req.dump())

    def _post(self, body: bytes) -> tsp.TimeStampResp:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting, checked at start-up
            self.url, data=body, method="POST", headers={"Content-Type": "application/timestamp-query"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310
                kind = reply.headers.get_content_type()
                data = reply.read(MAX_REPLY + 1)
        except (urllib.error.URLError, OSError) as exc:
            raise TimestampRequestError(f"the time-stamping server {self.url} did not answer: {exc}") from exc
        if kind != REPLY_TYPE or len(data) > MAX_REPLY:
            raise TimestampRequestError(f"the time-stamping server {self.url} did not send an RFC 3161 reply")
        return tsp.TimeStampResp.load(data)


@functools.cache
def _timestamper(url: str, timeout: float) -> UrlTimeStamper:
    # One per process: pyHanko asks the TSA once for a token to size the placeholder, then caches it.
    return UrlTimeStamper(url, timeout)


def enabled() -> bool:
    return bool(settings.RVS_TSA_URL)


def timestamper() -> UrlTimeStamper:
    """The client for ``RVS_TSA_URL``."""
    return _timestamper(settings.RVS_TSA_URL, settings.RVS_TSA_TIMEOUT)


def add_document_timestamp(document: BinaryIO) -> None:
    """Append a document timestamp revision to the signed PDF in ``document`` (read, seek, write).

    For PDFs signed by pyHanko (``signing.sign_pdf``): its incremental writer reads the whole
    cross-reference table. Statements, written by the service, get theirs as they are written
    (``timestamp_revision``), so their memory stays flat.
    """
    document.seek(0)
    writer = IncrementalPdfFileWriter(document)
    stamper = signers.PdfTimeStamper(timestamper(), field_name=TIMESTAMP_FIELD)
    stamper.timestamp_pdf(writer, "sha256", in_place=True)
    document.seek(0, 2)


def signature_covers_document(status: PdfSignatureStatus, timestamps: Sequence[EmbeddedPdfSignature]) -> bool:
    """Does the signature cover the whole document, but for document timestamps appended after it?

    Without timestamps: the signature covers the entire file. With them: it covers its own
    revision, pyHanko's diff analysis finds only LTA updates after it (a timestamp field, a DSS),
    every later revision is an intact document timestamp and the last covers the entire file, so
    nothing but timestamps was added, and nothing at all after the last one.
    """
    coverage = status.coverage.name if status.coverage is not None else ""
    if not timestamps:
        return coverage == "ENTIRE_FILE"
    if coverage != "ENTIRE_REVISION" or status.modification_level not in (
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
    ):
        return False
    # Integrity only: who the TSA is does not make the statement more or less ours.
    context = ValidationContext(trust_roots=[], allow_fetching=False)
    for timestamp in timestamps:
        if timestamp.sig_object_type != "/DocTimeStamp":
            return False
        try:
            checked = validate_pdf_timestamp(timestamp, context, skip_diff=True)
        except Exception:
            return False
        if not (checked.intact and checked.valid):
            return False
    last = timestamps[-1].evaluate_signature_coverage()
    return last.name == "ENTIRE_FILE"
