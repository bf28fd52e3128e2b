"""Key format, digests and verification (WORKFLOWS.md 13.1), without the database."""

from __future__ import annotations

import hashlib
import re

import pytest
from argon2 import PasswordHasher

from teams import keys

# Small argon2 parameters keep the test fast; verification reads them from the hash.
FAST_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_a_key_is_tess_live_and_64_lowercase_hex_characters() -> None:
    key = keys.generate_key()

    assert re.fullmatch(r"tess_live_[0-9a-f]{64}", key)
    assert len(key) == 74


def test_keys_are_random() -> None:
    assert len({keys.generate_key() for _ in range(100)}) == 100


def test_the_prefix_is_tess_live_and_four_hex_characters() -> None:
    key = "tess_live_abcd" + "0" * 60

    assert keys.key_prefix(key) == "tess_live_abcd"
    assert len(keys.key_prefix(key) or "") == keys.PREFIX_LENGTH == 14


@pytest.mark.parametrize("token", ["", "nounderscores", "tess_live"])
def test_a_token_with_fewer_than_three_parts_has_no_prefix(token: str) -> None:
    assert keys.key_prefix(token) is None


def test_the_prefix_of_other_forms_follows_the_references_split() -> None:
    # Split on "_" into three parts; the third contributes its first four characters.
    assert keys.key_prefix("tess_test_1234567") == "tess_test_1234"
    assert keys.key_prefix("a_b_c") == "a_b_c"


def test_the_digest_is_the_sha256_hex_of_the_key() -> None:
    key = keys.generate_key()

    assert keys.digest(key) == hashlib.sha256(key.encode()).hexdigest()


def test_a_key_verifies_against_its_sha256_digest() -> None:
    key = keys.generate_key()

    assert keys.verify(key, keys.digest(key)) is True


def test_another_key_does_not_verify_against_a_sha256_digest() -> None:
    assert keys.verify(keys.generate_key(), keys.digest(keys.generate_key())) is False


def test_a_key_verifies_against_an_argon2id_phc_string_from_the_reference() -> None:
    key = keys.generate_key()
    phc = FAST_ARGON2.hash(key)

    assert phc.startswith("$argon2id$v=19$")
    assert keys.verify(key, phc) is True


def test_a_key_verifies_against_a_phc_string_with_the_references_default_parameters() -> (
    None
):
    key = keys.generate_key()
    phc = PasswordHasher().hash(key)  # argon2-cffi defaults, as the reference used

    assert keys.verify(key, phc) is True


def test_another_key_does_not_verify_against_an_argon2_phc_string() -> None:
    assert (
        keys.verify(keys.generate_key(), FAST_ARGON2.hash(keys.generate_key())) is False
    )


def test_a_corrupt_argon2_hash_verifies_nothing() -> None:
    assert keys.verify(keys.generate_key(), "$argon2id$v=19$garbage") is False
