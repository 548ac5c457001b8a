"""Database engine, the declarative base, column types, and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson
from sqlalchemy import DateTime, Dialect, MetaData, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from birtereze.core.errors import AlreadyExists

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str, *, async_driver: bool) -> URL:
    """Accept plain ``sqlite:///file`` / ``postgresql://`` URLs or SQLAlchemy URLs with a driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        driver = "aiosqlite" if async_driver else "pysqlite"
    elif backend in {"postgresql", "postgres"}:
        backend, driver = "postgresql", "asyncpg" if async_driver else "psycopg"
    else:
        raise ValueError(f"unsupported database: {backend}")
    return parsed.set(drivername=f"{backend}+{driver}")


def ensure_sqlite_dir(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions, so that "begin" below is the only BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at the start: no deferred-to-write upgrade that fails with SQLITE_BUSY.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def install_sqlite_hooks(sync_engine: Any) -> None:
    event.listen(sync_engine, "connect", _sqlite_pragmas)
    event.listen(sync_engine, "begin", _sqlite_begin_immediate)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (event data, estimates, stored responses) through orjson: several times faster than json.
_JSON_CODEC: Final[dict[str, Any]] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


DEFAULT_POSTGRES_POOL_SIZE: Final = 16


def create_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """The engine of ``url``; ``pool_size`` unset: 1 connection on SQLite, 16 on PostgreSQL.

    SQLite takes its write lock at ``BEGIN IMMEDIATE``: a second pooled connection would only wait in
    SQLite's busy handler (sleep and retry) instead of waiting its turn for the pool, in order. No
    request holds two connections at once, so one is enough.
    """
    parsed = normalise_url(url, async_driver=True)
    ensure_sqlite_dir(parsed)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(
            parsed, pool_size=pool_size or 1, max_overflow=0, pool_timeout=60, **_JSON_CODEC
        )
        install_sqlite_hooks(engine.sync_engine)
        return engine
    pool_size = pool_size or DEFAULT_POSTGRES_POOL_SIZE
    # No ping before each checkout (a round trip per request): a connection that the server dropped is
    # found when used — SQLAlchemy invalidates it for a session, core.sql.lean_transaction for a lean
    # transaction — and that request fails once (503); connections are also renewed every half hour.
    return create_async_engine(
        parsed,
        pool_size=pool_size,
        # Connections beyond the pool's size are closed as they come back: opening one costs the server a
        # process and the driver its prepared statements, so the pool holds what a loaded process uses
        # (a web process with 16 requests in flight held 10 to 16), and overflow is for bursts.
        max_overflow=max(pool_size // 4, 1),
        pool_recycle=1800,
        # asyncpg prepares every statement and keeps it per connection: room for every statement of the
        # application, so that none is parsed and planned twice.
        connect_args={"statement_cache_size": 1000},
        **_JSON_CODEC,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction (for the CLI and jobs): commit on success, roll back on error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def refuse_duplicate(session: AsyncSession, model: type[Base], what: str, **key: object) -> None:
    """Raise ``AlreadyExists(what)`` when a row of ``model`` has this natural key already.

    The unique constraint stays the last word under concurrency; this gives the caller a clear, translated
    answer in the ordinary case.
    """
    statement = select(model).filter_by(**key).limit(1)
    if (await session.execute(statement)).first() is not None:
        raise AlreadyExists(what)
