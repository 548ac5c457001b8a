"""Replay after a reconnect: page by page, and a reset for a client too far behind."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from birtereze.web import stream
from tests.builders import World


async def frames_after(app: FastAPI, branch_id: int, after: int) -> list[bytes | int]:
    return [frame async for frame in stream._replay(app, branch_id, after=after)]


async def test_it_replays_page_by_page_then_asks_a_far_behind_client_to_reset(
    client: httpx.AsyncClient, app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        response = await client.post(
            f"/api/v1/branches/{world.branch.id}/tickets",
            json={"service_id": world.services["certificate"].id},
            headers=world.auth("kiosk"),
        )
        assert response.status_code == 201
    monkeypatch.setattr(stream, "REPLAY_PAGE", 2)
    monkeypatch.setattr(stream, "REPLAY_MAX_PAGES", 3)
    caught_up = await frames_after(app, world.branch.id, after=1)
    sent = [f for f in caught_up if isinstance(f, bytes)]
    assert len(sent) == 4 and caught_up[-1] == 5
    monkeypatch.setattr(stream, "REPLAY_MAX_PAGES", 1)
    behind = await frames_after(app, world.branch.id, after=0)
    assert behind[-1] == stream.RESET_FRAME
    assert len([f for f in behind if isinstance(f, bytes) and f != stream.RESET_FRAME]) == 2
