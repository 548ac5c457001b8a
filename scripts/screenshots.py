"""Screenshots of every page at its target size (``make screenshots``): the citizen's ticket page on a
360×800 phone; the manager's staffing page on a desk screen, in Kazakh, Russian and English; and the
hall's screens — the kiosk (1080×1920), the operator console and the manager board (1366×768), the
display board (1920×1080) and the information stand (1080×1920, and printed on A4).

Builds a throwaway SQLite database with the demo data, gives the Turkestan Digital PSC four weeks of
tickets and a dozen operators, puts people in its queue, serves the real app with uvicorn on a fixed
clock (a Wednesday morning), plays the morning's work through the REST API and photographs the pages
with Debian's Chromium:

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes ticket-status-{kk,ru,en}.png (a waiting ticket), ticket-status-called-{kk,ru,en}.png,
staffing-{forecast,twin,roster}-{kk,ru,en}.png (the staffing page's three sections, the twin's what-if
run and a roster made on the page), and kiosk-{start,services,ticket}.png, console-sign-in.png,
console.png, board.png, manager.png, finder.png (the branch finder on a phone), stand.png and
stand-print.png; and the citizen's phone: phone-{sign-in,digital-id,me}.png, phone-book-{service,day,
slots}.png, phone-booking.png, phone-remote-{new,ticket}.png, phone-offline.png, with the kiosk's
kiosk-check-in.png; and the one window's staff screens (1366×768, in Russian):
applications-{intake,issue,list,timeline}.png.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
from asgi_lifespan import LifespanManager
from playwright.async_api import Browser, Page, ViewportSize, async_playwright
from sqlalchemy import update

from birtereze import demo
from birtereze.applications import service as applications_service
from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.core import security
from birtereze.core.clock import ManualClock
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.core.migrate import upgrade
from birtereze.core.settings import Settings
from birtereze.queue import service as queue_service
from birtereze.queue.models import Visit
from birtereze.queue.service import config as queue_config
from birtereze.staff import service as staff_service
from birtereze.web.app import create_app
from birtereze.web.server import serving

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
                "waiting": security.sign_ticket(SECRET, visits[-1].id, clock.now()),
                "called": security.sign_ticket(SECRET, visits[1].id, clock.now()),
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
            # Those days are over: their tickets were served then, and must not be called today.
            await session.execute(
                update(Visit)
                .where(Visit.branch_id == branch.id, Visit.service_day < today)
                .values(status="finished")
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


KIOSK: ViewportSize = {"width": 1080, "height": 1920}
DESK: ViewportSize = {"width": 1366, "height": 768}
TV: ViewportSize = {"width": 1920, "height": 1080}
A4: ViewportSize = {"width": 794, "height": 1123}  # at 96 dpi
PHONE: ViewportSize = {"width": 360, "height": 800}
SLUG = "trk-digital"


class Hall:
    """The demo centre's morning, through the REST API as the hall's devices and people play it."""

    def __init__(self, http: httpx.AsyncClient, clock: ManualClock) -> None:
        self.http = http
        self.clock = clock
        self.tokens: dict[str, str] = {}
        self.branch_id = 0
        self.asked: dict[int, int] = {}  # visit id → the service asked for

    async def call(self, method: str, path: str, who: str, body: object = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response = await self.http.request(method, path, json=body, headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    async def sign_in(self) -> None:
        for who in ("manager", "operator1", "operator2", "operator3", "operator4", "kiosk"):
            body = {"username": f"{who}.{SLUG}", "password": demo.DEMO_PASSWORD, "name": "screenshots"}
            response = await self.http.post("/api/v1/auth/token", json=body)
            response.raise_for_status()
            self.tokens[who] = response.json()["access_token"]
        body = {"username": "admin", "password": demo.DEMO_PASSWORD, "name": "screenshots"}
        response = await self.http.post("/api/v1/auth/token", json=body)
        response.raise_for_status()
        self.tokens["admin"] = response.json()["access_token"]
        self.branch_id = (await self.call("GET", "/api/v1/me", "manager"))["branch_ids"][0]

    async def morning(self) -> None:
        """Two more windows open, fourteen tickets at the kiosk (one for a person with a disability),
        window 2 serving one after another, every window busy at the end, and a call for help."""
        branch = f"/api/v1/branches/{self.branch_id}"
        windows = {
            w["number"]: w["window_id"] for w in await self.call("GET", f"{branch}/windows", "manager")
        }
        profiles = {p["code"]: p["id"] for p in await self.call("GET", f"{branch}/profiles", "manager")}
        services = {s["code"]: s["id"] for s in (await self.http.get("/api/v1/services")).json()}
        for who, number, profile in (("operator3", 1, "priority"), ("operator4", 7, "fast")):
            await self.call(
                "POST", f"/api/v1/windows/{windows[number]}/open", who, {"work_profile_id": profiles[profile]}
            )
        codes = [
            "00200001", "00100001", "00200005", "00200008", "00100003", "00200010", "00200007", "00200001",
            "00100004", "00200011", "00500001", "00200006", "00200004", "00100002",
        ]  # fmt: skip
        for n, code in enumerate(codes):
            self.clock.advance(timedelta(minutes=2))
            body: dict[str, object] = {"service_id": services[code], "language": "ru" if n % 3 == 0 else "kk"}
            if n == 5:
                body["priority"] = "disability"
            issued = await self.call("POST", f"{branch}/tickets", "kiosk", body)
            self.asked[issued["ticket"]["id"]] = services[code]
            if n % 4 == 3:
                await self.serve(windows[2], "operator1", services[SERVICE_CODE])
        await self.call("POST", f"/api/v1/windows/{windows[3]}/confirm", "operator2")
        for who, number in (("operator3", 1), ("operator4", 7)):
            await self.call("POST", f"/api/v1/windows/{windows[number]}/call-next", who)
        self.clock.advance(timedelta(seconds=50))
        await self.call("POST", f"{branch}/assist-calls", "kiosk", {"source": "kiosk"})
        # This week's roster, for the substitution scheme of the information stand.
        week = {"week": self.clock.now().date().isoformat(), "time_limit_s": 5}
        await self.call("POST", f"{branch}/roster", "manager", week)

    async def serve(self, window: int, who: str, default_service: int) -> None:
        """The window's called ticket served (its service recorded, with an outcome), the next one called."""
        desk = await self.call("POST", f"/api/v1/windows/{window}/confirm", who)
        self.clock.advance(timedelta(minutes=5))
        service = self.asked.get(desk["visit"]["id"], default_service)
        await self.call(
            "POST", f"/api/v1/windows/{window}/services", who, {"service_id": service, "outcome": "accepted"}
        )
        await self.call("POST", f"/api/v1/windows/{window}/finish", who)
        await self.call("POST", f"/api/v1/windows/{window}/call-next", who)


