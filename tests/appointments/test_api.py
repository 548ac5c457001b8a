"""The appointments API: public slots, a citizen's bookings with CSRF, and check-in at the kiosk."""

from __future__ import annotations

from datetime import date, datetime

import httpx
from sqlalchemy import select

from birtereze.appointments.models import Booking
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.appointments.conftest import sign_in
from tests.builders import World
from tests.conftest import ALMATY, Database

SLOT = datetime(2026, 11, 28, 11, 0, tzinfo=ALMATY)


def slots_url(world: World) -> str:
    return f"/api/v1/branches/{world.branch.id}/services/{world.services['certificate'].id}/slots"


async def test_it_lists_free_slots_without_sign_in(client: httpx.AsyncClient, world: World) -> None:
    answer = await client.get(slots_url(world), params={"day": "2026-11-28"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["slot_length_s"] == 900 and len(body["slots"]) == 44
    assert body["slots"][0]["free"] == 1
    assert (await client.get(slots_url(world), params={"day": "28.11.2026"})).status_code == 422
    unknown = await client.get(
        f"/api/v1/branches/{world.branch.id}/services/999999/slots", params={"day": "2026-11-28"}
    )
    assert unknown.status_code == 404


async def test_a_citizen_books_lists_moves_and_cancels(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    body = {
        "branch_id": world.branch.id,
        "service_id": world.services["certificate"].id,
        "slot_start": SLOT.isoformat(),
    }
    assert (await client.post("/api/v1/appointments", json=body)).status_code == 401
    citizen = await sign_in(db, client, clock, settings)
    assert (await client.post("/api/v1/appointments", json=body)).status_code == 403  # no CSRF token
    booked = await client.post("/api/v1/appointments", json=body, headers=citizen.headers)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["status"] == "booked" and booking["language"] == "ru"
    again = await client.post(
        "/api/v1/appointments", json=body, headers={**citizen.headers, "Accept-Language": "en"}
    )
    assert again.status_code == 409 and again.json()["code"] == "slot_full"
    mine = await client.get("/api/v1/appointments")
    assert [item["code"] for item in mine.json()["items"]] == [booking["code"]]
    moved = await client.post(
        f"/api/v1/appointments/{booking['id']}/reschedule",
        json={"slot_start": "2026-11-28T12:00:00+05:00"},
        headers=citizen.headers,
    )
    assert moved.status_code == 200 and moved.json()["slot_start"].startswith("2026-11-28T07:00:00")
    cancelled = await client.post(f"/api/v1/appointments/{booking['id']}/cancel", headers=citizen.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused = await client.post(
        f"/api/v1/appointments/{booking['id']}/cancel", headers={**citizen.headers, "Accept-Language": "ru"}
    )
    assert refused.status_code == 409 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_the_kiosk_checks_a_visitor_in_or_sends_a_late_one_to_the_walk_in_queue(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    citizen = await sign_in(db, client, clock, settings)
    made = []
    for hour in (11, 12):
        answer = await client.post(
            "/api/v1/appointments",
            json={
                "branch_id": world.branch.id,
                "service_id": world.services[("certificate" if hour == 11 else "benefit")].id,
                "slot_start": datetime(2026, 11, 28, hour, tzinfo=ALMATY).isoformat(),
            },
            headers=citizen.headers,
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    url = f"/api/v1/branches/{world.branch.id}/appointments/check-in"
    clock.set(datetime(2026, 11, 28, 10, 30, tzinfo=ALMATY))
    early = await client.post(
        url, json={"code": made[0]["code"]}, headers={**world.auth("kiosk"), "Accept-Language": "en"}
    )
    assert early.status_code == 409 and "10:45" in early.json()["detail"]
    assert (await client.post(url, json={"code": made[0]["code"]})).status_code == 401
    outsider = await client.post(
        f"/api/v1/branches/{world.branch.id}/appointments/check-in",
        json={"code": made[0]["code"]},
        headers=world.auth("outsider"),
    )
    assert outsider.status_code in (403, 404)
    clock.set(datetime(2026, 11, 28, 10, 58, tzinfo=ALMATY))
    arrived = await client.post(url, json={"code": made[0]["code"]}, headers=world.auth("kiosk"))
    assert arrived.status_code == 201, arrived.text
    assert arrived.json()["ticket"]["appointment"] is True
    assert arrived.json()["booking"]["status"] == "checked_in"
    clock.set(datetime(2026, 11, 28, 12, 11, tzinfo=ALMATY))
    late = await client.post(
        url, json={"code": made[1]["code"]}, headers={**world.auth("kiosk"), "Accept-Language": "en"}
    )
    assert late.status_code == 409 and late.json()["walk_in"] is True
    assert late.json()["code"] == "check_in_too_late"
    async with db.sessions() as session:
        status = await session.scalar(select(Booking.status).where(Booking.id == made[1]["id"]))
    assert status == "missed"  # committed with the 409
    assert date.fromisoformat(made[1]["day"]) == date(2026, 11, 28)
