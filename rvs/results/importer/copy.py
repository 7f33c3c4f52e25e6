"""Binary COPY (PostgreSQL): a chunk's candidates and results in COPY's binary format, its name tokens and
component scores in its text format, built straight from the parsed rows (decision 0009).

Two steps, so that the server never waits for Python:

* ``CopyPieces.prepare``, on the main thread as soon as a chunk is parsed (while the writer still
  sends the chunk before): each new person's and row's COPY row after its ids (``copy_tail``);
* ``copy_chunk``, after the chunk's look-ups and id reservations: the writer's jobs put the ids in
  front, block by block as the server takes them.

The packing is tied to the column types (bigint ids, ``uuid``, ``date``, ``smallint``,
``timestamptz``): a migration changing one of them must change the structs below (the bulk-path
test compares every stored value with the report and fails otherwise).
"""

from __future__ import annotations

import datetime as dt
import functools
import struct
from collections.abc import Iterator
from typing import Any, cast

from rvs.exams.scoring import Outcome, Status
from rvs.results import bulkload
from rvs.results.importer.model import CANDIDATE_FIELDS, RESULT_FIELDS, SCORE_FIELDS, TOKEN_FIELDS, ParsedRow, Person
from rvs.results.importer.prepare import NameTokens, assign_references, given_references, secret_hashes
from rvs.results.models import Candidate, CandidateNameToken, ComponentScore, Result

# The binary format's pieces: a row's field count, then each field's length and value (big-endian).
_TEXT_HEAD = struct.Struct(">i").pack
_SECRET_FIELD = struct.Struct(">i64s").pack
_DATE_FIELD = struct.Struct(">ii").pack
_EMPTY_TEXT = _TEXT_HEAD(0)
_NULL_FIELD = b"\xff\xff\xff\xff"
# A candidate: fields, then its id (the rest is ``Person.copy_tail``).
_CANDIDATE_HEAD = struct.Struct(">hiq").pack
# A result: fields, its id, the length of its public id (``ParsedRow.copy_tail`` starts with it, then
# its date), then after the public id its candidate, exam and centre: split around the public id.
_RESULT_HEAD = struct.Struct(">hiqi").pack
_RESULT_IDS = struct.Struct(">iqiqiq").pack
# The text format (name tokens, component scores): a NULL, and values escaped.
_NULL = "\\N"
_E = bulkload.copy_escape


class CopyPieces:
    """What of a chunk's COPY rows needs no ids: made for its people and rows as soon as they are parsed,
    by the main thread while the writer still sends the chunk before, so that after the chunk's look-ups
    the writer only puts the ids in front and the server starts inserting at once.

    A person gets its Secret Number hash and name tokens, a row its ERN (unless the file gives one)
    and public id, each only once (the people of the file are shared by its rows and chunks). A row
    found unchanged later keeps pieces it does not need; they are not written.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.names = NameTokens()
        self.dates: dict[dt.date, bytes] = {}
        self.bands: dict[tuple[Any, ...], bytes] = {}
        timestamp = bulkload.binary_timestamp(now)
        self.now_fields = timestamp + timestamp  # created_at, updated_at

    def _date(self, value: dt.date) -> bytes:
        field = self.dates.get(value)
        if field is None:
            field = self.dates[value] = _DATE_FIELD(4, bulkload.binary_date(value))
        return field

    def prepare(self, rows: list[ParsedRow]) -> None:
        people = [
            person for person in {id(row.person): row.person for row in rows}.values() if person.copy_tail is None
        ]
        self._people(people)
        fresh = [row for row in rows if row.copy_tail is None]
        unnamed = [row for row in fresh if not row.ern]
        assign_references(unnamed, given_references(rows))
        for row, public_hex in zip(unnamed, bulkload.uuid4_hexes(len(unnamed)), strict=True):
            row.public_hex = public_hex
        self._results(fresh)

    def _people(self, people: list[Person]) -> None:
        name_part, date, now_fields = self.names, self._date, self.now_fields
        for person, secret_hash in zip(people, secret_hashes(people), strict=True):
            first, last = person.first_name, person.last_name
            (given, given_tokens), (family, family_tokens) = name_part(first), name_part(last)
            person.tokens = tuple(dict.fromkeys(given_tokens + family_tokens))
            number, first_bytes, last_bytes = person.candidate_number.encode(), first.encode(), last.encode()
            sort_bytes, email_bytes = f"{family} {given}".strip().encode(), person.email.encode()
            # In COPY's binary format: the server parses no numbers, dates or timestamps (a timestamp in
            # text is about 0.6 µs of its time, and a candidate and a result have two each).
            person.copy_tail = b"".join((
                _TEXT_HEAD(len(number)), number, _SECRET_FIELD(64, secret_hash.encode()),
                _TEXT_HEAD(len(first_bytes)), first_bytes, _TEXT_HEAD(len(last_bytes)), last_bytes,
                _TEXT_HEAD(len(sort_bytes)), sort_bytes, date(person.date_of_birth),
                _TEXT_HEAD(len(email_bytes)), email_bytes, now_fields,
            ))  # fmt: skip

    def _results(self, rows: list[ParsedRow]) -> None:
        bands, date, now_fields = self.bands, self._date, self.now_fields
        for row in rows:
            outcome = row.outcome
            key = (outcome.status, outcome.overall, outcome.grade, outcome.cefr, outcome.label)
            band = bands.get(key)
            if band is None:
                band = bands[key] = _band(outcome)
            ern = row.ern.encode()
            photo = bulkload.binary_text(row.photo_name) if row.photo_name else _EMPTY_TEXT
            row.copy_tail = b"".join(
                (bytes.fromhex(row.public_hex), date(row.exam_date), _TEXT_HEAD(len(ern)), ern, band, photo, now_fields)
            )


def _band(outcome: Outcome) -> bytes:
    """A result's status, overall score, grade, CEFR level and label, as binary fields (shared by its band)."""
    overall = _NULL_FIELD if outcome.overall is None else struct.pack(">ih", 2, outcome.overall)
    return b"".join(
        (bulkload.binary_text(outcome.status), overall, bulkload.binary_text(outcome.grade or ""),
         bulkload.binary_text(outcome.cefr or ""), bulkload.binary_text(outcome.label))
    )  # fmt: skip


