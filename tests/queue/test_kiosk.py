"""The hall's kiosk over HTTP: its screens, the ticket it shows, and printing on a network printer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.builders import World
from tests.queue.test_pages import take_ticket, text_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def kiosk_path(world: World) -> str:
    return f"/kiosk/{world.branch.id}"


async def test_it_offers_the_centres_services_by_zone_and_the_priority_categories(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(kiosk_path(world), params={"access_token": world.tokens["kiosk"]})
    assert response.status_code == 200
    html = response.text
    words = text_of(html)
    # The first screen greets in every language, each in itself; Kazakh is the page's language.
    assert '<html lang="kk">' in html
    assert "Қош келдіңіз! Тілді таңдаңыз" in words and "Добро пожаловать! Выберите язык" in words
    assert "Welcome! Choose a language" in words
    assert "Reception (kk)" in words  # the zone
    for service in ("certificate", "benefit", "consultation"):
        assert f'data-service="{world.services[service].id}"' in html
    # Search matches a service by its name in any language.
    assert 'data-search="certificate (kk) certificate (ru) certificate"' in html
    assert 'data-priority="disability"' in html and "Disability (kk)" in words
    # No life situations are set in this catalogue: the zones are the only grouping.
    assert 'id="by-situation"' not in html
    assert 'data-network-printer="false"' in html
    # The self-service wizard, with the kiosk's token.
    token = world.tokens["kiosk"]
    assert f'href="/kiosk/{world.branch.id}/apply?access_token={token}&amp;lang=kk"' in html
    assert "Өтінішті өзім беремін" in words


async def test_it_groups_by_life_situation_when_the_catalogue_has_them(
    client: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    async with app.state.sessions() as session:
        for key, situation in (("certificate", "documents"), ("benefit", "work")):
            service = await session.get(type(world.services[key]), world.services[key].id)
            assert service is not None
            service.life_situation = situation
        await session.commit()
    html = (
        await client.get(kiosk_path(world), params={"access_token": world.tokens["kiosk"], "lang": "en"})
    ).text
    words = text_of(html)
    assert 'id="by-situation"' in html
    assert "Identity documents and certificates" in words and "Work and social support" in words
    assert "Other services" in words  # the consultation has none


async def test_it_is_the_centres_own_kiosks_only(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(kiosk_path(world))).status_code == 401
    other = await client.get(
        f"/kiosk/{world.other_branch.id}", params={"access_token": world.tokens["kiosk"]}
    )
    assert other.status_code == 404


async def test_it_shows_the_ticket_taken_with_its_qr_code(client: httpx.AsyncClient, world: World) -> None:
    await take_ticket(client, world)
    issued = await take_ticket(client, world)
    path = f"{kiosk_path(world)}/tickets/{issued['status_token']}"
    response = await client.get(path, headers=world.auth("kiosk"), params={"lang": "ru"})
    assert response.status_code == 200
    words = text_of(response.text)
    assert "A002" in words and "Certificate (ru)" in words
    assert "Перед вами: 1" in words
    assert 'src="data:image/svg+xml' in response.text
    assert f'data-status-url="{issued["status_url"]}"' in response.text
    # Another centre's kiosk, or a forged token: not found.
    elsewhere = await client.get(
        f"/kiosk/{world.other_branch.id}/tickets/{issued['status_token']}", headers=world.auth("kiosk")
    )
    assert elsewhere.status_code == 404
    forged = await client.get(f"{kiosk_path(world)}/tickets/not-a-token", headers=world.auth("kiosk"))
    assert forged.status_code == 404


@pytest.fixture
async def printer() -> AsyncIterator[tuple[int, list[bytes]]]:
    """A network ticket printer (TCP) on a free port: what it received, one item per connection."""
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read())
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield port, received


async def test_it_prints_on_the_kiosks_network_printer_as_a_raster_image(
    client: httpx.AsyncClient, world: World, app: FastAPI, printer: tuple[int, list[bytes]]
) -> None:
    issued = await take_ticket(client, world)
    path = f"{kiosk_path(world)}/tickets/{issued['status_token']}/print"
    refused = await client.post(path, headers=world.auth("kiosk"), params={"lang": "en"})
    assert refused.status_code == 409 and refused.json()["code"] == "no_printer"

    port, received = printer
    app.state.settings.kiosk_printers = {"kiosk": f"127.0.0.1:{port}"}
    page = await client.get(kiosk_path(world), params={"access_token": world.tokens["kiosk"]})
    assert 'data-network-printer="true"' in page.text
    printed = await client.post(path, headers=world.auth("kiosk"))
    assert printed.status_code == 204
    for _ in range(100):
        if received:
            break
        await asyncio.sleep(0.01)
    assert len(received) == 1
    data = received[0]
    assert data.startswith(b"\x1b@\x1dv0\x00") and data.endswith(b"\x1dVB\x00")
    assert len(data) > 576 // 8 * 300  # a picture of the whole slip, not a line of text


async def test_it_says_so_when_the_printer_does_not_answer(
    client: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    issued = await take_ticket(client, world)
    closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    app.state.settings.kiosk_printers = {"kiosk": f"127.0.0.1:{port}"}
    response = await client.post(
        f"{kiosk_path(world)}/tickets/{issued['status_token']}/print",
        headers=world.auth("kiosk"),
        params={"lang": "ru"},
    )
    assert response.status_code == 503
    assert response.json()["code"] == "printer_unavailable"
    assert "Принтер талонов не отвечает" in response.json()["detail"]