async def photograph_hall(browser: Browser, base: str, hall: Hall, out: Path) -> None:
    """Each hall screen at its size: the kiosk's three steps, the console, the board, the manager's
    board and the information stand (on its screen and printed)."""
    kiosk = f"{base}/kiosk/{hall.branch_id}?access_token={hall.tokens['kiosk']}"
    manager = f"{base}/manage/{hall.branch_id}?access_token={hall.tokens['manager']}&lang=en"

    async def services(page: Page) -> None:
        await page.get_by_role("link", name="Русский").click()
        await page.locator("#kiosk-services").wait_for()

    async def ticket(page: Page) -> None:
        await page.get_by_role("button", name="Civil-registry certificate copies").click()
        await page.locator("#kiosk-slip-ticket").wait_for()

    async def console(page: Page) -> None:
        await page.get_by_label("Username").fill(f"operator1.{SLUG}")
        await page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.locator("[data-view=desk]").wait_for()
        await page.locator("#console-figures dl").wait_for()

    async def charts_or_map(page: Page) -> None:
        await page.locator("#finder-map path.leaflet-interactive").first.wait_for()
        await page.wait_for_timeout(500)

    async def charts(page: Page) -> None:
        await page.locator("canvas").first.wait_for()
        await page.wait_for_timeout(800)  # the charts' drawing

    shots: list[tuple[str, ViewportSize, str, bool, Callable[[Page], Awaitable[None]] | None]] = [
        ("kiosk-start", KIOSK, kiosk, False, None),
        ("kiosk-services", KIOSK, kiosk, False, services),
        ("kiosk-ticket", KIOSK, f"{kiosk}&lang=en#services", False, ticket),
        ("console-sign-in", DESK, f"{base}/console?lang=en", False, None),
        ("console", DESK, f"{base}/console?lang=en", True, console),
        ("board", TV, f"{base}/board/{hall.branch_id}?access_token={hall.tokens['kiosk']}", False, None),
        ("manager", DESK, manager, True, charts),
        ("finder", PHONE, f"{base}/branches?lang=en", True, charts_or_map),
        ("stand", KIOSK, f"{base}/stand/{hall.branch_id}", False, None),
        ("stand-print", A4, f"{base}/stand/{hall.branch_id}?lang=en", True, None),
    ]
    for name, size, url, full, then in shots:
        context = await browser.new_context(viewport=size, locale="kk-KZ")
        page = await context.new_page()
        if name == "stand-print":
            await page.emulate_media(media="print")
        await page.goto(url)
        await page.wait_for_load_state("networkidle")
        if then is not None:
            await then(page)
        await page.wait_for_timeout(300)
        await page.screenshot(path=out / f"{name}.png", full_page=full)
        print(out / f"{name}.png")
        await context.close()


