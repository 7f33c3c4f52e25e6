"""The Statement of Results page laid out on a grid: named columns and rows, text measured to fit.

Every piece of text is measured with ``stringWidth`` and shrunk (down to a floor) or wrapped to the
width of its cell, never clipped and never run into its neighbour; each row's height is what its
tallest cell needs, so the next row starts below it. The footer and the QR code have fixed cells
at the foot of the page (``FOOTER_TEXT`` beside ``QR_BOX``). Measuring is plain arithmetic on the
font's widths: a page costs about what drawing it did before (no Platypus flowables).
The scale chart is ``pdf_chart``.
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

from rvs.downloads import pdf_scripts

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
    """One line at ``size`` if it fits, else shrunk (not below ``smallest``), else wrapped at the smallest.

    Text in any script: set in the font that has its letters, Arabic shaped and each line in
    visual order (``pdf_scripts``)."""
    text, font, right_to_left = pdf_scripts.prepare(text, font)
    smallest = size if smallest is None else smallest
    current = size
    while current >= smallest:
        if width_of(text, font, current) <= width:
            return Text((pdf_scripts.visual(text) if right_to_left else text,), font, current)
        current -= 0.5
    lines = wrap(text, font, smallest, width)
    return Text(tuple(pdf_scripts.visual(line) for line in lines) if right_to_left else tuple(lines), font, smallest)


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
