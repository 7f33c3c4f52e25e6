"""One PDF document written from batches of statement pages, an object at a time (and signed as it
is written): what lets a download of 100,000 statements keep its memory flat (decision 0008)."""

from __future__ import annotations

import array
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from rvs.downloads import timestamping
from rvs.downloads.signing import SIGNATURE_FIELD, EmbeddedSignature
from rvs.downloads.timestamp_revision import Revision, append_document_timestamp

STATEMENTS_KEY = "/RVSStatements"


class Concatenation:
    """One PDF written to ``out`` from the batches' documents, an object at a time.

    Each batch's pages are copied with everything they use (content, fonts, images), renumbered;
    the statements stream, page tree, catalogue, information dictionary and cross-reference table
    are written at the end. Only the object offsets (8 bytes an object, two a page) and the page
    tree's nodes stay in memory; the statements' entries are compressed into a temporary file.
    """

    PAGES, CATALOG, INFO = 1, 2, 3

    def __init__(self, out: BinaryIO, signature: EmbeddedSignature | None = None) -> None:
        self.out = out
        self.position = 0
        self.offsets = array.array("Q", [0, 0, 0, 0])  # object 0 is the free list head; 1-3 come last
        # Signed: a signature field (on the first page) and its signature dictionary, written last.
        self.signature = signature
        self._field = self._allocate() if signature else 0
        self._unannotated = signature is not None  # the first page copied gets the field in its /Annots
        self._first_page: generic.DictionaryObject | None = None  # that page, and its number
        self._first_page_number = 0
        self.nodes: list[int] = []  # the page tree's nodes under the root, one per batch
        self.pages = 0
        self._parent = self.PAGES
        self.info: generic.DictionaryObject | None = None
        self.statements = 0
        # The JSON of [{"ern": ..., "digest": ...}, ...], deflated as it comes, kept on disk.
        self._entries = tempfile.TemporaryFile(prefix="rvs-statements-entries-")  # noqa: SIM115 - closed by finish()
        self._deflate = zlib.compressobj(6)
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" if signature else b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def embed(self, ern: str, digest: str) -> None:
        """A statement's ERN and digest, for the statements stream (see ``statement_entries``)."""
        text = (", " if self.statements else "[") + json.dumps({"ern": ern, "digest": digest})
        self._entries.write(self._deflate.compress(text.encode()))
        self.statements += 1

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _object(self, number: int, value: generic.PdfObject) -> None:
        self.offsets[number] = self.position
        buffer = io.BytesIO()
        buffer.write(b"%d 0 obj\n" % number)
        value.write_to_stream(buffer)
        buffer.write(b"\nendobj\n")
        self._write(buffer.getvalue())

    def add(self, source: BinaryIO) -> None:
        """Copy every page of the PDF in ``source``, in order, under a page tree node of their own.

        One node per batch keeps the tree shallow and balanced: a root of 100,000 kids would be
        read whole by every later reader, pyHanko's signer first.
        """
        reader = PdfFileReader(source, strict=False)
        if self.info is None:
            self.info = self._copy(reader.trailer_view["/Info"], {}, [])
        self._parent = self._allocate()
        numbers: dict[int, int] = {}
        pending: list[generic.IndirectObject] = []
        kids = []
        for kid in _leaves(reader.root.raw_get("/Pages")):
            kids.append(self._reference(kid, numbers, pending).idnum)
            while pending:
                original = pending.pop()
                self._object(numbers[original.idnum], self._copy(original.get_object(), numbers, pending))
        if kids and not self._first_page_number:
            self._first_page_number = kids[0]
        self.offsets[self._parent] = self.position
        self._write(
            b"%d 0 obj\n<< /Type /Pages /Parent %d 0 R /Count %d /Kids [ %s ] >>\nendobj\n"
            % (self._parent, self.PAGES, len(kids), b" ".join(b"%d 0 R" % page for page in kids))
        )
        self.nodes.append(self._parent)
        self.pages += len(kids)

    def _allocate(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _reference(
        self, original: generic.IndirectObject, numbers: dict[int, int], pending: list[generic.IndirectObject]
    ) -> generic.IndirectObject:
        number = numbers.get(original.idnum)
        if number is None:
            number = numbers[original.idnum] = self._allocate()
            pending.append(original)
        return generic.IndirectObject(number, 0, None)

    def _copy(self, value: Any, numbers: dict[int, int], pending: list[generic.IndirectObject]) -> Any:
        if isinstance(value, generic.IndirectObject):
            return self._reference(value, numbers, pending)
        if isinstance(value, generic.DictionaryObject):
            page = value.get("/Type") == "/Page"
            skip = ("/Length", "/Parent") if page else ("/Length",)
            items = {key: self._copy(item, numbers, pending) for key, item in value.items() if key not in skip}
            if page:  # its parent is this batch's node in the page tree of the whole document
                items[generic.NameObject("/Parent")] = generic.IndirectObject(self._parent, 0, None)
                if self._unannotated:  # the signature field's widget (invisible) sits on the first page
                    existing = items.get(generic.NameObject("/Annots"))
                    if isinstance(existing, generic.IndirectObject):
                        raise RuntimeError("a first page with indirect /Annots cannot carry the signature field")
                    annotations = generic.ArrayObject(existing or [])
                    annotations.append(generic.IndirectObject(self._field, 0, None))
                    items[generic.NameObject("/Annots")] = annotations
                    self._unannotated = False
                    self._first_page = generic.DictionaryObject(items)  # a document timestamp adds to it
            if isinstance(value, generic.StreamObject):
                return generic.StreamObject(items, encoded_data=value.encoded_data)
            return generic.DictionaryObject(items)
        if isinstance(value, generic.ArrayObject):
            return generic.ArrayObject(self._copy(item, numbers, pending) for item in list.__iter__(value))
        return value

    def _write_statements(self) -> int:
        """The statements stream (Flate-compressed JSON), copied from the temporary file; its number."""
        self._entries.write(self._deflate.compress(b"]" if self.statements else b"[]"))
        self._entries.write(self._deflate.flush())
        length = self._entries.tell()
        number = self._allocate()
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n<< /Filter /FlateDecode /Length %d >>\nstream\n" % (number, length))
        self._entries.seek(0)
        while chunk := self._entries.read(1 << 20):
            self._write(chunk)
        self._write(b"\nendstream\nendobj\n")
        self._entries.close()
        return number

    def finish(self) -> None:
        """The statements, page tree, catalogue and information dictionary, then the cross-reference table."""
        statements = self._write_statements()
        kids = b" ".join(b"%d 0 R" % node for node in self.nodes)
        self.offsets[self.PAGES] = self.position
        self._write(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [ %s ] >>\nendobj\n" % (self.PAGES, self.pages, kids))
        catalog = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Catalog"),
                generic.NameObject("/Pages"): generic.IndirectObject(self.PAGES, 0, None),
                generic.NameObject("/PageMode"): generic.NameObject("/UseNone"),
                generic.NameObject(STATEMENTS_KEY): generic.IndirectObject(statements, 0, None),
            }
        )
        if self.signature is not None:
            catalog.update(self._write_signature_field())
        self._object(self.CATALOG, catalog)
        info = {key: value for key, value in (self.info or {}).items() if key != "/Keywords"}  # reportlab's empty one
        self._object(self.INFO, generic.DictionaryObject(info))
        start = self.position
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets))
        for first in range(1, len(self.offsets), 4096):  # the table in pieces: 20 bytes an object
            self._write(b"".join(b"%010d 00000 n \n" % offset for offset in self.offsets[first : first + 4096]))
        identifier = os.urandom(16).hex().encode()
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), self.CATALOG, self.INFO, identifier, identifier, start)
        )
        if self.signature is not None:
            self.signature.sign(self.out, self.position)
            if timestamping.enabled():  # an incremental revision after the signature (decision 0018)
                append_document_timestamp(self.out, self._revision(catalog, identifier, start))

    def _revision(self, catalog: generic.DictionaryObject, identifier: bytes, xref: int) -> Revision:
        assert self._first_page is not None
        return Revision(
            catalog_number=self.CATALOG,
            catalog=catalog,
            page_number=self._first_page_number,
            page=self._first_page,
            signature_field=self._field,
            size=len(self.offsets),
            info_number=self.INFO,
            identifier=identifier,
            previous_xref=xref,
            end=self.position,
        )

    def _write_signature_field(self) -> dict[generic.NameObject, generic.PdfObject]:
        """The signature dictionary and its field (an invisible widget); the catalogue's entries for them.

        The catalogue declares the PAdES extension level, as pyHanko's own signer does.
        """
        assert self.signature is not None
        if self._unannotated:
            raise RuntimeError("a signed document needs a page for its signature field")
        number = self._allocate()
        self.offsets[number] = self.position
        head = b"%d 0 obj\n" % number
        self._write(head + self.signature.dictionary(self.position + len(head)) + b"\nendobj\n")
        name = generic.NameObject
        field = generic.DictionaryObject(
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Widget"),
                name("/FT"): name("/Sig"),
                name("/T"): generic.pdf_string(SIGNATURE_FIELD),
                name("/V"): generic.IndirectObject(number, 0, None),
                name("/F"): generic.NumberObject(132),  # print, locked
                name("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            }
        )
        self._object(self._field, field)
        form = generic.DictionaryObject(
            {
                name("/Fields"): generic.ArrayObject([generic.IndirectObject(self._field, 0, None)]),
                name("/SigFlags"): generic.NumberObject(3),
            }
        )
        extension = generic.DictionaryObject(
            {name("/BaseVersion"): name("/1.7"), name("/ExtensionLevel"): generic.NumberObject(2)}
        )
        return {name("/AcroForm"): form, name("/Extensions"): generic.DictionaryObject({name("/ESIC"): extension})}


def _leaves(node: Any) -> Iterator[generic.IndirectObject]:
    """The page objects under a page tree node, in order (reportlab writes one flat level)."""
    for kid in node.get_object().raw_get("/Kids").iterate():
        if kid.get_object().get("/Type") == "/Pages":
            yield from _leaves(kid)
        else:
            yield kid
