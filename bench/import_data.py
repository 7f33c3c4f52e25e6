"""A deterministic results file in the ``import_results`` format, for the import benchmark.

Names come from the demo seeder's pools (``rvs/demo/names.py``: real frequencies, accents,
apostrophes, two-word surnames), centres from its places (Kraków, São Paulo, İzmir...). About one
candidate in five sits a second exam, so the importer meets candidates described on several rows.
Exams are the verifiable Cambridge English Scale exams of the catalogue, scored with the version
of the rules in force on the exam date; one result in a hundred is Pending, Withheld, X or Z.
No photos: the benchmark measures the importer and the database, not the file system.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
from pathlib import Path

from rvs.demo.names import CULTURES
from rvs.demo.places import WeightedChoice, build_centres

CATALOGUE = Path(__file__).resolve().parent.parent / "rvs" / "exams" / "data" / "catalogue.json"
COLUMNS = [
    "candidate_id", "secret_number", "first_name", "last_name", "date_of_birth", "email", "exam",
    "exam_date", "centre_number", "centre_name", "place_of_entry", "country",
    "reading", "writing", "listening", "speaking", "use_of_english", "reading_and_writing", "reference_number",
    "photo", "status",
]  # fmt: skip
FIRST_DAY = dt.date(2019, 1, 5)
LAST_DAY = dt.date(2025, 6, 28)
DOMAINS = ["example.com", "example.net", "example.org", "mail.example"]


def _exams() -> list[tuple[str, list[tuple[dt.date, dict[str, object]]]]]:
    """(name, [(valid from, scheme), newest first]) of each verifiable exam scored on the scale."""
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    exams = []
    for exam in catalogue["exams"]:
        if not exam["verifiable"]:
            continue
        versions = [(dt.date.fromisoformat(v["from"]), catalogue["schemes"][v["scheme"]]) for v in exam["scoring"]]
        if all(scheme["kind"] == "ces" for _, scheme in versions):
            exams.append((exam["name"], sorted(versions, key=lambda version: version[0], reverse=True)))
    return exams


def _scheme(versions: list[tuple[dt.date, dict[str, object]]], day: dt.date) -> dict[str, object]:
    return next(scheme for start, scheme in versions if start <= day)


def generate(path: Path, rows: int, seed: int = 1) -> str:
    """Write ``rows`` results to ``path`` (same rows and seed, same bytes); returns the file's SHA-256."""
    rng = random.Random(seed)
    exams = _exams()
    exam_choice = WeightedChoice(exams, [1.0 / (index + 1) ** 0.5 for index in range(len(exams))])
    centres = build_centres(random.Random(seed))
    centre_choice = WeightedChoice([spec for spec, _ in centres], [weight for _, weight in centres])
    cultures = {
        spec.country.code: WeightedChoice([CULTURES[key] for key, _ in spec.country.cultures],
                                          [share for _, share in spec.country.cultures])
        for spec, _ in centres
    }  # fmt: skip
    saturdays = [FIRST_DAY + dt.timedelta(days=7 * week) for week in range((LAST_DAY - FIRST_DAY).days // 7 + 1)]
    temporary = path.with_suffix(".part")
    digest = hashlib.sha256()
    with temporary.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        made = number = 0
        while made < rows:
            number += 1
            centre = centre_choice.draw(rng)
            first, last, _female = cultures[centre.country.code].draw(rng).person(rng)
            candidate = f"BN{(number * 7_919_111) % 100_000_000:08d}"  # unique: 7,919,111 is prime to 10^8
            secret = f"{rng.randrange(10_000):04d}"
            exam_day = rng.choice(saturdays)
            birth = exam_day - dt.timedelta(days=rng.randint(11 * 365, 45 * 365))
            email = ""
            if rng.random() < 0.8:
                local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
                email = f"{local.strip('.') or 'candidate'}{rng.randrange(1000)}@{rng.choice(DOMAINS)}"
            sittings = 2 if rng.random() < 0.2 else 1
            taken: set[str] = set()
            for _ in range(min(sittings, rows - made)):
                name, versions = exam_choice.draw(rng)
                if name in taken:
                    continue
                taken.add(name)
                writer.writerow(_row(rng, candidate, secret, first, last, birth, email, name, exam_day, centre,
                                     _scheme(versions, exam_day)))  # fmt: skip
                made += 1
                exam_day = min(LAST_DAY, exam_day + dt.timedelta(days=7 * rng.randint(12, 60)))
    with temporary.open("rb") as written:
        while block := written.read(1 << 20):
            digest.update(block)
    temporary.replace(path)
    return digest.hexdigest()


def _row(
    rng: random.Random,
    candidate: str,
    secret: str,
    first: str,
    last: str,
    birth: dt.date,
    email: str,
    exam: str,
    day: dt.date,
    centre: object,
    scheme: dict[str, object],
) -> list[str]:
    scores = dict.fromkeys(COLUMNS[12:18], "")
    status = ""
    roll = rng.random()
    components = [component["code"] for component in scheme["components"]]  # type: ignore[attr-defined]
    if roll < 0.004:
        status = rng.choice(["Pending", "Withheld"])
    elif roll < 0.007:
        scores.update(dict.fromkeys(components, "Z"))
    else:
        low, high = int(scheme["component_min"]), int(scheme["scale_max"])  # type: ignore[call-overload]
        level = rng.randint(low + 30, high - 5)
        for code in components:
            scores[code] = str(max(low, min(high, level + rng.randint(-12, 12))))
        if roll < 0.01:
            scores[rng.choice(components)] = "X"
    return [
        candidate, secret, first, last, birth.isoformat(), email, exam, day.isoformat(),
        centre.number, centre.name, centre.city, centre.country.name,  # type: ignore[attr-defined]
        *scores.values(), "", "", status,
    ]  # fmt: skip
