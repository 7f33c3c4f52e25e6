"""Names in any script on the Statement of Results (issue 18 item 6, decision 0036).

The Statement is an English document, but a candidate's name, a centre's name or an exam's name
is data written in its own script. DejaVu Sans (the page's font) has Latin, Greek, Cyrillic and
Arabic; a text with a character DejaVu lacks but WenQuanYi Micro Hei has (Chinese, Japanese,
Korean) is set in WenQuanYi instead (it has Latin too, so a mixed "王小明 (Ming Wang)" prints
whole). Arabic and Hebrew are shaped (Arabic letters joined: ``arabic_reshaper`` gives the
presentation forms DejaVu draws) and put in visual order by the Unicode bidirectional algorithm
(``python-bidi``), so "محمد العلي" reads right to left, joined, as on a screen.

A text with nothing but ASCII (almost every text of a page) returns at once, unchanged.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
CJK = "WenQuanYi-MicroHei"  # regular only: a bold name in CJK prints in the regular weight
_RTL_CLASSES = frozenset({"R", "AL"})


@lru_cache(maxsize=4)
def _cmap(font: str) -> frozenset[int]:
    """The characters ``font`` (a registered TTFont) has a glyph for."""
    return frozenset(pdfmetrics.getFont(font).face.charToGlyph)


@lru_cache(maxsize=1)
def _register_cjk() -> str:
    pdfmetrics.registerFont(TTFont(CJK, str(FONT_DIR / "wqy-microhei.ttc"), subfontIndex=0))
    return CJK


def is_right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


def font_for(text: str, font: str) -> str:
    """``font`` if it draws every character of ``text``, else the CJK font if that does."""
    base = _cmap(font)
    missing = [char for char in text if ord(char) not in base and not char.isspace()]
    if missing and all(ord(char) in _cmap(_register_cjk()) for char in missing):
        return _register_cjk()
    return font


def shaped(text: str) -> str:
    """Arabic letters in their joined (presentation) forms, still in logical order; other text as it is."""
    return arabic_reshaper.reshape(text) if is_right_to_left(text) else text


def visual(line: str) -> str:
    """One line (already ``shaped``) in the order it is drawn left to right."""
    return get_display(line) if is_right_to_left(line) else line


def prepare(text: str, font: str) -> tuple[str, str, bool]:
    """(text to measure and wrap, font, whether each line must be put in visual order)."""
    if text.isascii():
        return text, font, False
    rtl = is_right_to_left(text)
    text = shaped(text) if rtl else text
    return text, font_for(text, font), rtl
