"""Signing in on a phone (Chromium, 360×800) through the fake Digital ID provider, against a real server."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.citizens.conftest import VIKTOR

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


async def test_it_signs_in_with_digital_id_and_lands_on_my_account(
    live_server: str, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 800}, locale="en-US")
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/me")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        await page.get_by_role("link", name="Sign in with Digital ID").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Digital ID (test provider)")
        await page.get_by_label(VIKTOR.name).check()
        await page.get_by_role("button", name="Allow").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("My account")
        await expect(page.locator(".lead")).to_have_text(VIKTOR.name)
        assert page.url.endswith("/me?lang=en")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        cookies = {cookie["name"]: cookie for cookie in await context.cookies()}
        assert cookies["btz_citizen"]["httpOnly"] and cookies["btz_citizen"]["sameSite"] == "Lax"
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    finally:
        await context.close()
