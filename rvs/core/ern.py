"""Exam Reference Numbers: 85 random bits, a check character, grouped for reading aloud.

An ERN finds *any* result, so it must not be guessable: 17 random Crockford base-32 characters
(85 bits from the CSPRNG) plus one check character, shown as three groups of six.
The check character catches every single mistyped character and every swap of two different
characters, so a typo is told apart from an unknown number without a database look-up.
"""

from __future__ import annotations

import functools
import os
import random
import unicodedata

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding rules: letters easily misread are read as the digits they resemble.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
RANDOM_LENGTH = 17
LENGTH = RANDOM_LENGTH + 1


class ErnFormatError(ValueError):
    """The text cannot be an Exam Reference Number; the message says why (in the reader's language),
    ``code`` what is wrong: "empty", "characters", "length" or "typo" (the right shape, a character wrong)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# The check is a weighted sum in the field GF(32) (modulus x^5 + x^2 + 1, primitive): character i
# is weighted by x^(n-1-i). Luhn mod 32, used before, missed the swap "0Z" <-> "Z0". Here a wrong
# character adds e * x^k != 0, and a swap of a != b adds (a xor b) * x^k * (x + 1) != 0; x has
# order 31 > LENGTH, so every weight is distinct and any swap of two different characters shows.
_MODULUS = 0b100101


def _times_x(value: int) -> int:
    value <<= 1
    return value ^ _MODULUS if value & 0b100000 else value


def _syndrome(text: str) -> int:
    """Zero exactly when ``text`` ends with its right check character."""
    total = 0
    for ch in text:
        total = _times_x(total) ^ _VALUE[ch]
    return total


def _check_character(body: str) -> str:
    return ALPHABET[_times_x(_syndrome(body))]


def generate() -> str:
    """A new ERN from the operating system's CSPRNG."""
    return from_body_bytes(os.urandom(RANDOM_LENGTH))


def from_body_bytes(body: bytes) -> str:
    """The ERN of ``RANDOM_LENGTH`` random bytes: character i of the body is ``ALPHABET[byte i & 31]`` (256
    is a multiple of 32, so each is uniform given uniform bytes), then its check character. One number at
    a time; ``from_bytes`` makes many, the same way."""
    text = "".join([ALPHABET[byte & 31] for byte in body])
    return text + _check_character(text)


def generate_many(count: int) -> list[str]:
    """``count`` new ERNs from the CSPRNG at once (a results import makes a million): ``from_bytes`` of fresh bytes."""
    return from_bytes(os.urandom(count * RANDOM_LENGTH))


def from_bytes(data: bytes) -> list[str]:
    """``from_body_bytes`` of each ``RANDOM_LENGTH`` bytes of ``data`` (a shorter tail is left), ten times faster.

    Computed column by column rather than number by number: the check character is linear in the body
    (the XOR of one term per position, see ``_syndrome``), so the body's characters and their check
    terms are ``bytes.translate``s of every number's i-th byte at once, and the check characters the
    XOR of those terms as big integers.
    The tests hold it equal to ``from_body_bytes``.
    """
    count = len(data) // RANDOM_LENGTH
    if count == 0:
        return []
    characters, terms = _byte_tables()
    out = bytearray(count * LENGTH)
    check = 0
    for position in range(RANDOM_LENGTH):
        column = data[position : count * RANDOM_LENGTH : RANDOM_LENGTH]
        out[position::LENGTH] = column.translate(characters)
        check ^= int.from_bytes(column.translate(terms[position]), "big")
    out[RANDOM_LENGTH::LENGTH] = check.to_bytes(count, "big").translate(characters)
    text = out.decode("ascii")
    return [text[start : start + LENGTH] for start in range(0, len(text), LENGTH)]


@functools.cache
def _byte_tables() -> tuple[bytes, list[bytes]]:
    """``bytes.translate`` tables for ``from_bytes``: a byte to the character of its low 5 bits, and per
    position of the body, a byte to that character's term in the check character (the check character
    of a body holding it there and zeros, whose value is 0, elsewhere)."""
    alphabet = ALPHABET.encode("ascii")
    characters = bytes(alphabet[byte & 31] for byte in range(256))
    terms = []
    for position in range(RANDOM_LENGTH):
        single = [
            _VALUE[_check_character("0" * position + ALPHABET[value] + "0" * (RANDOM_LENGTH - position - 1))]
            for value in range(32)
        ]
        terms.append(bytes(single[byte & 31] for byte in range(256)))
    return characters, terms


def from_random(rng: random.Random) -> str:
    """A well-formed ERN from a seeded generator: only for reproducible demo and benchmark data."""
    bits = rng.getrandbits(5 * RANDOM_LENGTH)
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(RANDOM_LENGTH))
    return body + _check_character(body)


def _is_separator(ch: str) -> bool:
    return ch.isspace() or ch in "_." or unicodedata.category(ch) == "Pd"


def normalise(text: str) -> str:
    """Upper-case, separators removed, Crockford aliases applied; raises ``ErnFormatError``."""
    # Any space or dash goes: ERNs are pasted from PDFs, which turn "-" into U+2010 or U+2013.
    cleaned = "".join(ch for ch in (text or "").upper() if not _is_separator(ch)).translate(_ALIASES)
    if not cleaned:
        raise ErnFormatError(_("Enter an Exam Reference Number."), "empty")
    bad = sorted({ch for ch in cleaned if ch not in _VALUE})
    if bad:
        raise ErnFormatError(
            _("An Exam Reference Number has only letters and digits; %(characters)s cannot be part of one.")
            % {"characters": repr("".join(bad))},
            "characters",
        )
    if len(cleaned) != LENGTH:
        raise ErnFormatError(
            _("An Exam Reference Number has %(length)s characters; this one has %(count)s.")
            % {"length": LENGTH, "count": len(cleaned)},
            "length",
        )
    if _syndrome(cleaned) != 0:
        raise ErnFormatError(
            _(
                "This Exam Reference Number contains a typing error: its last character does not match "
                "the others. Check it against the Statement of Results."
            ),
            "typo",
        )
    return cleaned


def is_valid(text: str) -> bool:
    try:
        normalise(text)
    except ErnFormatError:
        return False
    return True


def display(ern: str) -> str:
    """``ABCDEF-GHJKMN-PQRSTV``: three groups of six for reading aloud."""
    return "-".join(ern[i : i + 6] for i in range(0, len(ern), 6))
