"""Booking a visit on a 360×800 phone in Chromium, against a real server: sign in through the fake Digital
ID provider, find the centre, choose the service, the day and the time (the grid refreshing itself as
another citizen takes a slot), see the booking code and its QR code, then cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from birtereze.appointments import service
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.appointments.conftest import create_citizen
from tests.builders import World
from tests.citizens.conftest import VIKTOR
from tests.conftest import ALMATY, Database
from tests.web.test_accessibility import AXE, SERIOUS

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key="test-secret",
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
        load_cache_s=0.0,
        fake_idp=True,
    )


async def _fits(page: Page) -> None:
    """No sideways scrolling at 360 px, and no serious WCAG 2.1 A/AA violation (axe-core)."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    serious = [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in SERIOUS]
    assert serious == [], page.url


async def test_a_citizen_books_a_slot_sees_its_qr_code_and_cancels(
    live_server: str,
    browser: Browser,
    world: World,
    db: Database,
    clock: ManualClock,
    settings: Settings,
) -> None:
    # The pages forbid inline scripts (CSP); the audit's own script is let in by the test's browser.
    context = await browser.new_context(
        viewport={"width": 360, "height": 800}, locale="en-GB", bypass_csp=True
    )
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{live_server}/me/appointments?lang=en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        await page.get_by_role("link", name="Sign in with Digital ID").click()
        await page.get_by_label(VIKTOR.name).check()
        await page.get_by_role("button", name="Allow").click()
        # Back on the page that asked for the sign-in.
        await expect(page.get_by_role("heading", level=1)).to_have_text("My appointments")
        await page.goto(f"{live_server}/me?lang=en")
        await expect(page.get_by_role("link", name="My appointments")).to_be_visible()
        await _fits(page)

        # The finder's card of centre A leads to booking there.
        await page.goto(f"{live_server}/branches?lang=en")
        card = page.locator(f'.finder__card[data-branch="{world.branch.id}"]')
        await card.get_by_role("link", name="Book a visit").click()
        await expect(page.get_by_role("heading", name="Choose a service")).to_be_visible()
        await page.get_by_role("link", name="Certificate").click()
        await page.get_by_role("link", name="Sat 28 Nov").click()
        eleven = page.locator(".slot", has_text="11:00")
        await expect(eleven).to_contain_text("1 free")
        box = await eleven.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a thumb's target
        await _fits(page)

        # Another citizen takes 11:15 meanwhile: the grid shows it full at its next refresh.
        async with db.sessions() as session:
            other = await create_citizen(session, 1, clock.now())
            await service.book(
                session,
                citizen_id=other.id,
                branch_id=world.branch.id,
                service_id=world.services["certificate"].id,
                slot_start=datetime(2026, 11, 28, 11, 15, tzinfo=ALMATY),
                language="ru",
                now=clock.now(),
                policy=service.Policy.from_settings(settings),
            )
            await session.commit()
        await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        taken = page.locator(".slot", has_text="11:15")
        await expect(taken).to_have_class("slot slot--full")
        await expect(taken).to_contain_text("Full")
        await expect(taken.locator("input")).to_be_disabled()
        await expect(page.locator("#slots-updated")).to_contain_text("Free places updated at")

        await eleven.click()
        await expect(eleven.locator("input")).to_be_checked()
        await page.get_by_role("button", name="Book this time").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
        await expect(page.locator(".notice--ok")).to_contain_text("Your visit is booked.")
        code = (await page.locator('[data-field="code"]').inner_text()).strip()
        assert len(code) == 6
        qr = page.get_by_role("img", name=f"QR code of the booking code {code}")
        await expect(qr).to_be_visible()
        qr_box = await qr.bounding_box()
        assert qr_box is not None and qr_box["width"] >= 150  # big enough for the kiosk's scanner
        await expect(page.locator(".card__window")).to_have_text("Come between 10:45 and 11:10.")
        await _fits(page)

        await page.get_by_role("link", name="All my appointments").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("My appointments")
        booking = page.locator("#upcoming .card")
        await expect(booking).to_contain_text(code)
        await booking.get_by_text("Cancel the booking").click()  # opens the confirmation
        await booking.get_by_role("button", name="Yes, cancel it").click()
        await expect(page.locator(".notice--ok")).to_have_text("Your booking has been cancelled.")
        await expect(page.locator("#past .card")).to_contain_text("Cancelled")
        await expect(page.get_by_text("You have no upcoming bookings.")).to_be_visible()
        await _fits(page)
        assert errors == []
    finally:
        await context.close()
