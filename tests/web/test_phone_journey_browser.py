"""The citizen's two journeys end to end, on a 360×800 phone in Chromium against a real server, with the
SMS going over SMPP to the fake SMSC:

- booked: sign in with Digital ID → find the centre → book a slot → check in at the kiosk by the booking's
  QR code → be called, with the "2nd in line" and "called" SMS in Russian;
- remote: sign in → find the centre → take a ticket from the phone → "2nd in line, come now" SMS → check in
  by scanning the kiosk's arrival QR code → be called (the ticket's page says which window), in Kazakh.

The worker's jobs (the citizens' notices, then the outbox) are run by the test, between its steps, so that
what each step sends is known.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect

from birtereze.citizens.registry import demo_citizens
from birtereze.core.clock import ManualClock
from birtereze.core.i18n import gettext
from birtereze.core.live import Hub
from birtereze.core.settings import Settings
from birtereze.notify import fake_smsc
from birtereze.notify.fake_smsc import FakeSmsc
from birtereze.worker import Worker, schedule
from tests.builders import World
from tests.conftest import Database
from tests.web.hall import open_window, take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

PHONE = {"width": 360, "height": 800}
KIOSK = {"width": 1080, "height": 1920}
POSITION = "Ticket {number}: you are number {place} in line at {centre}."
POSITION_REMOTE = (
    "Ticket {number}: you are number {place} in line at {centre}. Come now and check in "
    'within {minutes} min: scan the QR code at the kiosk or tap "I am at the centre".'
)
CALLED = "Ticket {number}: please go to window {window}."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"fake_idp": True})


@pytest.fixture
async def smsc() -> AsyncIterator[FakeSmsc]:
    async with fake_smsc.running() as running:
        yield running


@pytest.fixture
def worker(db: Database, clock: ManualClock, settings: Settings, smsc: FakeSmsc) -> Worker:
    sending = settings.model_copy(update={"smpp_host": "127.0.0.1", "smpp_port": smsc.port})
    return Worker(db.sessions, Hub(), clock, sending)


async def tell_citizens(worker: Worker) -> None:
    """What the worker does every two seconds: the citizens' notices, then the outbox sent."""
    jobs = {job.name: job for job in schedule()}
    assert await worker.run_once(jobs["queue.notify_citizens"])
    assert await worker.run_once(jobs["notify.send"])


@pytest.fixture
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        await context.close()


async def screen(browser: Browser, contexts: list[BrowserContext], size: dict[str, int], locale: str) -> Page:
    context = await browser.new_context(viewport=size, locale=locale)  # type: ignore[arg-type]
    contexts.append(context)
    page = await context.new_page()
    page.on("pageerror", lambda error: pytest.fail(f"script error on {page.url}: {error}"))
    return page


async def sign_in_with_digital_id(phone: Page, base: str, lang: str, iin: str) -> None:
    await phone.goto(f"{base}/me/sign-in?lang={lang}")
    await phone.locator('a[href^="/me/sign-in/digital-id"]').click()
    await phone.locator(f'input[name="iin"][value="{iin}"]').check()
    await phone.locator('button[name="decision"][value="allow"]').click()
    await expect(phone).to_have_url(f"{base}/me?lang={lang}")


