"""The citizen's appointment pages: the steps of booking, the code and its QR code, refusals shown on the
page with the choice kept, rescheduling, cancelling with the CSRF token, and another's booking unseen."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

import httpx
import segno
from sqlalchemy import select

from birtereze.appointments import service
from birtereze.appointments.models import Booking
from birtereze.appointments.pages import qr_svg
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.appointments.conftest import create_citizen, sign_in
from tests.builders import World
from tests.conftest import ALMATY, Database

ELEVEN = datetime(2026, 11, 28, 11, 0, tzinfo=ALMATY)  # Saturday; "now" is Friday 10:00
ELEVEN_UTC = "2026-11-28T06:00:00+00:00"  # as the grid posts it


def _form(
    csrf: str, world: World, slot: str = ELEVEN_UTC, service_key: str = "certificate"
) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "branch_id": str(world.branch.id),
        "service_id": str(world.services[service_key].id),
        "day": "2026-11-28",
        "slot_start": slot,
    }


async def _book_as_other(
    db: Database, world: World, clock: ManualClock, settings: Settings, n: int
) -> Booking:
    async with db.sessions() as session:
        other = await create_citizen(session, n, clock.now())
        booking = await service.book(
            session,
            citizen_id=other.id,
            branch_id=world.branch.id,
            service_id=world.services["certificate"].id,
            slot_start=ELEVEN,
            language="ru",
            now=clock.now(),
            policy=service.Policy.from_settings(settings),
        )
        await session.commit()
        return booking


async def test_signed_out_the_pages_send_the_browser_to_sign_in(
    client: httpx.AsyncClient, world: World
) -> None:
    for url in ("/me/appointments", "/me/appointments/new", "/me/appointments/1", "/me/appointments/1/move"):
        answer = await client.get(url, params={"lang": "ru"})
        assert answer.status_code == 303
        assert (
            answer.headers["location"] == f"/me/sign-in?{urlencode({'lang': 'ru', 'next': url + '?lang=ru'})}"
        )
    posted = await client.post("/me/appointments/1/cancel", data={"csrf_token": "x"})
    assert posted.status_code == 303


async def test_a_citizen_books_step_by_step_and_sees_the_code_and_its_qr(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    citizen = await sign_in(db, client, clock, settings)
    csrf = citizen.headers["X-CSRF-Token"]
    centres = await client.get("/me/appointments/new", params={"lang": "en"})
    assert centres.status_code == 200
    assert "A PSC" in centres.text and "B PSC" in centres.text and 'href="/branches?lang=en"' in centres.text
    branch = str(world.branch.id)
    services = await client.get("/me/appointments/new", params={"lang": "en", "branch_id": branch})
    for name in ("Certificate", "Benefit", "Consultation"):
        assert f">{name}</a>" in services.text
    certificate = str(world.services["certificate"].id)
    days = await client.get(
        "/me/appointments/new", params={"lang": "en", "branch_id": branch, "service_id": certificate}
    )
    # From today (Friday, slots from 10:15) to the horizon; Sundays are closed and not listed.
    listed = re.findall(r'data-day="([0-9-]+)"', days.text)
    assert listed[:3] == ["2026-11-27", "2026-11-28", "2026-11-30"]
    assert len(listed) == 26 and "Sat 28 Nov" in days.text and "44 free" in days.text
    assert 'id="slot-form"' not in days.text
    grid = await client.get(
        "/me/appointments/new",
        params={"lang": "en", "branch_id": branch, "service_id": certificate, "day": "2026-11-28"},
    )
    assert grid.text.count('class="slot__input"') == 44 and f'value="{ELEVEN_UTC}"' in grid.text
    assert (
        f'data-slots-url="/api/v1/branches/{branch}/services/{certificate}/slots?day=2026-11-28"' in grid.text
    )

    booked = await client.post("/me/appointments?lang=en", data=_form(csrf, world))
    assert booked.status_code == 303, booked.text
    assert re.fullmatch(r"/me/appointments/\d+\?lang=en&done=booked", booked.headers["location"])
    page = await client.get(booked.headers["location"])
    async with db.sessions() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.language == "en" and booking.citizen_id == citizen.citizen_id
    assert "Your visit is booked." in page.text and booking.code in page.text
    assert "Come between 10:45 and 11:10." in page.text and "11:00–11:15" in page.text
    assert "Saturday, 28 November" in page.text
    assert str(qr_svg(booking.code, "en")) in page.text  # the QR code encodes the code alone
    assert not segno.make_qr(booking.code, error="m").is_micro  # kiosk scanners read regular QR codes

    # The grid now shows the slot full (one place per slot at this centre).
    grid = await client.get(
        "/me/appointments/new",
        params={"lang": "en", "branch_id": branch, "service_id": certificate, "day": "2026-11-28"},
    )
    assert re.search(rf'value="{re.escape(ELEVEN_UTC)}" required disabled', grid.text)

    listing = await client.get("/me/appointments", params={"lang": "kk"})
    assert listing.status_code == 200 and booking.code in listing.text and "<svg" in listing.text
    assert "сенбі, 28 қараша" in listing.text


async def test_refusals_come_back_on_the_page_with_the_choice_kept(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    await _book_as_other(db, world, clock, settings, 1)
    citizen = await sign_in(db, client, clock, settings)
    csrf = citizen.headers["X-CSRF-Token"]
    full = await client.post("/me/appointments?lang=en", data=_form(csrf, world))
    assert full.status_code == 409
    assert "This slot has just been taken: choose another time." in full.text
    assert 'id="slot-form"' in full.text and f'name="branch_id" value="{world.branch.id}"' in full.text
    assert "Choose a time on Saturday, 28 November" in full.text
    russian = await client.post("/me/appointments?lang=ru", data=_form(csrf, world))
    assert "Это время только что заняли: выберите другое." in russian.text

    garbage = await client.post("/me/appointments?lang=en", data={**_form(csrf, world), "slot_start": "soon"})
    assert garbage.status_code == 400 and "choose one of the free slots offered" in garbage.text

    # The limits: three active bookings at most.
    for hour in (12, 13, 14):
        slot = datetime(2026, 11, 28, hour, tzinfo=ALMATY).isoformat()
        service_key = ("certificate", "benefit", "consultation")[hour - 12]
        made = await client.post("/me/appointments?lang=en", data=_form(csrf, world, slot, service_key))
        assert made.status_code == 303, made.text
    fourth = await client.post(
        "/me/appointments?lang=en",
        data=_form(csrf, world, datetime(2026, 11, 30, 9, tzinfo=ALMATY).isoformat()),
    )
    assert fourth.status_code == 409 and "You already have 3 active bookings" in fourth.text
    forged = await client.post(
        "/me/appointments?lang=en", data={**_form(csrf, world), "csrf_token": "forged"}
    )
    assert forged.status_code == 403


async def test_a_citizen_reschedules_and_cancels_with_the_csrf_token(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    citizen = await sign_in(db, client, clock, settings)
    csrf = citizen.headers["X-CSRF-Token"]
    booked = await client.post("/me/appointments?lang=en", data=_form(csrf, world))
    booking_id = booked.headers["location"].split("?")[0].rsplit("/", 1)[1]
    move = await client.get(f"/me/appointments/{booking_id}/move", params={"lang": "en"})
    assert move.status_code == 200 and "slot--current" in move.text and "Your time" in move.text
    noon = datetime(2026, 11, 28, 12, tzinfo=ALMATY).isoformat()
    moved = await client.post(
        f"/me/appointments/{booking_id}/move?lang=en",
        data={"csrf_token": csrf, "day": "2026-11-28", "slot_start": noon},
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("done=moved")
    page = await client.get(moved.headers["location"])
    assert "12:00–12:15" in page.text and "Your visit has been moved to the new time." in page.text

    refused = await client.post(f"/me/appointments/{booking_id}/cancel?lang=en", data={"csrf_token": "nope"})
    assert refused.status_code == 403
    cross_site = await client.post(
        f"/me/appointments/{booking_id}/cancel?lang=en",
        data={"csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    cancelled = await client.post(f"/me/appointments/{booking_id}/cancel?lang=en", data={"csrf_token": csrf})
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == "/me/appointments?lang=en&done=cancelled"
    listing = await client.get(cancelled.headers["location"])
    assert (
        "Your booking has been cancelled." in listing.text
        and "You have no upcoming bookings." in listing.text
    )
    assert 'id="past"' in listing.text and "Cancelled" in listing.text and "<svg" not in listing.text
    again = await client.post(f"/me/appointments/{booking_id}/cancel?lang=en", data={"csrf_token": csrf})
    assert again.status_code == 409 and "it is not active" in again.text
    assert (await client.get(f"/me/appointments/{booking_id}/move")).status_code == 409


async def test_another_citizens_booking_does_not_exist_for_them(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    theirs = await _book_as_other(db, world, clock, settings, 2)
    citizen = await sign_in(db, client, clock, settings)
    csrf = citizen.headers["X-CSRF-Token"]
    assert (await client.get(f"/me/appointments/{theirs.id}")).status_code == 404
    assert (await client.get(f"/me/appointments/{theirs.id}/move")).status_code == 404
    noon = datetime(2026, 11, 28, 12, tzinfo=ALMATY).isoformat()
    moved = await client.post(
        f"/me/appointments/{theirs.id}/move",
        data={"csrf_token": csrf, "day": "2026-11-28", "slot_start": noon},
    )
    assert moved.status_code == 404
    cancelled = await client.post(f"/me/appointments/{theirs.id}/cancel", data={"csrf_token": csrf})
    assert cancelled.status_code == 404
    listing = await client.get("/me/appointments")
    assert theirs.code not in listing.text
    async with db.sessions() as session:
        assert await session.scalar(select(Booking.status).where(Booking.id == theirs.id)) == "booked"


async def test_a_bad_choice_in_the_address_goes_back_a_step(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    await sign_in(db, client, clock, settings)
    unknown = await client.get("/me/appointments/new", params={"lang": "en", "branch_id": "999999"})
    assert unknown.status_code == 404 and "A PSC" in unknown.text
    not_offered = await client.get(
        "/me/appointments/new",
        params={"lang": "en", "branch_id": str(world.other_branch.id), "service_id": "999999"},
    )
    assert not_offered.status_code == 404 and ">Certificate</a>" in not_offered.text
    bad_day = await client.get(
        "/me/appointments/new",
        params={
            "lang": "en",
            "branch_id": str(world.branch.id),
            "service_id": str(world.services["certificate"].id),
            "day": "2026-11-29",  # a Sunday: closed
        },
    )
    assert bad_day.status_code == 200 and "No free time is left on Sunday, 29 November" in bad_day.text
