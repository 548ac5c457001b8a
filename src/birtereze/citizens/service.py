"""The citizens' sign-in: one-time SMS codes, sign-in by an identity already proven (Digital ID), and
sessions. The only writer of the citizens' tables; it flushes, the request commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.citizens import otp
from birtereze.citizens.errors import (
    CodeExpired,
    CodeVoid,
    CodeWrong,
    InvalidIinError,
    InvalidPhoneError,
    PhoneNotRegistered,
    SignInCodeNotFound,
    SignInLocked,
)
from birtereze.citizens.models import Citizen, CitizenSession, OtpChallenge
from birtereze.citizens.ratelimit import SignInLimits
from birtereze.citizens.registry import MobileCitizens
from birtereze.core.errors import DomainError
from birtereze.core.ids import IIN, InvalidIIN, InvalidPhone, mask_iin, mask_phone, normalise_phone, parse_iin
from birtereze.core.settings import Settings

log = structlog.get_logger(__name__)

# A session's "last seen" is written at most this often: not on every request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Policy:
    """The sign-in's rules, from the settings."""

    secret: str
    code_ttl: timedelta
    max_attempts: int
    daily_failures: int
    idle: timedelta
    lifetime: timedelta
    timezone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            secret=settings.secret_key,
            code_ttl=timedelta(seconds=settings.otp_ttl_s),
            max_attempts=settings.otp_max_attempts,
            daily_failures=settings.otp_daily_failures,
            idle=timedelta(hours=settings.citizen_session_idle_hours),
            lifetime=timedelta(days=settings.citizen_session_max_days),
            timezone=ZoneInfo(settings.timezone),
        )


def read_iin(text: str) -> IIN:
    try:
        return parse_iin(text)
    except InvalidIIN as error:
        raise InvalidIinError(error.problem) from None


def read_phone(text: str) -> str:
    try:
        return normalise_phone(text)
    except InvalidPhone:
        raise InvalidPhoneError() from None


# --- one-time codes -----------------------------------------------------------------------------------


