"""The manager's staffing page in a real browser (Chromium, a desk screen) against a real server on SQLite:
the three sections, the twin's what-if, and roster edits — one accepted, one refused by the rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.builders import World
from tests.conftest import Database
from tests.staffing.history import NEXT_MONDAY, add_history

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

DESK: ViewportSize = {"width": 1280, "height": 900}
# Solving the roster takes its time limit (3 s by default) plus the page's round trip.
ROSTER_MS = 20_000


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESK, locale="en-US")
    page = await context.new_page()
    yield page
    await context.close()


def page_url(live_server: str, world: World, **query: str) -> str:
    params = "&".join(
        f"{key}={value}" for key, value in {"access_token": world.tokens["manager"], **query}.items()
    )
    return f"{live_server}/manage/branches/{world.branch.id}/staffing?{params}"


async def free_weekday(client: httpx.AsyncClient, world: World) -> tuple[dict[str, Any], str]:
    """A person and a weekday of next week's roster on which that person is off and has days to spare, and
    on which the hall has a window free from 16:00 to 20:00 (the solver fills some evenings)."""
    roster = (
        await client.get(
            f"/api/v1/branches/{world.branch.id}/roster",
            params={"week": NEXT_MONDAY.isoformat()},
            headers=world.auth("manager"),
        )
    ).json()
    hall_windows = sum(1 for window in world.windows.values() if window.branch_id == world.branch.id)

    def evening_free(day: str) -> bool:
        evening = [
            s for s in roster["shifts"] if s["day"] == day and s["start"] < "20:00" and s["end"] > "16:00"
        ]
        return len(evening) < hall_windows

    for person in roster["staff"]:
        worked = {s["day"] for s in roster["shifts"] if s["staff_id"] == person["id"]}
        if len(worked) >= 5:
            continue
        for offset in range(5):
            day = (NEXT_MONDAY + timedelta(days=offset)).isoformat()
            if day not in worked and evening_free(day):
                return person, day
    raise AssertionError("no one is off on a weekday with an evening window free")


async def test_it_shows_the_forecast_runs_the_twin_and_edits_the_roster(
    live_server: str, client: httpx.AsyncClient, world: World, db: Database, desk: Page
) -> None:
    await add_history(db, world)
    response = await desk.goto(page_url(live_server, world, day=NEXT_MONDAY.isoformat(), lang="en"))
    assert response is not None and response.status == 200
    await expect(desk.get_by_role("heading", level=1)).to_have_text("Staffing")

    # The forecast: a chart drawn by Chart.js, and the figures as a table.
    forecast = desk.get_by_role("tabpanel", name="Demand forecast for 2026-11-30")
    await expect(forecast).to_be_visible()
    await expect(forecast).to_contain_text("History read: 56 days, 180 tickets.")
    assert await desk.evaluate("!!document.querySelector('#forecast canvas').chart")
    await forecast.get_by_text("The figures as a table").click()
    await expect(forecast.get_by_role("row", name="10:00")).to_contain_text("1.0")

    # Windows needed and the twin's what-if.
    await desk.get_by_role("tab", name="Windows and twin").click()
    await expect(forecast).to_be_hidden()
    plan = desk.get_by_role("tabpanel", name="Windows needed on 2026-11-30")
    await expect(plan).to_be_visible()
    await expect(plan.get_by_role("row", name="10:00")).to_contain_text("1")
    assert await desk.evaluate("!!document.querySelector('#plan canvas').chart")
    await plan.get_by_label("One more window from").fill("11:00")
    await plan.get_by_role("button", name="Run the twin").click()
    answer = desk.locator("#what-if-result")
    await expect(answer).to_contain_text("one more window from 11:00 to 20:00")
    hours = answer.locator('tr[data-figure="window_hours"] td')
    before, after = float(await hours.nth(0).inner_text()), float(await hours.nth(1).inner_text())
    assert after == pytest.approx(before + 9, abs=0.6)
    assert await desk.evaluate("!!document.querySelector('#what-if-result canvas').chart")

    # The roster: made on the page, then one edit accepted and one refused with the rule named.
    await desk.get_by_role("tab", name="Roster").click()
    roster = desk.get_by_role("tabpanel", name="Roster for the week of 2026-11-30")
    await expect(roster).to_contain_text("There is no roster for this week yet.")
    await roster.get_by_role("button", name="Make the roster").click()
    await expect(roster).to_contain_text(
        "Every labour rule and the cover of every half hour are met.", timeout=ROSTER_MS
    )
    await expect(roster.get_by_role("heading", name="Substitution scheme")).to_be_visible()

    person, day = await free_weekday(client, world)
    dialog = desk.get_by_role("dialog", name="Change a shift")
    await roster.get_by_role("button", name=f"Change the shift of {person['full_name']} on {day}").click()
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Day off").uncheck()
    await dialog.get_by_label("Start").fill("16:00")
    await dialog.get_by_label("End").fill("20:00")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    cell = roster.locator(f'td[data-staff="{person["id"]}"][data-day="{day}"]')
    await expect(cell).to_contain_text("16:00–20:00")

    await cell.get_by_role("button").click()
    await dialog.get_by_label("Start").fill("09:00")
    await dialog.get_by_label("End").fill("20:00")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_role("alert")).to_have_text(
        f"Refused: the change breaks the rule “at most 8 hours of work a day” on {day}."
    )
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(cell).to_contain_text("16:00–20:00")
    stored = await client.get(
        f"/api/v1/branches/{world.branch.id}/roster.csv",
        params={"week": NEXT_MONDAY.isoformat()},
        headers=world.auth("manager"),
    )
    row = next(line for line in stored.text.splitlines() if line.startswith(f"{day},{person['id']},"))
    assert row.endswith(",16:00,20:00,,"), row


async def test_it_speaks_kazakh_and_refuses_another_branchs_manager(
    live_server: str, world: World, db: Database, desk: Page
) -> None:
    await add_history(db, world)
    await desk.goto(page_url(live_server, world, day=NEXT_MONDAY.isoformat(), lang="kk"))
    await expect(desk.locator("html")).to_have_attribute("lang", "kk")
    await expect(desk.get_by_role("tab", name="Жұмыс кестесі", exact=True)).to_be_visible()
    token = world.tokens["manager"]
    outsider = f"{live_server}/manage/branches/{world.other_branch.id}/staffing?access_token={token}"
    response = await desk.goto(outsider)
    assert response is not None and response.status == 404
