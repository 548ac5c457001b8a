"""An accessibility audit of every page with axe-core (vendored for the tests, MPL-2.0) in Chromium: no
violation of WCAG 2.1 A or AA rules whose impact is serious or critical, on each page's own screen size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, ViewportSize

from tests.builders import PASSWORD, World
from tests.web.hall import open_window, take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
KIOSK: ViewportSize = {"width": 1080, "height": 1920}
DESK: ViewportSize = {"width": 1366, "height": 768}
TV: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 360, "height": 800}
SERIOUS = ("serious", "critical")


@pytest.fixture
async def audited(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    contexts: list[BrowserContext] = []
    yield contexts
    for context in contexts:
        await context.close()


async def violations(
    browser: Browser,
    contexts: list[BrowserContext],
    url: str,
    size: ViewportSize,
    locale: str,
    *,
    console: bool = False,
) -> list[str]:
    # The pages forbid inline scripts (CSP); the audit's own script is let in by the test's browser.
    context = await browser.new_context(viewport=size, bypass_csp=True, locale=locale)
    contexts.append(context)
    page = await context.new_page()
    await page.goto(url)
    if console:
        await page.locator('input[name="username"]').fill("operator")
        await page.locator('input[name="password"]').fill(PASSWORD)
        await page.locator("#signin-form [type=submit]").click()
        await page.locator("[data-view=desk]").wait_for()
    await page.wait_for_load_state("networkidle")
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("locale", ["kk-KZ", "en-US"])
async def test_the_hall_pages_pass_the_audit(
    live_server: str,
    client: httpx.AsyncClient,
    world: World,
    browser: Browser,
    audited: list[BrowserContext],
    locale: str,
) -> None:
    issued = await take_ticket(client, world)
    window = await open_window(client, world, 2)
    assert (await client.post(f"{window}/call-next", headers=world.auth("operator"))).status_code == 200
    await take_ticket(client, world)
    kiosk, manager = world.tokens["kiosk"], world.tokens["manager"]
    branch = world.branch.id
    pages: list[tuple[str, ViewportSize, bool]] = [
        (f"/kiosk/{branch}?access_token={kiosk}", KIOSK, False),
        (f"/kiosk/{branch}?access_token={kiosk}#services", KIOSK, False),
        (f"/kiosk/{branch}?access_token={kiosk}#check-in", KIOSK, False),
        (f"/board/{branch}?access_token={kiosk}", TV, False),
        (f"/stand/{branch}", KIOSK, False),
        ("/console", DESK, False),
        ("/console", DESK, True),
        (f"/manage/{branch}?access_token={manager}", DESK, False),
        (f"/manage/branches/{branch}/staffing?access_token={manager}", DESK, False),
        (f"/t/{issued['status_token']}", PHONE, False),
        ("/branches", PHONE, False),
    ]
    found = {}
    for path, size, console in pages:
        problems = await violations(browser, audited, live_server + path, size, locale, console=console)
        if problems:
            found[path + (" (signed in)" if console else "")] = problems
    assert not found, "\n".join(f"{page}:\n  " + "\n  ".join(problems) for page, problems in found.items())
