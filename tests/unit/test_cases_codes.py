"""Query codes: generation, normalisation, hashing and verification."""
from __future__ import annotations

import re

import pytest

from bot.cases.codes import ALPHABET, CODE_LENGTH, CodeHasher, generate_query_code, normalise_query_code


@pytest.fixture(scope="module")
def hasher() -> CodeHasher:
    return CodeHasher(time_cost=1, memory_cost=1024)


def test_alphabet_is_unambiguous() -> None:
    assert not set("0O1I") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 32


def test_generated_codes() -> None:
    codes = {generate_query_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(f"[{ALPHABET}]{{{CODE_LENGTH}}}", code) for code in codes)


@pytest.mark.parametrize("text,expected", [
    ("ABCD2345", "ABCD2345"),
    (" abcd2345 ", "ABCD2345"),
    ("abcd-2345", "ABCD2345"),
    ("ABCD 2345", "ABCD2345"),
    ("ＡＢＣＤ２３４５", "ABCD2345"),
    ("ａｂｃｄ－２３４５", "ABCD2345"),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise_query_code(text) == expected


@pytest.mark.parametrize("text", [
    None, 12345678, "", "ABCD234", "ABCD23456", "ABCD0345", "ABCO2345", "ABCI2345", "ABC12345",
    "<b>ABCD2345</b>", "' OR 1=1 --", "A" * 2000,
])
def test_normalise_rejects(text: object) -> None:
    assert normalise_query_code(text) is None


def test_hash_is_salted_and_verifies(hasher: CodeHasher) -> None:
    first, second = hasher.hash("ABCD2345"), hasher.hash("ABCD2345")
    assert first != second and "ABCD2345" not in first
    assert first.startswith("$argon2id$")
    assert hasher.verify(first, "abcd-2345")
    assert hasher.verify(second, "ＡＢＣＤ２３４５")


@pytest.mark.parametrize("attempt", ["ABCD2346", "", None, "x" * 2000, "' OR '1'='1", "<script>"])
def test_wrong_codes_fail(hasher: CodeHasher, attempt: object) -> None:
    assert not hasher.verify(hasher.hash("ABCD2345"), attempt)


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$m=1024,t=1,p=1$broken"])
def test_missing_or_broken_hash_fails(hasher: CodeHasher, stored: object) -> None:
    assert not hasher.verify(stored, "ABCD2345")  # type: ignore[arg-type]


def test_default_parameters_are_slow_enough() -> None:
    stored = CodeHasher().hash("ABCD2345")
    assert "m=19456,t=2,p=1" in stored
