"""The first sheet of an XLSX file, streamed within an upload's limits, trusting nothing it declares.

openpyxl's read-only mode pads every row to the width the sheet declares in ``<dimension>`` and
yields every missing row up to it: a 4.7 kB file declaring ``A1:XFD6000`` cost 710 MB and 20 s.
This reader instead unpacks each XML part a chunk at a time (counting what it unpacks), refuses
a DOCTYPE (entity expansion) or nesting deeper than ``max_xml_depth`` before building anything,
drops each element once read (memory stays that of one chunk), ignores ``<dimension>``, yields a
row only as wide as its last cell holding a value, and refuses a value beyond ``max_columns`` or
below row ``max_rows + 1`` (missing and empty rows count) as soon as it meets it.

Values come as openpyxl gives them (``data_only``): text, numbers, booleans, dates for cells
styled as dates, and the cached result of a formula.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from django.utils.translation import gettext
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from rvs.core.uploads import UploadLimits, UploadRefused, check_archive, megabytes

# Unpacked and parsed this much at a time: a chunk's elements live until its batch is read, and
# small batches leave the cyclic GC few survivors to walk (64 kB chunks read 3x slower than 4 kB).
_CHUNK = 4 * 1024
_PROLOG = 64 * 1024  # the root element must start within this many bytes of a part
_MAX_CELL_CHARS = 32_767  # Excel's own limit on the text of one cell
_REF = re.compile(r"([A-Z]{1,3})([0-9]*)$")
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_START_TAG = re.compile(rb"<(?![?!])")
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def unreadable(limits: UploadLimits, detail: str) -> UploadRefused:
    # Translators: %(detail)s says what is wrong, e.g. "it is not a ZIP archive" (technical details stay English)
    message = gettext("The %(what)s is not a readable XLSX workbook: %(detail)s.")
    return UploadRefused(message % {"what": limits.what, "detail": detail})


def xlsx_rows(data: bytes, limits: UploadLimits) -> Iterator[list[Any]]:
    """The first sheet's rows: the n-th row yielded is the sheet's row n (missing rows come as ``[]``).

    Raises ``UploadRefused`` (a ``ValidationError``) as soon as the file breaks a limit or cannot be read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (*_READ_ERRORS, zipfile.LargeZipFile):
        raise unreadable(limits, gettext("it is not a ZIP archive")) from None
    with archive:
        check_archive(
            archive,
            what=f"XLSX {limits.what}",
            max_unpacked_bytes=limits.max_unpacked_bytes,
            max_unpack_ratio=limits.max_unpack_ratio,
            max_members=limits.max_members,
            verb=limits.verb,
        )
        reader = _Parts(archive, limits)
        sheet, strings_part, styles_part, epoch = reader.workbook()
        strings = _shared_strings(reader, strings_part) if strings_part else []
        dates, durations = _date_styles(reader, styles_part) if styles_part else (set(), set())
        cells = _Cells(limits, strings, dates, durations, epoch)
        yield from _sheet_rows(reader, sheet, cells)


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    """A tag without its namespace: transitional and strict OOXML name the same elements differently."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 1000:  # a file cannot grow the cache without bound
            _LOCAL_NAMES[tag] = name
    return name


Events = list[tuple[str, Element]]


class _Parts:
    """Reads the archive's XML parts as events, within one budget of unpacked bytes for them all."""

    def __init__(self, archive: zipfile.ZipFile, limits: UploadLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.budget = limits.max_unpacked_bytes
        self.names = set(archive.namelist())

    def events(self, name: str) -> Iterator[tuple[str, Element]]:
        """("start" | "end", element) of part ``name``, one at a time (for the small parts)."""
        for batch in self.batches(name):
            yield from batch

    def batches(self, name: str) -> Iterator[Events]:
        """The events of part ``name``, a chunk's worth at a time (a list is read faster than a generator).

        Nesting is checked and each ended element is dropped from the tree before the batch is
        given: memory stays that of one chunk, whatever the part holds.
        """
        limits = self.limits
        if name not in self.names:
            raise unreadable(limits, f"it has no part {name}")
        parser = XMLPullParser(events=("start", "end"))
        stack: list[Element] = []
        head: bytes | None = b""
        try:
            with self.archive.open(name) as handle:
                while chunk := handle.read(_CHUNK):
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        most = megabytes(limits.max_unpacked_bytes)
                        raise UploadRefused(f"The XLSX {limits.what} unpacks to more than {most}; it was not read.")
                    if head is not None:
                        head = _checked_prolog(head + chunk, name, limits)
                    parser.feed(chunk)
                    yield self._drain(parser, stack, name)
                parser.close()
                yield self._drain(parser, stack, name)
        except ParseError as exc:
            line, column = exc.position
            raise unreadable(limits, f"{name} is not well-formed XML at line {line}, column {column + 1}") from None
        except _READ_ERRORS:
            raise unreadable(limits, f"{name} is damaged") from None

    def _drain(self, parser: XMLPullParser, stack: list[Element], name: str) -> Events:
        events: Events = []
        deepest = self.limits.max_xml_depth
        # Typeshed allows other shapes of event; start and end events are (name, element) pairs.
        for event, element in cast("Iterator[tuple[str, Any]]", parser.read_events()):
            if not isinstance(element, Element):
                continue  # only start and end events were asked for
            events.append((event, element))
            if event == "start":
                stack.append(element)
                if len(stack) > deepest:
                    raise UploadRefused(
                        f"The {self.limits.what} nests its XML deeper than {deepest} levels "
                        f"(in {name}, element <{_local(element.tag)}>); it cannot be a genuine spreadsheet."
                    )
            else:
                stack.pop()
                if stack:
                    # Its earlier siblings are gone already, so the parent holds this one child; the
                    # element itself keeps its text and attributes for whoever reads the batch.
                    stack[-1].remove(element)
        return events

    def workbook(self) -> tuple[str, str | None, str | None, Any]:
        """The first sheet's part, the shared strings' and styles' parts, and the date epoch."""
        book = self.relations("", "_rels/.rels")[1].get("officeDocument", "xl/workbook.xml")
        folder, _, file_name = book.rpartition("/")
        first_sheet, epoch = None, CALENDAR_WINDOWS_1900
        for event, element in self.events(book):
            tag = _local(element.tag)
            if event == "start" and tag == "workbookPr":
                if element.get("date1904", "").lower() in ("1", "true"):
                    epoch = CALENDAR_MAC_1904
            elif event == "start" and tag == "sheet" and first_sheet is None:
                first_sheet = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        targets, kinds = self.relations(folder, f"{folder}/_rels/{file_name}.rels".lstrip("/"))
        sheet = targets.get(first_sheet or "")
        if sheet is None:
            raise unreadable(self.limits, "its workbook names no sheet")
        return sheet, kinds.get("sharedStrings"), kinds.get("styles"), epoch

    def relations(self, folder: str, name: str) -> tuple[dict[str, str], dict[str, str]]:
        """A relationships part: the parts it names by id, and by the last word of their type."""
        targets: dict[str, str] = {}
        kinds: dict[str, str] = {}
        if name not in self.names:
            return targets, kinds
        for event, element in self.events(name):
            if event == "start" and _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")
                targets[element.get("Id", "")] = path.lstrip("/")
                kinds.setdefault(element.get("Type", "").rpartition("/")[2], path.lstrip("/"))
        return targets, kinds


def _checked_prolog(head: bytes, name: str, limits: UploadLimits) -> bytes | None:
    """``None`` once the root element starts; refuses a DOCTYPE (entities) before the parser sees it."""
    if b"\x00" in head[:4]:
        raise unreadable(limits, f"{name} is not UTF-8 XML")
    prolog = _COMMENT.sub(b"", head)
    start = _START_TAG.search(prolog)
    before = prolog if start is None else prolog[: start.start()]
    if b"<!DOCTYPE" in before.upper() or b"<!ENTITY" in before.upper():
        raise UploadRefused(
            f"The {limits.what} declares a DOCTYPE in {name}; spreadsheets never do, and its entities "
            "could expand without bound."
        )
    if start is None:
        if len(head) > _PROLOG:
            raise unreadable(limits, f"{name} has no element in its first {_PROLOG // 1024} kB")
        return head
    return None


def _add_text(parts: list[str], text: str, length: int, limits: UploadLimits) -> int:
    """One ``<t>`` of a cell's text kept, refused past the longest cell text; the length so far."""
    parts.append(text)
    length += len(text)
    if length > _MAX_CELL_CHARS:
        raise UploadRefused(f"The {limits.what} holds a text longer than {_MAX_CELL_CHARS} characters.")
    return length


def _shared_strings(reader: _Parts, name: str) -> list[str]:
    limits = reader.limits
    most = (limits.max_rows + 1) * limits.max_columns  # no sheet within the limits refers to more
    strings: list[str] = []
    parts: list[str] = []
    length = phonetic = 0
    for event, element in (pair for batch in reader.batches(name) for pair in batch):
        tag = _local(element.tag)
        if tag == "rPh":  # phonetic guides are not part of the text (openpyxl leaves them out too)
            phonetic += 1 if event == "start" else -1
        elif event == "start":
            continue
        elif tag == "t" and not phonetic and element.text:
            length = _add_text(parts, element.text, length, limits)
        elif tag == "si":
            strings.append("".join(parts))
            parts, length = [], 0
            if len(strings) > most:
                raise UploadRefused(f"The {limits.what} holds more than {most} different texts; that is too many.")
    return strings


def _date_styles(reader: _Parts, name: str) -> tuple[set[int], set[int]]:
    """The cell styles that show dates (and durations), whose numbers openpyxl turns into dates."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_styles = False
    try:
        for event, element in reader.events(name):
            tag = _local(element.tag)
            if tag == "cellXfs":
                in_cell_styles = event == "start"
            elif event == "start" and tag == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "start" and tag == "xf" and in_cell_styles:
                formats.append(int(element.get("numFmtId", "0")))
    except ValueError:
        raise unreadable(reader.limits, f"{name} has a style that is not a number") from None
    dates, durations = set(), set()
    for index, number in enumerate(formats):
        code = custom.get(number) or BUILTIN_FORMATS.get(number)
        if code and is_date_format(code):
            dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
    return dates, durations


class _Cells:
    """Turns one cell's type, style and text into its value, as openpyxl would."""

    def __init__(
        self, limits: UploadLimits, strings: list[str], dates: set[int], durations: set[int], epoch: Any
    ) -> None:
        self.limits, self.strings, self.dates, self.durations, self.epoch = limits, strings, dates, durations, epoch

    def value(self, kind: str, style: str | None, text: str | None, inline: list[str], where: tuple[int, int]) -> Any:
        if kind == "inlineStr":
            return "".join(inline)
        if text is None or (not text and kind in ("n", "b", "d")):
            return None  # e.g. a formula never calculated
        try:
            if kind == "s":
                return self.strings[int(text)]
            if kind in ("str", "e"):
                return text
            if kind == "b":
                return text.strip() in ("1", "true")
            if kind == "d":
                return from_ISO8601(text)
            number: int | float = float(text) if any(c in text for c in ".eEnN") else int(text)
        except (ValueError, IndexError):
            cell = f"{_column_name(where[0])}{where[1]}"
            raise unreadable(self.limits, f"cell {cell} holds {text[:40]!r}, which its type does not allow") from None
        if style is not None and style.isdigit() and int(style) in self.dates:
            try:
                return from_excel(number, self.epoch, timedelta=int(style) in self.durations)
            except (ValueError, OverflowError, TypeError):
                return number  # a number no calendar holds: keep it, as the cell shows it
        return number

    def keep(self, values: dict[int, Any], column: int, row: int, value: Any) -> None:
        """Keeps a cell's value in its row; a value beyond the column limit is refused (empty cells are not)."""
        if value is None or value == "":
            return
        if column > self.limits.max_columns:
            last = _column_name(self.limits.max_columns)
            raise UploadRefused(
                f"Cell {_column_name(column)}{row} of the {self.limits.what} is beyond column {last}: "
                f"at most {self.limits.max_columns} columns are read."
            )
        values[column] = value


def _column(reference: str | None, following: int, row: int, limits: UploadLimits) -> int:
    if reference is None:
        return following
    match = _REF.match(reference)
    if match is None:
        raise unreadable(limits, f"row {row} has a cell named {reference[:20]!r}")
    number = 0
    for letter in match.group(1):
        number = number * 26 + ord(letter) - 64
    return number


def _column_name(number: int) -> str:
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def _sheet_rows(reader: _Parts, name: str, cells: _Cells) -> Iterator[list[Any]]:
    limits = reader.limits
    last_row = yielded = 0  # the last row met, and the last row given (rows without values are skipped)
    values: dict[int, Any] = {}
    column = length = phonetic = 0  # length: characters of the cell's inline text so far
    kind, style, text = "n", None, None
    inline: list[str] = []
    local = _LOCAL_NAMES
    for batch in reader.batches(name):
        for event, element in batch:
            tag = local.get(element.tag) or _local(element.tag)
            if event == "start":
                if tag == "c":
                    column = _column(element.get("r"), column + 1, last_row, limits)
                    kind, style, text, inline, length = element.get("t", "n"), element.get("s"), None, [], 0
                elif tag == "row":
                    reference = element.get("r")
                    last_row = int(reference) if reference and reference.isdigit() else last_row + 1
                    values, column = {}, 0
                elif tag == "rPh":
                    phonetic += 1
            elif tag == "v":
                text = element.text or ""
            elif tag == "c":
                cells.keep(values, column, last_row, cells.value(kind, style, text, inline, (column, last_row)))
            elif tag == "t" and not phonetic and element.text:
                length = _add_text(inline, element.text, length, limits)
            elif tag == "rPh":
                phonetic -= 1
            elif tag == "row" and values:
                if last_row > limits.max_rows + 1:
                    raise limits.refuse_rows(
                        gettext("more than %(most)s rows") % {"most": limits.max_rows},
                        gettext(" (row %(row)s holds data; empty rows count too)") % {"row": last_row},
                    )
                if last_row <= yielded:
                    raise unreadable(limits, f"row {last_row} comes after row {yielded}")
                for _ in range(yielded + 1, last_row):
                    yield []
                yield [values.get(number) for number in range(1, max(values) + 1)]
                yielded = last_row
