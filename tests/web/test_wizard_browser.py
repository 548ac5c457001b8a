"""The application wizard in Chromium against a real server: on a 360×800 phone (a signed-in citizen
applies step by step, adds a photo of a document, submits, and finds the application under "My
applications") and on the hall's 1080×1920 kiosk (the search, the IIN and the answers typed on the
on-screen keyboards)."""

from __future__ import annotations

from pathlib import Path

import pytest
from itsdangerous import Signer
from playwright.async_api import Browser, Page, expect

from birtereze.citizens import service as citizens_service
from birtereze.citizens.deps import SESSION_COOKIE
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.applications.support import APPLICANT, PDF, with_standards
from tests.appointments.conftest import SECRET, create_citizen
from tests.builders import World
from tests.conftest import Database
from tests.web.test_phone_appointments_browser import _fits

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key=SECRET,
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
        load_cache_s=0.0,
        documents_dir=tmp_path / "documents",
    )


@pytest.fixture
async def standards(db: Database, world: World, clock: ManualClock) -> None:
    async with db.sessions() as session:
        await with_standards(session, world, clock.now())
        await session.commit()


async def _tap(page: Page, keys: str) -> None:
    """Types on the kiosk's on-screen keyboard, one tap a key (the letters as they are labelled)."""
    for key in keys:
        await page.locator(f'[data-keyboard] button[data-char="{key}"]:visible').click()


async def _answer_the_form(page: Page, scan: Path, *, on_screen: bool = False) -> None:
    name = page.get_by_label("Child's name")
    if on_screen:
        # Shift is on at the start of the empty field, so that the name comes out capitalised; a tap
        # on Delete takes back the last letter, wherever the caret is.
        await expect(name).to_be_focused()
        await _tap(page, "aruzhax")
        await page.locator('[data-keyboard] [data-edit="delete"]').click()
        await _tap(page, "n")
        await expect(name).to_have_value("Aruzhan")
    else:
        await name.fill("Aruzhan")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Date of birth").fill("2026-08-01")
    await page.get_by_role("button", name="Next").click()
    copies = page.get_by_label("Copies")
    if on_screen:
        # A number field gets the digits alone: the letters are gone and a letter typed would not go in.
        await expect(page.locator('[data-keyboard] button[data-char="q"]')).to_be_hidden()
        await _tap(page, "1")
        await expect(copies).to_have_value("1")
    else:
        await copies.fill("1")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("At the centre").check()
    await page.get_by_role("button", name="Next").click()
    await expect(page.get_by_label("Urgent")).not_to_be_checked()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Signed application").set_input_files(str(scan))
    await page.get_by_role("button", name="Next").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check and submit")


async def test_a_citizen_applies_on_the_phone(
    live_server: str,
    browser: Browser,
    world: World,
    db: Database,
    clock: ManualClock,
    settings: Settings,
    standards: None,
    tmp_path: Path,
) -> None:
    async with db.sessions() as session:
        citizen = await create_citizen(session, 0, clock.now())
        token = await citizens_service.open_session(
            session,
            citizen=citizen,
            method="sms",
            policy=citizens_service.Policy.from_settings(settings),
            now=clock.now(),
        )
        await session.commit()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    context = await browser.new_context(
        viewport={"width": 360, "height": 800}, locale="en-GB", bypass_csp=True
    )
    cookie = Signer(SECRET, salt="birtereze.citizen-session").sign(token).decode()
    await context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": live_server}])
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{live_server}/me?lang=en")
        await page.get_by_role("link", name="My applications").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("My applications")
        await page.get_by_role("link", name="Apply for a service", exact=True).click()
        await _fits(page)
        await page.locator(".menu__link", has_text="Certificate").click()
        await expect(page.get_by_text("you need not bring it")).to_be_visible()
        await _fits(page)
        await page.get_by_label("The centre that takes the application").select_option(str(world.branch.id))
        await page.get_by_role("button", name="Start the application").click()
        await expect(page.get_by_text("Step 1 of 7")).to_be_visible()
        # A required answer left empty: the reason on the screen, by the field.
        await page.get_by_role("button", name="Next").click()
        await expect(page.get_by_text("This field is required.")).to_be_visible()
        await _fits(page)
        await _answer_the_form(page, scan)
        await _fits(page)
        await page.get_by_role("button", name="Submit the application").click()
        await expect(page.get_by_text("Your application has been submitted.")).to_be_visible()
        number = await page.locator('[data-field="number"]').inner_text()
        await expect(page.locator('[data-field="deadline"]')).to_contain_text("4 December 2026, 18:00")
        await _fits(page)
        await page.goto(f"{live_server}/me/applications?lang=en")
        await expect(page.locator("#applications")).to_contain_text(number)
        assert errors == []
    finally:
        await context.close()


async def test_an_applicant_applies_at_the_kiosk(
    live_server: str, browser: Browser, world: World, standards: None, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    context = await browser.new_context(viewport={"width": 1080, "height": 1920}, locale="en-GB")
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        token = world.tokens["kiosk"]
        await page.goto(f"{live_server}/kiosk/{world.branch.id}/apply?lang=en&access_token={token}")
        # The search on the on-screen keyboard, which comes up once the field is touched: Latin letters
        # first in English, then over to the Cyrillic ones and back.
        await expect(page.locator("[data-keyboard]")).to_be_hidden()
        await page.get_by_label("Search in Kazakh, Russian or English").click()
        await page.locator("[data-switch=cyrillic]").click()
        await expect(page.locator('[data-keyboard] button[data-char="ә"]')).to_be_visible()
        await page.locator("[data-switch=latin]").click()
        await _tap(page, "cert")
        await expect(page.get_by_label("Search in Kazakh, Russian or English")).to_have_value("cert")
        await page.get_by_role("button", name="Search").click()
        await page.locator(".menu__link", has_text="Certificate").click()
        for digit in APPLICANT:
            await page.locator(f'[data-key="{digit}"]').click()
        await expect(page.get_by_label("Your IIN")).to_have_value(APPLICANT)
        await page.get_by_role("button", name="Start the application").click()
        await _answer_the_form(page, scan, on_screen=True)
        await page.get_by_role("button", name="Submit the application").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Application submitted")
        await expect(page.locator('[data-field="number"]')).to_be_visible()
        # Big targets: the kiosk's buttons are at least 64 px high.
        height = await page.get_by_role("link", name="Done").evaluate("e => e.getBoundingClientRect().height")
        assert height >= 64
        assert errors == []
    finally:
        await context.close()
