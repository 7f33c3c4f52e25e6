"""Load the exam catalogue (a data file) into the ``Exam`` table."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "data" / "catalogue.json"


def catalogue_path() -> Path:
    """The exam board's catalogue: ``RVS_CATALOGUE_FILE``, or the example board's."""
    return Path(getattr(settings, "RVS_CATALOGUE_FILE", "") or DEFAULT_CATALOGUE)


@functools.cache
def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def recognised_exams_notice() -> str:
    """What the Recognised Exams and Tests page says of the exams that cannot be verified here: the
    board's own words (``recognised_exams_notice`` in its catalogue), empty when it has none."""
    return str(_read(catalogue_path()).get("recognised_exams_notice", ""))


def read_catalogue(path: Path | None = None) -> list[dict[str, Any]]:
    """The catalogue's exams, each with its scoring versions resolved to full schemes."""
    path = path or catalogue_path()
    data = json.loads(path.read_text(encoding="utf-8"))
    schemes = data["schemes"]
    exams = []
    for position, exam in enumerate(data["exams"]):
        scoring = [{"from": v["from"], "scheme": schemes[v["scheme"]]} for v in exam["scoring"]]
        exams.append(
            {
                "code": exam["code"],
                "name": exam["name"],
                "family": exam["family"],
                "verifiable": exam["verifiable"],
                "position": position,
                "scoring": scoring,
            }
        )
    return exams


def sync_catalogue(exam_model: Any, path: Path | None = None) -> int:
    """Create or update every exam of the catalogue; returns how many there are.

    Takes the model class so a data migration can pass its historical model.
    """
    exams = read_catalogue(path)
    for exam in exams:
        code = exam.pop("code")
        exam_model.objects.update_or_create(code=code, defaults=exam)
    return len(exams)
