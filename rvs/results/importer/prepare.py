"""Prepare a checked chunk for writing: ids (reserved beforehand), in the order of the indexes the inserts
walk; Exam Reference Numbers and public ids; photos saved; Secret Number hashes and name tokens.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from rvs.core import ern as ern_codec
from rvs.core.normalise import fold
from rvs.results import bulkload
from rvs.results.importer.model import ParsedRow, Person, Plan
from rvs.results.secret_numbers import secret_number_hashes


def secret_hashes(people: list[Person]) -> list[str]:
    """The Secret Number hash of each person (``rvs.results.secret_numbers``, the service's one HMAC)."""
    return secret_number_hashes((person.candidate_number, person.secret_number) for person in people)


class NameTokens:
    """Folded name parts and their tokens, cached: first names and surnames repeat across a large file."""

    def __init__(self) -> None:
        self.parts: dict[str, tuple[str, tuple[str, ...]]] = {}

    def __call__(self, text: str) -> tuple[str, tuple[str, ...]]:
        """``(fold(text), its words cut to 64 characters)``."""
        part = self.parts.get(text)
        if part is None:
            folded = fold(text)
            part = self.parts[text] = (folded, tuple(token[:64] for token in folded.split()))
        return part


def prepare_chunk(
    plan: Plan, candidate_ids: range, result_ids: range, saved_photos: list[str], *, identifiers: bool = True
) -> tuple[list[Person], list[ParsedRow]]:
    """Give the chunk's new people and rows their ids (reserved), ERNs, public ids and photos; returns the
    people in the order of their ids, and the rows in the order of theirs.

    Ids in the order of candidate numbers, results in the order of the unique (candidate, exam,
    date) index: inserts then walk those indexes instead of touching pages at random.
    ``identifiers=False`` leaves the ERNs and public ids to the caller (``copy.CopyPieces`` makes them as
    soon as a chunk is parsed); no photo is saved then.
    """
    people = sorted(plan.new_people, key=lambda person: person.candidate_number)
    for person, candidate_id in zip(people, candidate_ids, strict=True):
        person.candidate_id = candidate_id
    rows = plan.new_rows
    ordered = sorted(rows, key=lambda row: (row.person.candidate_id, row.exam.id, row.exam_date))
    if not identifiers:
        for row, result_id in zip(ordered, result_ids, strict=True):
            row.result_id = result_id
        return people, ordered
    assign_references(rows)
    for row, result_id, public_hex in zip(ordered, result_ids, bulkload.uuid4_hexes(len(ordered)), strict=True):
        row.result_id = result_id
        row.public_hex = public_hex
        row.photo_name = ""
        if row.photo_path is not None:
            # The suffix comes from the content: "face.html" holding a PNG is stored as .png.
            name = default_storage.save(
                f"photos/{row.public_id}{row.photo_suffix}", ContentFile(row.photo_path.read_bytes())
            )
            saved_photos.append(name)
            row.photo_name = name
    return people, ordered


def given_references(rows: Iterable[ParsedRow]) -> set[str]:
    return {row.reference_number for row in rows if row.reference_number}


def assign_references(rows: list[ParsedRow], used: set[str] | None = None) -> None:
    """Keep each Exam Reference Number given; generate one for each row without.

    Distinct within the file (and from ``used``, which grows with the ones made); one already on
    record fails the insert, and the write is retried.
    """
    if used is None:
        used = set()
    used.update(given_references(rows))
    fresh = iter(ern_codec.generate_many(sum(1 for row in rows if not row.reference_number)))
    for row in rows:
        if row.reference_number:
            row.ern = row.reference_number
            continue
        ern = next(fresh)
        while ern in used:  # pragma: no cover - 85 random bits
            ern = ern_codec.generate()
        used.add(ern)
        row.ern = ern
