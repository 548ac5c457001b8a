"""The hall end to end in a real browser (Chromium) against a real server on SQLite: a ticket taken at
the kiosk (1080×1920) reaches the operator's console (1366×768), is called from the keyboard, shows on
the display board (1920×1080) within a second and is announced; transfers, a delayed return and a
no-show go through the console; a disability ticket goes to the accessible window; and every hall page
switches language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, ViewportSize, expect

from birtereze.core.clock import ManualClock
from tests.builders import PASSWORD, World
from tests.web.hall import open_window, take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

KIOSK: ViewportSize = {"width": 1080, "height": 1920}
CONSOLE: ViewportSize = {"width": 1366, "height": 768}
TV: ViewportSize = {"width": 1920, "height": 1080}


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


async def sign_in(console: Page, base: str, window: int, world: World) -> None:
    await console.goto(f"{base}/console?lang=en")
    await console.get_by_label("Username").fill("operator")
    await console.get_by_label("Password").fill(PASSWORD)
    await console.get_by_role("button", name="Sign in").click()
    await expect(console.get_by_role("heading", name="Choose your window")).to_be_visible()
    await console.locator(f'input[name="window_id"][value="{world.windows[window].id}"]').check()
    await console.get_by_label("Work profile").select_option(str(world.profiles["all"].id))
    await console.get_by_role("button", name="Open the window").click()
    await expect(console.get_by_role("heading", name=f"Window {window}")).to_be_visible()
    await expect(console.locator("#console-live")).to_have_attribute("data-live", "true")


async def test_a_ticket_from_the_kiosk_is_called_from_the_console_and_shown_on_the_board(
    live_server: str,
    client: httpx.AsyncClient,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
    clock: ManualClock,
    tmp_path: Any,
) -> None:
    kiosk = await screen(browser, contexts, KIOSK)
    console = await screen(browser, contexts, CONSOLE)
    tv = await screen(browser, contexts, TV)
    announced: list[str] = []

    def heard(request: Request) -> None:
        if "/api/v1/announcements/" in request.url:
            announced.append(request.url.split("/api/v1/announcements/")[1])

    tv.on("request", heard)
    token = world.tokens["kiosk"]
    await tv.goto(f"{live_server}/board/{world.branch.id}?access_token={token}")
    await expect(tv.locator("#board")).to_have_attribute("data-live", "true")
    await sign_in(console, live_server, 2, world)
    await expect(console.locator("#console-desk")).to_contain_text("Nobody is waiting for this window.")

    # The kiosk: Kazakh first; the visitor picks Russian, then the service.
    await kiosk.goto(f"{live_server}/kiosk/{world.branch.id}?access_token={token}")
    await expect(kiosk.locator("html")).to_have_attribute("lang", "kk")
    await kiosk.get_by_role("link", name="Русский").click()
    await expect(kiosk.get_by_role("heading", name="Выберите услугу")).to_be_visible()
    await kiosk.get_by_label("Поиск услуги").fill("certif")
    await expect(kiosk.get_by_role("button", name="Consultation (ru)")).to_be_hidden()
    await kiosk.get_by_role("button", name="Certificate (ru)").click()
    slip = kiosk.locator("#kiosk-slip-ticket")
    await expect(slip).to_have_attribute("data-number", "A001")
    await expect(slip).to_contain_text("Перед вами: 0")
    await kiosk.screenshot(path=str(tmp_path / "kiosk.png"))

    # The board counts it in its queue's waiting line; its information line starts with today's hours.
    await expect(tv.locator('#board-queues tr[data-prefix="A"] .board__count').first).to_have_text("1")
    await expect(tv.locator("#board-info")).to_contain_text("09:00")

    # The console sees it without being asked, and calls it from the keyboard.
    waiting = console.locator(".console__lines tbody tr")
    await expect(waiting).to_have_count(1)
    await expect(waiting.first).to_have_attribute("data-number", "A001")
    await console.keyboard.press("n")
    await expect(console.locator("[data-view=desk]")).to_have_attribute("data-ticket", "A001")
    await expect(tv.locator('#board-calls tr[data-number="A001"]')).to_have_attribute(
        "data-window", "2", timeout=1000
    )
    for _ in range(50):
        if len(announced) >= 2:
            break
        await tv.wait_for_timeout(100)
    assert [entry.split("?")[0] for entry in announced[:2]] == ["kk", "ru"]
    assert announced[0].endswith("?ticket=A001&window=2")

    # The citizen comes; the operator records the service, then transfers the ticket to queue B.
    await console.keyboard.press("a")
    await expect(console.locator("[data-view=desk]")).to_have_attribute("data-state", "serving")
    await console.get_by_role("button", name="Record", exact=True).click()
    await expect(console.locator(".console__recorded")).to_contain_text("Certificate")
    await console.keyboard.press("t")
    transfer = console.locator("#transfer-panel form")
    await transfer.locator('select[name="queue_id"]').select_option(str(world.queues["B"].id))
    await transfer.get_by_role("button", name="Transfer the ticket").click()
    desk = console.locator("[data-view=desk]")
    await expect(desk).to_have_attribute("data-ticket", "")
    # Its work profile serves queue B too: the ticket is first in line again.
    await expect(waiting.first).to_have_attribute("data-number", "A001")
    await expect(waiting.first).to_contain_text("B · Social")

    # A delayed return: called again, sent back to queue A for 10 minutes.
    await console.get_by_role("button", name="Call A001").click()
    await expect(desk).to_have_attribute("data-state", "calling")
    await console.locator("#transfer-panel summary").click()
    await transfer.locator('select[name="queue_id"]').select_option(str(world.queues["A"].id))
    await transfer.get_by_label("Come back after, min").fill("10")
    await transfer.get_by_role("button", name="Transfer the ticket").click()
    await expect(waiting.first).to_contain_text("back at")
    await expect(console.get_by_role("button", name="Call A001")).to_have_count(0)
    await console.keyboard.press("n")  # nobody else is waiting: the API says so, in English
    await expect(console.locator("#console-problem")).to_contain_text("No ticket is waiting")
    clock.advance(11 * 60)
    await console.reload()  # (a console also refreshes by itself every minute)
    await expect(console.get_by_role("button", name="Call A001")).to_be_visible()
    await console.keyboard.press("n")
    await expect(console.locator("[data-view=desk]")).to_have_attribute("data-ticket", "A001")

    # A no-show after the recalls.
    for _ in range(2):
        await console.keyboard.press("r")
        await expect(console.locator(".console__ticket")).to_contain_text("calls:")
    clock.advance(5 * 60)
    console.on("dialog", lambda dialog: dialog.accept())
    await console.keyboard.press("x")
    await expect(desk).to_have_attribute("data-ticket", "")
    await expect(tv.locator('#board-calls tr[data-number="A001"]')).to_have_count(0)
    await console.screenshot(path=str(tmp_path / "console.png"))
    await expect(console.locator("#console-figures")).to_contain_text("No-shows")


async def test_a_disability_ticket_goes_to_the_accessible_window(
    live_server: str,
    client: httpx.AsyncClient,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    kiosk = await screen(browser, contexts, KIOSK)
    await kiosk.goto(
        f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}&lang=en#services"
    )
    await take_ticket(client, world)  # an ordinary ticket first
    await kiosk.get_by_role("button", name="Disability", exact=True).click()
    await expect(kiosk.get_by_role("button", name="Disability", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await kiosk.get_by_role("button", name="Benefit", exact=True).click()
    await expect(kiosk.locator("#kiosk-slip-ticket")).to_have_attribute("data-number", "P001")

    accessible = await open_window(client, world, 1, "operator2")
    other = await open_window(client, world, 2, "operator")
    first = await client.post(f"{other}/call-next", headers=world.auth("operator"))
    assert first.json()["visit"]["number"] == "A001"  # not the priority ticket: it waits for window 1
    second = await client.post(f"{accessible}/call-next", headers=world.auth("operator2"))
    assert second.json()["visit"]["number"] == "P001"


@pytest.mark.parametrize(
    ("page", "size"),
    [("kiosk", KIOSK), ("board", TV), ("console", CONSOLE)],
)
async def test_every_hall_page_switches_language(
    live_server: str,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
    page: str,
    size: ViewportSize,
) -> None:
    tab = await screen(browser, contexts, size)
    token = world.tokens["kiosk"]
    address = {
        "kiosk": f"/kiosk/{world.branch.id}?access_token={token}",
        "board": f"/board/{world.branch.id}?access_token={token}",
        "console": "/console",
    }[page]
    await tab.goto(live_server + address)
    await expect(tab.locator("html")).to_have_attribute("lang", "kk")
    for name, code in (("Русский", "ru"), ("English", "en"), ("Қазақша", "kk")):
        if page == "kiosk" and code != "ru":
            await tab.locator("#kiosk-back").click()  # the kiosk's languages are its first screen
        await tab.get_by_role("link", name=name).first.click()
        await expect(tab.locator("html")).to_have_attribute("lang", code)


async def test_a_call_for_help_at_the_kiosk_alerts_the_accessible_window(
    live_server: str,
    client: httpx.AsyncClient,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
    clock: ManualClock,
) -> None:
    console = await screen(browser, contexts, CONSOLE)
    kiosk = await screen(browser, contexts, KIOSK)
    await sign_in(console, live_server, 1, world)  # window 1 is the accessible one
    await kiosk.goto(f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}&lang=en")
    await kiosk.get_by_role("button", name="Call a consultant for help").click()
    await expect(kiosk.get_by_text("A consultant is on the way.")).to_be_visible()
    alert = console.locator(".console__help")
    await expect(alert).to_contain_text("A visitor asks for help at kiosk", timeout=1000)
    clock.advance(40)
    await alert.get_by_role("button", name="I am going").click()
    await expect(alert).to_have_count(0)
    calls = await client.get(
        f"/api/v1/branches/{world.branch.id}/assist-calls",
        params={"open": "false"},
        headers=world.auth("manager"),
    )
    (answered,) = calls.json()
    assert answered["window_number"] == 1 and answered["response_s"] == 40


async def test_the_kiosks_search_has_an_on_screen_keyboard(
    live_server: str, world: World, browser: Browser, contexts: list[BrowserContext]
) -> None:
    kiosk = await screen(browser, contexts, KIOSK)
    await kiosk.goto(
        f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}&lang=en#services"
    )
    keyboard = kiosk.locator("#kiosk-keyboard")
    await expect(keyboard).to_be_hidden()
    await kiosk.get_by_role("button", name="Keyboard").click()
    for letter in "cer":
        await keyboard.get_by_role("button", name=letter, exact=True).click()
    await expect(kiosk.get_by_label("Search for a service")).to_have_value("cer")
    await expect(kiosk.get_by_role("button", name="Certificate")).to_be_visible()
    await expect(kiosk.get_by_role("button", name="Consultation")).to_be_hidden()
    await keyboard.get_by_role("button", name="Delete").click()
    await expect(kiosk.get_by_label("Search for a service")).to_have_value("ce")
    await keyboard.get_by_role("button", name="Clear").click()
    await expect(kiosk.get_by_role("button", name="Consultation")).to_be_visible()
    # A Kazakh kiosk has the Kazakh letters.
    await kiosk.goto(
        f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}&lang=kk#services"
    )
    await expect(kiosk.locator('#kiosk-keyboard button[data-char="ә"]')).to_have_count(1)
