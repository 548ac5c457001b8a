"""The hall's display board in a real browser (Chromium, 1920×1080) against a real server on SQLite: a
call appears within a second and is announced in Kazakh, then Russian; calls that come together are all
announced; a finished ticket leaves the screen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, Request, ViewportSize, expect

from birtereze.queue import announce
from tests.builders import World
from tests.conftest import need
from tests.web.hall import open_window, take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

TV: ViewportSize = {"width": 1920, "height": 1080}


@pytest.fixture
async def tv(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=TV, locale="kk-KZ")
    page = await context.new_page()
    yield page
    await context.close()


async def test_a_call_appears_at_once_and_is_announced_in_kazakh_then_russian(
    app: FastAPI, live_server: str, client: httpx.AsyncClient, world: World, tv: Page, tmp_path: Any
) -> None:
    need("espeak-ng", announce.available())
    app.state.announcer = announce.Announcer(tmp_path)
    asked: list[str] = []

    def heard(request: Request) -> None:
        if "/api/v1/announcements/" in request.url:
            asked.append(request.url.split("/api/v1/announcements/")[1])

    tv.on("request", heard)
    token = world.tokens["kiosk"]
    await tv.goto(f"{live_server}/board/{world.branch.id}?access_token={token}")
    await expect(tv.get_by_role("heading", level=2).first).to_have_text("Қазір шақырылуда")
    await expect(tv.locator("#board")).to_have_attribute("data-live", "true")  # the stream is open
    await take_ticket(client, world)
    await take_ticket(client, world)
    second = await open_window(client, world, 2, "operator")
    third = await open_window(client, world, 3, "operator2")

    # Two calls at once: both shown within a second, both announced, in order, each in kk then ru.
    called = await asyncio.gather(
        client.post(f"{second}/call-next", headers=world.auth("operator")),
        client.post(f"{third}/call-next", headers=world.auth("operator2")),
    )
    assert all(response.status_code == 200 for response in called)
    rows = tv.locator("#board-calls tr")
    await expect(rows).to_have_count(2, timeout=1000)
    await expect(tv.locator("#board-calls tr.board__call--new")).to_have_count(2)
    shown = {
        await row.get_attribute("data-number"): await row.get_attribute("data-window")
        for row in await rows.all()
    }
    assert shown == {"A001": "2", "A002": "3"} or shown == {"A001": "3", "A002": "2"}
    for _ in range(100):
        if len(asked) == 4:
            break
        await asyncio.sleep(0.1)
    await tv.screenshot(path=str(tmp_path / "board.png"))  # kept by pytest for a look at the last runs
    assert [entry.split("?")[0] for entry in asked] == ["kk", "ru", "kk", "ru"]
    assert {entry.split("?")[1] for entry in asked} == {f"ticket={n}&window={w}" for n, w in shown.items()}

    # The ticket served and finished leaves the "now" list for the earlier calls.
    for step in ("confirm", "finish"):
        done = await client.post(f"{second}/{step}", headers=world.auth("operator"))
        assert done.status_code == 200, done.text
    await expect(rows).to_have_count(1, timeout=2000)
    await expect(tv.locator("#board-earlier li")).to_have_count(1)


async def test_a_board_shows_the_calls_already_made_and_needs_a_devices_token(
    live_server: str, client: httpx.AsyncClient, world: World, tv: Page
) -> None:
    await take_ticket(client, world)
    window = await open_window(client, world, 2, "operator")
    assert (await client.post(f"{window}/call-next", headers=world.auth("operator"))).status_code == 200
    await tv.goto(f"{live_server}/board/{world.branch.id}?access_token={world.tokens['kiosk']}&lang=ru")
    await expect(tv.locator("#board-calls tr")).to_have_count(1)
    await expect(tv.locator("#board-calls .board__number")).to_have_text("A001")
    await expect(tv.get_by_role("heading", level=2).first).to_have_text("Сейчас вызываются")
    refused = await client.get(f"/board/{world.branch.id}")
    assert refused.status_code == 401


async def test_the_board_reconnects_by_itself_after_a_break(
    app: FastAPI, live_server: str, client: httpx.AsyncClient, world: World, tv: Page
) -> None:
    await tv.goto(f"{live_server}/board/{world.branch.id}?access_token={world.tokens['kiosk']}")
    board = tv.locator("#board")
    await expect(board).to_have_attribute("data-live", "true")
    app.state.hub.disconnect_all()  # as when the server restarts or the network drops
    await expect(board).to_have_attribute("data-live", "false")
    await expect(board).to_have_attribute("data-live", "true", timeout=15_000)
    await take_ticket(client, world)
    window = await open_window(client, world, 2, "operator")
    assert (await client.post(f"{window}/call-next", headers=world.auth("operator"))).status_code == 200
    await expect(tv.locator("#board-calls .board__number")).to_have_text("A001")
