"""The branch's live event stream (SSE) through a real HTTP server: order, commit, replay and scope."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from birtereze.core.errors import Conflict
from birtereze.core.events import Event, LiveEvent
from birtereze.queue import service as queue_service
from birtereze.web import stream
from birtereze.web.deps import DbSession, Now
from tests.builders import World
from tests.conftest import Database


@dataclass(frozen=True)
class Frame:
    id: int
    event: str
    data: dict[str, Any]


class Subscription:
    """Reads an SSE response in the background, so that a test can wait for a frame or for silence."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.connected = asyncio.Event()
        self.comments: list[str] = []
        self._frames: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    self.connected.set()
                elif line:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
                elif "data" in fields:
                    frame = Frame(int(fields["id"]), fields["event"], orjson.loads(fields["data"]))
                    self._frames.put_nowait(frame)
                    fields = {}
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.StreamClosed):
            pass
        finally:
            self._frames.put_nowait(None)

    async def next(self, within: float = 5.0) -> Frame:
        frame = await asyncio.wait_for(self._frames.get(), within)
        assert frame is not None, "the stream ended"
        return frame

    async def take(self, count: int) -> list[Frame]:
        return [await self.next() for _ in range(count)]

    async def silent_for(self, seconds: float) -> bool:
        try:
            await self.next(seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def subscribe(
    base_url: str,
    branch_id: int,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> AsyncIterator[Subscription]:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=None)) as http,
        http.stream(
            "GET", f"/api/v1/branches/{branch_id}/events", headers=headers, params=params
        ) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        subscription = Subscription(response)
        try:
            # The server subscribes to the hub before its first comment: from here nothing is missed.
            await asyncio.wait_for(subscription.connected.wait(), 5)
            yield subscription
        finally:
            await subscription.close()


async def take_ticket(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services["certificate"].id},
        headers=world.auth("kiosk"),
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()["ticket"]
    return ticket


async def call_next_at(client: httpx.AsyncClient, world: World, number: int) -> dict[str, Any]:
    window = f"/api/v1/windows/{world.windows[number].id}"
    auth = world.auth("operator")
    opened = await client.post(
        f"{window}/open", json={"work_profile_id": world.profiles["all"].id}, headers=auth
    )
    assert opened.status_code == 200, opened.text
    called = await client.post(f"{window}/call-next", headers=auth)
    assert called.status_code == 200, called.text
    desk: dict[str, Any] = called.json()
    return desk


async def test_it_streams_issued_and_called_tickets_in_order_with_their_publication_time(
    live_server: str, client: httpx.AsyncClient, world: World, db: Database
) -> None:
    async with subscribe(live_server, world.branch.id, world.auth("manager")) as events:
        ticket = await take_ticket(client, world)
        await call_next_at(client, world, 2)
        frames = await events.take(3)
        assert await events.silent_for(0.3)
    assert [frame.event for frame in frames] == ["ticket.issued", "window.opened", "ticket.called"]
    issued, _opened, called = frames
    assert issued.data["number"] == called.data["number"] == ticket["number"] == "A001"
    assert issued.data["visit_id"] == called.data["visit_id"] == ticket["id"]
    assert called.data["window_number"] == 2 and called.data["window_id"] == world.windows[2].id
    for frame in frames:
        assert frame.id == frame.data["id"] and frame.data["branch_id"] == world.branch.id
        assert frame.event == frame.data["type"]
        assert 0 <= time.time() - frame.data["published_at"] < 30
    async with db.sessions() as session:
        logged = (
            await session.execute(
                select(Event.id, Event.type).where(Event.branch_id == world.branch.id).order_by(Event.id)
            )
        ).all()
    assert [(frame.id, frame.event) for frame in frames] == [tuple(row) for row in logged]


