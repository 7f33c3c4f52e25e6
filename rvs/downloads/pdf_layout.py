"""The Statement of Results page laid out on a grid: named columns and rows, text measured to fit.

Every piece of text is measured with ``stringWidth`` and shrunk (down to a floor) or wrapped to the
width of its cell, never clipped and never run into its neighbour; each row's height is what its
tallest cell needs, so the next row starts below it. The footer and the QR code have fixed cells
at the foot of the page (``FOOTER_TEXT`` beside ``QR_BOX``). Measuring is plain arithmetic on the
font's widths: a page costs about what drawing it did before (no Platypus flowables).

The scale chart's legend (``legend``) has two rows over the bars: the CEFR levels, one segment a
level (bands of the same level merged), and the exam's bands, each named by its own label from
the catalogue ("Grade A", "Grade B", "B1 level", "No certificate"), with their score ranges in
the key beneath.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from rvs.exams.scoring import Band, CesScheme

PAGE_WIDTH, PAGE_HEIGHT = A4
REGULAR, BOLD = "DejaVu", "DejaVu-Bold"
MARGIN = 20 * mm  # left and right: the text column
LEFT, RIGHT = MARGIN, PAGE_WIDTH - MARGIN
CONTENT_WIDTH = RIGHT - LEFT
HEADER_HEIGHT = 30 * mm
GUTTER = 5 * mm

# The foot of the page: the QR code in the right-hand cell, the footer text in the left one.
QR_SIZE = 32 * mm
QR_BOTTOM = 12 * mm
QR_BOX = (RIGHT - QR_SIZE, QR_BOTTOM, RIGHT, QR_BOTTOM + QR_SIZE)  # x0, y0, x1, y1 from the foot
FOOTER_TEXT = (LEFT, QR_BOTTOM, RIGHT - QR_SIZE - GUTTER, QR_BOTTOM + QR_SIZE)
BODY_FLOOR = QR_BOTTOM + QR_SIZE + 6 * mm  # nothing of the body goes below this

# The details grid: label column, value column; the photo's column when the photo is printed.
DETAIL_LABEL_WIDTH = 40 * mm
PHOTO_WIDTH, PHOTO_HEIGHT = 32 * mm, 40 * mm

FONT_DIR = Path(__file__).resolve().parent / "fonts"
_fonts_registered = False


def register_fonts() -> None:
    """The bundled DejaVu fonts (Łukasz, Nguyễn, Ørsted, Cyrillic, Greek all print), once a process."""
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        _fonts_registered = True


INK = colors.black
MUTED = colors.Color(0.3, 0.35, 0.4)
NAVY = colors.Color(0.03, 0.25, 0.46)
BAR = colors.Color(0.04, 0.36, 0.67)
PANEL = colors.Color(0.96, 0.97, 0.98)
SHADES = (colors.Color(0.88, 0.91, 0.96), colors.Color(0.94, 0.96, 0.99))
LEADING = 1.22  # line height as a multiple of the font size


def width_of(text: str, font: str, size: float) -> float:
    return float(stringWidth(text, font, size))


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width``: broken between words, a word too long between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if width_of(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while width_of(word, font, size) > width:  # a word wider than the cell: split it
            cut = _fitting_prefix(word, font, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def _fitting_prefix(word: str, font: str, size: float, width: float) -> int:
    low, high = 1, len(word)  # the longest prefix that fits (at least one character)
    while low < high:
        middle = (low + high + 1) // 2
        if width_of(word[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True)
class Text:
    """Text set for a cell: its lines, font and size; ``height`` from the top of the first line."""

    lines: tuple[str, ...]
    font: str
    size: float

    @property
    def leading(self) -> float:
        return self.size * LEADING

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)

    def draw(self, canvas: Canvas, x: float, top: float, *, align: str = "left", width: float = 0) -> float:
        """Draw from ``top`` (the top of the first line); returns the bottom of the last line."""
        if (getattr(canvas, "_fontname", None), getattr(canvas, "_fontsize", None)) != (self.font, self.size):
            canvas.setFont(self.font, self.size)  # only when it changes: each call writes to the page
        baseline = top - self.size * 0.93  # DejaVu's ascent
        for line in self.lines:
            if align == "right":
                canvas.drawRightString(x + width, baseline, line)
            elif align == "centre":
                canvas.drawCentredString(x + width / 2, baseline, line)
            else:
                canvas.drawString(x, baseline, line)
            baseline -= self.leading
        return top - self.height


@lru_cache(maxsize=2048)  # most of a page's texts repeat on every page
def fit(text: str, font: str, size: float, width: float, *, smallest: float | None = None) -> Text:
    """One line at ``size`` if it fits, else shrunk (not below ``smallest``), else wrapped at the smallest."""
    smallest = size if smallest is None else smallest
    current = size
    while current >= smallest:
        if width_of(text, font, current) <= width:
            return Text((text,), font, current)
        current -= 0.5
    return Text(tuple(wrap(text, font, smallest, width)), font, smallest)


@lru_cache(maxsize=1024)
def fit_lines(text: str, font: str, sizes: tuple[float, ...], width: float, lines: int) -> Text | None:
    """The largest of ``sizes`` at which ``text`` wraps between words into at most ``lines`` lines of
    ``width``; None when no size does (a word would have to be split)."""
    for size in sizes:
        if any(width_of(word, font, size) > width for word in text.split()):
            continue
        wrapped = wrap(text, font, size, width)
        if len(wrapped) <= lines:
            return Text(tuple(wrapped), font, size)
    return None


# The scale chart ------------------------------------------------------------------------------

CHART_LABEL_WIDTH = 36 * mm
CHART_VALUE_WIDTH = 11 * mm
CHART_ROW = 7 * mm
LEGEND_ROW = 6 * mm
LEGEND_SIZES = (6.5, 6, 5.5, 5)


@dataclass(frozen=True)
class Segment:
    """A stretch of the scale in one legend row, from score ``low`` to ``high`` inclusive, and its label.

    ``short`` is the label when the full one has no room: a band's grade ("A" for "Grade A",
    "PwM" for "Pass with Merit"); the key under the chart spells every band out.
    """

    low: int
    high: int
    label: str
    short: str
    x0: float
    x1: float
    text: Text | None = None  # the label set to fit between x0 and x1; None: no room even for short

    def set(self, size: float, *, short: bool = False) -> Text | None:
        return fit_lines(self.short if short else self.label, REGULAR, (size,), self.x1 - self.x0 - 2.4, 2)


@dataclass(frozen=True)
class Legend:
    cefr: tuple[Segment, ...]
    bands: tuple[Segment, ...]


def bar_x(scheme: CesScheme, score: float, x0: float, width: float) -> float:
    """Where ``score`` starts on the bars' axis (a score's bar ends where ``score + 1`` starts)."""
    low, high = scheme.component_min, scheme.scale_max
    return x0 + (score - low) / (high - low + 1) * width


def _short(band: Band) -> str:
    grade = band.grade or ""
    if not grade:
        return band.label
    words = grade.split()
    return grade if len(words) == 1 else "".join(w[0] if w.islower() else w[0].upper() for w in words)


@lru_cache(maxsize=64)  # one a scheme version: the same on every page of its exam
def legend(scheme: CesScheme, x0: float, width: float) -> Legend:
    """The legend's two rows for ``scheme`` over bars drawn from ``x0``, ``width`` wide.

    The CEFR row merges neighbouring bands of one level (Grade B and Grade C are both B2); a band
    with no CEFR level (no certificate) has no segment there. The bands' row names every band.
    """
    register_fonts()  # the labels are measured in the statement's font
    bands = sorted(scheme.bands, key=lambda b: b.min)
    runs: list[list[Band]] = []
    for band in bands:
        if runs and band.cefr and runs[-1][-1].cefr == band.cefr:
            runs[-1].append(band)
        else:
            runs.append([band])

    def segment(low: int, high: int, label: str, short: str) -> Segment:
        right = bar_x(scheme, min(high, scheme.scale_max) + 1, x0, width)
        return Segment(low, high, label, short, bar_x(scheme, low, x0, width), right)

    cefr = [segment(r[0].min, r[-1].max, r[0].cefr, r[0].cefr) for r in runs if r[0].cefr]
    return Legend(_set_row(cefr), _set_row([segment(b.min, b.max, b.label, _short(b)) for b in bands]))


def _set_row(segments: list[Segment]) -> tuple[Segment, ...]:
    """One size for the whole row: the largest at which every label fits its segment in two lines;
    failing that, at the smallest size, the short label where the full one does not fit."""
    texts: list[Text | None] = []
    for size in LEGEND_SIZES:
        texts = [segment.set(size) for segment in segments]
        if all(text is not None for text in texts):
            break
    else:
        smallest = LEGEND_SIZES[-1]
        texts = [text or segment.set(smallest, short=True) for text, segment in zip(texts, segments, strict=True)]
    return tuple(
        Segment(s.low, s.high, s.label, s.short, s.x0, s.x1, text) for s, text in zip(segments, texts, strict=True)
    )


def chart(
    canvas: Canvas,
    scheme: CesScheme,
    rows: Sequence[tuple[str, int | None]],
    top: float,
    scale_name: str,
    floor: float = BODY_FLOOR,
) -> float:
    """The scores as bars on the exam's scale under the legend, and the bands' key; returns the bottom.

    Columns: the row labels, the bars, the score after each bar. Rows: CEFR level, band, one per
    score (the overall score last, in bold), then the key. Rows are 7 mm high, less (not below
    4.5 mm) when what is above leaves less room above ``floor``.
    """
    bars_x = LEFT + CHART_LABEL_WIDTH
    bars_width = CONTENT_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_WIDTH
    ranges = "; ".join(
        f"{band.label} {band.min}–{min(band.max, scheme.scale_max)}" + (f" (CEFR {band.cefr})" if band.cefr else "")
        for band in sorted(scheme.bands, key=lambda b: -b.min)
    )
    note = fit(f"{scale_name} {scheme.component_min}–{scheme.scale_max}. {ranges}.", REGULAR, 7, CONTENT_WIDTH)
    room = top - floor - note.height - 2 * mm
    legend_row = LEGEND_ROW  # two lines of 6.5 pt
    row = max(4.5 * mm, min(CHART_ROW, (room - 2 * legend_row) / max(1, len(rows))))
    rows_top = top - 2 * legend_row
    bottom = rows_top - len(rows) * row
    _backdrop(canvas, legend(scheme, bars_x, bars_width), legend_row, top - bottom, top)
    for index, (label, score) in enumerate(rows):
        overall = index == len(rows) - 1
        row_top = rows_top - index * row
        text = fit(label, BOLD if overall else REGULAR, 9, CHART_LABEL_WIDTH - 2 * mm, smallest=7)
        canvas.setFillColor(INK)
        text.draw(canvas, LEFT, row_top - (row - text.height) / 2)
        if score is None:
            continue
        end = bar_x(scheme, max(scheme.component_min, min(score, scheme.scale_max)) + 1, bars_x, bars_width)
        canvas.setFillColor(NAVY if overall else BAR)
        canvas.rect(bars_x, row_top - row + 1.25 * mm, end - bars_x, row - 2.5 * mm, stroke=0, fill=1)
        canvas.setFillColor(INK)
        value = fit(str(score), BOLD if overall else REGULAR, 9, RIGHT - end - 1.5 * mm, smallest=6)
        value.draw(canvas, end + 1.5 * mm, row_top - (row - value.height) / 2)
    canvas.setFillColor(MUTED)
    return note.draw(canvas, LEFT, bottom - 2 * mm)


def _backdrop(canvas: Canvas, key: Legend, legend_row: float, height: float, top: float) -> None:
    """The legend and the bands' shading behind the bars, ``height`` high from ``top``.

    Drawn once a batch document for each scheme and chart size, as a form XObject every page of that
    exam shows: the same drawing repeated on thousands of pages would be written (and paid for) each time.
    """
    forms: dict[tuple[Legend, float, float], str] = canvas.__dict__.setdefault("_rvs_backdrops", {})
    name = forms.get((key, legend_row, height))
    if name is None:
        name = forms[(key, legend_row, height)] = f"rvsBackdrop{len(forms)}"
        canvas.beginForm(name, lowerx=0, lowery=-height, upperx=PAGE_WIDTH, uppery=0)
        for caption, segments, row_top in (("CEFR level", key.cefr, 0.0), ("Band", key.bands, -legend_row)):
            shade_bottom = -legend_row if segments is key.cefr else -height
            caption_text = fit(caption, REGULAR, 7, CHART_LABEL_WIDTH - 2 * mm, smallest=6)
            canvas.setFillColor(MUTED)
            caption_text.draw(canvas, LEFT, row_top - (legend_row - caption_text.height) / 2)
            for index, segment in enumerate(segments):
                canvas.setFillColor(SHADES[index % 2])
                width = segment.x1 - segment.x0
                canvas.rect(segment.x0 + 0.4, shade_bottom, width - 0.8, row_top - shade_bottom, stroke=0, fill=1)
                if segment.text is not None:
                    canvas.setFillColor(MUTED)
                    text_top = row_top - (legend_row - segment.text.height) / 2
                    segment.text.draw(canvas, segment.x0, text_top, align="centre", width=width)
        canvas.endForm()
    canvas.saveState()
    canvas.translate(0, top)
    canvas.doForm(name)
    canvas.restoreState()


# The rest of the page -------------------------------------------------------------------------


def header(canvas: Canvas, board_name: str, ern: str) -> None:
    """The band across the top: the board and the title on the left, the ERN on the right."""
    canvas.setFillColor(NAVY)
    canvas.rect(0, PAGE_HEIGHT - HEADER_HEIGHT, PAGE_WIDTH, HEADER_HEIGHT, stroke=0, fill=1)
    caption = Text(("Exam Reference Number",), REGULAR, 8)
    number = fit(ern, BOLD, 12, CONTENT_WIDTH / 2, smallest=9)
    right_width = max(
        width_of(caption.lines[0], REGULAR, 8), *(width_of(line, BOLD, number.size) for line in number.lines)
    )
    left_width = CONTENT_WIDTH - right_width - GUTTER
    board = fit_lines(board_name, REGULAR, (10, 9, 8, 7), left_width, 2) or fit(board_name, REGULAR, 7, left_width)
    title = fit("Statement of Results", BOLD, 18, left_width, smallest=12)
    top = PAGE_HEIGHT - 11 * mm
    canvas.setFillColor(colors.white)
    board.draw(canvas, LEFT, top)
    title.draw(canvas, LEFT, top - board.height - 1.5 * mm)
    caption.draw(canvas, RIGHT - right_width, top, align="right", width=right_width)
    number.draw(canvas, RIGHT - right_width, top - caption.height - 1.5 * mm, align="right", width=right_width)


def details(canvas: Canvas, name: str, rows: Sequence[tuple[str, str]], top: float, width: float) -> float:
    """The candidate's name, then label/value rows, in a column ``width`` wide; returns the bottom."""
    title = fit(name, BOLD, 16, width, smallest=11)
    canvas.setFillColor(INK)
    y = title.draw(canvas, LEFT, top) - 3 * mm
    for label, value in rows:
        value_text = fit(value, REGULAR, 10.5, width - DETAIL_LABEL_WIDTH, smallest=10.5)
        label_text = fit(label, REGULAR, 8, DETAIL_LABEL_WIDTH - 3 * mm, smallest=7)
        canvas.setFillColor(MUTED)  # on the value's first baseline
        label_bottom = label_text.draw(canvas, LEFT, y - (value_text.size - label_text.size) * 0.93)
        canvas.setFillColor(INK)
        value_bottom = value_text.draw(canvas, LEFT + DETAIL_LABEL_WIDTH, y)
        y = min(label_bottom, value_bottom) - 2 * mm
    return y


