"""Reading an uploaded PDF within bounds: whatever the bytes, the verify page answers, and soon.

A PDF from the public verify page is hostile until its signature says otherwise. Three bounds,
in the order they apply (the size cap on the upload itself is the form's):

1. **Shape**, scanned in the bytes before any parser sees them (``scan``). pyHanko's object
   parser recurses once per nested array or dictionary, so a 1.3 kB file of 500 nested arrays
   ended in ``RecursionError``. No Statement of Results nests deeper than a handful of levels;
   ``MAX_DEPTH`` leaves room for any PDF a viewer or printer might have produced. The scan counts
   brackets in C, a level at a time; strings, comments and streams each cost it a step in
   Python, and a file with more of them than ``MAX_SKIPPED`` (ten times what a statement at the
   upload cap holds) is refused, so the scan takes a second or two at worst.
2. **Decoded size**: pyHanko's decode limits, tightened (``DECODE_LIMITS``), so a compressed
   object stream cannot expand to gigabytes before the signature is checked.
3. **Time**: a ``Deadline`` checked on every read and seek of the file while it is parsed and
   its signature validated, and every few thousand steps and every level of the scan. Parsing
   only advances by reading, so no parse can run on much past the deadline; the deadline takes
   its clock as an argument, so tests drive it without sleeping.

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
# A statement has a few streams a page (contents, fonts, images) and few strings outside them:
# some 10,000 in 20 MB. Each costs the scan a step in Python; past this many the file is refused.
MAX_SKIPPED = 100_000

# What hides bytes from the nesting: a literal string, a comment, a stream's data (after the
# keyword "stream" and its end of line; "endstream" and names such as /Substream are not the
# keyword: the look-behind). A stray ")" outside a string is only ignored, as any other byte.
_SKIPPED = re.compile(rb"\((?:[^()\\]|\\.)*\)|[(%]|(?<![A-Za-z0-9])stream(?:\r\n|\n|\r)", re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]<>")
_IN_STRING = re.compile(rb"\\.|[()]", re.DOTALL)
_END_OF_LINE = re.compile(rb"[\r\n]")


class ParseTimeout(Exception):
    """The deadline for reading an uploaded PDF passed."""


class Unreadable(Exception):
    """The file's shape is beyond any Statement of Results: refused before it is parsed."""

    reason = "It is not shaped like any PDF we issue."


class TooDeep(Unreadable):
    """Arrays, dictionaries or a string's parentheses nest deeper than in any Statement of Results."""

    reason = "Its structure is nested deeper than any PDF we issue."


class TooComplex(Unreadable):
    """More strings, comments and streams than a Statement of Results at the upload cap holds."""

    reason = "It holds more separate parts than any PDF we issue."


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
    """How deep arrays and dictionaries nest in ``data`` (at most); ``TooDeep`` past ``max_depth``.

    Literal strings, comments and stream data are skipped, so their bytes never count. Only those
    cost a step in Python each; the brackets between them are measured in C (``_depth``), so a
    file of nothing but brackets costs a fraction of a second, not one step per bracket.
    """
    brackets, position, steps = bytearray(), 0, 0
    while (match := _SKIPPED.search(data, position)) is not None:
        if match.start() > position:
            brackets += _brackets(data[position : match.start()])
        steps += 1
        if steps > MAX_SKIPPED:
            raise TooComplex
        if steps % _CHECK_EVERY == 0:
            deadline.check()
        token, position = match.group(), match.end()
        if token.startswith(b"(") and len(token) > 1:
            continue  # a string without parentheses inside, matched whole
        if token == b"(":
            position = _skip_string(data, position, deadline, max_depth)
        elif token == b"%":
            line_end = _END_OF_LINE.search(data, position)
            position = len(data) if line_end is None else line_end.end()
        else:
            stream_end = data.find(b"endstream", position)
            position = len(data) if stream_end < 0 else stream_end + len(b"endstream")
    brackets += _brackets(data[position:])
    return _depth(bytes(brackets), max_depth, deadline)


def _brackets(segment: bytes) -> bytes:
    """The segment's arrays and dictionaries as ``[`` and ``]`` only (hex strings' ``<``/``>`` dropped)."""
    only = segment.translate(None, _NOT_BRACKETS).replace(b"<<", b"[").replace(b">>", b"]")
    return only.translate(None, b"<>")


def _depth(brackets: bytes, max_depth: int, deadline: Deadline) -> int:
    """Each pass removes the innermost pairs, so the passes count the nesting of matched pairs;
    openers never closed (a damaged or hostile file) may each add a level above them."""
    passes, too_deep = 0, b"[" * (max_depth + 1)
    while b"[]" in brackets:
        if too_deep in brackets:  # openers in a row: no need to count the passes (each is O(n))
            raise TooDeep
        passes += 1
        if passes > max_depth:
            raise TooDeep
        deadline.check()
        brackets = brackets.replace(b"[]", b"")
    deepest = passes + brackets.count(b"[")
    if deepest > max_depth:
        raise TooDeep
    return deepest


def _skip_string(data: bytes, position: int, deadline: Deadline, max_depth: int) -> int:
    """The position after the literal string that opened before ``position`` (parentheses nest)."""
    level, tokens = 1, 0
    while level and (match := _IN_STRING.search(data, position)) is not None:
        position = match.end()
        tokens += 1
        if tokens % _CHECK_EVERY == 0:
            deadline.check()
        if match.group() == b"(":
            level += 1
            if level > max_depth:
                raise TooDeep
        elif match.group() == b")":
            level -= 1
    return position if level == 0 else len(data)
