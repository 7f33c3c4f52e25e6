"""Exam Reference Numbers: 85 random bits, a check character, grouped for reading aloud.

An ERN finds *any* result, so it must not be guessable: 17 random Crockford base-32 characters
(85 bits from the CSPRNG) plus one Luhn mod 32 check character, shown as three groups of six.
The check character catches every single mistyped character and most swapped neighbours, so a
typo is told apart from an unknown number without a database look-up.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding rules: letters easily misread are read as the digits they resemble.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
RANDOM_LENGTH = 17
LENGTH = RANDOM_LENGTH + 1


class ErnFormatError(ValueError):
    """The text cannot be an Exam Reference Number; the message says why."""


def _check_character(body: str) -> str:
    factor = 2
    total = 0
    n = len(ALPHABET)
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_character(body)


def normalise(text: str) -> str:
    """Upper-case, separators removed, Crockford aliases applied; raises ``ErnFormatError``."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.").translate(_ALIASES)
    if not cleaned:
        raise ErnFormatError("Enter an Exam Reference Number.")
    bad = sorted({ch for ch in cleaned if ch not in _VALUE})
    if bad:
        raise ErnFormatError(
            f"An Exam Reference Number has only letters and digits; {''.join(bad)!r} cannot be part of one."
        )
    if len(cleaned) != LENGTH:
        raise ErnFormatError(
            f"An Exam Reference Number has {LENGTH} characters; this one has {len(cleaned)}."
        )
    if _check_character(cleaned[:-1]) != cleaned[-1]:
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
