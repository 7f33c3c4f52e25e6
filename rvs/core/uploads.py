"""Upload limits: what any uploaded file may cost, checked before it is parsed and while it is read.

A small file can ask for a great deal of work: an XLSX that declares ``A1:XFD6000``, a CSV of
millions of empty lines, a ZIP that unpacks a thousandfold, XML nested a million deep. Every
upload (bulk verification, the back-office import, the public verify page) goes through these
helpers so that its cost stays proportional to its size: the size is checked before reading,
a CSV's lines (empty ones included) and line lengths before parsing, an XLSX's unpacked sizes
and compression ratio before unpacking, and its sheet is streamed by ``rvs.core.xlsx`` within
the row, column and nesting limits. Refusals are ``ValidationError`` s saying what and where.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

View = TypeVar("View", bound=Callable[..., Any])
# What a multipart body holds besides the file itself: boundaries, part headers, the other fields.
BODY_OVERHEAD = 1024 * 1024


class UploadRefused(ValidationError):
    """An upload refused by a limit (or as unreadable), before or while it is read."""


class TooManyRows(UploadRefused):
    """More rows than the limit: the file is not read further."""


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.1f} kB"


@dataclass(frozen=True)
class UploadLimits:
    """What one kind of upload may cost, and how its messages name it.

    ``max_rows`` counts the rows after the header, empty rows included: reading stops there.
    """

    what: StrOrPromise  # "file", "applicant file": how messages name the upload
    noun: StrOrPromise  # "results", "applicants": what its rows are
    verb: StrOrPromise  # "imported", "checked": what is done with them
    max_bytes: int
    max_rows: int
    max_unpacked_bytes: int
    max_unpack_ratio: int | None
    max_columns: int
    max_line_bytes: int
    max_xml_depth: int
    max_members: int = 10_000

    def refuse_rows(self, count: str, where: str = "") -> TooManyRows:
        # Translators: "The file has 5001 lines after its header; at most 5000 applicants can be checked at once. …"
        message = _(
            "The %(what)s has %(count)s after its header%(where)s; at most %(most)s %(noun)s can be %(verb)s at once. "
            "Split it into smaller files."
        )
        values = {"what": self.what, "count": count, "where": where, "most": self.max_rows, "noun": self.noun}
        return TooManyRows(message % {**values, "verb": self.verb})


def upload_limits(
    *,
    what: StrOrPromise,
    noun: StrOrPromise,
    verb: StrOrPromise,
    max_bytes: int,
    max_rows: int,
    max_unpacked_bytes: int,
    max_unpack_ratio: int | None,
) -> UploadLimits:
    """Limits for one kind of upload; columns, line length and XML nesting are shared settings."""
    return UploadLimits(
        what=what,
        noun=noun,
        verb=verb,
        max_bytes=max_bytes,
        max_rows=max_rows,
        max_unpacked_bytes=max_unpacked_bytes,
        max_unpack_ratio=max_unpack_ratio,
        max_columns=settings.UPLOAD_MAX_COLUMNS,
        max_line_bytes=settings.UPLOAD_MAX_LINE_BYTES,
        max_xml_depth=settings.UPLOAD_MAX_XML_DEPTH,
    )


def check_size(
    size: int | None, *, max_bytes: int, what: StrOrPromise | None = None, verb: StrOrPromise | None = None
) -> None:
    if size is None or size > max_bytes:
        # Translators: "The file is 12.0 MB; at most 10.0 MB can be uploaded."
        message = _("The %(what)s is %(size)s; at most %(most)s can be %(verb)s.")
        values = {"what": what or _("file"), "size": megabytes(size or 0), "most": megabytes(max_bytes)}
        raise UploadRefused(message % {**values, "verb": verb or _("uploaded")})


def read_upload(
    upload: IO[bytes], *, max_bytes: int, what: StrOrPromise | None = None, verb: StrOrPromise | None = None
) -> bytes:
    """The upload's bytes, refused before reading when it says it is too large, and never read past the limit."""
    declared = getattr(upload, "size", None)
    if declared is not None:  # Django's uploads know their size; refuse before reading a byte
        check_size(declared, max_bytes=max_bytes, what=what, verb=verb)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    check_size(len(data), max_bytes=max_bytes, what=what, verb=verb)
    return data


