"""The end of a centre's day: tickets still waiting from an earlier local day are cancelled (with the
reason in their event), never called the next morning."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.queue import service as queue_service
from birtereze.worker import schedule
from tests.builders import World
from tests.queue.test_pages import open_window, take_ticket


async def test_yesterdays_waiting_tickets_are_closed_and_not_called_today(
    app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    for _ in range(3):
        await take_ticket(client, world)
    window = await open_window(client, world, 2)
    called = await client.post(f"{window}/call-next", headers=world.auth("operator"))
    assert called.json()["visit"]["number"] == "A001"

    async with app.state.sessions() as session:
        assert await queue_service.close_past_days(session, now=clock.now()) == 0  # still the same day
        await session.commit()

    clock.advance(timedelta(days=1))
    job = next(job for job in schedule() if job.name == "queue.close_past_days")
    async with app.state.sessions() as session:
        await job.run(session, clock, app.state.settings)
        await session.commit()
        closed = (
            (await session.execute(select(Event).where(Event.type == "ticket.cancelled").order_by(Event.id)))
            .scalars()
            .all()
        )
    assert [(e.data["number"], e.data["reason"]) for e in closed] == [
        ("A002", "day_closed"),
        ("A003", "day_closed"),
    ]

    # The ticket at the window is the operator's to finish; nothing from yesterday is called today.
    assert (await client.post(f"{window}/confirm", headers=world.auth("operator"))).status_code == 200
    assert (await client.post(f"{window}/finish", headers=world.auth("operator"))).status_code == 200
    nothing = await client.post(f"{window}/call-next", headers=world.auth("operator"))
    assert nothing.status_code == 409 and nothing.json()["code"] == "no_ticket_waiting"
    today = await take_ticket(client, world)
    assert today["ticket"]["number"] == "A001"  # type: ignore[index]
    load = (await client.get(f"/api/v1/branches/{world.branch.id}/load")).json()
    assert load["waiting"] == 1
