"""The information stand in a real browser (Chromium, a vertical 1080×1920 screen) against a real server
on SQLite: it renders without a console error, pages through its sections when they do not fit, keeps
the video-surveillance notice on screen, reloads its data by itself, switches language, and prints every
section."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Error, Page, ViewportSize, expect

from birtereze.catalog import service as catalog_service
from birtereze.core.clock import ManualClock
from birtereze.queue import service as queue_service
from tests.builders import World
from tests.conftest import ALMATY, Database
from tests.staffing.history import NEXT_MONDAY, add_history

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

STAND: ViewportSize = {"width": 1080, "height": 1920}
ROTATE_MS = 20_000
REFRESH_MS = 300_000
SECTIONS = ("#stand-hours", "#stand-scheme", "#stand-services", "#stand-rules")


class Console:
    """Every console error and uncaught exception of a page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", self._error)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _error(self, error: Error) -> None:
        self.errors.append(str(error))


@pytest.fixture
async def screen(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=STAND, locale="kk-KZ")
    page = await context.new_page()
    yield page
    await context.close()


async def many_services(db: Database, world: World, count: int = 24) -> None:
    """A centre with a long list of services: more than one screen."""
    async with db.sessions() as session:
        for index in range(count):
            service = await catalog_service.create(
                session,
                code=f"2000{index:04d}",
                names={
                    "kk": f"Қызмет № {index}: анықтама беру",
                    "ru": f"Услуга № {index}: выдача справки",
                    "en": f"Service No. {index}: a certificate",
                },
                life_situation=("family", "documents", "home")[index % 3],
                max_wait_s=600 + 60 * index,
            )
            await queue_service.offer_service(
                session, branch_id=world.branch.id, service_id=service.id, queue_id=world.queues["A"].id
            )
        await session.commit()


