"""The branch manager's board over HTTP: the page and its live fragments for the manager, in each
language; refused to others (401 without a token, 403 to an operator, 404 for another centre)."""

from __future__ import annotations

import httpx
import pytest

from birtereze.core.clock import ManualClock
from birtereze.queue import service as queue_service
from birtereze.queue.service import alerts
from tests.builders import World
from tests.conftest import Database


def _board(world: World, part: str = "") -> str:
    return f"/manage/{world.branch.id}{part}"


async def test_it_shows_the_board_to_the_manager(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(_board(world), params={"lang": "en"}, headers=world.auth("manager"))
    assert response.status_code == 200, response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert '<h1 class="page__title">Manager board</h1>' in html
    assert "Calls for help (accessibility)" in html and "No open calls for help." in html
    for number in (1, 2, 3):
        assert f'data-number="{number}"' in html
    assert 'data-number="9"' not in html  # a window of the other centre
    for prefix in ("A", "B", "P"):
        assert f'data-prefix="{prefix}"' in html
    assert "Export as CSV" in html and f"/api/v1/branches/{world.branch.id}/kpis.csv" in html
    assert 'id="hour-chart"' in html and 'id="queue-chart"' in html
    assert "<script>" not in html and "style=" not in html  # the page's policy allows neither


@pytest.mark.parametrize(
    ("lang", "title", "closed"),
    [("kk", "Басшы тақтасы", "Жабық"), ("ru", "Панель руководителя", "Закрыто")],
)
async def test_it_speaks_kazakh_and_russian(
    client: httpx.AsyncClient, world: World, lang: str, title: str, closed: str
) -> None:
    response = await client.get(_board(world), params={"lang": lang}, headers=world.auth("manager"))
    assert response.status_code == 200
    assert title in response.text and closed in response.text
    assert response.headers["content-language"] == lang


async def test_it_shows_waiting_tickets_windows_calls_and_alerts_in_the_panel(
    client: httpx.AsyncClient, world: World, db: Database, clock: ManualClock
) -> None:
    async with db.sessions() as session:
        for _ in range(2):
            await queue_service.issue_ticket(
                session,
                branch_id=world.branch.id,
                service_id=world.services["certificate"].id,
                now=clock.now(),
            )
        await queue_service.open_window(
            session,
            window_id=world.windows[2].id,
            staff_id=world.staff["operator"],
            work_profile_id=world.profiles["all"].id,
            now=clock.now(),
        )
        await session.commit()
    clock.advance(20 * 60)  # over the 15-minute norm
    async with db.sessions() as session:
        await alerts.check_normatives(session, now=clock.now(), branch_ids=[world.branch.id])
        await session.commit()
    raised = await client.post(
        f"/api/v1/branches/{world.branch.id}/assist-calls",
        json={"source": "button", "device": "button-1"},
        headers=world.auth("kiosk"),
    )
    assert raised.status_code == 201
    response = await client.get(_board(world, "/panel"), params={"lang": "en"}, headers=world.auth("manager"))
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # a fragment
    assert 'data-calls="1"' in html and "button-1" in html and "Call button" in html
    assert f'data-action="answer" data-call="{raised.json()["id"]}"' in html
    assert f'<tr data-window="{world.windows[2].id}" data-number="2" data-state="open">' in html
    assert "Operator" in html  # the operator's name at window 2
    assert 'data-prefix="A" class="over-norm"' in html
    assert "Wait over the norm" in html


async def test_it_shows_the_days_figures_with_the_calls_for_help(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    call = await client.post(
        f"/api/v1/branches/{world.branch.id}/assist-calls",
        json={"source": "kiosk"},
        headers=world.auth("kiosk"),
    )
    clock.advance(42)
    answered = await client.post(
        f"/api/v1/assist-calls/{call.json()['id']}/answer", json={}, headers=world.auth("manager")
    )
    assert answered.status_code == 200
    await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services["certificate"].id},
        headers=world.auth("kiosk"),
    )
    response = await client.get(_board(world, "/kpis"), params={"lang": "en"}, headers=world.auth("manager"))
    assert response.status_code == 200
    html = response.text
    assert '<dd id="kpi-issued">1</dd>' in html
    assert '<dd id="assist-day-raised">1</dd>' in html and '<dd id="assist-day-answered">1</dd>' in html
    assert '<dd id="assist-day-mean">42</dd>' in html and '<dd id="assist-day-max">42</dd>' in html


@pytest.mark.parametrize("part", ["", "/panel", "/kpis"])
async def test_it_refuses_the_board_to_others(client: httpx.AsyncClient, world: World, part: str) -> None:
    assert (await client.get(_board(world, part))).status_code == 401
    assert (await client.get(_board(world, part), headers=world.auth("operator"))).status_code == 403
    assert (await client.get(_board(world, part), headers=world.auth("kiosk"))).status_code == 403
    other = f"/manage/{world.other_branch.id}{part}"
    assert (await client.get(other, headers=world.auth("manager"))).status_code == 404
    assert (await client.get(f"/manage/999999{part}", headers=world.auth("admin"))).status_code == 404
    token = {"access_token": world.tokens["manager"]}
    assert (await client.get(_board(world, part), params=token)).status_code == 200
