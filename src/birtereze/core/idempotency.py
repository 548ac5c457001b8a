"""Idempotency keys: a retried request returns the first answer instead of doing the work twice."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.errors import Conflict
from birtereze.core.i18n import _l


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = _l("This Idempotency-Key was already used for a different request.")


def request_fingerprint(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def _claim_statement(insert: Any) -> Any:
    return (
        insert(IdempotencyKey)
        .values(
            scope=bindparam("scope"),
            key=bindparam("key"),
            request_hash=bindparam("request_hash"),
            created_at=bindparam("created_at", type_=UTCDateTime),
        )
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(IdempotencyKey.key)
    )


# Built once, with bound parameters: building a statement and its cache key per request cost more than
# executing it.
_CLAIM = {"postgresql": _claim_statement(postgresql.insert), "sqlite": _claim_statement(sqlite.insert)}
_STORED = select(IdempotencyKey.request_hash, IdempotencyKey.response).where(
    IdempotencyKey.scope == bindparam("scope"), IdempotencyKey.key == bindparam("key")
)
_STORE = (
    update(IdempotencyKey)
    .where(IdempotencyKey.scope == bindparam("b_scope"), IdempotencyKey.key == bindparam("b_key"))
    .values(response=bindparam("b_response", type_=JSON))
)


async def claim(
    session: AsyncSession, *, scope: str, key: str, fingerprint: str, now: datetime
) -> dict[str, Any] | None:
    """Claim ``key`` for this unit of work, or return the response stored by the first request.

    Concurrent requests with the same key wait on the key's row (PostgreSQL) or the database lock
    (SQLite) until the first commits, then see its stored response.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    inserted = (
        await session.execute(
            _CLAIM[dialect],
            {"scope": scope, "key": key, "request_hash": fingerprint, "created_at": now},
        )
    ).first()
    if inserted is not None:
        return None
    stored = (await session.execute(_STORED, {"scope": scope, "key": key})).one()
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    response: dict[str, Any] | None = stored.response
    return response


async def store(session: AsyncSession, *, scope: str, key: str, response: dict[str, Any]) -> None:
    await session.execute(_STORE, {"b_scope": scope, "b_key": key, "b_response": response})