async def photograph_phone(browser: Browser, base: str, hall: Hall, out: Path) -> None:
    """The citizen's phone (360×800): signing in, the home page, booking a visit step by step and the
    booking's QR code, taking a ticket remotely and its page before the check-in, the offline page; and
    the kiosk's check-in screen."""
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB")
    page = await context.new_page()

    async def shoot(name: str, *, full: bool = True) -> None:
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(300)
        await page.screenshot(path=out / f"{name}.png", full_page=full)
        print(out / f"{name}.png")

    await page.goto(f"{base}/me/sign-in?lang=en")
    await shoot("phone-sign-in")
    await page.locator('a[href^="/me/sign-in/digital-id"]').click()
    await page.locator('input[name="iin"]').first.check()
    await shoot("phone-digital-id")
    await page.locator('button[name="decision"][value="allow"]').click()
    await page.locator("h1").wait_for()
    await shoot("phone-me")
    branch = hall.branch_id
    services = {s["code"]: s["id"] for s in (await hall.http.get("/api/v1/services")).json()}
    await page.goto(f"{base}/me/appointments/new?branch_id={branch}&lang=en")
    await shoot("phone-book-service")
    await page.locator(f'a[href*="service_id={services[SERVICE_CODE]}"]').first.click()
    await shoot("phone-book-day")
    await page.locator(f'a[href*="day={hall.clock.now().date().isoformat()}"]').first.click()
    await shoot("phone-book-slots", full=False)
    await page.locator(".slot:not(.slot--full)").nth(2).click()
    await page.locator('button[type="submit"]').click()
    await page.locator('[data-field="code"]').wait_for()
    await shoot("phone-booking")
    await page.goto(f"{base}/me/tickets/new?branch_id={branch}&lang=en")
    await shoot("phone-remote-new")
    await page.locator(f'input[name="service_id"][value="{services[SERVICE_CODE]}"]').check()
    await page.locator('button[type="submit"]').click()
    await page.locator("[data-awaiting-arrival]").wait_for()
    await shoot("phone-remote-ticket")
    await page.goto(f"{base}/offline?lang=en")
    await shoot("phone-offline", full=False)
    await context.close()

    kiosk = await browser.new_context(viewport=KIOSK, locale="kk-KZ")
    page = await kiosk.new_page()
    await page.goto(f"{base}/kiosk/{branch}?access_token={hall.tokens['kiosk']}&lang=en#services")
    await page.get_by_role("button", name="I have a booking").click()
    await page.locator("#kiosk-code").wait_for()
    await shoot("kiosk-check-in", full=False)
    await kiosk.close()


