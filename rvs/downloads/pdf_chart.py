"""The Statement of Results' scale chart: each score as a bar on the exam's scale, over its bands.

The legend (``legend``) has two rows over the bars: the CEFR levels, one segment a level (bands
of the same level merged), and the exam's bands, each named by its own label from the catalogue
("Grade A", "Grade B", "B1 level", "No certificate"); the key beneath gives every band's score
range. Columns and text fitting are ``pdf_layout``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from rvs.downloads.pdf_layout import (
    BAR,
    BODY_FLOOR,
    BOLD,
    CONTENT_WIDTH,
    INK,
    LEFT,
    MUTED,
    NAVY,
    PAGE_WIDTH,
    REGULAR,
    RIGHT,
    SHADES,
    Text,
    fit,
    fit_lines,
    register_fonts,
)
from rvs.exams.scoring import Band, CesScheme

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
