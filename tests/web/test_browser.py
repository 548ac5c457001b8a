"""The citizen's ticket page in a real browser (Chromium, 360 px wide) against a real server on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlparse

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.builders import World
from tests.web.hall import open_window, take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

PHONE: ViewportSize = {"width": 360, "height": 800}
# The page asks for news every few seconds; allow two rounds.
UPDATE_MS = 12_000


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=PHONE, locale="en-US")
    page = await context.new_page()
    yield page
    await context.close()


async def call_next_at(
    client: httpx.AsyncClient, world: World, number: int, persona: str = "operator"
) -> str:
    window = await open_window(client, world, number, persona)
    called = await client.post(f"{window}/call-next", headers=world.auth(persona))
    assert called.status_code == 200, called.text
    number_called: str = called.json()["visit"]["number"]
    return number_called


async def fits_the_screen(page: Page) -> bool:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


async def test_it_shows_the_window_to_go_to_without_reloading(
    live_server: str, client: httpx.AsyncClient, world: World, phone: Page
) -> None:
    await take_ticket(client, world)
    issued = await take_ticket(client, world)
    await phone.goto(f"{live_server}{urlparse(issued['status_url']).path}")
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Your ticket A002")
    await expect(phone.locator(".figure", has_text="People ahead of you")).to_contain_text("1")
    await expect(phone.get_by_role("status")).to_contain_text("Please wait for your turn")
    assert await fits_the_screen(phone)
    await phone.evaluate("window.stayedOnThisPage = true")

    assert await call_next_at(client, world, 2) == "A001"
    assert await call_next_at(client, world, 3, "operator2") == "A002"

    await expect(phone.locator(".call")).to_have_text("Please go to window 3", timeout=UPDATE_MS)
    assert await phone.evaluate("window.stayedOnThisPage") is True
    await expect(phone.get_by_text("Cancel my ticket")).to_be_hidden()
    assert await phone.title() == "A002 · Please go to window 3 · Birtereze"
    assert await fits_the_screen(phone)

    await phone.get_by_role("link", name="Қазақша").click()
    await expect(phone.locator("html")).to_have_attribute("lang", "kk")
    await expect(phone.locator(".call")).to_have_text("3-терезеге өтіңіз")
    await phone.get_by_role("link", name="Русский").click()
    await expect(phone.locator(".call")).to_have_text("Пройдите к окну 3")
    assert await fits_the_screen(phone)


async def test_it_speaks_the_browsers_language(
    live_server: str, client: httpx.AsyncClient, world: World, browser: Browser
) -> None:
    issued = await take_ticket(client, world)
    context = await browser.new_context(viewport=PHONE, locale="ru-RU")
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}{urlparse(issued['status_url']).path}")
        await expect(page.locator("html")).to_have_attribute("lang", "ru")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Ваш талон A001")
        await expect(page.get_by_role("status")).to_contain_text("Следующим вызовут вас")
    finally:
        await context.close()


async def test_it_cancels_a_ticket_only_after_the_citizen_confirms(
    live_server: str, client: httpx.AsyncClient, world: World, phone: Page
) -> None:
    issued = await take_ticket(client, world)
    await phone.goto(f"{live_server}{urlparse(issued['status_url']).path}?lang=en")
    confirm = phone.get_by_role("button", name="Yes, cancel the ticket")
    await expect(confirm).to_be_hidden()
    await phone.get_by_text("Cancel my ticket").click()
    await expect(phone.get_by_text("Are you sure? Your place in the queue will be lost.")).to_be_visible()
    await confirm.click()
    await expect(phone.get_by_role("status")).to_contain_text("This ticket has been cancelled.")
    assert urlparse(phone.url).query == "lang=en"
    status = await client.get(f"/api/v1/ticket-status/{issued['status_token']}")
    assert status.json()["status"] == "cancelled"


async def test_it_shows_a_friendly_page_for_a_bad_link(live_server: str, phone: Page) -> None:
    response = await phone.goto(f"{live_server}/t/not-a-valid-token")
    assert response is not None and response.status == 404
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Ticket not found")
    await phone.get_by_role("link", name="Қазақша").click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Талон табылмады")
