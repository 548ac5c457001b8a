"""Passwords (Argon2id), opaque bearer tokens, and signed ticket tokens for citizens."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from datetime import datetime

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


@functools.lru_cache(maxsize=8)
def _ticket_key(secret: str) -> bytes:
    # A key of its own for ticket tokens, derived from the application's secret.
    return hmac.new(secret.encode(), b"birtereze.ticket", hashlib.sha256).digest()


def _ticket_mac(secret: str, payload: str) -> str:
    digest = hmac.new(_ticket_key(secret), payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_ticket(secret: str, visit_id: int, now: datetime) -> str:
    """A ticket's token: the visit id and the time of signing (the domain clock's), with a 128-bit HMAC.

    It is printed in the ticket's QR code, so it is short: ``<visit id>.<seconds, base 36>.<MAC>``.
    """
    payload = f"{visit_id}.{_base36(int(now.timestamp()))}"
    return f"{payload}.{_ticket_mac(secret, payload)}"


def read_ticket(secret: str, token: str, *, max_age_s: int, now: datetime) -> int | None:
    """The visit id of a genuine ticket token not older than ``max_age_s`` at ``now`` (the domain's clock)."""
    payload, _, mac = token.rpartition(".")
    visit, _, stamp = payload.partition(".")
    if not (visit.isdigit() and visit.isascii() and stamp.isalnum() and stamp.isascii() and len(stamp) < 12):
        return None
    if not hmac.compare_digest(mac.encode(), _ticket_mac(secret, payload).encode()):
        return None
    if now.timestamp() - int(stamp, 36) > max_age_s:
        return None
    return int(visit)


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out
