"""Check-in at the kiosk in a real browser (Chromium, 1080×1920 and a 10" tablet): a booked visitor
chooses "I have a booking", the scanner types the booking's code and Enter, and the ticket is shown with
its number and the booked time; a code that is unknown, too early or too late is answered on the screen
in the visitor's language, a late one with the way back to the general queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from birtereze.core.clock import ManualClock
from tests.builders import World
from tests.queue.test_kiosk_check_in import TODAY_AT, book

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

KIOSK: ViewportSize = {"width": 1080, "height": 1920}
TABLET: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        await context.close()


async def screen(browser: Browser, contexts: list[BrowserContext], size: ViewportSize) -> Page:
    context = await browser.new_context(viewport=size, locale="kk-KZ")
    contexts.append(context)
    page = await context.new_page()
    page.on("pageerror", lambda error: pytest.fail(f"script error on {page.url}: {error}"))
    return page


async def scan(kiosk: Page, code: str) -> None:
    """What the 2D scanner does: types the QR code's text into the focused field, then Enter."""
    await kiosk.keyboard.type(code, delay=5)
    await kiosk.keyboard.press("Enter")


async def test_a_booked_visitor_checks_in_by_the_booking_qr_code(
    live_server: str,
    app: FastAPI,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
    clock: ManualClock,
    tmp_path: Any,
) -> None:
    on_time = await book(app, world, clock, 10, 30)
    later = await book(app, world, clock, 12, 0, citizen=1)
    clock.set(TODAY_AT + timedelta(hours=10, minutes=20))
    kiosk = await screen(browser, contexts, KIOSK)
    await kiosk.goto(f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}")
    await kiosk.get_by_role("link", name="Русский").click()
    await kiosk.get_by_role("button", name="У меня запись").click()
    await expect(kiosk.get_by_role("heading", name="У меня запись")).to_be_visible()
    field = kiosk.get_by_label("Отсканируйте QR-код вашей записи или введите её код")
    await expect(field).to_be_focused()  # where the scanner types
    await expect(kiosk.get_by_role("img", name="QR-код для отметки прихода")).to_be_visible()
    problem = kiosk.locator("#kiosk-check-in-problem")

    # A code typed on the screen's keyboard that no booking has.
    keyboard = kiosk.locator("#kiosk-code-keyboard")
    for key in "ZZ22ZZ":
        await keyboard.get_by_role("button", name=key, exact=True).click()
    await expect(field).to_have_value("ZZ22ZZ")
    await expect(field).to_be_focused()  # a tap on a key leaves the focus in the field
    await kiosk.get_by_role("button", name="Отметить приход").click()
    await expect(problem).to_contain_text("Записи с таким кодом на сегодня в этом центре нет.")
    await expect(kiosk.get_by_role("button", name="Взять талон в общую очередь")).to_be_hidden()

    # Too early: from when, in the centre's time. The next scan replaces the code in the field.
    await scan(kiosk, later.code)
    await expect(problem).to_contain_text("Отметиться ещё рано: отметьтесь начиная с 11:45.")
    await kiosk.screenshot(path=str(tmp_path / "kiosk-check-in.png"))

    # On time: the ticket, as the kiosk shows any ticket, with the booked time.
    await scan(kiosk, on_time.code.lower())
    slip = kiosk.locator("#kiosk-slip-ticket")
    await expect(slip).to_have_attribute("data-number", "A001")
    await expect(slip).to_contain_text("Запись на 10:30")
    await expect(kiosk.get_by_role("heading", name="Возьмите ваш талон")).to_be_visible()

    # The same code again, later: used. And the 12:00 booking ten minutes after its arrival window:
    # too late, and the way to the general queue.
    await kiosk.get_by_role("button", name="Готово").click()
    await expect(kiosk.locator("html")).to_have_attribute("lang", "kk")
    await kiosk.get_by_role("link", name="English").click()
    await kiosk.get_by_role("button", name="I have a booking").click()
    await scan(kiosk, on_time.code)
    await expect(problem).to_contain_text("This booking has already been checked in or cancelled.")
    clock.set(TODAY_AT + timedelta(hours=12, minutes=11))
    await kiosk.get_by_role("button", name="Clear").click()
    await scan(kiosk, later.code)
    await expect(problem).to_contain_text("The arrival time of this booking has passed")
    await kiosk.get_by_role("button", name="Take a ticket in the general queue").click()
    await expect(kiosk.get_by_role("heading", name="Choose a service")).to_be_visible()


async def test_the_check_in_screen_fits_a_tablet(
    live_server: str, world: World, browser: Browser, contexts: list[BrowserContext], tmp_path: Any
) -> None:
    tablet = await screen(browser, contexts, TABLET)
    await tablet.goto(
        f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}&lang=kk#services"
    )
    await tablet.get_by_role("button", name="Менде жазылу бар").click()
    await expect(tablet.locator("#kiosk-code")).to_be_focused()
    for control in (
        tablet.locator("#kiosk-code"),
        tablet.locator("#kiosk-check-in-button"),
        tablet.locator("#kiosk-code-keyboard button").first,
    ):
        await expect(control).to_be_in_viewport()
        box = await control.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    await tablet.screenshot(path=str(tmp_path / "tablet-check-in.png"), full_page=True)
    # Nothing wider than the screen: no sideways scrolling.
    assert await tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    await expect(tablet.locator(".kiosk__arrival-qr").last).to_be_visible()
    await tablet.screenshot(path=str(tmp_path / "tablet-check-in.png"), full_page=True)