def copy_chunk(people: list[Person], ordered: list[ParsedRow], score_ids: range) -> None:
    """Queue the chunk's candidates, name tokens, results and component scores as COPY data.

    Every person and row has its ``copy_tail`` (``CopyPieces``); the data is built by the writer's
    jobs (``bulkload.copy_binary``), block by block as the server takes it, putting the ids in front.
    The rows it reads are not changed again by the main thread.
    """
    tokens: list[str] = []  # filled while the candidates are sent, sent after them
    bulkload.copy_binary(Candidate, CANDIDATE_FIELDS, functools.partial(_candidate_blocks, people, tokens))
    bulkload.copy_text(CandidateNameToken, TOKEN_FIELDS, functools.partial(_token_blocks, tokens))
    bulkload.copy_binary(Result, RESULT_FIELDS, functools.partial(_result_blocks, ordered))
    bulkload.copy_text(ComponentScore, ["id", *SCORE_FIELDS], functools.partial(_score_blocks, ordered, score_ids))


def _candidate_blocks(people: list[Person], tokens: list[str]) -> Iterator[bytes]:
    block: list[bytes] = []
    limit = bulkload.FIRST_BLOCK
    for person in people:
        candidate_id = person.candidate_id
        # Folded text is [a-z0-9 ] and needs no escaping.
        tokens.extend([f"{token}\t{candidate_id}\n" for token in person.tokens])
        block.append(_CANDIDATE_HEAD(10, 8, cast(int, candidate_id)) + cast(bytes, person.copy_tail))
        person.copy_tail = b""  # written: memory back (not None: nothing to make again)
        if len(block) == limit:
            yield b"".join(block)
            block, limit = [], bulkload.BLOCK
    yield b"".join(block)
    # In the order of the (token, candidate) index, so the inserts walk it; sorted here, while the
    # server still inserts the last candidates.
    tokens.sort()


def _token_blocks(tokens: list[str]) -> Iterator[str]:
    for start, stop in bulkload.blocks(len(tokens)):
        yield "".join(tokens[start:stop])


def _result_blocks(ordered: list[ParsedRow]) -> Iterator[bytes]:
    for start, stop in bulkload.blocks(len(ordered)):
        block = []
        for row in ordered[start:stop]:
            tail = cast(bytes, row.copy_tail)
            block.append(_RESULT_HEAD(15, 8, cast(int, row.result_id), 16))
            block.append(tail[:16])
            block.append(_RESULT_IDS(8, cast(int, row.person.candidate_id), 8, row.exam.id, 8,
                                     cast(int, row.centre.centre_id)))  # fmt: skip
            block.append(tail[16:])
            row.copy_tail = b""
        yield b"".join(block)


def _score_blocks(ordered: list[ParsedRow], score_ids: range) -> Iterator[str]:
    prefixes: dict[int, list[tuple[str, str]]] = {}  # per scheme: each component's code and fixed columns
    score_id = score_ids.start
    for start, stop in bulkload.blocks(len(ordered)):
        block = []
        for row in ordered[start:stop]:
            outcome = row.outcome
            if outcome.status != Status.RESULT:
                continue
            components = prefixes.get(id(row.scheme))
            if components is None:
                components = prefixes[id(row.scheme)] = [
                    (component.code, f"\t{position}\t{_E(component.code)}\t{_E(component.label)}\t")
                    for position, component in enumerate(row.scheme.components)
                ]
            result_id, scores = row.result_id, outcome.components
            for code, prefix in components:
                score = scores.get(code)
                block.append(f"{score_id}\t{result_id}{prefix}{_NULL if score is None else score}\n")
                score_id += 1
        yield "".join(block)
    if score_id != score_ids.stop:  # pragma: no cover - counted in write_chunk from the same rows
        raise AssertionError("component scores miscounted")