async def test_it_publishes_only_once_the_change_is_committed(
    app: FastAPI, client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = app.state.hub
    publish = hub.publish
    visible: list[bool] = []

    async def publish_and_look(items: Sequence[LiveEvent]) -> None:
        # Another connection must already see the event row: the change committed before publication.
        async with db.sessions() as session:
            for item in items:
                visible.append(await session.get(Event, item.id) is not None)
        await publish(items)

    monkeypatch.setattr(hub, "publish", publish_and_look)
    await take_ticket(client, world)
    await call_next_at(client, world, 3)
    assert visible == [True, True, True]


async def test_it_publishes_nothing_when_the_unit_of_work_rolls_back(
    app: FastAPI, live_server: str, client: httpx.AsyncClient, world: World, db: Database
) -> None:
    async def issue_then_fail(session: DbSession, now: Now) -> None:
        # A real ticket, its number and its event written and flushed, then the operation fails.
        await queue_service.issue_ticket(
            session, branch_id=world.branch.id, service_id=world.services["certificate"].id, now=now
        )
        raise Conflict()

    app.add_api_route("/_test/issue-then-fail", issue_then_fail, methods=["POST"])
    async with subscribe(live_server, world.branch.id, world.auth("operator")) as events:
        failed = await client.post("/_test/issue-then-fail")
        assert failed.status_code == 409
        refused = await client.post(
            f"/api/v1/windows/{world.windows[2].id}/call-next", headers=world.auth("operator")
        )
        assert refused.status_code == 409
        ticket = await take_ticket(client, world)
        frame = await events.next()
        assert await events.silent_for(0.3)
    # The failed ticket left nothing: no event, no frame, not even its number.
    assert frame.event == "ticket.issued" and frame.data["visit_id"] == ticket["id"]
    assert ticket["number"] == "A001"
    async with db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Event))
    assert count == 1


async def test_it_replays_what_a_reconnecting_subscriber_missed(
    live_server: str, client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("operator")
    async with subscribe(live_server, world.branch.id, auth) as events:
        await take_ticket(client, world)
        seen = await events.next()
    missed = [await take_ticket(client, world) for _ in range(2)]
    async with subscribe(live_server, world.branch.id, {**auth, "Last-Event-ID": str(seen.id)}) as events:
        replayed = await events.take(2)
        later = await take_ticket(client, world)
        live = await events.next()
        assert await events.silent_for(0.3)
    assert [frame.data["number"] for frame in replayed] == [ticket["number"] for ticket in missed]
    assert [frame.data["number"] for frame in replayed] == ["A002", "A003"]
    assert all(frame.data["replayed"] is True for frame in replayed)
    assert seen.id < replayed[0].id < replayed[1].id < live.id
    assert live.data["number"] == later["number"] == "A004" and "replayed" not in live.data
    assert "published_at" in live.data


async def test_it_opens_the_stream_to_the_branchs_people_and_devices_only(
    live_server: str, client: httpx.AsyncClient, world: World
) -> None:
    url = f"/api/v1/branches/{world.branch.id}/events"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, params={"access_token": "btz_not-a-token"})).status_code == 401
    assert (await client.get(url, headers=world.auth("outsider"))).status_code == 404
    outsider = await client.get(url, params={"access_token": world.tokens["outsider"]})
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    unknown = await client.get("/api/v1/branches/987654/events", headers=world.auth("admin"))
    assert unknown.status_code == 404
    for persona in ("kiosk", "operator", "manager", "admin"):
        async with subscribe(live_server, world.branch.id, world.auth(persona)) as events:
            assert events.comments[0] == "connected"
    # A browser's EventSource cannot send headers: the token travels in the query.
    params = {"access_token": world.tokens["kiosk"]}
    async with subscribe(live_server, world.branch.id, params=params) as events:
        ticket = await take_ticket(client, world)
        frame = await events.next()
    assert frame.data["visit_id"] == ticket["id"]


async def test_it_keeps_an_idle_stream_alive_and_forgets_a_subscriber_who_left(
    app: FastAPI, live_server: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "HEARTBEAT_S", 0.1)
    async with subscribe(live_server, world.branch.id, world.auth("kiosk")) as events:
        assert app.state.hub.subscriber_count == 1
        await asyncio.sleep(0.5)
        assert events.comments.count("heartbeat") >= 2
    for _ in range(100):
        if app.state.hub.subscriber_count == 0:
            break
        await asyncio.sleep(0.05)
    assert app.state.hub.subscriber_count == 0


async def test_a_last_event_id_beyond_any_id_is_refused_before_the_stream_starts(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {**world.auth("manager"), "Last-Event-ID": str(2**63)}
    answer = await client.get(f"/api/v1/branches/{world.branch.id}/events", headers=headers)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
