"""Statements of Results as PDF: one page per result, a QR code to the public check, signed.

Drawn with reportlab and the bundled DejaVu fonts (Łukasz, Nguyễn, Ørsted, Cyrillic, Greek all
print), laid out on the grid of ``pdf_layout`` (nothing overlaps, nothing is cut short). The
document carries, for each statement, the ERN and a digest of what it says, so the verify page
can tell a result corrected or withdrawn since the PDF was issued: as JSON in a
compressed stream named by the catalogue's ``/RVSStatements`` (``statement_entries``). Statements
issued before carry it as base64 in the information dictionary's Keywords, which the verify page
still reads; a stream is never parsed by pyHanko when it signs, where the Keywords were (9 MB of
text at 100,000 statements, read and written again).
"""

from __future__ import annotations

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
from collections.abc import Callable, Iterable
from typing import BinaryIO

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from rvs.core.dates import display_date
from rvs.downloads import pdf_chart
from rvs.downloads import pdf_layout as layout
from rvs.downloads.changes import revision_count, state_digest, statement_state
from rvs.downloads.pdf_document import STATEMENTS_KEY, Concatenation
from rvs.downloads.signing import EmbeddedSignature
from rvs.exams.scoring import scheme_for
from rvs.results.models import Result

# Page streams are compressed, and no longer also ASCII85-encoded: a fifth smaller, and an eighth
# of the drawing time was going to reportlab's pure-Python ASCII85 encoder.
rl_config.useA85 = 0
KEYWORDS_PREFIX = "rvs-statements-v1:"


def _register_fonts() -> None:
    layout.register_fonts()


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


def _page(canvas: Canvas, result: Result, *, photo: bool, issued: str) -> None:
    """One statement, laid out on the grid of ``pdf_layout``."""
    brand = settings.RVS_BRAND
    layout.header(canvas, brand["board_name"], result.ern_display)
    top = layout.PAGE_HEIGHT - layout.HEADER_HEIGHT - 10 * mm
    width = layout.CONTENT_WIDTH
    bottom = top
    if photo and result.photo and _photo(canvas, result, top):
        width -= layout.PHOTO_WIDTH + layout.GUTTER
        bottom = top - layout.PHOTO_HEIGHT - 5 * mm
    rows = [
        ("Candidate ID Number", result.candidate.candidate_number),
        ("Date of birth", display_date(result.candidate.date_of_birth)),
        ("Exam", result.exam.name),
        ("Date of exam", display_date(result.exam_date)),
        ("Exam centre", f"{result.centre.name} ({result.centre.number})"),
        ("Place of entry", f"{result.centre.city}, {result.centre.country}"),
    ]
    y = min(bottom, layout.details(canvas, result.candidate.full_name, rows, top, width)) - 4 * mm
    if result.shows_scores:
        cells = [
            (
                f"Overall score ({brand['scale_name']})",
                "–" if result.overall_score is None else str(result.overall_score),
            ),
            ("CEFR level", result.cefr or "–"),
            ("Grade", result.grade or result.result_label or "–"),
        ]
        y = layout.summary(canvas, cells, y)
        scheme = scheme_for(result.exam.scoring, result.exam_date)
        if scheme is not None:
            scores = [(c.label, c.score) for c in result.components.all()] + [("Overall score", result.overall_score)]
            pdf_chart.chart(canvas, scheme, scores, y - 7 * mm, brand["scale_name"])
    else:
        layout.summary(canvas, [("Result", result.get_status_display())], y)
    x0, y0, x1, _ = layout.QR_BOX
    _qr(canvas, verification_url(result.ern, revision_count(result)), x0, y0, x1 - x0)
    layout.footer(
        canvas,
        [
            f"Issued {issued} by {brand['service_name']}.",
            "This statement is digitally signed. To check that it is authentic and still valid, scan the QR"
            f" code or upload the PDF at {settings.RVS_SITE_URL}{reverse('verify_statement')}.",
            "Organisations registered with the service can also look the result up by its Exam Reference Number.",
        ],
    )


def _photo(canvas: Canvas, result: Result, top: float) -> bool:
    """The test-day photo in its column at the top right, captioned; False when it cannot be read."""
    try:
        with result.photo.open("rb") as handle:
            image = ImageReader(io.BytesIO(handle.read()))
            x = layout.RIGHT - layout.PHOTO_WIDTH
            canvas.drawImage(image, x, top - layout.PHOTO_HEIGHT, layout.PHOTO_WIDTH, layout.PHOTO_HEIGHT)
    except (OSError, ValueError):
        return False  # a missing or unreadable photo file must not stop the statement
    canvas.setFillColor(colors.black)
    caption = layout.fit("Test day photo", "DejaVu", 7, layout.PHOTO_WIDTH)
    caption.draw(canvas, x, top - layout.PHOTO_HEIGHT - 1 * mm, align="right", width=layout.PHOTO_WIDTH)
    return True


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
    # The Statement of Results is an English document in every language of the site (decision
    # 0036): its dates and words do not follow the language of the person who downloads it.
    with translation.override("en-gb"):
        return _render_in_english(rows, out, progress=progress, photo_for=photo_for, signature=signature)


def _render_in_english(
    rows: Iterable[Result],
    out: BinaryIO,
    *,
    progress: Callable[[int], None],
    photo_for: Callable[[Result], bool],
    signature: EmbeddedSignature | None,
) -> int:
    _register_fonts()
    issued = display_date(timezone.localdate())
    document = Concatenation(out, signature)
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
