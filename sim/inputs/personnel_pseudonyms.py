"""Pseudonyms of employee ids: HMAC-SHA256 keyed with a secret salt from the environment (never stored).

The same salt gives the same pseudonyms in every import, so imports of one organisation over the years link up;
nobody without the salt can link a pseudonym back to an id, nor test a guessed id against a pseudonym.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from hashlib import sha256

from sim.errors import ConfigError

SALT_ENV = "WSW_SIM_SALT"
MIN_SALT_CHARS = 16
"""A shorter salt could be guessed by trying every short string against known ids."""

PSEUDONYM_HEX_CHARS = 16
"""64 bits of the HMAC: a collision is negligible for any Wsw population (and would show as a duplicate id)."""


def pseudonym(employee_id: str, salt: str) -> str:
    """HMAC-SHA256 of the id keyed with the salt, truncated: stable for one salt, unlinkable without it.

    Ids of digits only lose their leading zeros first, so 000123 in a CSV and 123 in Excel are one person.
    """
    key = employee_id.strip()
    if key.isdigit():
        key = key.lstrip("0") or "0"
    return hmac.new(salt.encode("utf-8"), key.encode("utf-8"), sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def salt_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The salt from `WSW_SIM_SALT`; without a long enough one the import refuses (the message says how)."""
    env = os.environ if environ is None else environ
    salt = env.get(SALT_ENV, "")
    how = (
        f"set the environment variable {SALT_ENV} to a secret of at least {MIN_SALT_CHARS} characters, e.g.\n"
        f"  export {SALT_ENV}=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\"\n"
        "keep it in a password manager: the same salt gives the same pseudonyms in every import"
    )
    if not salt:
        raise ConfigError(SALT_ENV, "", f"no salt: the import pseudonymises employee ids and needs one; {how}")
    if len(salt) < MIN_SALT_CHARS:
        raise ConfigError(SALT_ENV, "", f"the salt is shorter than {MIN_SALT_CHARS} characters; {how}")
    return salt
