"""One way to write dates for people (decision 0031): templates and Python code go through
``rvs.core.dates`` (the ``display_date``/``display_datetime``/``time_date``/``time_datetime`` filters
of ``rvs_tags``), never a format of their own.

Fails on a template using Django's ``|date:``/``|time:`` filters and on Python code formatting a
date with ``strftime`` or an f-string ``:%…`` format, except where listed below with the reason
(machine formats: file names, folder names, text only developers read).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "rvs"

# ``|date:"…"`` or ``|time:"…"`` (with or without a format): Django's own date formatting.
DJANGO_DATE_FILTER = re.compile(r"\|\s*(date|time)\b(\s*:\s*(\"[^\"]*\"|'[^']*'|\S+))?")
# Formats a template may still use, and why: only machine formats (ISO 8601), never text for people.
ALLOWED_TEMPLATE_FORMATS: dict[str, str] = {
    '|date:"c"': "ISO 8601, for a datetime attribute or a machine-read value",
    '|date:"Y-m-d"': 'ISO 8601 date, only inside a datetime="…" attribute (checked below)',
}

PYTHON_DATE_FORMAT = re.compile(r"strftime\(|\{[^{}\n]*:%[A-Za-z]")
# Python code that may format a date itself, and why (file, the text on the line).
ALLOWED_PYTHON: dict[tuple[str, str], str] = {
    ("core/dates.py", "{local:%H:%M}"): "the one display format itself",
    ("downloads/services.py", "{job.created_at:%Y-%m-%d}"): "a download's file name (machine format)",
    ("bulk/verification.py", "{job.created_at:%Y-%m-%d}"): "a verification file's name (machine format)",
    ("core/backup.py", "%Y%m%dT%H%M%S%fZ"): "a backup folder's name (machine format)",
    ("results/models.py", "{self.expires_at:%Y-%m-%d}"): "__str__ for the admin and logs (developers)",
    ("results/models.py", "{self.changed_at:%Y-%m-%d}"): "__str__ for the admin and logs (developers)",
    ("core/models.py", "{self.at:%Y-%m-%d %H:%M}"): "__str__ for the admin and logs (developers)",
}


def _templates() -> list[Path]:
    return sorted(path for path in ROOT.rglob("templates/**/*") if path.suffix in {".html", ".txt", ".xml"})


def test_templates_write_dates_only_through_the_display_filters() -> None:
    offending = []
    assert len(_templates()) > 50  # the emails and pages are all read
    for path in _templates():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in DJANGO_DATE_FILTER.finditer(line):
                used = match.group(0).replace("'", '"').replace(" ", "")
                allowed = used in ALLOWED_TEMPLATE_FORMATS
                if used == '|date:"Y-m-d"':  # only as the machine value of <time datetime="…">
                    allowed = re.search(r'datetime="\{\{[^}]*\|date:"Y-m-d"\s*\}\}"', line) is not None
                if not allowed:
                    offending.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert offending == [], (
        "Write dates with {% load rvs_tags %} and |display_date, |display_datetime, |time_date or |time_datetime "
        f"(decision 0031), not Django's date filter: {offending}"
    )


def test_python_code_writes_dates_only_through_rvs_core_dates() -> None:
    offending = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not PYTHON_DATE_FORMAT.search(line):
                continue
            if any(file == relative and text in line for file, text in ALLOWED_PYTHON):
                continue
            offending.append(f"{relative}:{number}: {line.strip()}")
    assert offending == [], (
        "Text for people writes dates with rvs.core.dates.display_date/display_datetime (decision 0031); "
        f"a machine format needs a line in ALLOWED_PYTHON with its reason: {offending}"
    )


def test_the_check_catches_a_format_of_its_own() -> None:
    """The patterns find what they are for (so the two tests above cannot pass by matching nothing)."""
    assert DJANGO_DATE_FILTER.search('{{ r.exam_date|date:"j F Y" }}')
    assert DJANGO_DATE_FILTER.search("{{ r.exam_date|date }}")
    assert DJANGO_DATE_FILTER.search('{{ r.at|time:"H:i" }}')
    assert not DJANGO_DATE_FILTER.search("{{ r.exam_date|display_date }}")
    assert not DJANGO_DATE_FILTER.search("{{ r.at|time_datetime }}")
    assert PYTHON_DATE_FORMAT.search('f"taken on {exam_date:%Y-%m-%d}"')
    assert PYTHON_DATE_FORMAT.search('value.strftime("%d %b %Y")')
    assert not PYTHON_DATE_FORMAT.search('f"taken on {display_date(exam_date)}"')
