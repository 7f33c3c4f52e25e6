"""The Statement of Results is print-perfect (issue 17 item 9).

Every exam of the catalogue, every scoring version, the statuses a statement can show, the longest
names (with diacritics) and centre the database can hold, with and without the test-day photo: each
page is rendered, its words located with ``pdftotext -bbox-layout`` and checked: no two words
overlap, no lines of different blocks overlap, every word is inside the page's margins and clear of
the QR code; and ``pdftoppm`` renders the page at A4 with the QR code where the layout put it.
Set ``RVS_KEEP_STATEMENTS=<dir>`` to keep the PDF and the PNGs to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from rvs.core import ern as ern_codec
from rvs.downloads import pdf
from rvs.downloads.pdf import render_statements
from rvs.downloads.selectors import results_in_order
from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, parse_scheme, scheme_for
from rvs.results.models import Candidate, Centre, Result
from tests.factories import CandidateFactory, CentreFactory, ResultFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="needs poppler-utils"),
]

SIDE_MARGIN = 20 * mm  # the page's text column
TOP_MARGIN = BOTTOM_MARGIN = 8 * mm
TOLERANCE = 0.25  # points: glyph boxes that only touch do not overlap
DPI = 100
NS = "{http://www.w3.org/1999/xhtml}"


def _longest(words: str, length: int) -> str:
    """``words`` repeated up to exactly ``length`` characters (a field's maximum), ending in a letter."""
    text = (words + " ") * (length // (len(words) + 1) + 1)
    return text[:length].rstrip() or words[:length]


def _scores(scheme: CesScheme, target: int) -> dict[str, int | str]:
    """Component scores around ``target``, spread a little, within the scale."""
    spread = [3, -2, 1, -4, 2, 0]
    return {
        c.code: max(scheme.component_min, min(scheme.scale_max, target + spread[i % len(spread)]))
        for i, c in enumerate(scheme.components)
    }


def _ces_versions(exam: Exam) -> list[tuple[dt.date, CesScheme]]:
    """Each scoring version of ``exam`` with Cambridge English Scale scores, with an exam date in it."""
    versions = []
    for version in exam.scoring:
        if version["scheme"].get("kind") == "ces":
            start = dt.date.fromisoformat(version["from"])
            versions.append((start + dt.timedelta(days=160), parse_scheme(version["from"], version["scheme"])))
    return versions


def _statement_results() -> list[Result]:
    """One statement or more for every exam of the catalogue, and the hardest cases a page must hold."""
    results: list[Result] = []
    exams = list(Exam.objects.order_by("position", "code"))
    assert len(exams) >= 19, "the catalogue is loaded by the exams migrations"
    for exam in exams:
        versions = _ces_versions(exam)
        if not versions:  # no scale scores: a grade or band alone (shields, Linguaskill, TKT, CELTA, Delta)
            results.append(
                Result.objects.create(
                    candidate=CandidateFactory(),
                    exam=exam,
                    centre=CentreFactory(),
                    exam_date=dt.date(2024, 3, 9),
                    ern=ern_codec.generate(),
                    grade="Pass with Distinction",
                    result_label="Pass with Distinction",
                )
            )
            continue
        for exam_date, scheme in versions:
            for band in scheme.bands:  # a result in every band: top, middle, no certificate
                middle = (band.min + min(band.max, scheme.scale_max)) // 2
                results.append(ResultFactory(exam=exam, exam_date=exam_date, scores=_scores(scheme, middle)))
    b2 = Exam.objects.get(code="b2-first")
    scheme = scheme_for(b2.scoring, dt.date(2025, 6, 14))
    assert scheme is not None
    codes = [c.code for c in scheme.components]
    # Statuses a statement can show.
    results.append(ResultFactory(exam=b2, scores={**_scores(scheme, 175), codes[0]: "X"}))
    results.append(ResultFactory(exam=b2, scores=dict.fromkeys(codes, "Z")))
    results.append(ResultFactory(exam=b2, forced_status="pending"))
    results.append(ResultFactory(exam=b2, forced_status="withheld"))
    withdrawn = ResultFactory(exam=b2)
    Result.objects.filter(pk=withdrawn.pk).update(status=Result.Status.WITHDRAWN)
    results.append(withdrawn)
    # The longest names and centre the database holds, with diacritics, with and without a photo.
    first_length = Candidate._meta.get_field("first_name").max_length
    last_length = Candidate._meta.get_field("last_name").max_length
    centre = CentreFactory(
        number=_longest("PL9876543210", Centre._meta.get_field("number").max_length),
        name=_longest(
            "Międzynarodowe Centrum Językowe Świętokrzyskie Ąęółćżź", Centre._meta.get_field("name").max_length
        ),
        city=_longest("Skarżysko-Kamienna Ñandú Zürich", Centre._meta.get_field("city").max_length),
        country=_longest("Bosnia and Herzegovina Côte d'Ivoire", Centre._meta.get_field("country").max_length),
    )
    for photo in (False, True):
        candidate = CandidateFactory(
            first_name=_longest("Łucja-Żaneta Nguyễn Thị Ngọc Ánh Ørsted", first_length),
            last_name=_longest("Wójcik-Øvergård Şahin Ἀλέξανδρος Ðorđević", last_length),
        )
        long = ResultFactory(exam=b2, candidate=candidate, centre=centre)
        if photo:
            _attach_photo(long)
        results.append(long)
    return results


def _attach_photo(result: Result) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 300), (200, 150, 120)).save(buffer, "JPEG")
    result.photo.save("photo.jpg", ContentFile(buffer.getvalue()), save=True)


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float  # from the top of the page, as pdftotext gives it
    x1: float
    y1: float
    block: int

    def overlaps(self, other: Box) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > TOLERANCE
            and min(self.y1, other.y1) - max(self.y0, other.y0) > TOLERANCE
        )


