"""Secret Number hashes: the one keyed hash the service stores and compares (HMAC-SHA256, RFC 2104).

A Secret Number has four digits: ten thousand values defeat any slow hash, a key the database never
holds does not (``SECRET_NUMBER_KEY``). The message is the Candidate ID Number, upper-case, a colon,
then the Secret Number, so the same four digits hash differently for every candidate.

The HMAC is computed from the key's two padded SHA-256 states, hashed once per key and copied per
message: a third of ``hmac.digest``'s time, which sets the key up again for every message. A results
import hashes a Secret Number per new candidate (a million for a large file); the tests hold
``hmac_sha256_hexes`` equal to ``hmac.new`` for keys shorter and longer than SHA-256's block.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings

_BLOCK = 64  # SHA-256's block size, in bytes


def secret_number_hash(candidate_number: str, secret_number: str) -> str:
    """Keyed hash of a 4-digit Secret Number, salted with the Candidate ID Number (case ignored)."""
    return secret_number_hashes([(candidate_number, secret_number)])[0]


def secret_number_hashes(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """``secret_number_hash`` of each ``(candidate number, Secret Number)``."""
    key = settings.SECRET_NUMBER_KEY.encode()
    return hmac_sha256_hexes(key, (f"{number.upper()}:{secret}".encode() for number, secret in pairs))


def hmac_sha256_hexes(key: bytes, messages: Iterable[bytes]) -> list[str]:
    """``hmac.new(key, message, sha256).hexdigest()`` of each message."""
    inner_start, outer_start = _padded_states(key)
    hexes = []
    for message in messages:
        inner, outer = inner_start.copy(), outer_start.copy()
        inner.update(message)
        outer.update(inner.digest())
        hexes.append(outer.hexdigest())
    return hexes


@functools.lru_cache(maxsize=4)
def _padded_states(key: bytes) -> tuple[Any, Any]:
    """SHA-256 after the key XOR ipad and after the key XOR opad; only ever copied, never updated."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return hashlib.sha256(bytes(byte ^ 0x36 for byte in key)), hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