# The one window's staff screens (``photograph_applications``): a seeded applicant registered in Turkestan.
APPLICANT = "900101300017"
SAMPLE_PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PATTERN_SAMPLES = {
    r"^[0-9]{12}$": APPLICANT,
    r"^\+7 ?7[0-9]{2} ?[0-9]{3} ?[0-9]{2} ?[0-9]{2}$": "+77011234567",
}


def sample_answers(schema: dict[str, Any]) -> dict[str, Any] | None:
    """Answers to a form's required questions, or None when one asks for a format not sampled here."""
    answers: dict[str, Any] = {}
    for name in schema.get("required", []):
        spec = schema["properties"][name]
        kind = spec.get("type", "string")
        if "enum" in spec:
            answers[name] = spec["enum"][0]
        elif kind == "boolean":
            answers[name] = True
        elif kind in ("integer", "number"):
            answers[name] = max(spec.get("minimum", 1), 1)
        elif spec.get("format") == "date":
            answers[name] = "2026-10-05"
        elif "pattern" in spec:
            if spec["pattern"] not in PATTERN_SAMPLES:
                return None
            answers[name] = PATTERN_SAMPLES[spec["pattern"]]
        else:
            answers[name] = "Aruzhan Serikqyzy"
    return answers


async def photograph_wizard(browser: Browser, base: str, hall: Hall, out: Path) -> None:
    """The citizen's self-service wizard on a phone (360×800): the services, what a service needs before
    starting, a question; and its first screen at the hall's kiosk (1080×1920):
    apply-{services,needed,step}.png, kiosk-apply.png and kiosk-apply-step.png."""
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB")
    page = await context.new_page()

    async def shoot(name: str, *, full: bool = False) -> None:
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(300)
        await page.screenshot(path=out / f"{name}.png", full_page=full)
        print(out / f"{name}.png")

    await page.goto(f"{base}/me/sign-in?lang=en")
    await page.locator('a[href^="/me/sign-in/digital-id"]').click()
    await page.locator('input[name="iin"]').first.check()
    await page.locator('button[name="decision"][value="allow"]').click()
    await page.locator("h1").wait_for()
    await page.goto(f"{base}/me/apply?lang=en")
    await shoot("apply-services")
    await page.locator(f'a[data-service="{SERVICE_CODE}"]').first.click()
    await shoot("apply-needed", full=True)
    await page.locator("#branch_id").select_option(index=1)
    await page.locator('button[type="submit"]').last.click()
    await page.locator(".wizard__form").first.wait_for()
    await shoot("apply-step")
    await context.close()

    kiosk = await browser.new_context(viewport=KIOSK, locale="kk-KZ")
    page = await kiosk.new_page()
    await page.goto(f"{base}/kiosk/{hall.branch_id}/apply?access_token={hall.tokens['kiosk']}&lang=en")
    await shoot("kiosk-apply")
    # A question at the kiosk, with its on-screen keyboard, the first letters of a name typed on it.
    await page.locator(f'a[data-service="{SERVICE_CODE}"]').first.click()
    for digit in APPLICANT:
        await page.locator(f'[data-keypad] [data-key="{digit}"]').click()
    await page.locator('button[type="submit"]').last.click()

    async def tap(keys: str) -> None:
        for key in keys:
            await page.locator(f'[data-keyboard] button[data-char="{key}"]:visible').click()

    # The certificate's kind, its year (on the digits), then the registry office's name in words.
    await page.locator('input[type="radio"]').first.check()
    await page.locator('button[value="next"]').click()
    await tap("2001")
    await page.locator('button[value="next"]').click()
    await page.locator("[data-switch=cyrillic]").click()
    await tap("алм")
    await shoot("kiosk-apply-step")
    await kiosk.close()


