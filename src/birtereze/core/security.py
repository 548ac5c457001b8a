"""Passwords (Argon2id), opaque bearer tokens, and signed ticket tokens for citizens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
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


class _SignedAt(TimestampSigner):
    """Stamps tokens with the domain clock's time rather than the system's."""

    def __init__(self, *args: Any, timestamp: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timestamp = timestamp

    def get_timestamp(self) -> int:
        return self._timestamp if self._timestamp is not None else super().get_timestamp()


def _ticket_serializer(secret: str, now: datetime | None = None) -> URLSafeTimedSerializer:
    stamp = int(now.timestamp()) if now is not None else None
    return URLSafeTimedSerializer(
        secret, salt="birtereze.ticket", signer=_SignedAt, signer_kwargs={"timestamp": stamp}
    )


def sign_ticket(secret: str, visit_id: int, now: datetime | None = None) -> str:
    return str(_ticket_serializer(secret, now).dumps(visit_id))


def read_ticket(secret: str, token: str, *, max_age_s: int, now: datetime) -> int | None:
    """The visit id of a genuine ticket token not older than ``max_age_s`` at ``now`` (the domain's clock)."""
    try:
        value, signed_at = _ticket_serializer(secret).loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if (now - signed_at).total_seconds() > max_age_s:
        return None
    return value if isinstance(value, int) else None
