"""The phone app shell in Chromium at 360×800 against a real server: the manifest is linked, the service
worker registers from a citizen page and takes control, and with the network cut a citizen page is
answered from its cache by the offline page; the push offer on "My account" shows its state."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from birtereze.core.settings import Settings
from tests.citizens.conftest import VIKTOR
from tests.conftest import Database

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
        fake_idp=True,
    )


async def test_the_service_worker_serves_the_offline_page_when_the_network_is_cut(
    live_server: str, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 800}, locale="en-US")
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/me/sign-in?lang=en")
        manifest = await page.locator('link[rel="manifest"]').get_attribute("href")
        assert manifest == "/manifest.webmanifest?lang=en"
        assert (await page.request.get(f"{live_server}{manifest}")).ok
        scope = await page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
        assert scope == f"{live_server}/"
        await page.wait_for_function("navigator.serviceWorker.controller !== null")
        cached = await page.evaluate(
            "caches.keys().then((names) => caches.open(names[0])).then((c) => c.keys())"
            ".then((requests) => requests.map((r) => new URL(r.url).pathname + new URL(r.url).search))"
        )
        assert "/offline?lang=en" in cached and "/static/js/push.js" in cached
        assert not any(path.startswith(("/api/", "/me")) for path in cached)  # nothing personal

        await context.set_offline(True)
        await page.goto(f"{live_server}/me/appointments?lang=en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        await page.goto(f"{live_server}/me?lang=kk")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Сіз желіден тыссыз")

        await context.set_offline(False)
        await page.goto(f"{live_server}/me/sign-in?lang=en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")  # the network again
    finally:
        await context.close()


async def test_my_account_offers_notifications_and_shows_when_they_are_blocked(
    live_server: str, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 800}, locale="en-US")
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/me?lang=en")
        await page.get_by_role("link", name="Sign in with Digital ID").click()
        await page.get_by_label(VIKTOR.name).check()
        await page.get_by_role("button", name="Allow").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("My account")
        offer = page.locator("[data-push-offer]")
        await expect(offer).to_be_visible()
        button = page.get_by_role("button", name="Notify me on this phone")
        await expect(button).to_be_visible()
        box = await button.bounding_box()
        assert box is not None and box["height"] >= 44
        # Headless Chromium refuses the permission prompt: the state says so, and how to change it.
        await button.click()
        await expect(offer).to_have_attribute("data-push-status", "blocked")
        await expect(page.locator("[data-push-state]")).to_contain_text("Notifications are blocked")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        await context.close()
