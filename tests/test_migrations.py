"""Migrations on a database that holds data: nothing is lost going down and up again on SQLite, where
batch mode rebuilds tables (the whole demo, a ticket included), and the tickets issued before the remote
tickets existed count as arrived when they were issued."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from birtereze import demo
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.core.migrate import downgrade, upgrade
from birtereze.queue import service as queue_service
from tests.conftest import START


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
        }


async def _a_ticket(url: str) -> None:
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            offered = await queue_service.list_offered(session, branch_id=1)
            await queue_service.issue_ticket(
                session, branch_id=1, service_id=offered[0].service_id, now=START
            )
    finally:
        await engine.dispose()


async def test_going_down_and_up_again_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "kept.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    await demo.load_into(url)
    await _a_ticket(url)
    before = _counts(path)
    assert before["visits"] == 1 and before["queues"] > 0 and before["windows"] > 0
    downgrade(url, "0006")
    # The tables of later migrations (the catalogue's standards, seeded by the demo) go with them; every
    # table that stays keeps every row through the batch rebuilds.
    kept = set(_counts(path))
    upgrade(url)
    after = _counts(path)
    assert {table: after[table] for table in kept} == {table: before[table] for table in kept}
    assert set(after) == set(before)
    with sqlite3.connect(path) as connection:
        arrived, issued = connection.execute("SELECT arrived_at, issued_at FROM visits").fetchone()
    assert arrived == issued
