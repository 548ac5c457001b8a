"""Screenshots of the citizen's ticket page on a 360×800 phone, and of the manager's staffing page on a
desk screen, in Kazakh, Russian and English.

Builds a throwaway SQLite database with the demo data, gives the Turkestan Digital PSC four weeks of
tickets and a dozen operators, puts people in its queue, serves the real app with uvicorn and photographs
the pages with Debian's Chromium:

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes ticket-status-{kk,ru,en}.png (a waiting ticket), ticket-status-called-{kk,ru,en}.png, and
staffing-{forecast,twin,roster}-{kk,ru,en}.png (the staffing page's three sections, the twin's what-if
run and a roster made on the page).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import uvicorn
from playwright.async_api import Page, async_playwright

from birtereze import demo
from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.core import security
from birtereze.core.clock import ManualClock
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.core.migrate import upgrade
from birtereze.core.settings import Settings
from birtereze.queue import service as queue_service
from birtereze.queue.service import config as queue_config
from birtereze.staff import service as staff_service
from birtereze.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET = "screenshots"  # noqa: S105 - a throwaway database
# A Wednesday morning in Turkestan.
MORNING = datetime(2026, 11, 25, 10, 40, tzinfo=ZoneInfo("Asia/Almaty"))
SERVICE_CODE = "00200001"  # civil-registry certificate copies: a long name in every language


async def fill_the_hall(database_url: str, clock: ManualClock) -> dict[str, str]:
    """Seven tickets, two windows serving; returns the tokens of a waiting and a called ticket."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await branches_service.get_by_code(session, "TRK-DIGITAL")
            assert branch is not None
            service = await catalog_service.get_by_code(session, SERVICE_CODE)
            assert service is not None
            visits = []
            for _ in range(7):
                visits.append(
                    await queue_service.issue_ticket(
                        session, branch_id=branch.id, service_id=service.id, now=clock.now()
                    )
                )
                clock.advance(95)
            profiles = {p.code: p for p in await queue_service.list_profiles(session, branch_id=branch.id)}
            windows = {w.number: w for w in await branches_service.list_windows(session, branch_id=branch.id)}
            for number, username in ((2, "operator1.trk-digital"), (3, "operator2.trk-digital")):
                operator = await staff_service.get_by_username(session, username)
                assert operator is not None
                await queue_service.open_window(
                    session,
                    window_id=windows[number].id,
                    staff_id=operator.id,
                    work_profile_id=profiles["general"].id,
                    now=clock.now(),
                )
                await queue_service.call_next(session, window_id=windows[number].id, now=clock.now())
            return {
                "waiting": security.sign_ticket(SECRET, visits[-1].id),
                "called": security.sign_ticket(SECRET, visits[1].id),
            }
    finally:
        await engine.dispose()


# Tickets per half hour by queue prefix at the peak (late morning): general services, social benefits,
# fast services, passports; the day's shape is a hump over it.
PEAK = {"A": 4.0, "B": 2.0, "C": 3.0, "D": 2.0}
HISTORY_WEEKS = 4
OPERATORS = 12
ROSTER_WAIT_MS = 90_000  # the page gives the solver up to 30 s


def day_shape(slot: int) -> float:
    """A weekday's profile over the half hours from 09:00: a rise to 11:30, a lunch dip, a quieter evening."""
    hour = 9 + slot / 2
    return max(0.15, math.exp(-(((hour - 11.5) / 2.2) ** 2)) + 0.45 * math.exp(-(((hour - 15.5) / 2.0) ** 2)))


