"""One-time sign-in codes: how they are made, kept (an HMAC only) and sent.

The code goes out as the notifications' ``otp`` template (kk/ru/en, parameters ``code`` and ``minutes``)
through a ``CodeSender``. ``NotifyCodeSender`` queues it in the notifications' outbox (SMS over SMPP) in the
same unit of work as the challenge, so a rolled-back request sends nothing; ``MemoryCodeSender`` keeps the
messages in a list, for tests.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.notify import service as notify_service

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_challenge_id() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


@functools.lru_cache(maxsize=8)
def _code_key(secret: str) -> bytes:
    # A key of its own for the codes, derived from the application's secret.
    return hmac.new(secret.encode(), b"birtereze.citizen-otp", hashlib.sha256).digest()


def code_digest(secret: str, challenge_id: str, code: str) -> str:
    """The code's HMAC, bound to its challenge: a leaked table reveals no code, not even by brute force
    without the application's secret."""
    return hmac.new(_code_key(secret), f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(secret: str, challenge_id: str, code: str, digest: str) -> bool:
    return hmac.compare_digest(code_digest(secret, challenge_id, code), digest)


class CodeSender(Protocol):
    async def send_code(
        self, session: AsyncSession, *, phone: str, code: str, minutes: int, language: str, now: datetime
    ) -> None:
        """Send ``code`` to ``phone`` in ``language``, as part of the unit of work of ``session``."""
        ...


@dataclass(frozen=True, slots=True)
class SentCode:
    phone: str
    code: str
    minutes: int
    language: str
    at: datetime


@dataclass
class MemoryCodeSender:
    """Keeps what would be sent, for tests."""

    sent: list[SentCode] = field(default_factory=list)

    async def send_code(
        self, session: AsyncSession, *, phone: str, code: str, minutes: int, language: str, now: datetime
    ) -> None:
        self.sent.append(SentCode(phone=phone, code=code, minutes=minutes, language=language, at=now))

    def last_code(self, phone: str) -> str:
        return next(message.code for message in reversed(self.sent) if message.phone == phone)


class NotifyCodeSender:
    """Queues the SMS in the notifications' outbox (``notify.service.enqueue``, template ``otp``)."""

    async def send_code(
        self, session: AsyncSession, *, phone: str, code: str, minutes: int, language: str, now: datetime
    ) -> None:
        await notify_service.enqueue(
            session,
            channel="sms",
            to=phone,
            template="otp",
            language=language,
            params={"code": code, "minutes": minutes},
            now=now,
        )


def default_sender() -> CodeSender:
    return NotifyCodeSender()