async def photograph_catalogue(browser: Browser, base: str, hall: Hall, out: Path) -> None:
    """A service's public page on a phone (360×800, whole), and the administrator's pages at 1366×768: the
    standard's editor with its history (after a change of the term through the API) and the authorised
    bodies: catalog-service.png, admin-standard.png, admin-authorities.png."""
    phone = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB")
    page = await phone.new_page()
    await page.goto(f"{base}/services/{SERVICE_CODE}?lang=en")
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=out / "catalog-service.png", full_page=True)
    print(out / "catalog-service.png")
    await phone.close()

    services = {s["code"]: s["id"] for s in (await hall.http.get("/api/v1/services")).json()}
    service_id = services[SERVICE_CODE]
    standard = (await hall.http.get(f"/api/v1/services/{service_id}/standard")).json()
    change = {
        "authority_code": standard["authority"]["code"],
        "channels": standard["channels"],
        "term_amount": standard["term"]["amount"] + 1,
        "term_unit": standard["term"]["unit"],
        "form": standard["form"],
        "result": standard["result"],
        "fee_kind": standard["fee"]["kind"],
        "fee_mrp": standard["fee"]["mrp"],
        "fee_kzt": standard["fee"]["fixed_kzt"],
        "fee_payment": standard["fee"]["payment"],
        "documents": standard["documents"],
        "refusal_grounds": standard["refusal_grounds"],
        "hours": standard["hours"],
        "extraterritorial": standard["extraterritorial"],
        "form_schema": standard["form_schema"],
        "note": "One more working day for archive searches",
    }
    # The demo's first version was recorded at the real time of seeding: the change comes after it.
    hall.clock.set(datetime.now(UTC) + timedelta(minutes=5))
    await hall.sign_in()  # the morning's tokens may have expired by then
    await hall.call("PUT", f"/api/v1/services/{service_id}/standard", "admin", change)
    desk = await browser.new_context(viewport=DESK, locale="en-GB")
    page = await desk.new_page()
    token = hall.tokens["admin"]
    await page.goto(f"{base}/admin/services/{service_id}/standard?lang=en&access_token={token}")
    await page.get_by_role("heading", name="Versions").scroll_into_view_if_needed()
    await page.screenshot(path=out / "admin-standard.png")
    print(out / "admin-standard.png")
    await page.goto(f"{base}/admin/authorities?lang=en&access_token={token}")
    await page.screenshot(path=out / "admin-authorities.png")
    print(out / "admin-authorities.png")
    await desk.close()


