"""Secret Number hashes: one keyed hash (HMAC-SHA256 from the key's padded states), the same as ``hmac.new``."""

from __future__ import annotations

import hashlib
import hmac

from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from rvs.results import secret_numbers
from rvs.results import services as result_services


@settings(max_examples=200, deadline=None)
@given(key=st.binary(max_size=200), messages=st.lists(st.binary(max_size=100), max_size=4))
def test_hmac_from_the_padded_key_states_is_hmac(key: bytes, messages: list[bytes]) -> None:
    """Keys shorter than, as long as and longer than SHA-256's block (64 bytes, hashed first when longer)."""
    expected = [hmac.new(key, message, hashlib.sha256).hexdigest() for message in messages]
    assert secret_numbers.hmac_sha256_hexes(key, messages) == expected
    assert secret_numbers.hmac_sha256_hexes(b"k" * 64, [b"x"]) == [
        hmac.new(b"k" * 64, b"x", hashlib.sha256).hexdigest()
    ]


@settings(max_examples=100, deadline=None)
@given(
    numbers=st.lists(st.from_regex(r"[A-Za-z0-9]{4,32}", fullmatch=True), min_size=1, max_size=5),
    secret=st.from_regex(r"[0-9]{4}", fullmatch=True),
)
def test_the_hash_is_the_hmac_of_the_upper_case_number_and_the_secret(numbers: list[str], secret: str) -> None:
    key = b"a key of the test"
    with override_settings(SECRET_NUMBER_KEY=key.decode()):
        expected = [hmac.new(key, f"{n.upper()}:{secret}".encode(), hashlib.sha256).hexdigest() for n in numbers]
        assert secret_numbers.secret_number_hashes((number, secret) for number in numbers) == expected
        assert [secret_numbers.secret_number_hash(number, secret) for number in numbers] == expected


def test_the_services_hash_is_this_one() -> None:
    """One implementation: what the sign-up and the look-ups compare is what the import stores."""
    assert result_services.secret_number_hash is secret_numbers.secret_number_hash
