"""API key format, digests and verification (WORKFLOWS.md 13.1).

Keys are ``tess_live_`` + 64 hex characters (256 random bits). Such a secret needs no
slow password hash: a SHA-256 digest found by one indexed lookup is as safe and costs
microseconds instead of the reference's tens of milliseconds of argon2 per request.
argon2id PHC strings are still accepted, for keys imported from the reference.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

KEY_PREFIX = "tess_live_"
PREFIX_LENGTH = len(KEY_PREFIX) + 4  # "tess_live_" + 4 hex characters = 14
ARGON2_MARKER = "$argon2"

_argon2 = PasswordHasher()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_hex(32)


def key_prefix(token: str) -> str | None:
    """The 14-character lookup prefix, or None if the token cannot be a key."""
    parts = token.split("_", 2)
    if len(parts) < 3:
        return None
    return f"{parts[0]}_{parts[1]}_{parts[2][:4]}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def verify(token: str, stored_hash: str) -> bool:
    """Check ``token`` against a stored SHA-256 digest or argon2 PHC string."""
    if stored_hash.startswith(ARGON2_MARKER):
        try:
            return _argon2.verify(stored_hash, token)
        except (VerificationError, InvalidHashError):
            return False
    return hmac.compare_digest(stored_hash, digest(token))
