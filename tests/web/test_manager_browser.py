"""The branch manager's board in a real browser (Chromium, 1366×768) against a real server on SQLite: the
windows and queues show; a ticket taken through the API changes the waiting count live; a call for help
appears within a second and is answered from the page; a window is opened and closed from the page; the
language switch keeps the manager signed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.builders import World
from tests.web.hall import take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

DESK: ViewportSize = {"width": 1366, "height": 768}


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESK, locale="en-US")
    page = await context.new_page()
    yield page
    await context.close()


async def open_board(page: Page, live_server: str, world: World) -> None:
    token = world.tokens["manager"]
    await page.goto(f"{live_server}/manage/{world.branch.id}?lang=en&access_token={token}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Manager board")
    await expect(page.locator("#manager")).to_have_attribute("data-live", "true")  # the stream is open


async def test_the_board_shows_the_hall_and_follows_it_live(
    live_server: str, client: httpx.AsyncClient, world: World, desk: Page, tmp_path: Path
) -> None:
    await open_board(desk, live_server, world)
    await expect(desk.locator("#windows-table tbody tr")).to_have_count(3)
    await expect(desk.locator("#queues-table tbody tr")).to_have_count(3)
    waiting = desk.locator('#queues-table tr[data-prefix="A"] .manager__waiting')
    await expect(waiting).to_have_text("0")

    await take_ticket(client, world)
    await expect(waiting).to_have_text("1", timeout=1000)
    await take_ticket(client, world)
    await expect(waiting).to_have_text("2", timeout=1000)
    # The day's figures follow a little later.
    await expect(desk.locator("#kpi-issued")).to_have_text("2", timeout=6000)
    await desk.screenshot(path=str(tmp_path / "manager.png"))  # kept by pytest for a look


async def test_a_call_for_help_appears_at_once_and_is_answered_from_the_board(
    live_server: str, client: httpx.AsyncClient, world: World, desk: Page
) -> None:
    await open_board(desk, live_server, world)
    await expect(desk.locator(".assist__call")).to_have_count(0)
    raised = await client.post(
        f"/api/v1/branches/{world.branch.id}/assist-calls",
        json={"source": "button", "device": "button-hall"},
        headers=world.auth("kiosk"),
    )
    assert raised.status_code == 201, raised.text
    call = desk.locator(".assist__call")
    await expect(call).to_have_count(1, timeout=1000)
    await expect(call).to_contain_text("button-hall")
    await expect(desk.locator("#manager-announce")).to_have_text("A call for help has come in.")

    await desk.locator(f"#assist-window-{raised.json()['id']}").select_option(str(world.windows[1].id))
    await call.get_by_role("button", name="Answer").click()
    await expect(desk.locator(".assist__call")).to_have_count(0)
    await expect(desk.locator("#assist-day-answered")).to_have_text("1", timeout=6000)
    recent = await client.get(
        f"/api/v1/branches/{world.branch.id}/assist-calls",
        params={"open": "false"},
        headers=world.auth("manager"),
    )
    (answered,) = recent.json()
    assert answered["answered_by"] == world.staff["manager"]
    assert answered["window_number"] == 1


async def test_the_manager_opens_and_closes_a_window_from_the_board(
    live_server: str, client: httpx.AsyncClient, world: World, desk: Page
) -> None:
    await open_board(desk, live_server, world)
    window = world.windows[3]
    row = desk.locator(f'#windows-table tr[data-window="{window.id}"]')
    await expect(row).to_have_attribute("data-state", "closed")
    await desk.locator(f"#profile-{window.id}").select_option(str(world.profiles["social"].id))
    await row.get_by_role("button", name="Open window 3").click()
    await expect(row).to_have_attribute("data-state", "open")
    await expect(row).to_contain_text("Manager")  # the one who opened it sits there
    await expect(desk.locator(f"#profile-{window.id}")).to_have_value(str(world.profiles["social"].id))

    # Change the profile, by keyboard.
    await desk.locator(f"#profile-{window.id}").select_option(str(world.profiles["all"].id))
    await row.get_by_role("button", name="Change profile of window 3").focus()
    await desk.keyboard.press("Enter")
    await expect(desk.locator("#manager-message")).to_have_text("Done.")
    windows = await client.get(f"/api/v1/branches/{world.branch.id}/windows", headers=world.auth("manager"))
    (listed,) = [w for w in windows.json() if w["window_id"] == window.id]
    assert listed["work_profile_id"] == world.profiles["all"].id

    await row.get_by_role("button", name="Close window 3").click()
    await expect(row).to_have_attribute("data-state", "closed")

    # A refusal is the API's translated reason: the manager already sits at another window.
    await row.get_by_role("button", name="Open window 3").click()
    await expect(row).to_have_attribute("data-state", "open")
    other = desk.locator(f'#windows-table tr[data-window="{world.windows[2].id}"]')
    await other.get_by_role("button", name="Open window 2").click()
    await expect(desk.locator("#manager-message")).to_contain_text("3")
    await expect(other).to_have_attribute("data-state", "closed")


async def test_the_language_switch_keeps_the_board_signed_in(
    live_server: str, world: World, desk: Page
) -> None:
    await open_board(desk, live_server, world)
    await desk.get_by_role("link", name="Қазақша").click()
    await expect(desk.get_by_role("heading", level=1)).to_have_text("Басшы тақтасы")
    await expect(desk.locator("html")).to_have_attribute("lang", "kk")
    await desk.get_by_role("link", name="Русский").click()
    await expect(desk.get_by_role("heading", level=1)).to_have_text("Панель руководителя")
    await expect(desk.locator("#manager")).to_have_attribute("data-live", "true")
    await expect(desk.get_by_role("heading", name="Окна")).to_be_visible()
