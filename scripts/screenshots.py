"""Screenshots of the citizen's ticket page on a 360×800 phone, in Kazakh, Russian and English.

Builds a throwaway SQLite database with the demo data, puts people in the Turkestan Digital PSC's queue,
serves the real app with uvicorn and photographs the page with Debian's Chromium:

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes ticket-status-{kk,ru,en}.png (a waiting ticket) and ticket-status-called-{kk,ru,en}.png.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from playwright.async_api import async_playwright

from birtereze import demo
from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.core import security
from birtereze.core.clock import ManualClock
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.core.migrate import upgrade
from birtereze.core.settings import Settings
from birtereze.queue import service as queue_service
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


async def photograph(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/screenshots.sqlite3"
        upgrade(database_url)
        await demo.load_into(database_url)
        clock = ManualClock(MORNING)
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
