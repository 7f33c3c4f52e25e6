"""Reading an uploaded PDF within bounds: whatever the bytes, the verify page answers, and soon.

A PDF from the public verify page is hostile until its signature says otherwise. Three bounds,
in the order they apply (the size cap on the upload itself is the form's):

1. **Nesting depth**, scanned in the bytes before any parser sees them (``scan``). pyHanko's
   object parser recurses once per nested array or dictionary, so a 1.3 kB file of 500 nested
   arrays ended in ``RecursionError``. No Statement of Results nests deeper than a handful of
   levels; ``MAX_DEPTH`` leaves room for any PDF a viewer or printer might have produced.
2. **Decoded size**: pyHanko's decode limits, tightened (``DECODE_LIMITS``), so a compressed
   object stream cannot expand to gigabytes before the signature is checked.
3. **Time**: a ``Deadline`` checked on every read and seek of the file while it is parsed and
   its signature validated, and every few thousand tokens of the scan. Parsing only advances by
   reading, so no parse can run on much past the deadline; the deadline takes its clock as an
   argument, so tests drive it without sleeping.

Any failure inside those bounds, whatever its type, is the caller's "not a readable PDF".
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits

MAX_DEPTH = 64
MiB = 1024 * 1024
# A Statement of Results decodes to well under a megabyte per stream (its statements stream holds
# some 80 bytes per statement); a file at the upload cap cannot need more than this.
DECODE_LIMITS = DecodeLimits(
    per_stream=StreamDecodeLimits(max_output_size=32 * MiB),
    document_budget=DocumentDecodeBudget(base_allowance=64 * MiB, max_ratio=8),
)
_CHECK_EVERY = 4096  # tokens scanned between two looks at the clock

# Outside strings and streams, only these bytes change the nesting or hide bytes from it. A
# stream's data starts after the keyword "stream" and its end of line; "endstream" and names
# such as /Substream are not the keyword (the look-behind).
_TOKEN = re.compile(rb"<<|>>|[\[\]()%]|(?<![A-Za-z0-9])stream(?:\r\n|\n|\r)")
_IN_STRING = re.compile(rb"\\.|[()]", re.DOTALL)
_END_OF_LINE = re.compile(rb"[\r\n]")


class ParseTimeout(Exception):
    """The deadline for reading an uploaded PDF passed."""


class TooDeep(Exception):
    """Arrays or dictionaries nest deeper than any Statement of Results does."""


class Deadline:
    """A point in time after which ``check`` raises ``ParseTimeout``."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.expires = clock() + seconds

    def check(self) -> None:
        if self.clock() > self.expires:
            raise ParseTimeout


class DeadlineStream(io.BytesIO):
    """The uploaded bytes as a file whose every read and seek first checks the deadline."""

    def __init__(self, data: bytes, deadline: Deadline) -> None:
        super().__init__(data)
        self.deadline = deadline

    def read(self, size: int | None = -1, /) -> bytes:
        self.deadline.check()
        return super().read(size)

    def readinto(self, buffer: bytearray | memoryview, /) -> int:  # type: ignore[override]
        self.deadline.check()
        return super().readinto(buffer)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self.deadline.check()
        return super().seek(offset, whence)


def scan(data: bytes, deadline: Deadline, max_depth: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays and dictionaries in ``data``; ``TooDeep`` past ``max_depth``.

    Literal strings, comments and stream data are skipped, so their bytes never count. Unbalanced
    closers (a damaged file) only bring the depth back to zero: the scan bounds, it does not judge.
    """
    position, depth, deepest, tokens = 0, 0, 0, 0
    while (match := _TOKEN.search(data, position)) is not None:
        token, position = match.group(), match.end()
        tokens += 1
        if tokens % _CHECK_EVERY == 0:
            deadline.check()
        if token in (b"[", b"<<"):
            depth += 1
            if depth > max_depth:
                raise TooDeep
            deepest = max(deepest, depth)
        elif token in (b"]", b">>"):
            depth = max(0, depth - 1)
        elif token == b"(":
            position = _skip_string(data, position, deadline)
        elif token == b"%":
            end = _END_OF_LINE.search(data, position)
            position = len(data) if end is None else end.end()
        elif token == b")":
            continue  # a stray closing parenthesis: nothing to skip
        else:
            stream_end = data.find(b"endstream", position)
            position = len(data) if stream_end < 0 else stream_end + len(b"endstream")
    return deepest


def _skip_string(data: bytes, position: int, deadline: Deadline) -> int:
    """The position after the literal string that opened before ``position`` (parentheses nest)."""
    level, tokens = 1, 0
    while level and (match := _IN_STRING.search(data, position)) is not None:
        position = match.end()
        tokens += 1
        if tokens % _CHECK_EVERY == 0:
            deadline.check()
        if match.group() == b"(":
            level += 1
        elif match.group() == b")":
            level -= 1
    return position if level == 0 else len(data)
