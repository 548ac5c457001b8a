"""Passwords (Argon2id), opaque bearer tokens, and signed ticket tokens for citizens."""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_passwords = PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _passwords.hash(password)  # spend the same time as a real check
        return False
    return _passwords.verify(password, hashed)


def new_token() -> str:
    return "btz_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ticket_serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="birtereze.ticket")


def sign_ticket(secret: str, visit_id: int) -> str:
    return str(_ticket_serializer(secret).dumps(visit_id))


def read_ticket(secret: str, token: str, max_age_s: int) -> int | None:
    try:
        value = _ticket_serializer(secret).loads(token, max_age=max_age_s)
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, int) else None
