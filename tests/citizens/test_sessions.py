"""Citizens' sessions: the signed cookie, idle and absolute expiry, signing out, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from birtereze.citizens.deps import SESSION_COOKIE
from birtereze.citizens.models import CitizenSession, OtpChallenge
from birtereze.citizens.otp import MemoryCodeSender
from birtereze.core.clock import ManualClock
from birtereze.core.live import Hub
from birtereze.core.settings import Settings
from birtereze.worker import Worker, schedule
from tests.citizens.conftest import AIGERIM, sign_in_by_sms
from tests.conftest import Database

ME = "/api/v1/citizens/me"


async def test_a_session_ends_after_twelve_idle_hours(
    client: httpx.AsyncClient, sms: MemoryCodeSender, clock: ManualClock
) -> None:
    await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    clock.advance(timedelta(hours=11, minutes=59))
    assert (await client.get(ME)).status_code == 200  # seen: the idle time starts again
    clock.advance(timedelta(hours=11, minutes=59))
    assert (await client.get(ME)).status_code == 200
    clock.advance(timedelta(hours=12))
    gone = await client.get(ME)
    assert gone.status_code == 401 and gone.json()["code"] == "citizen_sign_in_required"


async def test_a_session_ends_after_seven_days_however_busy(
    client: httpx.AsyncClient, sms: MemoryCodeSender, clock: ManualClock
) -> None:
    await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    for _ in range(15):  # every 11 hours for 6 days and 21 hours
        clock.advance(timedelta(hours=11))
        assert (await client.get(ME)).status_code == 200
    clock.advance(timedelta(hours=4))
    assert (await client.get(ME)).status_code == 401


async def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    signed_in = await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    cookie = client.cookies[SESSION_COOKIE]
    csrf = signed_in.json()["csrf_token"]
    assert (await client.post("/api/v1/citizens/sign-out")).status_code == 403
    assert (
        await client.post("/api/v1/citizens/sign-out", headers={"X-CSRF-Token": "0" * 32})
    ).status_code == 403
    cross_site = await client.post(
        "/api/v1/citizens/sign-out", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403 and cross_site.json()["code"] == "csrf_failed"
    out = await client.post(
        "/api/v1/citizens/sign-out", headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"}
    )
    assert out.status_code == 204
    assert (await client.get(ME)).status_code == 401
    # The old cookie, kept by someone, opens nothing either.
    client.cookies.set(SESSION_COOKIE, cookie)
    assert (await client.get(ME)).status_code == 401


async def test_a_forged_cookie_opens_nothing(client: httpx.AsyncClient, sms: MemoryCodeSender) -> None:
    await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    token, _, signature = client.cookies[SESSION_COOKIE].rpartition(".")
    client.cookies.set(SESSION_COOKIE, f"{token}x.{signature}")
    assert (await client.get(ME)).status_code == 401


async def test_the_pages_sign_out_with_the_forms_token(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    page = await client.get("/me?lang=en")
    assert page.status_code == 200 and "Sign out" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = await client.post("/me/sign-out?lang=en", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    out = await client.post("/me/sign-out?lang=en", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/me/sign-in?lang=en"
    back = await client.get("/me?lang=en")
    assert back.status_code == 303 and back.headers["location"] == "/me/sign-in?lang=en"


async def test_the_sign_in_page_speaks_three_languages(client: httpx.AsyncClient) -> None:
    for lang, text in (("kk", "SMS-кодпен"), ("ru", "По SMS-коду"), ("en", "With an SMS code")):
        page = await client.get("/me/sign-in", params={"lang": lang})
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert text in page.text


async def test_a_cross_site_form_cannot_ask_for_a_code(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    refused = await client.post(
        "/me/sign-in/sms?lang=en",
        data={"iin": AIGERIM.iin, "phone": AIGERIM.phone},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403 and not sms.sent


async def test_the_purge_job_deletes_idle_sessions_and_old_codes(
    client: httpx.AsyncClient, sms: MemoryCodeSender, clock: ManualClock, db: Database
) -> None:
    await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    worker = Worker(db.sessions, Hub(), clock, Settings(database_url=db.url))
    purge = next(job for job in schedule() if job.name == "citizens.purge")
    assert await worker.run_once(purge)
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CitizenSession)) == 1
    clock.advance(timedelta(days=3))
    assert await worker.run_once(purge)
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CitizenSession)) == 0
        assert await session.scalar(select(func.count()).select_from(OtpChallenge)) == 0


async def test_a_form_posted_from_a_no_referrer_page_is_told_apart_by_sec_fetch_site(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    # Under "Referrer-Policy: no-referrer" a browser sends a form's origin as "null".
    signed_in = await sign_in_by_sms(client, sms, AIGERIM.iin, AIGERIM.phone)
    csrf = signed_in.json()["csrf_token"]
    for fetch_site in (None, "cross-site", "same-site"):
        headers = {"X-CSRF-Token": csrf, "Origin": "null"}
        if fetch_site is not None:
            headers["Sec-Fetch-Site"] = fetch_site
        refused = await client.post("/api/v1/citizens/sign-out", headers=headers)
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed", fetch_site
    same_origin = {"X-CSRF-Token": csrf, "Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert (await client.post("/api/v1/citizens/sign-out", headers=same_origin)).status_code == 204


async def test_a_sign_in_by_sms_code_returns_to_the_page_that_asked_for_it(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    form = {"iin": AIGERIM.iin, "phone": AIGERIM.phone, "next": "/me/appointments?lang=ru"}
    code_page = await client.post("/me/sign-in/sms?lang=ru", data=form)
    assert code_page.status_code == 200 and 'name="next" value="/me/appointments?lang=ru"' in code_page.text
    challenge = re.search(r'name="challenge_id" value="([^"]+)"', code_page.text)
    assert challenge is not None
    done = await client.post(
        "/me/sign-in/sms/code?lang=ru",
        data={
            "challenge_id": challenge.group(1),
            "code": sms.sent[-1].code,
            "next": "/me/appointments?lang=ru",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/me/appointments?lang=ru"