async def fits(page: Page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


async def test_a_booked_visitor_books_on_the_phone_checks_in_at_the_kiosk_and_is_called(
    live_server: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
    clock: ManualClock,
    smsc: FakeSmsc,
    worker: Worker,
) -> None:
    citizen = demo_citizens()[1]
    phone = await screen(browser, contexts, PHONE, "ru-RU")
    await sign_in_with_digital_id(phone, live_server, "ru", citizen.iin)

    # Find the centre, and book today at 10:30 (it is 10:00).
    await phone.goto(f"{live_server}/branches?lang=ru")
    card = phone.locator(f'.finder__card[data-branch="{world.branch.id}"]')
    await card.locator(f'a[href*="/me/appointments/new?branch_id={world.branch.id}"]').click()
    await phone.locator(f'a[href*="service_id={world.services["certificate"].id}"]').click()
    await phone.locator('a[href*="day=2026-11-27"]').click()
    await fits(phone)
    await phone.locator(".slot", has_text="10:30").click()
    await phone.locator('button[type="submit"]').click()
    code = (await phone.locator('[data-field="code"]').inner_text()).strip()
    assert len(code) == 6
    await expect(phone.locator("svg, img").first).to_be_visible()  # the code's QR, for the kiosk's scanner
    await fits(phone)

    # Two walk-ins wait already; the visitor arrives at 10:20 and scans the booking at the kiosk.
    await take_ticket(client, world)
    await take_ticket(client, world)
    clock.advance(timedelta(minutes=20))
    kiosk = await screen(browser, contexts, KIOSK, "kk-KZ")
    await kiosk.goto(f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}")
    await kiosk.get_by_role("link", name="Русский").click()
    await kiosk.get_by_role("button", name="У меня запись").click()
    await expect(kiosk.locator("#kiosk-code")).to_be_focused()
    await kiosk.keyboard.type(code, delay=5)
    await kiosk.keyboard.press("Enter")
    slip = kiosk.locator("#kiosk-slip-ticket")
    await expect(slip).to_contain_text("Запись на 10:30")
    number = await slip.get_attribute("data-number")
    assert number == "A003"
    await tell_citizens(worker)
    booked = await smsc.wait_for(1)  # the booking's confirmation; third in line, nothing more to say yet
    assert len(booked) == 1 and code in booked[0].text and "10:30" in booked[0].text

    # The first walk-in is called: the booked visitor is second, and told so in Russian.
    window = await open_window(client, world, 2)
    auth = world.auth("operator")
    assert (await client.post(f"{window}/call-next", headers=auth)).json()["visit"]["number"] == "A001"
    await tell_citizens(worker)
    told = await smsc.wait_for(2)
    centre = world.branch.name_ru
    assert told[1].destination.endswith(citizen.phone[-10:])
    assert told[1].text == gettext(POSITION, "ru", number=number, place=2, centre=centre)

    # At 10:31 the slot's time has come: the booked visitor is called before the walk-in who came first.
    clock.advance(timedelta(minutes=11))
    assert (await client.post(f"{window}/confirm", headers=auth)).status_code == 200
    assert (await client.post(f"{window}/finish", headers=auth)).status_code == 200
    assert (await client.post(f"{window}/call-next", headers=auth)).json()["visit"]["number"] == number
    await tell_citizens(worker)
    told = await smsc.wait_for(3)
    assert told[2].text == gettext(CALLED, "ru", number=number, window=world.windows[2].number)
    assert len(told) == 3


async def test_a_remote_ticket_is_taken_on_the_phone_checked_in_by_the_kiosks_code_and_called(
    live_server: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    browser: Browser,
    contexts: list[BrowserContext],
    clock: ManualClock,
    smsc: FakeSmsc,
    worker: Worker,
) -> None:
    citizen = demo_citizens()[2]
    await take_ticket(client, world)  # one walk-in waits already
    phone = await screen(browser, contexts, PHONE, "kk-KZ")
    await sign_in_with_digital_id(phone, live_server, "kk", citizen.iin)

    await phone.goto(f"{live_server}/branches?lang=kk")
    card = phone.locator(f'.finder__card[data-branch="{world.branch.id}"]')
    await card.locator(f'a[href*="/me/tickets/new?branch_id={world.branch.id}"]').click()
    await phone.locator(f'input[name="service_id"][value="{world.services["certificate"].id}"]').check()
    await fits(phone)
    await phone.locator('button[type="submit"]').click()
    await expect(phone).to_have_url(re.compile(r"/t/[^/]+\?lang=kk$"))
    await expect(phone.locator("[data-awaiting-arrival]")).to_be_visible()
    number = "A002"
    await expect(phone.locator("body")).to_contain_text(number)
    await fits(phone)

    # Second in line at once: told to come now and check in, in Kazakh.
    await tell_citizens(worker)
    told = await smsc.wait_for(1)
    hold_minutes = world.branch.remote_hold_s // 60
    centre = world.branch.name_kk
    assert told[0].text == gettext(
        POSITION_REMOTE, "kk", number=number, place=2, centre=centre, minutes=hold_minutes
    )

    # Not checked in, the ticket is not called: the walk-in is, then nobody.
    window = await open_window(client, world, 2)
    auth = world.auth("operator")
    assert (await client.post(f"{window}/call-next", headers=auth)).json()["visit"]["number"] == "A001"
    assert (await client.post(f"{window}/confirm", headers=auth)).status_code == 200
    assert (await client.post(f"{window}/finish", headers=auth)).status_code == 200
    assert (await client.post(f"{window}/call-next", headers=auth)).status_code == 409

    # At the centre the phone scans the kiosk's arrival code.
    kiosk = await screen(browser, contexts, KIOSK, "kk-KZ")
    await kiosk.goto(f"{live_server}/kiosk/{world.branch.id}?access_token={world.tokens['kiosk']}")
    arrival = await kiosk.locator("#kiosk-arrival-start img").get_attribute("data-arrival-url")
    assert arrival is not None and f"/arrive/{world.branch.id}/" in arrival
    await phone.goto(arrival)
    await phone.locator('button[type="submit"]').click()  # "I am here: check in"
    await expect(phone.locator(".status__arrived")).to_be_visible()
    await expect(phone.locator("[data-awaiting-arrival]")).to_have_count(0)

    # Called: the page says which window, and so does the SMS.
    called = await client.post(f"{window}/call-next", headers=auth)
    assert called.json()["visit"]["number"] == number
    # (the page asks every 5 seconds)
    await expect(phone.locator(".call")).to_contain_text(str(world.windows[2].number), timeout=12_000)
    await tell_citizens(worker)
    told = await smsc.wait_for(2)
    assert told[1].text == gettext(CALLED, "kk", number=number, window=world.windows[2].number)
    assert told[1].destination.endswith(citizen.phone[-10:])