async def snapshot(page: Page, name: str) -> None:
    folder = os.environ.get("BIRTEREZE_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / name))


async def test_it_pages_through_the_sections_and_keeps_the_notice_on_screen(
    live_server: str, world: World, db: Database, screen: Page
) -> None:
    await many_services(db, world)
    console = Console(screen)
    await screen.clock.install()
    await screen.goto(f"{live_server}/stand/{world.branch.id}")
    await expect(screen.locator("#stand")).to_have_attribute("data-ready", "true")
    await expect(screen.get_by_role("heading", level=1)).to_contain_text("A ХҚО")
    await expect(screen.get_by_role("heading", level=1)).to_contain_text("ЦОН A")
    await expect(screen.locator("body")).to_have_class("stand stand--paging")
    # One section at a time, each in turn, the notice and the header always there.
    for index, section in enumerate((*SECTIONS, SECTIONS[0])):
        await expect(screen.locator(section)).to_be_visible()
        for other in SECTIONS:
            if other != section:
                await expect(screen.locator(other)).to_be_hidden()
        await expect(screen.locator("#stand-surveillance")).to_be_in_viewport()
        await expect(screen.get_by_role("heading", level=1)).to_be_in_viewport()
        await expect(screen.locator("#stand-pager li.is-current")).to_have_count(1)
        await snapshot(screen, f"stand-{index}.png")
        # The services are longer than the screen: they scroll through, so they stay on longer.
        dwell = ROTATE_MS
        if section == "#stand-services":
            box = await screen.locator(section).evaluate("s => s.scrollHeight - s.clientHeight")
            assert box > 0
            dwell = max(ROTATE_MS, int(box / 45 * 1000) + 6000)
            await screen.clock.run_for(dwell - 1000)
            assert await screen.locator(section).evaluate("s => s.scrollTop") >= box - 2
            await screen.clock.run_for(1000)
        else:
            await screen.clock.run_for(dwell)
    assert console.errors == []


async def test_it_reloads_its_data_by_itself(
    live_server: str, client: httpx.AsyncClient, world: World, screen: Page
) -> None:
    console = Console(screen)
    await screen.clock.install()
    await screen.goto(f"{live_server}/stand/{world.branch.id}")
    await expect(screen.locator("#stand-surveillance")).to_be_visible()
    await expect(screen.locator("#stand-no-roster")).to_contain_text("жұмыс кестесі әлі жасалмаған")
    changed = await client.patch(
        f"/api/v1/branches/{world.branch.id}",
        json={"video_surveillance": False},
        headers=world.auth("manager"),
    )
    assert changed.status_code == 200
    await screen.clock.run_for(REFRESH_MS - 1000)
    await expect(screen.locator("#stand-surveillance")).to_be_visible()
    await screen.clock.run_for(2000)
    await expect(screen.locator("#stand-surveillance")).to_have_count(0)
    await expect(screen.locator("#stand")).to_have_attribute("data-ready", "true")
    assert console.errors == []


async def test_the_language_switch_shows_english_beside_kazakh_and_back(
    live_server: str, world: World, screen: Page
) -> None:
    console = Console(screen)
    await screen.goto(f"{live_server}/stand/{world.branch.id}")
    hours = screen.locator("#stand-hours-heading")
    await expect(hours).to_have_text("Жұмыс уақыты Часы работы", use_inner_text=True)
    await screen.get_by_role("link", name="Қазақша · English").click()
    await expect(screen).to_have_url(f"{live_server}/stand/{world.branch.id}?lang=en")
    await expect(hours).to_contain_text("Opening hours")
    await expect(hours).to_contain_text("Жұмыс уақыты")
    await expect(hours).not_to_contain_text("Часы работы")
    await expect(screen.get_by_role("link", name="Қазақша · English")).to_have_attribute(
        "aria-current", "true"
    )
    await screen.get_by_role("link", name="Қазақша · Русский").click()
    await expect(hours).to_contain_text("Часы работы")
    assert console.errors == []


async def test_it_prints_every_section_without_the_screen_controls(
    live_server: str, world: World, db: Database, screen: Page
) -> None:
    await many_services(db, world)
    await screen.goto(f"{live_server}/stand/{world.branch.id}")
    await expect(screen.locator("body")).to_have_class("stand stand--paging")
    await screen.emulate_media(media="print")
    for section in (*SECTIONS, "#stand-surveillance"):
        await expect(screen.locator(section)).to_be_visible()
    await expect(screen.locator(".stand__languages")).to_be_hidden()
    pdf = await screen.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    folder = os.environ.get("BIRTEREZE_SCREENSHOTS")
    if folder:
        (Path(folder) / "stand.pdf").write_bytes(pdf)
        await screen.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        await screen.screenshot(path=str(Path(folder) / "stand-print.png"), full_page=True)


async def test_it_shows_todays_substitution_scheme(
    live_server: str, client: httpx.AsyncClient, world: World, db: Database, clock: ManualClock, screen: Page
) -> None:
    await add_history(db, world)
    made = await client.post(
        f"/api/v1/branches/{world.branch.id}/roster",
        json={"week": NEXT_MONDAY.isoformat(), "time_limit_s": 3},
        headers=world.auth("manager"),
    )
    assert made.status_code == 201, made.text
    clock.set(datetime.combine(NEXT_MONDAY, time(9), ALMATY))
    console = Console(screen)
    await screen.clock.install()
    await screen.goto(f"{live_server}/stand/{world.branch.id}")
    await expect(screen.locator("#stand")).to_have_attribute("data-ready", "true")
    await screen.clock.run_for(ROTATE_MS)  # the second section: the scheme
    scheme = screen.locator("#stand-scheme")
    await expect(scheme).to_be_visible()
    await expect(scheme).to_contain_text("30.11.2026")
    on_duty = {s["staff_id"] for s in made.json()["shifts"] if s["day"] == NEXT_MONDAY.isoformat()}
    await expect(scheme.locator("tbody tr")).to_have_count(len(on_duty))
    await expect(scheme.get_by_role("columnheader").first).to_contain_text("Терезе")
    await snapshot(screen, "stand-scheme.png")
    assert console.errors == []
