"""Test tiers and fixtures.

Every database test runs on SQLite and on PostgreSQL. PostgreSQL, Redis and Chromium tiers are skipped
when absent, unless BIRTEREZE_REQUIRE_ALL=1 (as in CI), where a missing component fails the run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from birtereze.core.clock import ManualClock
from birtereze.core.db import create_engine, normalise_url, session_factory
from birtereze.core.migrate import upgrade
from birtereze.core.settings import Settings
from birtereze.models import Base
from birtereze.web.app import create_app
from tests.builders import World, create_world

REQUIRE_ALL = os.environ.get("BIRTEREZE_REQUIRE_ALL") == "1"
POSTGRES_URL = os.environ.get("BIRTEREZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BIRTEREZE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ALMATY = ZoneInfo("Asia/Almaty")
# A Friday morning in Turkestan: the default "now" of the tests.
START = datetime(2026, 11, 27, 10, 0, tzinfo=ALMATY)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def need(component: str, available: bool) -> None:
    """Skip a tier whose component is missing; in CI (REQUIRE_ALL) fail instead."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{component} is required (BIRTEREZE_REQUIRE_ALL=1) but not available")
    pytest.skip(f"{component} not available")


@dataclass
class Database:
    name: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


def _reset_postgres(url: str) -> None:
    engine = create_sync_engine(normalise_url(url, async_driver=False), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("db")) / "test.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    need("PostgreSQL", reachable(POSTGRES_URL, 5432))
    _reset_postgres(POSTGRES_URL)
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


async def _truncate(engine: AsyncEngine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            await connection.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    engine = create_engine(database_url, pool_size=5)
    await _truncate(engine)
    name = engine.dialect.name
    yield Database(name=name, url=database_url, engine=engine, sessions=session_factory(engine))
    await engine.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """A session for domain-service tests; the test commits when it wants the edge's behaviour."""
    async with db.sessions() as session:
        yield session
        await session.rollback()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key="test-secret",
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
        load_cache_s=0.0,  # every read sees the last change (tests/branches/test_public_load.py: the cache)
    )


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def redis_url() -> str:
    need("Redis", reachable(REDIS_URL, 6379))
    return REDIS_URL


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> World:
    async with db.sessions() as setup:
        built = await create_world(setup, now=clock.now())
        await setup.commit()
    return built
