"""The branch finder on a 360×800 phone in Chromium: the live load, the filter by service, and the least
crowded centre near the citizen from the browser's location."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.builders import World
from tests.web.hall import take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


async def test_a_citizen_finds_the_least_crowded_centre_near_them(
    live_server: str, client: httpx.AsyncClient, world: World, browser: Browser
) -> None:
    for branch, lon in ((world.branch, 76.8897), (world.other_branch, 76.9267)):
        patched = await client.patch(
            f"/api/v1/branches/{branch.id}",
            json={"latitude": 43.2389, "longitude": lon},
            headers=world.auth("admin"),
        )
        assert patched.status_code == 200
    for _ in range(6):
        await take_ticket(client, world)
    context = await browser.new_context(
        viewport={"width": 360, "height": 800},
        locale="en-GB",
        geolocation={"latitude": 43.2390, "longitude": 76.8900},
        permissions=["geolocation"],
    )
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{live_server}/branches?lang=en")
        first = page.locator(f'.finder__card[data-branch="{world.branch.id}"]')
        await expect(first.locator('[data-field="waiting"]')).to_have_text("6")
        # The map: Kazakhstan's outline and a dot per centre, coloured by its load.
        await expect(page.locator("#finder-map path.leaflet-interactive")).to_have_count(3)
        lights = ("#00a651", "#ffd400", "#f47b20", "#d4351c")
        dots = page.locator(", ".join(f'#finder-map path.leaflet-interactive[fill="{c}"]' for c in lights))
        await expect(dots).to_have_count(2)
        await page.get_by_label("Service").select_option(str(world.services["benefit"].id))
        other = page.locator(f'.finder__card[data-branch="{world.other_branch.id}"]')
        await expect(other.get_by_text("This service is not offered here.")).to_be_visible()
        await page.get_by_label("Service").select_option("")
        await page.get_by_role("button", name="Least crowded near me").click()
        await expect(page.locator("#finder-reason")).to_contain_text("B PSC: about")
        await expect(other).to_have_class("finder__card finder__card--best")
        await expect(first.locator('[data-field="distance"]')).to_have_text("0.0 km")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        assert errors == []
    finally:
        await context.close()
