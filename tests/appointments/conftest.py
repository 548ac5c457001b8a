"""Appointments tests: a signed-in citizen with a phone, and helpers to book through the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from itsdangerous import Signer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.appointments import service
from birtereze.citizens import service as citizens_service
from birtereze.citizens.deps import SESSION_COOKIE, csrf_token_for
from birtereze.citizens.models import Citizen
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.notify.models import Notification
from tests.conftest import Database

SECRET = "test-secret"
IINS = ("900101300017", "850615400021", "770303300032", "010101500014")


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key=SECRET,
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
    )


@pytest.fixture
def policy(settings: Settings) -> service.Policy:
    return service.Policy.from_settings(settings)


async def create_citizen(session: AsyncSession, n: int, now: datetime, language: str = "ru") -> Citizen:
    return await citizens_service.remember(
        session, iin=IINS[n], full_name=f"Citizen {n}", phone=f"+7701123456{n}", language=language, now=now
    )


@dataclass
class SignedIn:
    citizen_id: int
    headers: dict[str, str]


async def sign_in(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> SignedIn:
    """A citizen with a live session: the signed cookie set on ``client``, the CSRF header returned."""
    async with db.sessions() as session:
        citizen = await create_citizen(session, 0, clock.now())
        token = await citizens_service.open_session(
            session,
            citizen=citizen,
            method="sms",
            policy=citizens_service.Policy.from_settings(settings),
            now=clock.now(),
        )
        await session.commit()
        citizen_id = citizen.id
    client.cookies.set(SESSION_COOKIE, Signer(SECRET, salt="birtereze.citizen-session").sign(token).decode())
    return SignedIn(citizen_id=citizen_id, headers={"X-CSRF-Token": csrf_token_for(SECRET, token)})


async def outbox(session: AsyncSession, template: str) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.template == template).order_by(Notification.id)
    )
    return list(rows.all())
