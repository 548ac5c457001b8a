"""Idempotency keys: a retried request returns the first answer instead of doing the work twice."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.errors import Conflict
from birtereze.core.i18n import _l
from birtereze.core.sql import Db, Statement, transaction


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
_CLAIM = {
    "postgresql": Statement(_claim_statement(postgresql.insert)),
    "sqlite": Statement(_claim_statement(sqlite.insert)),
}
_STORED = Statement(
    select(IdempotencyKey.request_hash, IdempotencyKey.response).where(
        IdempotencyKey.scope == bindparam("scope"), IdempotencyKey.key == bindparam("key")
    )
)
_STORE = Statement(
    update(IdempotencyKey)
    .where(IdempotencyKey.scope == bindparam("b_scope"), IdempotencyKey.key == bindparam("b_key"))
    .values(response=bindparam("b_response", type_=JSON))
)


async def claim(db: Db, *, scope: str, key: str, fingerprint: str, now: datetime) -> dict[str, Any] | None:
    """Claim ``key`` for this unit of work, or return the response stored by the first request.

    Concurrent requests with the same key wait on the key's row (PostgreSQL) or the database lock
    (SQLite) until the first commits, then see its stored response.
    """
    tx = await transaction(db)
    params = {"scope": scope, "key": key, "request_hash": fingerprint, "created_at": now}
    if await tx.first(_CLAIM[tx.backend], params) is not None:
        return None
    stored = await tx.one(_STORED, params)
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    response: dict[str, Any] | None = stored.response
    return response


async def store(db: Db, *, scope: str, key: str, response: dict[str, Any]) -> None:
    tx = await transaction(db)
    await tx.execute(_STORE, {"b_scope": scope, "b_key": key, "b_response": response})