@dataclass
class Page:
    width: float
    height: float
    words: list[Box]
    lines: list[Box]


def _boxes(pdf_path: Path) -> list[Page]:
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = []
    for page in ET.fromstring(xhtml).iter(f"{NS}page"):
        words: list[Box] = []
        lines: list[Box] = []
        for number, block in enumerate(page.iter(f"{NS}block")):
            for line in block.iter(f"{NS}line"):
                texts = [word.text or "" for word in line.iter(f"{NS}word")]
                lines.append(_box(line, " ".join(texts), number))
                words.extend(_box(word, word.text or "", number) for word in line.iter(f"{NS}word"))
        pages.append(Page(float(page.get("width", 0)), float(page.get("height", 0)), words, lines))
    return pages


def _box(element: ET.Element, text: str, block: int) -> Box:
    x0, y0, x1, y1 = (float(element.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax"))
    return Box(text, x0, y0, x1, y1, block)


def _render(
    results: list[Result], tmp_path: Path, monkeypatch: Any, photo: set[int], images: dict[int, list[Box]] | None = None
) -> tuple[Path, list[Box]]:
    """The statements as one PDF, and the QR code's square on each page (top-left origin, points);
    ``images`` gets the boxes of the images (photos) drawn on each page, by page index."""
    squares: list[Box] = []
    draw = pdf._qr
    draw_image = Canvas.drawImage

    def image_spy(canvas: Any, image: Any, x: float, y: float, width: float, height: float, **kwargs: Any) -> Any:
        if images is not None:
            images.setdefault(len(squares), []).append(Box("image", x, A4[1] - y - height, x + width, A4[1] - y, -1))
        return draw_image(canvas, image, x, y, width, height, **kwargs)

    monkeypatch.setattr(Canvas, "drawImage", image_spy)

    def spy(canvas: Any, text: str, x: float, y: float, size: float) -> None:
        squares.append(Box("QR", x, A4[1] - y - size, x + size, A4[1] - y, -1))
        draw(canvas, text, x, y, size)

    monkeypatch.setattr(pdf, "_qr", spy)
    path = tmp_path / f"statements-{len(results)}.pdf"
    with path.open("wb") as out:
        count = render_statements(
            results_in_order([r.pk for r in results]), out, photo_for=lambda result: result.pk in photo
        )
    assert count == len(results) == len(squares)
    keep = os.environ.get("RVS_KEEP_STATEMENTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path, squares


def _problems(page: Page, qr: Box, images: list[Box]) -> list[str]:
    problems = []
    for i, word in enumerate(page.words):
        problems.extend(f"{word.text!r} runs over the photo" for image in images if word.overlaps(image))
        for other in page.words[i + 1 :]:
            if word.overlaps(other):
                problems.append(f"{word.text!r} overlaps {other.text!r}")
        if word.overlaps(qr):
            problems.append(f"{word.text!r} runs under the QR code")
        inside = (
            word.x0 >= SIDE_MARGIN - TOLERANCE
            and word.x1 <= page.width - SIDE_MARGIN + TOLERANCE
            and word.y0 >= TOP_MARGIN - TOLERANCE
            and word.y1 <= page.height - BOTTOM_MARGIN + TOLERANCE
        )
        if not inside:
            problems.append(f"{word.text!r} is outside the margins ({word.x0:.1f}, {word.y0:.1f})")
    for i, line in enumerate(page.lines):
        for other in page.lines[i + 1 :]:
            if line.block != other.block and line.overlaps(other):
                problems.append(f"line {line.text[:40]!r} overlaps line {other.text[:40]!r}")
    return problems


def test_every_statement_is_laid_out_without_overlaps(tmp_path: Path, monkeypatch: Any) -> None:
    results = _statement_results()
    with_photo = {results[-1].pk}
    images: dict[int, list[Box]] = {}
    path, squares = _render(results, tmp_path, monkeypatch, with_photo, images)
    assert list(images) == [len(results) - 1], "the photo is drawn, on its page only"
    pages = _boxes(path)
    assert len(pages) == len(results)
    failures = []
    for index, (result, page, qr) in enumerate(zip(results, pages, squares, strict=True)):
        assert (page.width, page.height) == pytest.approx(A4, abs=0.5)
        assert page.words, f"{result.exam.code}: no text"
        problems = _problems(page, qr, images.get(index, []))
        if problems:
            failures.append(f"{result.exam.code} {result.exam_date} {result.status}: " + "; ".join(problems[:6]))
    assert not failures, "\n".join(failures)


def test_the_pages_render_to_a4_images_with_the_qr_code_in_its_square(tmp_path: Path, monkeypatch: Any) -> None:
    from PIL import Image

    b2 = Exam.objects.get(code="b2-first")
    results = [ResultFactory(exam=b2), ResultFactory(exam=b2, forced_status="withheld")]
    path, squares = _render(results, tmp_path, monkeypatch, set())
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(results)
    keep = os.environ.get("RVS_KEEP_STATEMENTS")
    scale = DPI / 72
    for image_path, qr in zip(images, squares, strict=True):
        if keep:
            shutil.copy(image_path, Path(keep) / image_path.name)
        with Image.open(image_path) as image:
            assert image.size == (math.ceil(A4[0] * scale), math.ceil(A4[1] * scale))  # pdftoppm rounds up
            grey = image.convert("L")
            inner = grey.crop((round(qr.x0 * scale), round(qr.y0 * scale), round(qr.x1 * scale), round(qr.y1 * scale)))
            histogram = inner.histogram()
            dark, light = sum(histogram[:64]), sum(histogram[192:])
            assert dark > 0.2 * (dark + light), "the QR code's modules are drawn in its square"
            assert light > 0.3 * (dark + light), "with the light modules and quiet zone"


def _catalogue_schemes() -> list[tuple[str, CesScheme]]:
    return [
        (f"{exam.code} from {scheme.valid_from}", scheme)
        for exam in Exam.objects.order_by("position", "code")
        for _, scheme in _ces_versions(exam)
    ]


def test_the_band_legend_names_every_band_once_and_every_cefr_level_once() -> None:
    """Not "– B1 B2 B2 C1": the bands' row names each band by its own label (distinct in every
    scheme of the catalogue), the CEFR row each level once over the bands that give it."""
    from rvs.downloads import pdf_chart as chart
    from rvs.downloads import pdf_layout as layout

    bars_x = layout.LEFT + chart.CHART_LABEL_WIDTH
    bars_width = layout.CONTENT_WIDTH - chart.CHART_LABEL_WIDTH - chart.CHART_VALUE_WIDTH
    schemes = _catalogue_schemes()
    assert len(schemes) >= 15
    for name, scheme in schemes:
        key = chart.legend(scheme, bars_x, bars_width)
        bands = sorted(scheme.bands, key=lambda b: b.min)
        assert [s.label for s in key.bands] == [b.label for b in bands], name
        assert len({s.label for s in key.bands}) == len(bands), name
        levels = [b.cefr for b in bands if b.cefr]
        assert [s.label for s in key.cefr] == sorted(set(levels), key=levels.index), name
        for row in (key.cefr, key.bands):
            for segment, following in itertools.pairwise(row):
                assert segment.x1 <= following.x0 + 0.01, f"{name}: {segment.label} overlaps {following.label}"
            for segment in row:
                assert bars_x - 0.01 <= segment.x0 < segment.x1 <= bars_x + bars_width + 0.01, name
                assert segment.text is not None, f"{name}: {segment.label} has no room"
                shown = " ".join(segment.text.lines)
                assert shown in (segment.label, segment.short), name
                widest = max(layout.width_of(line, segment.text.font, segment.text.size) for line in segment.text.lines)
                assert widest <= segment.x1 - segment.x0, f"{name}: {shown!r} is wider than its band"
        # Each band's segment covers its scores: the low end of the band starts it.
        for segment, band in zip(key.bands, bands, strict=True):
            assert segment.x0 == pytest.approx(chart.bar_x(scheme, band.min, bars_x, bars_width)), name
    shorts = [
        (name, s.label)
        for name, scheme in schemes
        for s in _legend_bands(scheme)
        if s.text and " ".join(s.text.lines) != s.label
    ]
    assert len(shorts) <= 2, f"full band labels fit nearly everywhere: {shorts}"


def _legend_bands(scheme: CesScheme) -> tuple[Any, ...]:
    from rvs.downloads import pdf_chart as chart
    from rvs.downloads import pdf_layout as layout

    bars_width = layout.CONTENT_WIDTH - chart.CHART_LABEL_WIDTH - chart.CHART_VALUE_WIDTH
    return chart.legend(scheme, layout.LEFT + chart.CHART_LABEL_WIDTH, bars_width).bands
