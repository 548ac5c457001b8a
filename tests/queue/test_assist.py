"""Calls for help in the hall (accessibility, M5) through the API: raised by a kiosk or a hardware button,
one call however often the button is pressed, answered once, scoped to the caller's centre, told to the
branch's subscribers at once, with the response time by the domain clock."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from birtereze.core.clock import ManualClock
from birtereze.core.events import Event, LiveEvent
from birtereze.core.live import Hub
from tests.builders import World
from tests.conftest import Database


def _calls(world: World) -> str:
    return f"/api/v1/branches/{world.branch.id}/assist-calls"


async def raise_call(
    client: httpx.AsyncClient, world: World, persona: str = "kiosk", **body: Any
) -> httpx.Response:
    return await client.post(_calls(world), json={"source": "kiosk", **body}, headers=world.auth(persona))


def _record_live(app: FastAPI) -> list[LiveEvent]:
    """The live events the app publishes from here on (the hub still delivers them)."""
    seen: list[LiveEvent] = []
    hub: Hub = app.state.hub
    publish = hub.publish

    async def publish_and_record(items: Sequence[LiveEvent]) -> None:
        seen.extend(items)
        await publish(items)

    hub.publish = publish_and_record  # type: ignore[method-assign]
    return seen


async def test_it_raises_a_call_and_lists_it_as_open(client: httpx.AsyncClient, world: World) -> None:
    raised = await raise_call(client, world)
    assert raised.status_code == 201, raised.text
    call = raised.json()
    assert call["source"] == "kiosk" and call["device"] == "kiosk" and call["open"] is True
    assert call["answered_at"] is None and call["response_s"] is None
    listed = await client.get(_calls(world), headers=world.auth("manager"))
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [call["id"]]


async def test_it_takes_a_press_again_as_the_same_call_and_alerts_once(
    client: httpx.AsyncClient, app: FastAPI, world: World, clock: ManualClock
) -> None:
    live = _record_live(app)
    first = await raise_call(client, world, source="button", device="button-7")
    clock.advance(30)
    again = await raise_call(client, world, source="button", device="button-7")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other = await raise_call(client, world, source="button", device="button-8")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert [e.type for e in live] == ["assist.called", "assist.called"]
    # Long unanswered, a press is a new alert.
    clock.advance(600)
    late = await raise_call(client, world, source="button", device="button-7")
    assert late.status_code == 201 and late.json()["id"] != first.json()["id"]


async def test_it_answers_once_and_records_the_response_time(
    client: httpx.AsyncClient, app: FastAPI, world: World, clock: ManualClock, db: Database
) -> None:
    live = _record_live(app)
    call = (await raise_call(client, world, zone_id=world.windows[1].zone_id)).json()
    clock.advance(75)
    accessible = world.windows[1].id
    answered = await client.post(
        f"/api/v1/assist-calls/{call['id']}/answer",
        json={"window_id": accessible},
        headers=world.auth("operator"),
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["response_s"] == 75.0 and body["open"] is False
    assert body["answered_by"] == world.staff["operator"] and body["staff_name"] == "Operator"
    assert body["window_id"] == accessible and body["window_number"] == 1

    clock.advance(5)
    twice = await client.post(
        f"/api/v1/assist-calls/{call['id']}/answer", json={}, headers=world.auth("manager")
    )
    assert twice.status_code == 409 and twice.json()["code"] == "assist_call_answered"
    assert (await client.get(_calls(world), headers=world.auth("manager"))).json() == []
    recent = await client.get(_calls(world), params={"open": "false"}, headers=world.auth("manager"))
    assert [c["response_s"] for c in recent.json()] == [75.0]

    called, done = live
    assert called.type == "assist.called" and called.branch_id == world.branch.id
    assert {k: called.data[k] for k in ("call_id", "source", "device", "zone_id")} == {
        "call_id": call["id"],
        "source": "kiosk",
        "device": "kiosk",
        "zone_id": world.windows[1].zone_id,
    }
    raised_at = datetime.fromisoformat(called.data["raised_at"])
    assert raised_at == datetime.fromisoformat(call["raised_at"]) == clock.now() - timedelta(seconds=80)
    assert done.type == "assist.answered"
    assert done.data["response_s"] == 75.0 and done.data["window_number"] == 1
    assert done.data["staff_name"] == "Operator" and done.data["window_id"] == accessible
    assert done.data["answered_at"] and done.data["call_id"] == call["id"]
    async with db.sessions() as session:
        logged = (await session.execute(select(Event.type).where(Event.type.like("assist.%")))).scalars()
        assert list(logged) == ["assist.called", "assist.answered"]


async def test_it_keeps_calls_to_their_centre(client: httpx.AsyncClient, world: World) -> None:
    call = (await raise_call(client, world)).json()
    outsider = world.auth("outsider")
    assert (await client.get(_calls(world), headers=outsider)).status_code == 404
    assert (await client.post(_calls(world), json={"source": "kiosk"}, headers=outsider)).status_code == 404
    refused = await client.post(f"/api/v1/assist-calls/{call['id']}/answer", json={}, headers=outsider)
    assert refused.status_code == 404
    # A window of another centre cannot take it.
    elsewhere = await client.post(
        f"/api/v1/assist-calls/{call['id']}/answer",
        json={"window_id": world.windows[9].id},
        headers=world.auth("operator"),
    )
    assert elsewhere.status_code == 404
    # A kiosk raises calls but does not answer them, nor claim to be an operator.
    kiosk = world.auth("kiosk")
    assert (
        await client.post(f"/api/v1/assist-calls/{call['id']}/answer", json={}, headers=kiosk)
    ).status_code == 403
    assert (await raise_call(client, world, source="operator")).status_code == 403
    assert (await client.post(_calls(world), json={"source": "kiosk"})).status_code == 401
    assert (await raise_call(client, world, zone_id=world.windows[9].zone_id)).status_code == 404
    assert (await raise_call(client, world, device="no spaces")).status_code == 422


async def test_it_makes_one_call_of_presses_that_come_together(
    client: httpx.AsyncClient, world: World
) -> None:
    presses = await asyncio.gather(
        *(raise_call(client, world, source="button", device="b1") for _ in range(4))
    )
    assert sorted(p.status_code for p in presses) == [200, 200, 200, 201]
    assert len({p.json()["id"] for p in presses}) == 1
