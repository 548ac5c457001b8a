"""Live events across processes through Redis pub/sub (the Redis tier: required in CI)."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pytest
import redis.asyncio as redis
from asgi_lifespan import LifespanManager
from structlog.testing import capture_logs

from birtereze.core import live
from birtereze.core.clock import ManualClock
from birtereze.core.events import LiveEvent
from birtereze.core.live import RedisHub
from birtereze.core.settings import Settings
from birtereze.core.sql import Memo, memo_of
from birtereze.web.app import create_app
from tests.builders import World

pytestmark = pytest.mark.redis

Inbox = asyncio.Queue[dict[str, Any] | None]

# Pub/sub channels are shared by every database of a Redis server: a prefix no other test run uses.
PREFIX = f"birtereze-test-{uuid.uuid4().hex[:12]}:"


def fresh_branch_id() -> int:
    # Pub/sub channels are shared by every database of a Redis server: ids no other test run uses.
    return 10**12 + secrets.randbelow(10**11) * 10


def ping(branch_id: int, event_id: int, **data: object) -> LiveEvent:
    return LiveEvent(
        id=event_id, branch_id=branch_id, type="test.ping", at="2026-11-27T05:00:00+00:00", data=data
    )


def with_client_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"client_name": name})))


@asynccontextmanager
async def running(hub: RedisHub) -> AsyncIterator[RedisHub]:
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


async def next_payload(inbox: Inbox, within: float = 5.0) -> dict[str, Any]:
    payload = await asyncio.wait_for(inbox.get(), within)
    assert payload is not None
    return payload


async def stays_empty(inbox: Inbox, seconds: float = 0.3) -> bool:
    await asyncio.sleep(seconds)
    return inbox.empty()


async def test_it_carries_events_from_one_process_to_anothers_subscribers_in_order(redis_url: str) -> None:
    branch = fresh_branch_id()
    async with (
        running(RedisHub(redis_url, prefix=PREFIX)) as sender,
        running(RedisHub(redis_url, prefix=PREFIX)) as receiver,
        receiver.subscribe(branch) as remote,
        sender.subscribe(branch) as local,
        receiver.subscribe(branch + 1) as other_branch,
    ):
        await sender.publish([ping(branch, 1, number="A001"), ping(branch, 2, number="A002")])
        received = [await next_payload(remote), await next_payload(remote)]
        # The publishing process's own subscribers hear it once, through Redis like everyone else.
        heard_here = [await next_payload(local), await next_payload(local)]
        assert await stays_empty(other_branch)
        assert remote.empty() and local.empty()
    assert [p["number"] for p in received] == [p["number"] for p in heard_here] == ["A001", "A002"]
    assert all(p["branch_id"] == branch and p["type"] == "test.ping" for p in received)
    assert all(isinstance(p["published_at"], float) for p in received)


async def test_publishing_does_not_wait_for_redis_and_one_turns_events_leave_together(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    branch = fresh_branch_id()
    async with (
        running(RedisHub(redis_url, prefix=PREFIX)) as sender,
        running(RedisHub(redis_url, prefix=PREFIX)) as receiver,
        receiver.subscribe(branch) as remote,
    ):
        sent: list[int] = []
        send = sender._send_messages

        async def counting(messages: list[tuple[str, bytes]]) -> None:
            sent.append(len(messages))
            await send(messages)

        monkeypatch.setattr(sender, "_send_messages", counting)
        # Three units of work committed in one turn of the event loop: publish returns at once.
        for number in range(1, 4):
            await sender.publish([ping(branch, number)])
        assert sent == []
        received = [await next_payload(remote) for _ in range(3)]
        assert [p["id"] for p in received] == [1, 2, 3]
        assert sent == [3]  # one pipeline


async def test_a_stopping_hub_still_sends_what_was_published(redis_url: str) -> None:
    branch = fresh_branch_id()
    async with running(RedisHub(redis_url, prefix=PREFIX)) as receiver, receiver.subscribe(branch) as remote:
        sender = RedisHub(redis_url, prefix=PREFIX)
        await sender.start()
        await sender.publish([ping(branch, 1), ping(branch, 2)])
        await sender.stop()
        assert [(await next_payload(remote))["id"] for _ in range(2)] == [1, 2]


async def test_an_event_redis_refuses_is_logged_and_the_next_ones_still_go(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    branch = fresh_branch_id()
    async with (
        running(RedisHub(redis_url, prefix=PREFIX)) as sender,
        running(RedisHub(redis_url, prefix=PREFIX)) as receiver,
        receiver.subscribe(branch) as remote,
    ):
        publish = sender._redis.publish
        failures = [ConnectionError("Redis went away")]

        async def failing_once(channel: str, message: bytes) -> Any:
            if failures:
                raise failures.pop()
            return await publish(channel, message)

        monkeypatch.setattr(sender._redis, "publish", failing_once)
        with capture_logs() as logs:
            await sender.publish([ping(branch, 1)])  # no error reaches the caller: the change is committed
            await asyncio.sleep(0.1)
        assert [entry["event"] for entry in logs] == ["live.publish_failed"]
        await sender.publish([ping(branch, 2)])
        assert (await next_payload(remote))["id"] == 2
        assert await stays_empty(remote)


async def test_it_fans_a_committed_ticket_out_to_another_app_instance(
    settings: Settings, clock: ManualClock, world: World, redis_url: str
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url, "live_channel_prefix": PREFIX})
    first, second = create_app(shared, clock), create_app(shared, clock)
    async with (
        LifespanManager(first),
        LifespanManager(second),
        second.state.hub.subscribe(world.branch.id) as inbox,
        second.state.hub.subscribe(world.other_branch.id) as other_inbox,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://first") as http,
    ):
        assert isinstance(first.state.hub, RedisHub) and isinstance(second.state.hub, RedisHub)
        response = await http.post(
            f"/api/v1/branches/{world.branch.id}/tickets",
            json={"service_id": world.services["certificate"].id},
            headers=world.auth("kiosk"),
        )
        assert response.status_code == 201, response.text
        ticket = response.json()["ticket"]
        payload = await next_payload(inbox)
        while payload.get("visit_id") != ticket["id"]:  # another test run's traffic on the same channel
            payload = await next_payload(inbox)
        seen_elsewhere = []
        while not other_inbox.empty():
            seen_elsewhere.append(other_inbox.get_nowait())
    assert payload["type"] == "ticket.issued" and payload["number"] == ticket["number"]
    assert payload["branch_id"] == world.branch.id and "published_at" in payload
    assert all(p is None or p.get("visit_id") != ticket["id"] for p in seen_elsewhere)


async def test_a_configuration_change_reaches_another_app_instance_at_once(
    settings: Settings, clock: ManualClock, world: World, redis_url: str
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url, "live_channel_prefix": PREFIX})
    first, second = create_app(shared, clock), create_app(shared, clock)
    ticket = {"service_id": world.services["certificate"].id}
    url = f"/api/v1/branches/{world.branch.id}"
    async with (
        LifespanManager(first),
        LifespanManager(second),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://first") as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://second") as kiosk,
    ):
        memo = memo_of(second.state.engine.sync_engine)
        assert memo.coherent
        issued = await kiosk.post(f"{url}/tickets", json=ticket, headers=world.auth("kiosk"))
        assert issued.status_code == 201, issued.text
        assert memo.peek("issuing", world.branch.id) is not None  # the second instance keeps the centre
        # The first instance closes the centre until 11:00 today (a Friday, 10:00 by the clock).
        hours = [{"weekday": 5, "opens": "11:00", "closes": "20:00"}]
        changed = await manager.put(f"{url}/hours", json=hours, headers=world.auth("manager"))
        assert changed.status_code == 200, changed.text
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while memo.peek("issuing", world.branch.id) is not None:
            assert loop.time() < deadline, "the change was not announced"
            await asyncio.sleep(0.01)
        # The clock has not moved: without the announcement the second instance would still issue.
        refused = await kiosk.post(f"{url}/tickets", json=ticket, headers=world.auth("kiosk"))
    assert refused.status_code == 409 and refused.json()["code"] == "centre_closed"


async def test_it_listens_again_after_redis_drops_the_connection(redis_url: str) -> None:
    branch = fresh_branch_id()
    name = f"birtereze-test-{uuid.uuid4().hex[:12]}"
    admin = redis.from_url(redis_url)
    try:
        async with (
            running(RedisHub(redis_url, prefix=PREFIX)) as sender,
            running(RedisHub(with_client_name(redis_url, name), prefix=PREFIX)) as receiver,
            receiver.subscribe(branch) as inbox,
        ):
            memo = Memo()
            receiver.attach(memo)
            memo.put("issuing", branch, datetime(2026, 11, 27, tzinfo=UTC), "kept")
            listeners = [c for c in await admin.client_list(_type="pubsub") if c.get("name") == name]
            assert len(listeners) == 1
            killed = await admin.client_kill_filter(_id=listeners[0]["id"])
            assert killed == 1
            # Events published while it reconnects are lost to this process: once the listener is back
            # it ends its subscribers' streams, so that they reconnect and replay them from the log.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while True:
                try:
                    assert await asyncio.wait_for(inbox.get(), 0.5) is None  # the end of the stream
                    break
                except TimeoutError:
                    assert loop.time() < deadline, "the listener did not come back"
            # Changes announced meanwhile are lost too: the memo starts afresh.
            assert memo.peek("issuing", branch) is None
            back = [c for c in await admin.client_list(_type="pubsub") if c.get("name") == name]
            assert len(back) == 1 and back[0]["id"] != listeners[0]["id"]
            async with receiver.subscribe(branch) as again:
                await sender.publish([ping(branch, 1)])
                payload = await next_payload(again, 5)
            assert payload["id"] == 1 and payload["branch_id"] == branch
    finally:
        await admin.aclose()


async def test_it_ends_the_stream_of_a_subscriber_too_far_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "SUBSCRIBER_BUFFER", 2)
    hub = live.Hub()
    async with hub.subscribe(7) as queue:
        for number in range(3):
            await hub.publish([LiveEvent(id=number + 1, branch_id=7, type="ticket.issued", at="")])
        # Dropped: what was buffered is discarded and the end-of-stream marker waits instead.
        assert queue.get_nowait() is None
        assert hub.subscriber_count == 0