def _day_start(now: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


async def _refuse_if_locked(session: AsyncSession, *, iin: str, policy: Policy, now: datetime) -> None:
    """Too many wrong codes for this IIN today (the centre's time zone): locked until midnight."""
    since = _day_start(now, policy.timezone)
    failures = await session.scalar(
        select(func.coalesce(func.sum(OtpChallenge.failed_attempts), 0)).where(
            OtpChallenge.iin == iin, OtpChallenge.created_at >= since
        )
    )
    if (failures or 0) >= policy.daily_failures:
        midnight = since + timedelta(days=1)
        raise SignInLocked(retry_after_s=max(1, int((midnight - now).total_seconds())))


async def request_code(
    session: AsyncSession,
    *,
    iin_text: str,
    phone_text: str,
    language: str,
    registry: MobileCitizens,
    sender: otp.CodeSender,
    limits: SignInLimits,
    client: str,
    policy: Policy,
    now: datetime,
) -> OtpChallenge:
    """Send a 6-digit code to the phone registered for the IIN; the earlier codes of that IIN stop working."""
    iin = read_iin(iin_text)
    phone = read_phone(phone_text)
    await _refuse_if_locked(session, iin=iin.number, policy=policy, now=now)
    # Counted before the registry is asked, so that IIN–phone pairs cannot be tried quickly.
    await limits.hit_code_request(phone=phone, ip=client)
    if await registry.phone_of(iin.number) != phone:
        log.info("citizens.code_refused", iin=iin.masked, phone=mask_phone(phone), reason="not_registered")
        raise PhoneNotRegistered()
    await session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.iin == iin.number, OtpChallenge.status == "pending")
        .values(status="void")
    )
    challenge_id = otp.new_challenge_id()
    code = otp.new_code()
    challenge = OtpChallenge(
        public_id=challenge_id,
        iin=iin.number,
        phone=phone,
        code_hash=otp.code_digest(policy.secret, challenge_id, code),
        language=language,
        status="pending",
        failed_attempts=0,
        created_at=now,
        expires_at=now + policy.code_ttl,
    )
    session.add(challenge)
    await session.flush()
    minutes = max(1, int(policy.code_ttl.total_seconds() // 60))
    await sender.send_code(session, phone=phone, code=code, minutes=minutes, language=language, now=now)
    log.info("citizens.code_sent", iin=iin.masked, phone=mask_phone(phone))
    return challenge


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """The outcome of a code: the signed-in citizen, or the error to answer once the count of wrong
    tries is committed (raising at once would roll that count back)."""

    citizen: Citizen | None = None
    error: DomainError | None = None


async def get(session: AsyncSession, citizen_id: int) -> Citizen | None:
    """A citizen by id (for the modules that write to them: their phone and language)."""
    return await session.get(Citizen, citizen_id)


async def get_challenge(session: AsyncSession, public_id: str) -> OtpChallenge:
    challenge = await session.scalar(select(OtpChallenge).where(OtpChallenge.public_id == public_id))
    if challenge is None or challenge.status == "used":
        raise SignInCodeNotFound()
    return challenge


async def check_code(
    session: AsyncSession, *, challenge_id: str, code: str, policy: Policy, now: datetime
) -> CodeCheck:
    challenge = await get_challenge(session, challenge_id)
    await _refuse_if_locked(session, iin=challenge.iin, policy=policy, now=now)
    if challenge.status == "void":
        raise CodeVoid()
    if now >= challenge.expires_at:
        challenge.status = "void"
        await session.flush()
        return CodeCheck(error=CodeExpired())
    if not otp.code_matches(policy.secret, challenge.public_id, code.strip(), challenge.code_hash):
        challenge.failed_attempts += 1
        left = policy.max_attempts - challenge.failed_attempts
        if left <= 0:
            challenge.status = "void"
        await session.flush()
        log.info("citizens.code_wrong", iin=mask_iin(challenge.iin), left=max(left, 0))
        return CodeCheck(error=CodeWrong(left=left) if left > 0 else CodeVoid())
    challenge.status = "used"
    citizen = await remember(
        session,
        iin=challenge.iin,
        full_name=None,
        phone=challenge.phone,
        language=challenge.language,
        now=now,
    )
    return CodeCheck(citizen=citizen)


# --- citizens and sessions ----------------------------------------------------------------------------


async def remember(
    session: AsyncSession, *, iin: str, full_name: str | None, phone: str | None, language: str, now: datetime
) -> Citizen:
    """The citizen of ``iin``, created on the first sign-in; a name or phone just proven replaces the old."""
    citizen = await session.scalar(select(Citizen).where(Citizen.iin == iin))
    if citizen is None:
        citizen = Citizen(iin=iin, language=language, created_at=now, last_sign_in_at=now)
        session.add(citizen)
    citizen.full_name = full_name or citizen.full_name
    citizen.phone = phone or citizen.phone
    citizen.last_sign_in_at = now
    await session.flush()
    return citizen


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    session: AsyncSession, *, citizen: Citizen, method: str, policy: Policy, now: datetime
) -> str:
    """A new session of ``citizen``; returns its id, which only the citizen's cookie carries."""
    token = secrets.token_urlsafe(32)
    session.add(
        CitizenSession(
            token_hash=token_digest(token),
            citizen_id=citizen.id,
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.lifetime,
        )
    )
    await session.flush()
    log.info("citizens.signed_in", iin=mask_iin(citizen.iin), method=method)
    return token


async def session_of(
    session: AsyncSession, *, token: str, policy: Policy, now: datetime
) -> tuple[CitizenSession, Citizen] | None:
    """The live session of ``token`` and its citizen; None when unknown, idle too long or too old (an
    ended session is deleted)."""
    row = await session.scalar(select(CitizenSession).where(CitizenSession.token_hash == token_digest(token)))
    if row is None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle:
        await session.delete(row)
        await session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        await session.flush()
    citizen = await session.get(Citizen, row.citizen_id)
    if citizen is None:
        return None
    return row, citizen


async def end_session(session: AsyncSession, *, session_id: int) -> None:
    """Sign out: the session is deleted, so its cookie no longer opens anything."""
    await session.execute(delete(CitizenSession).where(CitizenSession.id == session_id))


async def purge_expired(session: AsyncSession, *, policy: Policy, now: datetime) -> int:
    """Delete ended sessions and codes older than a day (the lock-out counts today's)."""
    ended = await session.execute(
        delete(CitizenSession).where(
            (CitizenSession.expires_at <= now) | (CitizenSession.last_seen_at <= now - policy.idle)
        )
    )
    old = await session.execute(delete(OtpChallenge).where(OtpChallenge.created_at < now - timedelta(days=2)))
    return int(getattr(ended, "rowcount", 0) or 0) + int(getattr(old, "rowcount", 0) or 0)
