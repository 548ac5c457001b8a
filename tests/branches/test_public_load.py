"""The public load's cache: one computation per centre per second and process, whatever the readers."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest
from fastapi import FastAPI

from birtereze.branches import public_load
from birtereze.branches.public_load import LoadCache
from birtereze.core.clock import ManualClock
from birtereze.queue import load as queue_load
from tests.builders import World
from tests.queue.test_pages import take_ticket


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The batches of centres computed."""
    made: list[list[int]] = []
    compute = queue_load.branch_loads

    async def counted(session, *, branch_ids, now):  # type: ignore[no-untyped-def]
        made.append(sorted(branch_ids))
        await asyncio.sleep(0.01)  # long enough for the other readers to arrive meanwhile
        return await compute(session, branch_ids=branch_ids, now=now)

    monkeypatch.setattr(queue_load, "branch_loads", counted)
    return made


async def test_readers_wait_for_one_first_computation_then_never(
    app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, computations: list[list[int]]
) -> None:
    ticks = Ticks()
    cache = LoadCache(app.state.sessions, clock.now, fresh_s=0.05, monotonic=ticks)
    try:
        loads = await asyncio.gather(*(cache.get(world.branch.id) for _ in range(20)))
        assert computations == [[world.branch.id]]
        assert len(set(loads)) == 1
        first = orjson.loads(loads[0] or b"null")
        assert first["waiting"] == 0 and first["at"] == clock.now().isoformat()
        await cache.get(world.other_branch.id)

        # The refresher computes every centre read lately, together, and readers get it without waiting.
        await take_ticket(client, world)
        clock.advance(5)
        for _ in range(100):
            again = orjson.loads(await cache.get(world.branch.id) or b"null")
            if again["at"] == clock.now().isoformat():
                break
            await asyncio.sleep(0.01)
        assert again["waiting"] == 1 and again["at"] == clock.now().isoformat()
        assert sorted([world.branch.id, world.other_branch.id]) in computations[2:]

        # A centre nobody reads any more is forgotten.
        ticks.value = public_load.FORGET_AFTER_S + 1
        await cache.get(world.branch.id)
        await asyncio.sleep(0.2)
        assert computations[-1] == [world.branch.id]
    finally:
        await cache.close()


async def test_it_remembers_that_a_centre_does_not_exist(
    app: FastAPI, world: World, clock: ManualClock, computations: list[list[int]]
) -> None:
    cache = LoadCache(app.state.sessions, clock.now, fresh_s=60, monotonic=Ticks())
    try:
        assert await cache.get(10**6) is None
        assert await cache.get(10**6) is None
        assert len(computations) == 1
    finally:
        await cache.close()


async def test_the_batch_is_the_single_centres_load(
    app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await take_ticket(client, world)
    window = f"/api/v1/windows/{world.windows[2].id}"
    opened = await client.post(
        f"{window}/open", json={"work_profile_id": world.profiles["all"].id}, headers=world.auth("operator")
    )
    assert opened.status_code == 200
    await take_ticket(client, world)
    await client.post(f"{window}/call-next", headers=world.auth("operator"))
    clock.advance(120)
    async with app.state.sessions() as session:
        together = await queue_load.branch_loads(
            session, branch_ids=[world.branch.id, world.other_branch.id, 10**6], now=clock.now()
        )
        alone = [await queue_load.branch_load(session, branch_id=b, now=clock.now()) for b in together]
    assert set(together) == {world.branch.id, world.other_branch.id}
    assert [together[load.branch_id] for load in alone] == alone


async def test_every_centres_load_in_one_answer(app: FastAPI, world: World, clock: ManualClock) -> None:
    cache = LoadCache(app.state.sessions, clock.now, fresh_s=1.0, monotonic=Ticks())
    try:
        loads = orjson.loads(await cache.every())
    finally:
        await cache.close()
    assert [load["branch_id"] for load in loads] == sorted([world.branch.id, world.other_branch.id])


async def test_the_api_serves_it_with_a_cache_header(client: httpx.AsyncClient, world: World) -> None:
    await take_ticket(client, world)
    response = await client.get(f"/api/v1/branches/{world.branch.id}/load")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=1"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]  # observed (and timed) as every request is
    body = response.json()
    assert body["waiting"] == 1 and {"queues", "services", "light", "at"} <= set(body)
    missing = await client.get("/api/v1/branches/999999/load")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    malformed = await client.get("/api/v1/branches/1x/load")
    assert malformed.status_code == 422  # not the fast path's: the route answers as documented
    every = (await client.get("/api/v1/load")).json()
    assert [load["code"] for load in every] == ["A", "B"]
