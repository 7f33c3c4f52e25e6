"""Exam Reference Numbers: 85 random bits, a check character, grouped for reading aloud.

An ERN finds *any* result, so it must not be guessable: 17 random Crockford base-32 characters
(85 bits from the CSPRNG) plus one check character, shown as three groups of six.
The check character catches every single mistyped character and every swap of two different
characters, so a typo is told apart from an unknown number without a database look-up.
"""

from __future__ import annotations

import random
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding rules: letters easily misread are read as the digits they resemble.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
RANDOM_LENGTH = 17
LENGTH = RANDOM_LENGTH + 1


class ErnFormatError(ValueError):
    """The text cannot be an Exam Reference Number; the message says why."""


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
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_character(body)


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
        raise ErnFormatError("Enter an Exam Reference Number.")
    bad = sorted({ch for ch in cleaned if ch not in _VALUE})
    if bad:
        raise ErnFormatError(
            f"An Exam Reference Number has only letters and digits; {''.join(bad)!r} cannot be part of one."
        )
    if len(cleaned) != LENGTH:
        raise ErnFormatError(f"An Exam Reference Number has {LENGTH} characters; this one has {len(cleaned)}.")
    if _syndrome(cleaned) != 0:
        raise ErnFormatError(
            "This Exam Reference Number contains a typing error: its last character does not match "
            "the others. Check it against the Statement of Results."
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
