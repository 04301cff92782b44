"""Pseudonyms against known answers from outside the code: RFC 4231 vectors and `hmac` computed here.

A pseudonym is HMAC-SHA256 with the salt as key and the (normalised) employee id as message, UTF-8 encoded,
its first 16 hex digits. Every expected value below comes from the RFC or from the standard library's `hmac`,
never from `pseudonym()` itself, so swapping key and message, hashing salt and id with plain SHA-256, another
encoding or another truncation fails.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sim.errors import ConfigError
from sim.inputs.personnel_pseudonyms import MIN_SALT_CHARS, SALT_ENV, pseudonym, salt_from_environment

SALT = "test-salt-0123456789abcdef"


def hmac_hex16(key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@pytest.mark.parametrize(
    ("key", "data", "full_hmac"),
    [
        # RFC 4231, test case 1: key 20 bytes of 0x0b, data "Hi There"
        ("\x0b" * 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        # RFC 4231, test case 2: a key shorter than the block, data with spaces
        ("Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ],
)
def test_rfc_4231_vectors(key: str, data: str, full_hmac: str) -> None:
    """The salt is the HMAC key, the id the message; the pseudonym is the first 64 bits of the HMAC in hex."""
    assert hmac.new(key.encode(), data.encode(), hashlib.sha256).hexdigest() == full_hmac  # the primitive itself
    assert pseudonym(data, key) == full_hmac[:16]


def test_not_key_and_message_swapped_nor_a_plain_hash() -> None:
    got = pseudonym("what do ya want for nothing?", "Jefe")
    assert got == "5bdcc146bf60754e"
    assert got != hmac_hex16("what do ya want for nothing?", "Jefe")  # key and message swapped
    assert got != hashlib.sha256(b"Jefewhat do ya want for nothing?").hexdigest()[:16]  # salt + id
    assert got != hashlib.sha256(b"what do ya want for nothing?Jefe").hexdigest()[:16]  # id + salt


@pytest.mark.parametrize(
    ("employee_id", "message"),
    [
        ("101", "101"),
        ("000123", "123"),  # leading zeros of an all-digit id go (Excel drops them)
        ("  0042 ", "42"),  # spaces around the id go first
        ("000", "0"),  # all zeros is the id 0, not the empty id
        ("0", "0"),
        ("A-0012", "A-0012"),  # not all digits: kept exactly
        ("0012A", "0012A"),
        ("EMP 778899", "EMP 778899"),  # inner spaces kept
        ("Müller-7", "Müller-7"),  # UTF-8, not Latin-1
    ],
)
def test_known_answers_for_ids(employee_id: str, message: str) -> None:
    assert pseudonym(employee_id, SALT) == hmac_hex16(SALT, message)


def test_known_answer_for_a_salt_beyond_ascii() -> None:
    salt = "zoutje-ë-€-0123456789"
    assert pseudonym("5001", salt) == hmac_hex16(salt, "5001")
    assert pseudonym("5001", salt) != hmac.new(salt.encode("latin-1", "replace"), b"5001", "sha256").hexdigest()[:16]


def test_pseudonyms_are_16_lower_case_hex_digits() -> None:
    for employee_id in ("1", "2", "A", "0" * 40):
        p = pseudonym(employee_id, SALT)
        assert len(p) == 16 and set(p) <= set("0123456789abcdef")


# ------------------------------------------------------------------------------------------------- salt


def test_the_salt_comes_from_its_environment_variable() -> None:
    assert SALT_ENV == "WSW_SIM_SALT"
    assert salt_from_environment({SALT_ENV: SALT, "OTHER": "x" * 40}) == SALT


def test_a_salt_of_exactly_the_minimum_length_is_accepted_one_less_refused() -> None:
    assert MIN_SALT_CHARS == 16
    assert salt_from_environment({SALT_ENV: "s" * 16}) == "s" * 16
    with pytest.raises(ConfigError, match="shorter than 16 characters") as info:
        salt_from_environment({SALT_ENV: "s" * 15})
    assert info.value.source == SALT_ENV
    assert f'export {SALT_ENV}="$(python3' in str(info.value)


HOW = (
    "set the environment variable WSW_SIM_SALT to a secret of at least 16 characters, e.g.\n"
    "  export WSW_SIM_SALT=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\"\n"
    "keep it in a password manager: the same salt gives the same pseudonyms in every import"
)


@pytest.mark.parametrize("environ", [{}, {SALT_ENV: ""}, {"wsw_sim_salt": SALT}])
def test_no_salt_is_refused_with_how_to_set_one(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as info:
        salt_from_environment(environ)
    assert (info.value.source, info.value.field, info.value.message) == (
        "WSW_SIM_SALT",
        "",
        f"no salt: the import pseudonymises employee ids and needs one; {HOW}",
    )


def test_a_short_salt_is_refused_word_for_word() -> None:
    with pytest.raises(ConfigError) as info:
        salt_from_environment({SALT_ENV: "0123456789abcde"})
    assert (info.value.source, info.value.field, info.value.message) == (
        "WSW_SIM_SALT",
        "",
        f"the salt is shorter than 16 characters; {HOW}",
    )


def test_without_a_mapping_the_process_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SALT_ENV, SALT)
    assert salt_from_environment() == SALT
    monkeypatch.delenv(SALT_ENV)
    with pytest.raises(ConfigError, match="no salt"):
        salt_from_environment()