def summary(canvas: Canvas, cells: Sequence[tuple[str, str]], top: float) -> float:
    """The panel of headline values (overall score, CEFR level, grade), one column each; returns its bottom."""
    padding = 4 * mm
    column = (CONTENT_WIDTH - 2 * padding - (len(cells) - 1) * GUTTER) / len(cells)
    labels = [fit(label, REGULAR, 8, column, smallest=8) for label, _ in cells]
    values = [fit(value, BOLD, 16, column, smallest=10) for _, value in cells]
    label_height = max(text.height for text in labels)
    height = 2 * padding + label_height + 1.5 * mm + max(text.height for text in values)
    canvas.setFillColor(PANEL)
    canvas.rect(LEFT, top - height, CONTENT_WIDTH, height, stroke=0, fill=1)
    canvas.setFillColor(INK)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + padding + index * (column + GUTTER)
        label.draw(canvas, x, top - padding)
        value.draw(canvas, x, top - padding - label_height - 1.5 * mm)
    return top - height


def footer(canvas: Canvas, paragraphs: Sequence[str]) -> None:
    """The footer text in its cell beside the QR code, centred on the code's height."""
    x0, y0, _, y1 = FOOTER_TEXT
    text = _footer_text(tuple(paragraphs))
    canvas.setFillColor(INK)
    text.draw(canvas, x0, y1 - (y1 - y0 - text.height) / 2)


@lru_cache(maxsize=16)  # the same on every page of a download
def _footer_text(paragraphs: tuple[str, ...]) -> Text:
    """The paragraphs wrapped to the footer's cell, smaller (not below 6 pt) until they fit its height."""
    x0, y0, x1, y1 = FOOTER_TEXT
    for size in (8, 7.5, 7, 6.5, 6):
        text = Text(
            tuple(line for paragraph in paragraphs for line in wrap(paragraph, REGULAR, size, x1 - x0)), REGULAR, size
        )
        if text.height <= y1 - y0:
            break
    return text
