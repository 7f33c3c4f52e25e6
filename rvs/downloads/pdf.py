"""Statements of Results as PDF: one page per result, a QR code to the public check, signed.

Drawn with reportlab and the bundled DejaVu fonts (Łukasz, Nguyễn, Ørsted, Cyrillic, Greek all
print). The document carries, for each statement, the ERN and a digest of what it says, so the
verify page can tell a result corrected or withdrawn since the PDF was issued: as JSON in a
compressed stream named by the catalogue's ``/RVSStatements`` (``statement_entries``). Statements
issued before carry it as base64 in the information dictionary's Keywords, which the verify page
still reads; a stream is never parsed by pyHanko when it signs, where the Keywords were (9 MB of
text at 100,000 statements, read and written again).
"""

from __future__ import annotations

import array
import base64
import hashlib
import hmac
import io
import itertools
import json
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from rvs.downloads import timestamping
from rvs.downloads.changes import revision_count, state_digest, statement_state
from rvs.downloads.signing import SIGNATURE_FIELD, EmbeddedSignature
from rvs.downloads.timestamp_revision import Revision, append_document_timestamp
from rvs.exams.scoring import scheme_for
from rvs.results.models import Result

FONT_DIR = Path(__file__).resolve().parent / "fonts"
# Page streams are compressed, and no longer also ASCII85-encoded: a fifth smaller, and an eighth
# of the drawing time was going to reportlab's pure-Python ASCII85 encoder.
rl_config.useA85 = 0
KEYWORDS_PREFIX = "rvs-statements-v1:"
STATEMENTS_KEY = "/RVSStatements"
_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        _fonts_registered = True


def result_digest(result: Result) -> str:
    """What a statement says about a result, hashed: any correction or withdrawal changes it."""
    return state_digest(result, statement_state(result))


def verification_code(ern: str, revision: int | None = None) -> str:
    """The ``c`` of a statement's QR link: proof the link came from a statement, not a guess.

    It covers the revision the result was at when the statement was issued (decision 0017), so a
    link cannot be made to claim a later revision; links from before carry no revision.
    """
    key = hashlib.sha256(("rvs-verify-link:" + settings.SECRET_KEY).encode()).digest()
    message = ern if revision is None else f"{ern}:r{revision}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:20]


