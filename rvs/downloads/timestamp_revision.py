"""A document timestamp appended to a statement as it is written, without re-reading the document.

pyHanko's ``PdfTimeStamper`` appends one through its incremental writer, which first reads the
whole cross-reference table (memory grows with the pages: decision 0008). The document writer
(``pdf_document.Concatenation``) knows the few objects the new revision changes, so it appends the
revision itself, as it writes the signature: the timestamp's signature dictionary, its field
(an invisible widget on the first page), the first page and the catalogue again with the field
added, and a cross-reference section pointing back at the previous one (``/Prev``). The file is
hashed around the placeholder in 1 MB pieces and the TSA's token written into it. Decision 0018.
"""

from __future__ import annotations

import asyncio
import io
import os
from dataclasses import dataclass
from typing import BinaryIO

from pyhanko.pdf_utils import generic

from rvs.downloads import timestamping
from rvs.downloads.signing import RANGE_WIDTH, fill_byte_range


@dataclass(frozen=True)
class Revision:
    """What the appended revision needs to know of the document just written."""

    catalog_number: int
    catalog: generic.DictionaryObject
    page_number: int
    page: generic.DictionaryObject
    signature_field: int  # the service's signature field, already in the catalogue's /AcroForm
    size: int  # the cross-reference table's /Size: the new objects take the next numbers
    info_number: int
    identifier: bytes  # the first /ID, hexadecimal
    previous_xref: int
    end: int  # the document's length


def append_document_timestamp(document: BinaryIO, base: Revision) -> None:
    """Append a ``/DocTimeStamp`` revision covering all of ``document`` (readable, seekable)."""
    stamper = timestamping.timestamper()
    # The room for the token: a sample token's size (pyHanko's estimate), in hexadecimal, plus half.
    sample = len(asyncio.run(stamper.async_dummy_response("sha256")).dump()) * 2
    digits = sample + 2 * (sample // 4)
    writer = _Appender(document, base.end)
    stamp, field = base.size, base.size + 1
    range_at, contents_at = writer.placeholder(stamp, digits)
    name = generic.NameObject
    writer.object(
        field,
        generic.DictionaryObject(
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Widget"),
                name("/FT"): name("/Sig"),
                name("/T"): generic.pdf_string(timestamping.TIMESTAMP_FIELD),
                name("/V"): generic.IndirectObject(stamp, 0, None),
                name("/F"): generic.NumberObject(132),  # print, locked
                name("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
                name("/P"): generic.IndirectObject(base.page_number, 0, None),
            }
        ),
    )
    page = generic.DictionaryObject(base.page)
    page[name("/Annots")] = generic.ArrayObject(
        [*page.get("/Annots", generic.ArrayObject()), generic.IndirectObject(field, 0, None)]
    )
    writer.object(base.page_number, page)
    catalog = generic.DictionaryObject(base.catalog)
    form = generic.DictionaryObject(catalog["/AcroForm"])
    form[name("/Fields")] = generic.ArrayObject(
        [generic.IndirectObject(base.signature_field, 0, None), generic.IndirectObject(field, 0, None)]
    )
    catalog[name("/AcroForm")] = form
    writer.object(base.catalog_number, catalog)
    end = writer.finish(base)
    _fill(document, stamper, range_at, contents_at, digits, end)


class _Appender:
    """Objects written after ``start``, then their cross-reference section and trailer."""

    def __init__(self, out: BinaryIO, start: int) -> None:
        self.out = out
        self.position = start
        self.offsets: dict[int, int] = {}
        out.seek(start)

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def object(self, number: int, value: generic.PdfObject) -> None:
        self.offsets[number] = self.position
        buffer = io.BytesIO()
        value.write_to_stream(buffer)
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, buffer.getvalue()))

    def placeholder(self, number: int, digits: int) -> tuple[int, int]:
        """The timestamp's dictionary with room for the byte range and token; their offsets."""
        self.offsets[number] = self.position
        head = b"%d 0 obj\n<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange " % number
        range_at = self.position + len(head)
        head += b"[0 0 0 0]".ljust(RANGE_WIDTH) + b" /Contents "
        contents_at = self.position + len(head)
        self._write(head + b"<" + b"0" * digits + b"> >>\nendobj\n")
        return range_at, contents_at

    def finish(self, base: Revision) -> int:
        start = self.position
        numbers = sorted(self.offsets)
        lines = [b"xref\n"]
        for number in numbers:  # one subsection an object: few objects, and any order of numbers
            lines.append(b"%d 1\n%010d 00000 n \n" % (number, self.offsets[number]))
        self._write(b"".join(lines))
        identifier = os.urandom(16).hex().encode()
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (
                max(base.size, numbers[-1] + 1),
                base.catalog_number,
                base.info_number,
                base.identifier,
                identifier,
                base.previous_xref,
                start,
            )
        )
        return self.position


def _fill(
    document: BinaryIO, stamper: timestamping.UrlTimeStamper, range_at: int, contents_at: int, digits: int, end: int
) -> None:
    """Hash all but the placeholder, ask the TSA for a token over it, write both in place."""
    gap_end = contents_at + digits + 2
    digest = fill_byte_range(document, range_at, contents_at, gap_end, end, "timestamped")
    token = asyncio.run(stamper.async_timestamp(digest, "sha256")).dump().hex().encode()
    if len(token) > digits:
        raise RuntimeError("the time-stamping server's token is larger than the room reserved for it")
    document.seek(contents_at + 1)
    document.write(token)
    document.seek(end)
