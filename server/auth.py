"""Who signs in to the dashboard: users' passwords (argon2id through argon2-cffi) and one-time login links (signed
with the app's secret key, spent once in the database so no node accepts one twice)."""

from __future__ import annotations

import functools
import secrets
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer

MIN_PASSWORD = 12
LINK_SALT = "sponsorwatch-login-link"
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters (RFC 9106: 64 MiB, 3 passes)


@functools.cache
def _dummy() -> str:
    return _hasher.hash("a password nobody has, verified when the user does not exist")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a new hash when the stored one uses outdated parameters. An unknown
    user (stored None) costs the same time as a wrong password."""
    try:
        _hasher.verify(stored or _dummy(), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)


def make_login_link(secret: str, max_age: int) -> str:
    """The path of a one-time admin login link, valid for max_age seconds."""
    payload = {"n": secrets.token_urlsafe(24), "exp": int(time.time()) + max_age}
    return "/login/link/" + URLSafeSerializer(secret, salt=LINK_SALT).dumps(payload)


def read_login_link(secret: str, token: str) -> str | None:
    """The nonce of a well-signed, unexpired link (the caller spends it once); None otherwise."""
    try:
        payload: Any = URLSafeSerializer(secret, salt=LINK_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str) or not isinstance(payload.get("exp"),
                                                                                                 int):
        return None
    return payload["n"] if payload["exp"] > time.time() else None
