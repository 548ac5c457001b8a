"""Tables of the citizens domain: who signed in, their sessions, and the one-time codes sent to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId

SIGN_IN_METHODS = ("digital_id", "sms")
CHALLENGE_STATES = ("pending", "used", "void")


class Citizen(Base):
    """A person who has signed in at least once; the IIN is the identity, the rest is what we were told."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CitizenSession(Base):
    """A signed-in browser: only the SHA-256 of its random id is stored (the cookie carries the id)."""

    __tablename__ = "citizen_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OtpChallenge(Base):
    """A one-time code sent by SMS: kept only as an HMAC, void after its lifetime or too many wrong tries."""

    __tablename__ = "citizen_otp_challenges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    phone: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(8))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
