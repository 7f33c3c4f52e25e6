"""Hostile uploads, built byte by byte: small files that ask for far more work than their size.

Used by tests/security/test_hostile_uploads.py and tests/core/test_uploads.py. Each XLSX is a
minimal but valid workbook (content types, relationships, workbook, one sheet) around the sheet
XML given, so that only the hostile part differs from a genuine file.
"""

from __future__ import annotations

import gc
import io
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Applicants" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


def workbook(sheet: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: str, *, before: str = "", after: str = "", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{before}'
        f"<sheetData>{rows}</sheetData>{after}</worksheet>"
    ).encode()


def header_row(header: str = "ERN") -> str:
    return f'<row r="1">{text_cell("A1", header)}</row>'


def dimension_bomb(last_row: int = 6000, value: str = "X", header: str = "ERN") -> bytes:
    """The review's file: the sheet declares A1:XFD<last_row>, and holds one value at row ``last_row``."""
    rows = header_row(header) + f'<row r="{last_row}">{text_cell(f"A{last_row}", value)}</row>'
    return workbook(sheet_xml(rows, before=f'<dimension ref="A1:XFD{last_row}"/>'))


def one_cell_rows(count: int, header: str = "ERN") -> bytes:
    """``count`` rows of one short value each: a few hundred kB packed, tens of MB of XML."""
    row = '<row><c t="inlineStr"><is><t>A</t></is></c></row>'
    return workbook(sheet_xml(header_row(header) + row * count))


def padded_sheet(padding: int, header: str = "ERN") -> bytes:
    """A genuine sheet with ``padding`` bytes of whitespace inside: it compresses a thousandfold."""
    rows = header_row(header) + " " * padding + f'<row r="2">{text_cell("A2", "X")}</row>'
    return workbook(sheet_xml(rows))


def deeply_nested(depth: int, header: str = "ERN") -> bytes:
    """Elements nested ``depth`` deep after the data, where a lazy reader would never look."""
    nested = "<x>" * depth + "</x>" * depth
    return workbook(sheet_xml(header_row(header), after=f"<extLst>{nested}</extLst>"))


def entity_bomb(header: str = "ERN") -> bytes:
    """A billion laughs: ten entities each ten times the one before, used in a cell."""
    entities = '<!ENTITY e0 "lol">' + "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    rows = header_row(header) + '<row r="2"><c r="A2" t="inlineStr"><is><t>&e9;</t></is></c></row>'
    return workbook(sheet_xml(rows, prolog=f"<!DOCTYPE worksheet [{entities}]>"))


def far_column(header: str = "ERN") -> bytes:
    """One value in the last column Excel has (XFD)."""
    return workbook(sheet_xml(header_row(header) + f'<row r="2">{text_cell("XFD2", "X")}</row>'))


@contextmanager
def within(megabytes: int = 100, cpu_seconds: float = 2.0) -> Iterator[None]:
    """Asserts that the block's peak traced memory and its process CPU time stay under the bounds.

    CPU time, not wall-clock time: other processes on a busy machine do not count against it.
    """
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.process_time()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    spent = time.process_time() - started
    assert peak - baseline < megabytes * 1_000_000, f"peak memory {(peak - baseline) / 1e6:.0f} MB"
    assert spent < cpu_seconds, f"{spent:.1f} s of CPU"


def lying_sizes(data: bytes, member: str = "xl/worksheets/sheet1.xml", claimed: int = 1000) -> bytes:
    """``data`` with ``member``'s uncompressed size declared as ``claimed`` in both of the ZIP's headers."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        entry = archive.start_dir  # the central directory: 46 fixed bytes, then name, extra, comment
    out = bytearray(data)
    out[info.header_offset + 22 : info.header_offset + 26] = claimed.to_bytes(4, "little")
    while out[entry : entry + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (
            int.from_bytes(out[entry + at : entry + at + 2], "little") for at in (28, 30, 32)
        )
        if out[entry + 46 : entry + 46 + name_length] == member.encode():
            out[entry + 24 : entry + 28] = claimed.to_bytes(4, "little")
            return bytes(out)
        entry += 46 + name_length + extra_length + comment_length
    raise ValueError(f"no {member} in the central directory")