async def photograph_applications(
    browser: Browser, base: str, hall: Hall, database_url: str, out: Path
) -> None:
    """The operator's intake (a form with its mistakes shown), the issue zone, the back office's list and
    an application's page with its timeline, at 1366×768: applications-{intake,issue,list,timeline}.png."""
    who = "operator1"
    token = hall.tokens[who]
    chosen: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    for listed in (await hall.http.get("/api/v1/services")).json():
        answer = await hall.http.get(f"/api/v1/services/{listed['id']}/standard")
        if answer.status_code != 200:
            continue
        standard = answer.json()
        answers = sample_answers(standard["form_schema"])
        registries = [d for d in standard["documents"] if d.get("registry")]
        if answers is None or "centre" not in standard["channels"] or not registries:
            continue
        chosen.append((listed, standard, answers))
    numbers = []
    for listed, standard, answers in chosen[:6]:
        created = await hall.http.post(
            "/api/v1/applications",
            json={
                "service_id": listed["id"],
                "branch_id": hall.branch_id,
                "applicant_iin": APPLICANT,
                "form": answers,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        if created.status_code != 201:
            continue
        application = created.json()
        for document in standard["documents"]:
            if not document.get("registry"):
                await hall.http.put(
                    f"/api/v1/applications/{application['id']}/documents/{document['code']}",
                    content=SAMPLE_PDF,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/pdf"},
                )
        if (
            await hall.http.post(
                f"/api/v1/applications/{application['id']}/submit",
                headers={"Authorization": f"Bearer {token}"},
            )
        ).status_code == 200:
            numbers.append(application["id"])
        hall.clock.advance(timedelta(minutes=7))
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            for application_id in numbers[:4]:
                await applications_service.mark_delivered(session, application_id, now=hall.clock.now())
                await applications_service.record_body_answer(
                    session, application_id, kind="result_ready", now=hall.clock.now()
                )
            await session.commit()
    finally:
        await engine.dispose()
    for index, application_id in enumerate(numbers[:2]):
        await hall.call(
            "POST", f"/api/v1/applications/{application_id}/receive", who, {"storage_cell": f"B-{index + 4}"}
        )
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    auth = f"lang=ru&access_token={token}"
    await page.goto(f"{base}/applications/intake?{auth}")
    if chosen:
        await page.locator("#service_id").select_option(str(chosen[0][0]["id"]))
    await page.locator("#applicant_iin").fill(APPLICANT)
    await page.locator("form.apps__form button[type=submit]").click()
    await page.locator('button[value="submit"]').click()
    await page.wait_for_load_state("networkidle")  # the refusal's page, with the mistakes shown
    await page.wait_for_timeout(300)
    await page.screenshot(path=out / "applications-intake.png")
    print(out / "applications-intake.png")
    pages = {
        "applications-issue": f"{base}/applications/issue?{auth}",
        "applications-list": f"{base}/applications/back-office?{auth}",
    }
    if numbers:
        pages["applications-timeline"] = f"{base}/applications/{numbers[0]}?{auth}"
    for name, url in pages.items():
        await page.goto(url)
        await page.screenshot(path=out / f"{name}.png")
        print(out / f"{name}.png")
    await context.close()


async def photograph(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/screenshots.sqlite3"
        upgrade(database_url)
        await demo.load_into(database_url)
        clock = ManualClock(MORNING)
        staffing = await give_history(database_url, clock)
        tokens = await fill_the_hall(database_url, clock)
        settings = Settings(
            database_url=database_url,
            secret_key=SECRET,
            embedded_worker=False,
            log_level="WARNING",
            fake_idp=True,
        )
        app = create_app(settings, clock)
        async with (
            LifespanManager(app),
            serving(app) as base,
            httpx.AsyncClient(base_url=base, timeout=60) as http,
            async_playwright() as playwright,
        ):
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = await browser.new_context(viewport={"width": 360, "height": 800}, device_scale_factor=2)
            page = await context.new_page()
            for state, token in tokens.items():
                for locale in ("kk", "ru", "en"):
                    await page.goto(f"{base}/t/{token}?lang={locale}")
                    name = "ticket-status" if state == "waiting" else "ticket-status-called"
                    await page.screenshot(path=out / f"{name}-{locale}.png")
                    print(out / f"{name}-{locale}.png")
            desk = await browser.new_context(viewport={"width": 1280, "height": 900})
            await photograph_staffing(await desk.new_page(), f"{base}{staffing}", out)
            hall = Hall(http, clock)
            await hall.sign_in()
            await hall.morning()
            await photograph_hall(browser, base, hall, out)
            await photograph_phone(browser, base, hall, out)
            await photograph_applications(browser, base, hall, database_url, out)
            await photograph_wizard(browser, base, hall, out)
            await photograph_catalogue(browser, base, hall, out)
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    out: Path = parser.parse_args().out
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: install Chromium with scripts/install-system-deps.sh")
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(photograph(out))


if __name__ == "__main__":
    main()
