"""The operator's console over HTTP: its public shell, the desk fragment (the choice of a window, then
the window at work) and the operator's figures."""

from __future__ import annotations

import httpx
import pytest

from birtereze.core.clock import ManualClock
from birtereze.queue.service import remote
from tests.appointments.conftest import create_citizen
from tests.builders import World
from tests.conftest import Database
from tests.queue.test_pages import open_window, take_ticket, text_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_its_shell_is_public_and_holds_no_data(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get("/console", params={"lang": "ru"})
    assert response.status_code == 200
    words = text_of(response.text)
    assert "Вход в пульт оператора" in words and "Пароль" in words
    assert "A001" not in words and "Window 1" not in words


async def test_its_desk_is_for_operators_and_managers(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/console/desk")).status_code == 401
    assert (await client.get("/console/desk", headers=world.auth("kiosk"))).status_code == 403
    assert (await client.get("/console/desk", headers=world.auth("manager"))).status_code == 200


async def test_it_offers_the_free_windows_and_the_profiles_first(
    client: httpx.AsyncClient, world: World
) -> None:
    await open_window(client, world, 2)  # taken by the first operator
    response = await client.get("/console/desk", headers=world.auth("operator2"), params={"lang": "en"})
    html = response.text
    assert 'data-view="setup"' in html
    assert f'value="{world.windows[1].id}" required>' in html
    assert f'value="{world.windows[2].id}" required disabled>' in html  # taken
    assert "accessible" in text_of(html) and "taken" in text_of(html)
    assert f'<option value="{world.profiles["strict"].id}">strict</option>' in html


async def test_it_shows_the_window_at_work_with_its_waiting_list(
    client: httpx.AsyncClient, world: World
) -> None:
    window = await open_window(client, world, 1)
    await take_ticket(client, world)
    priority = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services["benefit"].id, "priority": "disability"},
        headers=world.auth("kiosk"),
    )
    assert priority.status_code == 201
    html = (await client.get("/console/desk", headers=world.auth("operator"), params={"lang": "en"})).text
    words = text_of(html)
    assert 'data-view="desk"' in html and 'data-state="open"' in html
    assert "Window 1" in words and "Open: ready to call" in words
    assert 'data-op="call-next"' in html
    # The priority ticket (queue P) first, marked; then A001.
    assert html.index('data-number="P001"') < html.index('data-number="A001"')
    assert "P001 Disability P · Priority" in words
    assert 'data-op="break"' in html and 'data-op="close"' in html

    called = await client.post(f"{window}/call-next", headers=world.auth("operator"))
    assert called.status_code == 200
    html = (await client.get("/console/desk", headers=world.auth("operator"), params={"lang": "en"})).text
    assert 'data-state="calling"' in html and 'data-ticket="P001"' in html
    assert 'data-op="confirm"' in html and 'data-op="no-show"' in html and 'data-op="transfer"' in html
    assert 'data-op="call-next"' not in html  # one ticket at a time
    assert "Asked for: Benefit" in text_of(html)

    assert (await client.post(f"{window}/confirm", headers=world.auth("operator"))).status_code == 200
    recorded = await client.post(
        f"{window}/services",
        json={"service_id": world.services["benefit"].id, "outcome": "accepted"},
        headers=world.auth("operator"),
    )
    assert recorded.status_code == 200, recorded.text
    html = (await client.get("/console/desk", headers=world.auth("operator"), params={"lang": "en"})).text
    assert 'data-state="serving"' in html
    assert "✓ Benefit — Accepted" in text_of(html)
    assert 'data-op="finish"' in html and 'data-op="park"' in html

    assert (await client.post(f"{window}/finish", headers=world.auth("operator"))).status_code == 200
    figures = await client.get("/console/figures", headers=world.auth("operator"), params={"lang": "en"})
    assert figures.status_code == 200
    assert "Served 1" in text_of(figures.text)


async def test_it_lists_the_tickets_parked_at_the_window(client: httpx.AsyncClient, world: World) -> None:
    window = await open_window(client, world, 1)
    await take_ticket(client, world)
    for step in ("call-next", "confirm", "park"):
        assert (await client.post(f"{window}/{step}", headers=world.auth("operator"))).status_code == 200
    html = (await client.get("/console/desk", headers=world.auth("operator"), params={"lang": "en"})).text
    assert "Parked at this window" in text_of(html)
    assert "Nobody is waiting for this window." in text_of(html)
    assert 'data-op="call" data-visit=' in html and ">Resume<" in html


async def test_a_remote_ticket_not_checked_in_is_listed_but_cannot_be_called(
    client: httpx.AsyncClient, world: World, db: Database, clock: ManualClock
) -> None:
    async with db.sessions() as session:
        citizen = await create_citizen(session, 0, clock.now())
        away = await remote.take(
            session,
            citizen_id=citizen.id,
            branch_id=world.branch.id,
            service_id=world.services["certificate"].id,
            language="en",
            now=clock.now(),
        )
        await session.commit()
    await open_window(client, world, 2)
    html = (await client.get("/console/desk", headers=world.auth("operator"), params={"lang": "en"})).text
    row = html[html.index(f'data-number="{away.number}"') :]
    row = row[: row.index("</tr>")]
    assert "not here yet" in row and 'data-op="call"' not in row
