"""Names in any script on the Statement of Results, which stays an English document (issue 18 items 5, 6).

A Chinese or Korean name is set in the bundled CJK font (WenQuanYi Micro Hei) and can be read
back from the PDF; an Arabic name is shaped (joined letters, the presentation forms) and drawn in
visual order, right to left; the page's own words and dates stay English whatever language the
person downloading it reads the site in.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from rvs.downloads import pdf_layout as layout
from rvs.downloads.pdf import render_statements
from rvs.downloads.selectors import results_in_order
from tests.factories import CandidateFactory, ResultFactory

POPPLER = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="needs poppler-utils")


def _pdf(tmp_path: Path, first: str, last: str, language: str = "en-gb") -> Path:
    result = ResultFactory(candidate=CandidateFactory(first_name=first, last_name=last))
    out = io.BytesIO()
    with translation.override(language):
        assert render_statements(results_in_order([result.pk]), out) == 1
    path = tmp_path / "statement.pdf"
    path.write_bytes(out.getvalue())
    return path


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_an_arabic_name_is_joined_and_drawn_right_to_left() -> None:
    text = layout.fit("محمد العلي", layout.BOLD, 16, 300)
    assert text.font == layout.BOLD  # DejaVu has the Arabic letters
    (line,) = text.lines
    # Drawn left to right, the line starts with the name's last letter, ي in its final form, and
    # ends with its first, م in its initial form: shaped and in visual order.
    assert line[0] == "\ufef2"
    assert line[-1] == "\ufee3"
    assert "\u0645" not in line  # no unjoined (isolated, logical) letter is left


@pytest.mark.parametrize("name", ["王小明", "김철수", "山田 太郎", "王小明 (Ming Wang)"])
def test_a_cjk_name_is_set_in_the_cjk_font(name: str) -> None:
    text = layout.fit(name, layout.BOLD, 16, 300)
    assert text.font == "WenQuanYi-MicroHei"
    assert text.lines == (name,)


def test_latin_greek_and_cyrillic_names_keep_the_pages_font() -> None:
    for name in ("Łukasz Wójcik", "Ζωή Παπαδοπούλου", "Анна Кузнецова"):
        assert layout.fit(name, layout.BOLD, 16, 300).font == layout.BOLD


def test_a_long_arabic_name_wraps_with_its_first_words_on_the_first_line() -> None:
    name = " ".join(["عبدالرحمن"] * 12)
    text = layout.fit(name, layout.REGULAR, 10, 120)
    assert len(text.lines) > 1
    assert all(line[-1] == "\ufecb" for line in text.lines)  # each line read from its right: ع, initial form


@pytest.mark.django_db
@POPPLER
def test_the_chinese_name_can_be_read_back_from_the_statement(tmp_path: Path) -> None:
    path = _pdf(tmp_path, "小明", "王")
    assert "WenQuanYi" in _fonts(path)  # embedded (a subset), so every reader shows it
    assert "小明" in _text(path)


@pytest.mark.django_db
@POPPLER
def test_the_statement_stays_english_when_the_site_is_read_in_spanish(tmp_path: Path) -> None:
    path = _pdf(tmp_path, "فاطمة", "الزهراء", language="es")
    text = _text(path)
    assert "Statement of Results" in text
    assert "Exam Reference Number" in text
    assert "Issued " in text
    for spanish in ("diciembre", "enero", " de 20", "Resultados"):
        assert spanish not in text
    assert "\ufe8e" in text or "\ufe8d" in text  # ا in a presentation form: the Arabic name was shaped
