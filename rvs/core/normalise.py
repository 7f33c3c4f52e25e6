"""Name normalisation shared by storage and search, so both sides fold text the same way."""

from __future__ import annotations

import re

from unidecode import unidecode

_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u0060\u00b4]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """ASCII, lower case, apostrophes dropped (O'Brien -> obrien), other punctuation as spaces.

    ``unidecode`` handles what accent-stripping alone misses: ø -> o, ł -> l, ß -> ss, and it
    transliterates Cyrillic and Greek the way exam boards print them. Case is folded *before*
    transliterating too: unidecode spells some capitals differently (Ξ -> "Ks" but ξ -> "x").
    """
    ascii_text = unidecode(_APOSTROPHES.sub("", (text or "").casefold())).casefold()
    ascii_text = _APOSTROPHES.sub("", ascii_text)
    return " ".join(_NON_ALNUM.sub(" ", ascii_text).split())


def tokens(text: str) -> list[str]:
    """The folded words of ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for token in fold(text).split():
        seen.setdefault(token[:64], None)
    return list(seen)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (``abc`` -> ``abd``).

    Folded text is ASCII, so bumping the last character gives an index-friendly range on both
    SQLite and PostgreSQL (C collation or not, for [a-z0-9]).
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