def verification_url(ern: str, revision: int) -> str:
    query = f"r={revision}&c={verification_code(ern, revision)}"
    return f"{settings.RVS_SITE_URL}{reverse('verify_ern', args=[ern])}?{query}"


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector runs (crisp at any zoom, and faster than an image per page).

    The dark runs are written in module units under one transformation: whole numbers Python
    formats at once, where ``path.rect`` had reportlab format four floats per run (a fifth of the
    time of a page went there).
    """
    matrix = segno.make(text, error="m", boost_error=False).matrix
    modules = len(matrix) + 8  # quiet zone of 4 modules each side
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    runs = []
    for row_index, row in enumerate(matrix):
        bottom = modules - row_index - 5  # modules from the foot of the square to the foot of this row
        run_start = None
        for column, dark in enumerate([*row, 0]):
            if dark and run_start is None:
                run_start = column
            elif not dark and run_start is not None:
                runs.append(f"{run_start + 4} {bottom} {column - run_start} 1 re")
                run_start = None
    cell = size / modules
    canvas.saveState()
    canvas.transform(cell, 0, 0, cell, x, y)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def _scale(canvas: Canvas, result: Result, x: float, y: float, width: float) -> float:
    """Each component score, and the overall score, drawn as a bar on the exam's scale."""
    scheme = scheme_for(result.exam.scoring, result.exam_date)
    if scheme is None:
        return y
    low, high = scheme.component_min, scheme.scale_max
    rows = [(c.label, c.score) for c in result.components.all()] + [("Overall score", result.overall_score)]
    label_width, bar_width = 48 * mm, width - 48 * mm - 14 * mm
    for band in scheme.bands:  # band shading behind the bars, labelled with its CEFR level
        left = x + label_width + (band.min - low) / (high - low) * bar_width
        right = x + label_width + (min(band.max, high) + 1 - low) / (high - low) * bar_width
        canvas.setFillColor(colors.Color(0.93, 0.95, 0.98) if (band.min // 10) % 2 else colors.Color(0.88, 0.91, 0.96))
        canvas.rect(left, y - len(rows) * 8 * mm, right - left, len(rows) * 8 * mm + 6 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.Color(0.3, 0.35, 0.4))
        canvas.setFont("DejaVu", 6.5)
        canvas.drawCentredString((left + right) / 2, y + 1.5 * mm, band.cefr or "–")
    for index, (label, score) in enumerate(rows):
        top = y - (index + 1) * 8 * mm
        canvas.setFillColor(colors.black)
        canvas.setFont("DejaVu-Bold" if label == "Overall score" else "DejaVu", 9)
        canvas.drawString(x, top + 2.5 * mm, label)
        if score is None:
            continue
        length = (score - low + 1) / (high - low + 1) * bar_width
        canvas.setFillColor(
            colors.Color(0.04, 0.36, 0.67) if label != "Overall score" else colors.Color(0.03, 0.25, 0.46)
        )
        canvas.rect(x + label_width, top + 1.5 * mm, length, 4.5 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.drawString(x + label_width + length + 1.5 * mm, top + 2.5 * mm, str(score))
    canvas.setFont("DejaVu", 7)
    canvas.setFillColor(colors.Color(0.3, 0.35, 0.4))
    canvas.drawString(
        x + label_width, y - len(rows) * 8 * mm - 4 * mm, f"{settings.RVS_BRAND['scale_name']} {low}–{high}"
    )
    return y - len(rows) * 8 * mm - 8 * mm


def _page(canvas: Canvas, result: Result, *, photo: bool, issued: str) -> None:
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    brand = settings.RVS_BRAND
    canvas.setFillColor(colors.Color(0.03, 0.25, 0.46))
    canvas.rect(0, height - 28 * mm, width, 28 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("DejaVu", 10)
    canvas.drawString(left, height - 12 * mm, brand["board_name"])
    canvas.setFont("DejaVu-Bold", 18)
    canvas.drawString(left, height - 21 * mm, "Statement of Results")
    canvas.setFont("DejaVu", 8)
    canvas.drawRightString(right, height - 12 * mm, "Exam Reference Number")
    canvas.setFont("DejaVu-Bold", 12)
    canvas.drawRightString(right, height - 19 * mm, result.ern_display)

    y = height - 42 * mm
    canvas.setFillColor(colors.black)
    canvas.setFont("DejaVu-Bold", 16)
    canvas.drawString(left, y, result.candidate.full_name[:80])
    details = [
        ("Candidate ID Number", result.candidate.candidate_number),
        ("Date of birth", result.candidate.date_of_birth.isoformat()),
        ("Exam", result.exam.name),
        ("Date of exam", result.exam_date.isoformat()),
        ("Exam centre", f"{result.centre.name} ({result.centre.number})"[:70]),
        ("Place of entry", f"{result.centre.city}, {result.centre.country}"[:70]),
    ]
    y -= 9 * mm
    for label, value in details:
        canvas.setFont("DejaVu", 8)
        canvas.setFillColor(colors.Color(0.3, 0.35, 0.4))
        canvas.drawString(left, y, label)
        canvas.setFont("DejaVu", 10.5)
        canvas.setFillColor(colors.black)
        canvas.drawString(left + 40 * mm, y, value)
        y -= 6.5 * mm
    if photo and result.photo:
        try:
            with result.photo.open("rb") as handle:
                canvas.drawImage(
                    ImageReader(io.BytesIO(handle.read())), right - 32 * mm, height - 82 * mm, 32 * mm, 40 * mm
                )
            canvas.setFont("DejaVu", 7)
            canvas.drawRightString(right, height - 85 * mm, "Test day photo")
        except (OSError, ValueError):
            pass  # a missing or unreadable photo file must not stop the statement
    y -= 4 * mm
    canvas.setFillColor(colors.Color(0.96, 0.97, 0.98))
    canvas.rect(left, y - 20 * mm, right - left, 22 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    if result.shows_scores:
        summary = [
            (f"Overall score ({brand['scale_name']})", str(result.overall_score)),
            ("CEFR level", result.cefr or "–"),
            ("Grade", result.grade or result.result_label),
        ]
        for index, (label, value) in enumerate(summary):
            column = left + 5 * mm + index * 56 * mm
            canvas.setFont("DejaVu", 8)
            canvas.drawString(column, y - 5 * mm, label)
            canvas.setFont("DejaVu-Bold", 16)
            canvas.drawString(column, y - 14 * mm, value[:24])
        y = _scale(canvas, result, left, y - 34 * mm, right - left)
    else:
        canvas.setFont("DejaVu-Bold", 13)
        canvas.drawString(left + 5 * mm, y - 12 * mm, result.get_status_display())
        y -= 30 * mm
    url = verification_url(result.ern, revision_count(result))
    _qr(canvas, url, right - 34 * mm, 22 * mm, 34 * mm)
    canvas.setFont("DejaVu", 8)
    canvas.setFillColor(colors.black)
    text = canvas.beginText(left, 48 * mm)
    text.setFont("DejaVu", 8)
    for line in [
        f"Issued {issued} by {brand['service_name']}.",
        "This statement is digitally signed. To check that it is authentic and still valid,",
        f"scan the QR code or upload the PDF at {settings.RVS_SITE_URL}{reverse('verify_statement')}.",
        "Organisations registered with the service can also look the result up by its Exam Reference Number.",
    ]:
        text.textLine(line)
    canvas.drawText(text)


def _canvas(out: BinaryIO) -> Canvas:
    canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=0)
    canvas.setTitle("Statement of Results")
    canvas.setAuthor(settings.RVS_BRAND["board_name"])
    canvas.setCreator(settings.RVS_BRAND["service_name"])
    return canvas


def render_statements(
    rows: Iterable[Result],
    out: BinaryIO,
    *,
    progress: Callable[[int], None] = lambda done: None,
    photo_for: Callable[[Result], bool] = lambda result: False,
) -> int:
    """Draw one page per result into ``out`` (unsigned); returns how many statements it holds.

    reportlab keeps every page of a document in memory until it saves it (some 36 KB a page: a
    process peaked at 470 MB for 10,000 pages), so the pages are drawn ``BATCH_PAGES`` at a time,
    each batch a document of its own in a temporary file, copied into ``out`` as one document with
    a page tree node per batch. What stays in memory grows by some 16 bytes a page (offsets).
    """
    return _render(rows, out, progress=progress, photo_for=photo_for, signature=None)


def _render(
    rows: Iterable[Result],
    out: BinaryIO,
    *,
    progress: Callable[[int], None],
    photo_for: Callable[[Result], bool],
    signature: EmbeddedSignature | None,
) -> int:
    _register_fonts()
    issued = timezone.localdate().isoformat()
    document = _Concatenation(out, signature)
    rows = iter(rows)
    while True:
        with tempfile.TemporaryFile(prefix="rvs-statements-") as part:
            canvas = _canvas(part)
            before = document.statements
            for result in itertools.islice(rows, BATCH_PAGES):
                _page(canvas, result, photo=photo_for(result), issued=issued)
                canvas.showPage()
                document.embed(result.ern, result_digest(result))
                if document.statements % 50 == 0:
                    progress(document.statements)
            drawn = document.statements - before
            if not document.statements:
                canvas.setFont("DejaVu", 12)
                canvas.drawString(
                    20 * mm, A4[1] - 30 * mm, "No results: none of the selected results can be downloaded any more."
                )
                canvas.showPage()
            if drawn or not document.statements:
                canvas.save()
                part.seek(0)
                document.add(part)
        if drawn < BATCH_PAGES:
            break
    document.finish()
    progress(document.statements)
    return document.statements


BATCH_PAGES = 250  # reportlab holds a batch at about 60 KB a page; each batch repeats its font subsets (~40 KB)


class _Concatenation:
    """One PDF written to ``out`` from the batches' documents, an object at a time.

    Each batch's pages are copied with everything they use (content, fonts, images), renumbered;
    the statements stream, page tree, catalogue, information dictionary and cross-reference table
    are written at the end. Only the object offsets (8 bytes an object, two a page) and the page
    tree's nodes stay in memory; the statements' entries are compressed into a temporary file.
    """

    PAGES, CATALOG, INFO = 1, 2, 3

    def __init__(self, out: BinaryIO, signature: EmbeddedSignature | None = None) -> None:
        self.out = out
        self.position = 0
        self.offsets = array.array("Q", [0, 0, 0, 0])  # object 0 is the free list head; 1-3 come last
        # Signed: a signature field (on the first page) and its signature dictionary, written last.
        self.signature = signature
        self._field = self._allocate() if signature else 0
        self._unannotated = signature is not None  # the first page copied gets the field in its /Annots
        self._first_page: generic.DictionaryObject | None = None  # that page, and its number
        self._first_page_number = 0
        self.nodes: list[int] = []  # the page tree's nodes under the root, one per batch
        self.pages = 0
        self._parent = self.PAGES
        self.info: generic.DictionaryObject | None = None
        self.statements = 0
        # The JSON of [{"ern": ..., "digest": ...}, ...], deflated as it comes, kept on disk.
        self._entries = tempfile.TemporaryFile(prefix="rvs-statements-entries-")  # noqa: SIM115 - closed by finish()
        self._deflate = zlib.compressobj(6)
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" if signature else b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def embed(self, ern: str, digest: str) -> None:
        """A statement's ERN and digest, for the statements stream (see ``statement_entries``)."""
        text = (", " if self.statements else "[") + json.dumps({"ern": ern, "digest": digest})
        self._entries.write(self._deflate.compress(text.encode()))
        self.statements += 1

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _object(self, number: int, value: generic.PdfObject) -> None:
        self.offsets[number] = self.position
        buffer = io.BytesIO()
        buffer.write(b"%d 0 obj\n" % number)
        value.write_to_stream(buffer)
        buffer.write(b"\nendobj\n")
        self._write(buffer.getvalue())

    def add(self, source: BinaryIO) -> None:
        """Copy every page of the PDF in ``source``, in order, under a page tree node of their own.

        One node per batch keeps the tree shallow and balanced: a root of 100,000 kids would be
        read whole by every later reader, pyHanko's signer first.
        """
        reader = PdfFileReader(source, strict=False)
        if self.info is None:
            self.info = self._copy(reader.trailer_view["/Info"], {}, [])
        self._parent = self._allocate()
        numbers: dict[int, int] = {}
        pending: list[generic.IndirectObject] = []
        kids = []
        for kid in _leaves(reader.root.raw_get("/Pages")):
            kids.append(self._reference(kid, numbers, pending).idnum)
            while pending:
                original = pending.pop()
                self._object(numbers[original.idnum], self._copy(original.get_object(), numbers, pending))
        if kids and not self._first_page_number:
            self._first_page_number = kids[0]
        self.offsets[self._parent] = self.position
        self._write(
            b"%d 0 obj\n<< /Type /Pages /Parent %d 0 R /Count %d /Kids [ %s ] >>\nendobj\n"
            % (self._parent, self.PAGES, len(kids), b" ".join(b"%d 0 R" % page for page in kids))
        )
        self.nodes.append(self._parent)
        self.pages += len(kids)

    def _allocate(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _reference(
        self, original: generic.IndirectObject, numbers: dict[int, int], pending: list[generic.IndirectObject]
    ) -> generic.IndirectObject:
        number = numbers.get(original.idnum)
        if number is None:
            number = numbers[original.idnum] = self._allocate()
            pending.append(original)
        return generic.IndirectObject(number, 0, None)

    def _copy(self, value: Any, numbers: dict[int, int], pending: list[generic.IndirectObject]) -> Any:
        if isinstance(value, generic.IndirectObject):
            return self._reference(value, numbers, pending)
        if isinstance(value, generic.DictionaryObject):
            page = value.get("/Type") == "/Page"
            skip = ("/Length", "/Parent") if page else ("/Length",)
            items = {key: self._copy(item, numbers, pending) for key, item in value.items() if key not in skip}
            if page:  # its parent is this batch's node in the page tree of the whole document
                items[generic.NameObject("/Parent")] = generic.IndirectObject(self._parent, 0, None)
                if self._unannotated:  # the signature field's widget (invisible) sits on the first page
                    existing = items.get(generic.NameObject("/Annots"))
                    if isinstance(existing, generic.IndirectObject):
                        raise RuntimeError("a first page with indirect /Annots cannot carry the signature field")
                    annotations = generic.ArrayObject(existing or [])
                    annotations.append(generic.IndirectObject(self._field, 0, None))
                    items[generic.NameObject("/Annots")] = annotations
                    self._unannotated = False
                    self._first_page = generic.DictionaryObject(items)  # a document timestamp adds to it
            if isinstance(value, generic.StreamObject):
                return generic.StreamObject(items, encoded_data=value.encoded_data)
            return generic.DictionaryObject(items)
        if isinstance(value, generic.ArrayObject):
            return generic.ArrayObject(self._copy(item, numbers, pending) for item in list.__iter__(value))
        return value

    def _write_statements(self) -> int:
        """The statements stream (Flate-compressed JSON), copied from the temporary file; its number."""
        self._entries.write(self._deflate.compress(b"]" if self.statements else b"[]"))
        self._entries.write(self._deflate.flush())
        length = self._entries.tell()
        number = self._allocate()
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n<< /Filter /FlateDecode /Length %d >>\nstream\n" % (number, length))
        self._entries.seek(0)
        while chunk := self._entries.read(1 << 20):
            self._write(chunk)
        self._write(b"\nendstream\nendobj\n")
        self._entries.close()
        return number

    def finish(self) -> None:
        """The statements, page tree, catalogue and information dictionary, then the cross-reference table."""
        statements = self._write_statements()
        kids = b" ".join(b"%d 0 R" % node for node in self.nodes)
        self.offsets[self.PAGES] = self.position
        self._write(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [ %s ] >>\nendobj\n" % (self.PAGES, self.pages, kids))
        catalog = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Catalog"),
                generic.NameObject("/Pages"): generic.IndirectObject(self.PAGES, 0, None),
                generic.NameObject("/PageMode"): generic.NameObject("/UseNone"),
                generic.NameObject(STATEMENTS_KEY): generic.IndirectObject(statements, 0, None),
            }
        )
        if self.signature is not None:
            catalog.update(self._write_signature_field())
        self._object(self.CATALOG, catalog)
        info = {key: value for key, value in (self.info or {}).items() if key != "/Keywords"}  # reportlab's empty one
        self._object(self.INFO, generic.DictionaryObject(info))
        start = self.position
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets))
        for first in range(1, len(self.offsets), 4096):  # the table in pieces: 20 bytes an object
            self._write(b"".join(b"%010d 00000 n \n" % offset for offset in self.offsets[first : first + 4096]))
        identifier = os.urandom(16).hex().encode()
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), self.CATALOG, self.INFO, identifier, identifier, start)
        )
        if self.signature is not None:
            self.signature.sign(self.out, self.position)
            if timestamping.enabled():  # an incremental revision after the signature (decision 0018)
                append_document_timestamp(self.out, self._revision(catalog, identifier, start))

    def _revision(self, catalog: generic.DictionaryObject, identifier: bytes, xref: int) -> Revision:
        assert self._first_page is not None
        return Revision(
            catalog_number=self.CATALOG,
            catalog=catalog,
            page_number=self._first_page_number,
            page=self._first_page,
            signature_field=self._field,
            size=len(self.offsets),
            info_number=self.INFO,
            identifier=identifier,
            previous_xref=xref,
            end=self.position,
        )

    def _write_signature_field(self) -> dict[generic.NameObject, generic.PdfObject]:
        """The signature dictionary and its field (an invisible widget); the catalogue's entries for them.

        The catalogue declares the PAdES extension level, as pyHanko's own signer does.
        """
        assert self.signature is not None
        if self._unannotated:
            raise RuntimeError("a signed document needs a page for its signature field")
        number = self._allocate()
        self.offsets[number] = self.position
        head = b"%d 0 obj\n" % number
        self._write(head + self.signature.dictionary(self.position + len(head)) + b"\nendobj\n")
        name = generic.NameObject
        field = generic.DictionaryObject(
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Widget"),
                name("/FT"): name("/Sig"),
                name("/T"): generic.pdf_string(SIGNATURE_FIELD),
                name("/V"): generic.IndirectObject(number, 0, None),
                name("/F"): generic.NumberObject(132),  # print, locked
                name("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            }
        )
        self._object(self._field, field)
        form = generic.DictionaryObject(
            {
                name("/Fields"): generic.ArrayObject([generic.IndirectObject(self._field, 0, None)]),
                name("/SigFlags"): generic.NumberObject(3),
            }
        )
        extension = generic.DictionaryObject(
            {name("/BaseVersion"): name("/1.7"), name("/ExtensionLevel"): generic.NumberObject(2)}
        )
        return {name("/AcroForm"): form, name("/Extensions"): generic.DictionaryObject({name("/ESIC"): extension})}


def _leaves(node: Any) -> Iterator[generic.IndirectObject]:
    """The page objects under a page tree node, in order (reportlab writes one flat level)."""
    for kid in node.get_object().raw_get("/Kids").iterate():
        if kid.get_object().get("/Type") == "/Pages":
            yield from _leaves(kid)
        else:
            yield kid


def render_signed_statements(
    rows: Iterable[Result],
    out: BinaryIO,
    *,
    progress: Callable[[int], None] = lambda done: None,
    photo_for: Callable[[Result], bool] = lambda result: False,
) -> int:
    """Render and sign in one pass: the signature is part of the document as it is written.

    The document is written with its signature field and a placeholder for the signature, then
    hashed from the file and the signature filled in (``signing.EmbeddedSignature``): nothing is
    read back whole, so memory does not grow with the number of statements. (pyHanko's
    incremental signer read the whole cross-reference table: some 40 MB at 100,000 pages.)
    A write-only ``out`` gets a copy of the signed temporary file.
    """
    signature = EmbeddedSignature()
    if _random_access(out):
        return _render(rows, out, progress=progress, photo_for=photo_for, signature=signature)
    with tempfile.TemporaryFile(prefix="rvs-statements-") as signed:
        count = _render(rows, signed, progress=progress, photo_for=photo_for, signature=signature)
        signed.seek(0)
        shutil.copyfileobj(signed, out, 1 << 20)
    return count


def _random_access(out: BinaryIO) -> bool:
    """Can the document be signed in ``out`` itself: readable, seekable and empty?"""
    try:
        if not (out.readable() and out.seekable()) or out.tell() != 0:
            return False
        empty = out.seek(0, os.SEEK_END) == 0
        out.seek(0)
        return empty
    except (AttributeError, OSError, ValueError):
        return False


def statement_entries(reader: PdfFileReader) -> list[dict[str, str]]:
    """The ERN/digest list a statement carries; [] when there is none.

    From the catalogue's statements stream, or, in statements issued before it, the Keywords.
    """
    stream = reader.root.get(STATEMENTS_KEY)
    if stream is not None:
        try:
            data = json.loads(stream.get_object().data)
        except (ValueError, TypeError, AttributeError, zlib.error):
            return []
    else:
        info = reader.trailer_view.get("/Info")
        text = str(info.get_object().get("/Keywords") or "") if info is not None else ""
        if not text.startswith(KEYWORDS_PREFIX):
            return []
        try:
            data = json.loads(base64.b64decode(text[len(KEYWORDS_PREFIX) :], validate=True))
        except (ValueError, TypeError):
            return []
    if not isinstance(data, list):
        return []
    return [
        e for e in data if isinstance(e, dict) and isinstance(e.get("ern"), str) and isinstance(e.get("digest"), str)
    ]