def check_archive(
    archive: zipfile.ZipFile,
    *,
    what: StrOrPromise,
    max_unpacked_bytes: int,
    max_unpack_ratio: int | None,
    max_members: int,
    verb: StrOrPromise = "imported",
) -> list[zipfile.ZipInfo]:
    """The members of ``archive``, refused when it unpacks to more than the limit or absurdly.

    Python's zipfile stops at each member's declared size (and fails its CRC if there is more),
    so the declared sizes bound what can be unpacked; ``rvs.core.xlsx`` counts what it unpacks too.
    """
    members = archive.infolist()
    if len(members) > max_members:
        raise UploadRefused(f"The {what} holds {len(members)} files; that is too many.")
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > max_unpacked_bytes:
        raise UploadRefused(
            f"The {what} would unpack to {megabytes(unpacked)}; at most {megabytes(max_unpacked_bytes)} can be {verb}."
        )
    if max_unpack_ratio is not None and unpacked > 1_000_000 and unpacked > max_unpack_ratio * max(packed, 1):
        raise UploadRefused(
            f"The {what} would unpack to {unpacked // max(packed, 1)} times its size; it cannot be a genuine file."
        )
    return members


def check_csv(data: bytes, limits: UploadLimits) -> int:
    """The CSV's lines after its header (empty ones included), refused before parsing when too many or too long.

    Counting newlines and finding each one runs at C speed; the loop runs at most once per
    allowed line, so a file of millions of one-byte lines costs one ``count``. Lines end in LF or
    CRLF, or in CR alone (old Mac spreadsheets), which Python's csv module reads as well.
    """
    end_of_line = b"\n" if data.count(b"\n") >= data.count(b"\r") else b"\r"
    lines = data.count(end_of_line) + (0 if not data or data.endswith(end_of_line) else 1) - 1
    if lines > limits.max_rows:
        raise limits.refuse_rows(ngettext("%(count)s line", "%(count)s lines", lines) % {"count": lines})
    longest = limits.max_line_bytes
    if len(data) <= longest:
        return max(lines, 0)
    start, number = 0, 1
    while True:
        end = data.find(end_of_line, start)
        stop = len(data) if end < 0 else end
        if stop - start > longest:
            raise UploadRefused(
                _(
                    "Line %(line)s of the %(what)s is longer than %(most)s bytes; "
                    "no line of a genuine file is that long."
                )
                % {"line": number, "what": limits.what, "most": longest}
            )
        if end < 0:
            return max(lines, 0)
        start, number = end + 1, number + 1


def check_width(values: list[str], line: int, limits: UploadLimits) -> None:
    if len(values) > limits.max_columns:
        raise UploadRefused(
            _("Line %(line)s of the %(what)s has %(count)s columns; at most %(most)s are read.")
            % {"line": line, "what": limits.what, "count": len(values), "most": limits.max_columns}
        )


def body_limit(limit: Callable[[], int]) -> Callable[[View], View]:
    """Declares the most an upload view's files may weigh; ``RequestBodyLimitMiddleware`` enforces it.

    ``limit`` is called per request, so that settings changed at run time (and in tests) apply.
    """

    def mark(view: View) -> View:
        view.max_upload_bytes = limit  # type: ignore[attr-defined]
        return view

    return mark


class RequestBodyLimitMiddleware:
    """Answers 413 to an upload whose body is larger than its view allows, before the body is read.

    Django writes every uploaded file to memory or a temporary file before the view can look at
    its size, so a view's own check comes after the cost. Django reads no more than the request's
    Content-Length, so that is what is checked, before CSRF (which parses the form) or the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        limit = getattr(view, "max_upload_bytes", None)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if limit is None or not declared.isdigit():
            return None
        allowed = limit()
        if int(declared) <= allowed + BODY_OVERHEAD:
            return None
        message = _("The upload is %(size)s; at most %(most)s can be sent here.") % {
            "size": megabytes(int(declared)),
            "most": megabytes(allowed),
        }
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