async def give_history(database_url: str, clock: ManualClock) -> str:
    """Four weeks of tickets in four queues of the Turkestan Digital PSC, more operators, and the
    manager's token."""
    engine = create_engine(database_url)
    rng = np.random.default_rng(7)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await branches_service.get_by_code(session, "TRK-DIGITAL")
            assert branch is not None
            queues = {q.id: q for q in await queue_service.list_queues(session, branch_id=branch.id)}
            chosen: dict[str, int] = {}
            for offer in await queue_config.list_offered(session, branch_id=branch.id):
                prefix = queues[offer.queue_id].prefix
                if prefix in PEAK and prefix not in chosen:
                    chosen[prefix] = offer.service_id
            today = clock.now().date()
            for back in range(7 * HISTORY_WEEKS, 0, -1):
                day = today - timedelta(days=back)
                if day.weekday() == 6:
                    continue
                closes = 8 if day.weekday() == 5 else 22  # Saturday 09:00-13:00
                for group, service_id in chosen.items():
                    for slot in range(closes):
                        for _ in range(int(rng.poisson(PEAK[group] * day_shape(slot)))):
                            at = datetime.combine(day, datetime.min.time(), MORNING.tzinfo) + timedelta(
                                minutes=9 * 60 + 30 * slot + float(rng.uniform(0, 30))
                            )
                            await queue_service.issue_ticket(
                                session, branch_id=branch.id, service_id=service_id, now=at
                            )
            for n in range(5, OPERATORS + 1):
                await staff_service.create(
                    session,
                    username=f"operator{n}.trk-digital",
                    full_name=f"Operator {n}",
                    role="operator",
                    password=None,
                    branch_ids=[branch.id],
                    now=clock.now(),
                )
            manager = await staff_service.get_by_username(session, "manager.trk-digital")
            assert manager is not None
            token = await staff_service.issue_token(
                session, staff_id=manager.id, name="screenshots", now=clock.now()
            )
            monday = today + timedelta(days=7 - today.weekday())
            return f"/manage/branches/{branch.id}/staffing?access_token={token}&day={monday}"
    finally:
        await engine.dispose()


async def photograph_staffing(page: Page, base: str, out: Path) -> None:
    """The three sections of the staffing page, the what-if run and a roster made on the page."""
    for locale in ("kk", "ru", "en"):
        await page.goto(f"{base}&lang={locale}")
        await page.wait_for_timeout(500)
        await page.screenshot(path=out / f"staffing-forecast-{locale}.png")
        await page.locator("#tab-plan").click()
        await page.locator("#what-if-form button").click()
        await page.locator("#what-if-result table").wait_for(timeout=60_000)
        await page.evaluate("document.getElementById('what-if-title').scrollIntoView({block: 'start'})")
        await page.screenshot(path=out / f"staffing-twin-{locale}.png")
        await page.locator("#tab-roster").click()
        if locale == "kk":
            await page.locator('[data-action="make-roster"]').click()
            await page.locator(".roster__grid").wait_for(timeout=ROSTER_WAIT_MS)
        await page.set_viewport_size({"width": 1280, "height": 1400})
        await page.screenshot(path=out / f"staffing-roster-{locale}.png")
        await page.set_viewport_size({"width": 1280, "height": 900})
        for name in ("forecast", "twin", "roster"):
            print(out / f"staffing-{name}-{locale}.png")


async def photograph(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/screenshots.sqlite3"
        upgrade(database_url)
        await demo.load_into(database_url)
        clock = ManualClock(MORNING)
        staffing = await give_history(database_url, clock)
        tokens = await fill_the_hall(database_url, clock)
        settings = Settings(
            database_url=database_url, secret_key=SECRET, embedded_worker=False, log_level="WARNING"
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(settings, clock), log_level="warning"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                context = await browser.new_context(
                    viewport={"width": 360, "height": 800}, device_scale_factor=2
                )
                page = await context.new_page()
                for state, token in tokens.items():
                    for locale in ("kk", "ru", "en"):
                        await page.goto(f"http://127.0.0.1:{port}/t/{token}?lang={locale}")
                        name = "ticket-status" if state == "waiting" else "ticket-status-called"
                        await page.screenshot(path=out / f"{name}-{locale}.png")
                        print(out / f"{name}-{locale}.png")
                desk = await browser.new_context(viewport={"width": 1280, "height": 900})
                await photograph_staffing(await desk.new_page(), f"http://127.0.0.1:{port}{staffing}", out)
                await browser.close()
        finally:
            server.should_exit = True
            await serving
            sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(photograph(out))


if __name__ == "__main__":
    main()
