"""The kiosk's check-in screen: a booked visitor's code (scanned or typed) gives the ticket, shown with
the booking's time; and the arrival QR code of tickets taken on a phone, with the key of the centre's day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from birtereze.appointments import service as appointments_service
from birtereze.appointments.models import Booking
from birtereze.citizens import service as citizens_service
from birtereze.core.clock import ManualClock
from birtereze.queue.service.remote import ARRIVAL_KEY_S, arrival_key
from tests.builders import World
from tests.conftest import ALMATY
from tests.queue.test_pages import text_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

TODAY_AT = datetime(2026, 11, 27, 0, 0, tzinfo=ALMATY)  # the tests' clock starts on this day at 10:00


async def book(
    app: FastAPI, world: World, clock: ManualClock, hour: int, minute: int = 0, *, citizen: int = 0
) -> Booking:
    """A citizen's booking for today at ``hour:minute`` (as the phone's booking page makes one)."""
    async with app.state.sessions() as session:
        person = await citizens_service.remember(
            session,
            iin=("900101300017", "850615400021", "770303300032")[citizen],
            full_name=f"Citizen {citizen}",
            phone=f"+7701123456{citizen}",
            language="ru",
            now=clock.now(),
        )
        booking = await appointments_service.book(
            session,
            citizen_id=person.id,
            branch_id=world.branch.id,
            service_id=world.services["certificate"].id,
            slot_start=TODAY_AT + timedelta(hours=hour, minutes=minute),
            language="ru",
            now=clock.now(),
            policy=appointments_service.Policy.from_settings(app.state.settings),
        )
        await session.commit()
        return booking


def kiosk_path(world: World) -> str:
    return f"/kiosk/{world.branch.id}"


def arrival_urls(html: str) -> set[str]:
    return set(re.findall(r'data-arrival-url="([^"]+)"', html))


async def test_the_kiosk_offers_check_in_in_the_visitors_language(
    client: httpx.AsyncClient, world: World
) -> None:
    for lang, entry in (("kk", "Менде жазылу бар"), ("ru", "У меня запись"), ("en", "I have a booking")):
        response = await client.get(
            kiosk_path(world), params={"access_token": world.tokens["kiosk"], "lang": lang}
        )
        assert response.status_code == 200
        html = response.text
        assert '<button type="button" class="kiosk__booking" id="kiosk-booking"' in html
        assert entry in text_of(html)
        assert 'id="kiosk-check-in"' in html and '<label class="kiosk__label" for="kiosk-code">' in html
        assert f'data-check-in-url="/api/v1/branches/{world.branch.id}/appointments/check-in"' in html
    # The code's keyboard has the codes' letters and digits only: no 0/O, 1/I/L to mix up.
    keys = set(
        re.findall(r'<button type="button" data-char="(.)">', html.split('id="kiosk-code-keyboard"')[1])
    )
    assert keys == set(appointments_service.CODE_ALPHABET)


async def test_the_arrival_qr_code_holds_the_address_with_the_current_key_and_is_fetched_anew(
    client: httpx.AsyncClient, world: World, app: FastAPI, clock: ManualClock
) -> None:
    secret = app.state.settings.secret_key
    branch = world.branch.id
    token = {"access_token": world.tokens["kiosk"]}
    html = (await client.get(kiosk_path(world), params=token)).text
    key = arrival_key(secret, branch, clock.now())
    (url,) = arrival_urls(html)  # the first screen's small code and the check-in screen's: one address
    assert url == f"http://testserver/arrive/{branch}/{key}"
    assert html.count('class="kiosk__arrival-qr" src="data:image/svg+xml') == 2
    words = text_of(html)
    # The first screen says it in every language; the check-in screen in the page's.
    assert "Талонды телефоннан алдыңыз ба?" in words and "Взяли талон на телефоне?" in words
    assert "Took a ticket on your phone?" in words

    # The kiosk's script fetches the code of the moment: a new key once the period has passed.
    fresh = await client.get(f"/kiosk/{branch}/arrival", params=token)
    assert fresh.status_code == 200 and fresh.json()["url"] == url
    assert (
        fresh.json()["qr"].startswith("data:image/svg+xml") and fresh.headers["cache-control"] == "no-store"
    )
    clock.advance(timedelta(seconds=ARRIVAL_KEY_S))
    later = (await client.get(f"/kiosk/{branch}/arrival", params=token)).json()
    new_key = arrival_key(secret, branch, clock.now())
    assert new_key != key and later["url"] == f"http://testserver/arrive/{branch}/{new_key}"
    assert (await client.get(f"/kiosk/{branch}/arrival")).status_code == 401
    other = await client.get(f"/kiosk/{world.other_branch.id}/arrival", params=token)
    assert other.status_code == 404  # another centre's, as its kiosk page: none for this kiosk


async def test_a_checked_in_booking_gives_a_ticket_the_kiosk_shows_with_the_booked_time(
    client: httpx.AsyncClient, world: World, app: FastAPI, clock: ManualClock
) -> None:
    booking = await book(app, world, clock, 10, 30)
    clock.set(TODAY_AT + timedelta(hours=10, minutes=20))
    checked_in = await client.post(
        f"/api/v1/branches/{world.branch.id}/appointments/check-in",
        json={"code": booking.code.lower()},
        headers=world.auth("kiosk"),
    )
    assert checked_in.status_code == 201, checked_in.text
    answer = checked_in.json()
    # The same token as issueTicket's, so the kiosk shows and prints it the same way.
    assert answer["status_url"] == f"http://testserver/t/{answer['status_token']}"
    number = answer["ticket"]["number"]
    response = await client.get(
        f"{kiosk_path(world)}/tickets/{answer['status_token']}",
        headers=world.auth("kiosk"),
        params={"lang": "ru", "booked": answer["booking"]["slot_start"]},
    )
    assert response.status_code == 200
    words = text_of(response.text)
    assert f'data-number="{number}"' in response.text
    assert "Запись на 10:30" in words  # in the centre's time, whatever the answer's offset
    # An ordinary ticket says nothing of a booking.
    plain = await client.get(
        f"{kiosk_path(world)}/tickets/{answer['status_token']}", headers=world.auth("kiosk")
    )
    assert "slip__booked" not in plain.text
    # A time that is not one is refused, not shown.
    odd = await client.get(
        f"{kiosk_path(world)}/tickets/{answer['status_token']}",
        headers=world.auth("kiosk"),
        params={"booked": "<b>10:30</b>"},
    )
    assert odd.status_code == 422


async def test_the_network_printer_prints_the_booked_time_too(
    client: httpx.AsyncClient, world: World, app: FastAPI, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from birtereze.queue import printing

    booking = await book(app, world, clock, 10, 15)
    checked_in = await client.post(
        f"/api/v1/branches/{world.branch.id}/appointments/check-in",
        json={"code": booking.code},
        headers=world.auth("kiosk"),
    )
    answer = checked_in.json()
    printed: list[printing.Slip] = []
    sent: list[bytes] = []
    picture = printing.ticket_image

    def drawn(slip: printing.Slip) -> object:
        printed.append(slip)
        return picture(slip)

    async def send(host: str, data: bytes, port: int) -> None:
        sent.append(data)

    monkeypatch.setattr(printing, "ticket_image", drawn)
    monkeypatch.setattr(printing, "send_to_printer", send)
    app.state.settings.kiosk_printers = {"kiosk": "printer.local:9100"}
    response = await client.post(
        f"{kiosk_path(world)}/tickets/{answer['status_token']}/print",
        headers=world.auth("kiosk"),
        params={"lang": "kk", "booked": answer["booking"]["slot_start"]},
    )
    assert response.status_code == 204, response.text
    (slip,) = printed
    assert slip.service == "Certificate (kk) · 10:15 уақытына жазылған" and len(sent) == 1
