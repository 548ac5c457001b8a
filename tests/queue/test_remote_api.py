"""Remote tickets through the ASGI app: the REST routes (citizen session + CSRF), check-in by location
with the ticket's token, the citizen's pages and the kiosk's arrival QR page."""

from __future__ import annotations

import httpx

from birtereze.branches import service as branches_service
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.queue.service import remote
from tests.appointments.conftest import sign_in
from tests.builders import World
from tests.conftest import Database

SECRET = "test-secret"
CENTRE = (43.2380, 76.9450)
NEAR = {"latitude": CENTRE[0] + 100 / 111_195, "longitude": CENTRE[1], "accuracy_m": 25}
FAR = {"latitude": CENTRE[0] + 3000 / 111_195, "longitude": CENTRE[1], "accuracy_m": 25}


async def place_centre(db: Database, world: World) -> None:
    async with db.sessions() as session:
        branch = await branches_service.get(session, world.branch.id)
        await branches_service.update(session, branch, latitude=CENTRE[0], longitude=CENTRE[1])
        await session.commit()


async def test_a_citizen_takes_lists_and_checks_in_a_remote_ticket(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    await place_centre(db, world)
    body = {"branch_id": world.branch.id, "service_id": world.services["certificate"].id}
    assert (await client.post("/api/v1/remote-tickets", json=body)).status_code == 401
    citizen = await sign_in(db, client, clock, settings)
    assert (await client.post("/api/v1/remote-tickets", json=body)).status_code == 403  # no CSRF token
    taken = await client.post("/api/v1/remote-tickets", json=body, headers=citizen.headers)
    assert taken.status_code == 201, taken.text
    ticket = taken.json()
    assert ticket["number"] == "A001" and ticket["arrived"] is False and ticket["people_ahead"] == 0
    assert ticket["status_url"].startswith("http://testserver/t/")
    again = await client.post(
        "/api/v1/remote-tickets", json=body, headers={**citizen.headers, "Accept-Language": "en"}
    )
    assert again.status_code == 409 and again.json()["code"] == "remote_ticket_active"
    assert "A001" in again.json()["detail"]
    mine = await client.get("/api/v1/remote-tickets")
    assert [item["number"] for item in mine.json()["items"]] == ["A001"]
    token = ticket["status_token"]
    far = await client.post(
        f"/api/v1/ticket-status/{token}/arrive", json=FAR, headers={"Accept-Language": "en"}
    )
    assert far.status_code == 409 and far.json()["code"] == "too_far_to_check_in"
    assert "3000 m" in far.json()["detail"]
    bad = await client.post(f"/api/v1/ticket-status/{token}/arrive", json={"latitude": 91, "longitude": 0})
    assert bad.status_code == 422
    near = await client.post(f"/api/v1/ticket-status/{token}/arrive", json=NEAR)
    assert near.status_code == 200, near.text
    assert near.json()["remote"] is True and near.json()["arrived"] is True
    status = await client.get(f"/api/v1/ticket-status/{token}")
    assert status.json()["arrived"] is True
    unknown = await client.post("/api/v1/ticket-status/1.abc.def/arrive", json=NEAR)
    assert unknown.status_code == 404


async def test_the_centres_remote_settings_are_read_and_changed_by_its_manager(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/api/v1/branches/{world.branch.id}"
    assert (await client.get(url)).json()["remote"] == {
        "remote_tickets": True,
        "remote_notify_position": 2,
        "check_in_radius_m": 200,
        "remote_hold_s": 1200,
    }
    changed = await client.patch(
        url, json={"remote_notify_position": 3, "check_in_radius_m": None}, headers=world.auth("manager")
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["remote"]["remote_notify_position"] == 3
    assert changed.json()["remote"]["check_in_radius_m"] is None
    kept = await client.patch(url, json={"remote_tickets": False}, headers=world.auth("manager"))
    assert kept.json()["remote"] == {
        "remote_tickets": False,
        "remote_notify_position": 3,
        "check_in_radius_m": None,
        "remote_hold_s": 1200,
    }


async def test_the_citizens_pages_take_a_ticket_and_the_kiosk_code_checks_it_in(
    db: Database, client: httpx.AsyncClient, world: World, clock: ManualClock, settings: Settings
) -> None:
    signed_out = await client.get("/me/tickets?lang=en")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/me/sign-in?lang=en&next=%2Fme%2Ftickets%3Flang%3Den"
    assert (await client.get(f"/me/tickets/new?branch_id={world.branch.id}")).status_code == 303
    citizen = await sign_in(db, client, clock, settings)
    chooser = await client.get("/me/tickets/new?lang=en")
    assert chooser.status_code == 200 and "A PSC" in chooser.text
    page = await client.get(f"/me/tickets/new?branch_id={world.branch.id}&lang=en")
    assert page.status_code == 200 and "Certificate" in page.text and 'name="csrf_token"' in page.text
    form = {"branch_id": str(world.branch.id), "service_id": str(world.services["certificate"].id)}
    refused = await client.post("/me/tickets?lang=en", data=form)
    assert refused.status_code == 403
    csrf = citizen.headers["X-CSRF-Token"]
    taken = await client.post("/me/tickets?lang=en", data={**form, "csrf_token": csrf})
    assert taken.status_code == 303 and taken.headers["location"].startswith("/t/")
    ticket_url = taken.headers["location"]
    ticket = await client.get(ticket_url)
    assert "You have not checked in yet" in ticket.text and "I am at the centre" in ticket.text
    assert 'id="ticket-arrive"' in ticket.text and 'aria-labelledby="arrive-title" hidden' not in ticket.text
    twice = await client.post("/me/tickets?lang=en", data={**form, "csrf_token": csrf})
    assert twice.status_code == 409 and "You already have ticket A001" in twice.text
    mine = await client.get("/me/tickets?lang=en")
    assert "A001" in mine.text and "Not checked in" in mine.text
    wrong = await client.get(f"/arrive/{world.branch.id}/0123456789abcdef01234567?lang=en")
    assert wrong.status_code == 404 and "not valid" in wrong.text
    key = remote.arrival_key(SECRET, world.branch.id, clock.now())
    asked = await client.get(
        f"/arrive/{world.branch.id}/{key}?lang=en"
    )  # a page to confirm: nothing done yet
    assert asked.status_code == 200 and "with ticket A001: check in" in asked.text
    assert "data-awaiting-arrival" in (await client.get(ticket_url.replace("?", "/live?"))).text
    forged = await client.post(f"/arrive/{world.branch.id}/{key}?lang=en", data={"csrf_token": "0" * 32})
    assert forged.status_code == 403
    arrived = await client.post(f"/arrive/{world.branch.id}/{key}?lang=en", data={"csrf_token": csrf})
    assert arrived.status_code == 303 and arrived.headers["location"].startswith("/t/")
    after = await client.get(arrived.headers["location"])
    assert "You have checked in at the centre." in after.text
    assert 'aria-labelledby="arrive-title" hidden' in after.text
    live = await client.get(ticket_url.replace("?", "/live?"))
    assert "data-awaiting-arrival" not in live.text
    twice = await client.get(f"/arrive/{world.branch.id}/{key}?lang=en")  # checked in already: its page
    assert twice.status_code == 303 and twice.headers["location"].startswith("/t/")
