"""Read the file: its bytes as UTF-8 CSV (every bad byte placed), its header, then its records, parsed a
chunk of rows at a time while no problem is found (and to the end, for the report, once one is).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from rvs.results.importer.model import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    PHASE_PARSE,
    ImportRejected,
    ParsedRow,
    Progress,
    RowError,
)
from rvs.results.importer.row import Parser

_SURROGATE = re.compile("[\udc80-\udcff]")
_MAX_ENCODING_ERRORS = 100
# How often parsing reports progress, in records.
PROGRESS_EVERY = 5_000


def decode(data: bytes) -> str:
    """UTF-8 with or without a BOM; every bad byte is reported at its line, character and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Decode again keeping each bad byte as a lone surrogate, so each can be placed in the file.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    positions = [match.start() for match in _SURROGATE.finditer(text)]
    errors: list[RowError] = []
    reported: set[tuple[int, int]] = set()
    line, counted_to = 1, 0
    for position, (record, column, number) in zip(positions, _fields_of(text, len(positions)), strict=True):
        line, counted_to = line + text.count("\n", counted_to, position), position
        where = (record, number or 0) if record >= 0 else (-line, 0)
        if where in reported:
            continue  # one error per value (or per line) is enough
        reported.add(where)
        if len(errors) == _MAX_ENCODING_ERRORS:
            errors.append(RowError(line, "", "more bytes are not UTF-8 after the ones above"))
            break
        character = position - (text.rfind("\n", 0, position) + 1) + 1
        byte = ord(text[position]) - 0xDC00
        message = f"byte 0x{byte:02X} at character {character} is not UTF-8; save the file as UTF-8"
        errors.append(RowError(line, column, message, number))
    raise ImportRejected(errors)


def _fields_of(text: str, count: int) -> list[tuple[int, str, int | None]]:
    """For each lone surrogate of ``text`` in order: (record index, column name, column number).

    Record -1 and no column when the CSV cannot be read that far.
    """
    found: list[tuple[int, str, int | None]] = []
    header: list[str] = []
    try:
        for record, values in enumerate(csv.reader(io.StringIO(text, newline=""))):
            for number, value in enumerate(values, start=1):
                name = "header" if record == 0 else header[number - 1] if number <= len(header) else ""
                name = name or "(no column name)"
                found.extend([(record, name, number)] * len(_SURROGATE.findall(value)))
            if record == 0:
                header = ["" if _SURROGATE.search(value) else value.strip().lower() for value in values]
    except csv.Error:
        pass
    return (found + [(-1, "", None)] * count)[:count]


def _header_errors(header: list[str]) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if name in seen:
            errors.append(RowError(1, name, "this column appears twice", number))
        elif name not in COLUMNS and name not in OPTIONAL_COLUMNS:
            errors.append(RowError(1, name or "(blank)", "unknown column", number))
        seen.add(name)
    for name in COLUMNS:
        if name not in seen:
            errors.append(RowError(1, name, "required column is missing from the header"))
    return errors


def parse(
    data: bytes,
    *,
    base_dir: Path | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> list[ParsedRow]:
    """Validate the whole file; raise ``ImportRejected`` listing every problem.

    ``max_bytes`` defaults to ``IMPORT_MAX_BYTES``; ``progress`` hears of every few thousand records.
    """
    return [row for chunk in parse_chunks(data, base_dir, progress, max_bytes, size=0) for row in chunk]


def parse_chunks(
    data: bytes, base_dir: Path | None, progress: Progress | None, max_bytes: int | None, *, size: int
) -> Iterator[list[ParsedRow]]:
    """The checked rows, ``size`` at a time (0: all at once), while the file has no problem so far.

    Once a problem is found no more rows are given, but the file is read to its end so that
    ``ImportRejected``, raised then, lists every problem.
    """
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ImportRejected([RowError(0, "", f"the file is larger than {limit} bytes")])
    # Decoded as it is read, so a large file is never held twice; a bad byte anywhere sends the
    # whole file to decode(), which places every bad byte.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        yield from _parse(text, data.count(b"\n") + 1, base_dir, progress, size, b"\x00" in data)
    except UnicodeDecodeError:
        decode(data)
        raise  # pragma: no cover - decode() raises ImportRejected for any undecodable data


def _header(reader: Any) -> list[str]:
    """The column names of the first record, lower-case; ``ImportRejected`` unless they are the file format's."""
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRejected([RowError(1, "", "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", f"unreadable CSV: {exc}")]) from None
    errors = _header_errors(header)
    if errors:
        raise ImportRejected(errors)
    return header


def _parse(
    text: io.TextIOWrapper, lines: int, base_dir: Path | None, progress: Progress | None, size: int, has_nul: bool
) -> Iterator[list[ParsedRow]]:
    reader = csv.reader(text)
    header = _header(reader)
    errors: list[RowError] = []
    parser = Parser(header, base_dir, has_nul)
    rows: list[ParsedRow] = []
    given = records = 0
    maximum = settings.IMPORT_MAX_ROWS
    width = len(header)
    next_line = reader.line_num + 1
    across_errors = parser.across.errors
    if progress is not None:
        progress(PHASE_PARSE, 0, lines)
    try:
        for record in reader:
            # A quoted value may span lines: report the line the record starts on.
            line, next_line = next_line, reader.line_num + 1
            values = list(map(str.strip, record))
            if not any(values):
                continue
            if records >= maximum:
                errors.append(RowError(line, "", f"the file has more than {maximum} rows"))
                break
            records += 1
            if progress is not None and records % PROGRESS_EVERY == 0:
                progress(PHASE_PARSE, line, lines)
            if len(values) != width:
                errors.append(RowError(line, "", f"expected {width} values, found {len(values)}"))
                continue
            parsed = parser.row(line, values, errors)
            if parsed is not None and not errors and not across_errors:
                rows.append(parsed)
                if len(rows) == size:
                    given += len(rows)
                    yield rows
                    rows = []
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"unreadable CSV: {exc}"))
    errors.extend(parser.across.errors)
    if errors:
        raise ImportRejected(errors)
    if not rows and not given:
        raise ImportRejected([RowError(2, "", "the file has a header but no results")])
    if progress is not None:
        progress(PHASE_PARSE, lines, lines)
    if rows:
        yield rows
