"""The lean statement runner: compiled once per dialect, types processed, transactions of its own."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

import birtereze
from birtereze.branches.models import Branch
from birtereze.core import events
from birtereze.core.events import Event
from birtereze.core.sql import Memo, Statement, Tx, any_of, lean_transaction, transaction
from birtereze.queue.models import TicketCounter
from tests.conftest import Database

DIALECTS = (postgresql.asyncpg.dialect(), sqlite.aiosqlite.dialect())


def _statements() -> list[tuple[str, Statement, str | None]]:
    """Every module-level lean statement: (name, statement, the one database it is written for)."""
    found: list[tuple[str, Statement, str | None]] = []
    for module_info in pkgutil.walk_packages(birtereze.__path__, "birtereze."):
        if ".migrations" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            where = f"{module_info.name}.{name}"
            if isinstance(value, Statement):
                found.append((where, value, None))
            elif isinstance(value, dict):
                found += [
                    (where, s, key if key in ("postgresql", "sqlite") else None)
                    for key, s in value.items()
                    if isinstance(s, Statement)
                ]
    return found


def test_every_lean_statement_compiles_on_both_databases() -> None:
    statements = _statements()
    assert len(statements) > 20
    for name, statement, only in statements:
        for dialect in DIALECTS:
            if only in (None, dialect.name):
                assert statement.compiled(dialect).sql, name


def test_a_list_given_at_run_time_is_refused_and_any_of_compiles() -> None:
    expanding = Statement(select(Branch.id).where(Branch.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="any_of"):
        expanding.compiled(DIALECTS[0])
    fixed = Statement(select(Branch.id).where(any_of(Branch.code, ["A", "B"])))
    compiled = fixed.compiled(DIALECTS[1])
    assert compiled.sql.count("?") == 2
    assert sorted(compiled.defaults.values()) == ["A", "B"]


_BRANCH = Statement(
    insert(Branch)
    .values(code=bindparam("code"), name_kk="К", name_ru="Р", name_en="E", active=bindparam("active"))
    .returning(Branch.id, Branch.active, Branch.timezone)
)
_COUNT = Statement(select(func.count()).select_from(Branch))
_DAY = Statement(select(TicketCounter.service_day).where(TicketCounter.service_day == bindparam("day")))
_ECHO_DAY = Statement(select(bindparam("day", type_=Date)))
_EVENT = Statement(select(Event.at, Event.data, Event.visit_id).where(Event.id == bindparam("id")))


async def test_values_keep_their_types_both_ways(db: Database) -> None:
    at = datetime(2026, 3, 21, 4, 30, 15, 123456, tzinfo=UTC)
    async with db.sessions() as session:
        tx = await transaction(session)
        branch = await tx.one(_BRANCH, {"code": "T1", "active": False})
        assert branch.active is False
        assert branch.timezone == "Asia/Almaty"  # a column default of the table
        await events.append(
            session, branch_id=branch.id, at=at, type="test", data={"number": "A001", "ok": True}
        )
        event_id = (await tx.one(Statement(select(func.max(Event.id))))).max_1
        event = await tx.one(_EVENT, {"id": event_id})
        assert event.at == at and event.at.tzinfo is not None
        assert event.data == {"number": "A001", "ok": True}
        assert event.visit_id is None
        # The same transaction as the session's: it sees the session's rows, and its events are the session's.
        assert await transaction(session) is tx
        assert [live.id for live in events.collect_live(session)] == [event_id]
        await session.rollback()
    async with db.sessions() as session:
        assert await (await transaction(session)).scalar(_COUNT) == 0


async def test_a_lean_transaction_commits_or_rolls_back_and_takes_a_connection_only_when_used(
    db: Database,
) -> None:
    pool = db.engine.sync_engine.pool
    async with lean_transaction(db.engine) as tx:
        assert tx.raw is None and pool.checkedout() == 0  # type: ignore[attr-defined]
        await tx.one(_BRANCH, {"code": "T2", "active": True})
        assert pool.checkedout() == 1  # type: ignore[attr-defined]
    assert pool.checkedout() == 0  # type: ignore[attr-defined]

    async def failing_route() -> None:
        async with lean_transaction(db.engine) as tx:
            await tx.one(_BRANCH, {"code": "T3", "active": True})
            raise RuntimeError("the route failed")

    with pytest.raises(RuntimeError):
        await failing_route()
    async with lean_transaction(db.engine) as tx:
        assert await tx.scalar(_COUNT) == 1
        assert await tx.scalar(_DAY, {"day": date(2026, 3, 21)}) is None
        assert await tx.scalar(_ECHO_DAY, {"day": date(2026, 3, 21)}) == date(2026, 3, 21)


async def test_a_drivers_error_comes_out_as_sqlalchemys_for_the_same_handlers(db: Database) -> None:
    async with lean_transaction(db.engine) as tx:
        await tx.one(_BRANCH, {"code": "T4", "active": True})

    async def duplicate() -> None:
        async with lean_transaction(db.engine) as tx:
            await tx.one(_BRANCH, {"code": "T4", "active": True})

    with pytest.raises(IntegrityError):
        await duplicate()
    async with lean_transaction(db.engine) as tx:
        assert await tx.scalar(_COUNT) == 1


_PLAIN_BRANCH = Statement(
    insert(Branch).values(code=bindparam("code"), name_kk="К", name_ru="Р", name_en="E", active=True)
)


async def test_a_write_sent_without_waiting_fails_the_commit_and_nothing_is_kept(db: Database) -> None:
    async def two_writes() -> None:
        async with lean_transaction(db.engine) as tx:
            await tx.execute(_PLAIN_BRANCH, {"code": "T5"})
            await tx.execute(_PLAIN_BRANCH, {"code": "T5"})  # on PostgreSQL: sent, its error comes later

    with pytest.raises(IntegrityError):
        await two_writes()
    async with lean_transaction(db.engine) as tx:
        assert await tx.scalar(_COUNT) == 0


_RENAME = Statement(
    update(Branch).where(Branch.code == bindparam("k_code")).values(name_en=bindparam("name"))
)
_NAME = Statement(select(Branch.name_en).where(Branch.code == bindparam("k_code")))


async def test_writes_to_distinct_tables_go_together_and_reads_see_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[list[str | None]] = []
    send_batch = Tx._send_batch

    async def recorded(tx: Tx, part: Any) -> None:
        sent.append([write.compiled.table for write in part])
        await send_batch(tx, part)

    monkeypatch.setattr(Tx, "_send_batch", recorded)
    at = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    async with lean_transaction(db.engine) as tx:
        await tx.execute(_PLAIN_BRANCH, {"code": "T6"})
        branch_id = await tx.scalar(_BRANCH_ID, {"code": "T6"})  # a read: the insert is sent first
        await tx.execute(_RENAME, {"k_code": "T6", "name": "Renamed"})
        await events.append(tx, branch_id=branch_id, at=at, type="test.one")
        # A read of a table the batch does not touch does not wait for it.
        assert await tx.scalar(_DAY, {"day": date(2026, 3, 21)}) is None
        await tx.execute(_RENAME, {"k_code": "T6", "name": "Renamed again"})  # the same table: a new part
        await events.append(tx, branch_id=branch_id, at=at, type="test.two")
    ids = [event.id for event in await events.committed(tx)]
    async with lean_transaction(db.engine) as tx:
        assert await tx.scalar(_NAME, {"k_code": "T6"}) == "Renamed again"
        stored = await tx.rows(_EVENT_TYPES, {"branch_id": branch_id})
    assert [(row.id, row.type) for row in stored] == list(zip(ids, ["test.one", "test.two"], strict=True))
    if db.name == "postgresql":
        assert sent == [["branches"], ["branches", "events"], ["branches", "events"]]
    else:
        assert sent == []  # SQLite writes at once


_BRANCH_ID = Statement(select(Branch.id).where(Branch.code == bindparam("code")))
_EVENT_TYPES = Statement(
    select(Event.id, Event.type).where(Event.branch_id == bindparam("branch_id")).order_by(Event.id)
)


def test_a_memo_keeps_entries_for_their_time_to_live_and_forgets_on_demand() -> None:
    memo, at, ttl = Memo(), datetime(2026, 3, 20, 9, 0, tzinfo=UTC), timedelta(seconds=10)
    memo.put("issuing", 1, at, "one")
    memo.put("issuing", 2, at, "two")
    memo.put("profiles", 7, at, "seven")
    assert memo.get("issuing", 1, at + timedelta(seconds=9), ttl) == "one"
    assert memo.get("issuing", 1, at + ttl, ttl) is None
    assert memo.get("issuing", 1, at - timedelta(seconds=1), ttl) is None  # a clock set back
    memo.forget("issuing", 1)
    assert memo.get("issuing", 1, at, ttl) is None and memo.get("issuing", 2, at, ttl) == "two"
    memo.forget("issuing")
    assert memo.get("issuing", 2, at, ttl) is None and memo.get("profiles", 7, at, ttl) == "seven"
    memo.forget()
    assert memo.peek("profiles", 7) is None


def test_a_value_read_while_something_was_forgotten_is_not_kept() -> None:
    memo, at, ttl = Memo(), datetime(2026, 3, 20, 9, 0, tzinfo=UTC), timedelta(seconds=10)
    version = memo.version
    memo.forget("issuing", 3)  # a change committed while the value was being read: it may be the old one
    memo.put("issuing", 1, at, "read before the change", version=version)
    assert memo.get("issuing", 1, at, ttl) is None
    memo.put("issuing", 1, at, "read after it", version=memo.version)
    assert memo.get("issuing", 1, at, ttl) == "read after it"


def test_a_memo_announces_its_changes_once_a_hub_carries_them() -> None:
    memo, at, ttl = Memo(), datetime(2026, 3, 20, 9, 0, tzinfo=UTC), timedelta(seconds=10)
    memo.changed("issuing", 1)  # no hub: forgotten here only
    assert not memo.coherent
    told: list[tuple[str, int | None]] = []
    memo.announce = lambda kind, key: told.append((kind, key))
    assert memo.coherent
    memo.put("issuing", 1, at, "one")
    memo.changed("issuing", 1)
    memo.changed("profiles")
    assert memo.get("issuing", 1, at, ttl) is None
    assert told == [("issuing", 1), ("profiles", None)]
