"""Passwords (argon2id) and bearer secrets (API tokens, share codes, one-time links).

A secret is shown once and stored only as its SHA-256 digest: the secrets are 160+ random bits, so a fast digest
is enough (a slow hash is for low-entropy passwords). Passwords are hashed with argon2id (``argon2-cffi``'s
defaults follow RFC 9106's second recommended option), and re-hashed on sign-in when the parameters change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
#: an argon2 hash of a throw-away password, verified when the account does not exist, so a wrong username
#: costs the same time as a wrong password (no user enumeration by timing)
_DUMMY_HASH = _HASHER.hash("calfcare-dummy-password")


def password_problems(password: str, *, username: str) -> list[str]:
    """What is wrong with a new password (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"use at least {MIN_PASSWORD_LENGTH} characters (it has {len(password)})")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"use at most {MAX_PASSWORD_LENGTH} characters")
    if password and password.casefold() == username.casefold():
        problems.append("it must not be the username")
    if password and len(set(password)) == 1:
        problems.append("it must not repeat one character")
    return problems


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing account (``None``) takes as long as a wrong password."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def new_secret(prefix: str) -> str:
    """A fresh bearer secret such as ``cc_pat_…`` (prefix, then 32 random bytes in URL-safe base64)."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def new_short_code() -> str:
    """A one-time share code a runner can read out or type: 12 characters from an unambiguous alphabet
    (about 60 bits), shown in groups of four."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def digest(secret: str) -> str:
    """How a secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
