"""The manager's notifications page and its API: scoped to the branch, recipients masked, codes hidden,
filtered by status, 50 a page."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from birtereze.core.clock import ManualClock
from birtereze.notify import service
from birtereze.notify.models import Notification
from tests.builders import World
from tests.conftest import Database

CALLED = {"number": "A-001", "window": 3}


async def _fill(db: Database, world: World, clock: ManualClock) -> None:
    async with db.sessions() as session:
        await service.enqueue(
            session, channel="sms", to="+77011234567", template="ticket_called", language="ru",
            params=CALLED, now=clock.now(), branch_id=world.branch.id,
        )  # fmt: skip
        await service.enqueue(
            session, channel="email", to="aigerim@mail.kz", template="otp", language="kk",
            params={"code": "482913", "minutes": 5}, now=clock.now(), branch_id=world.branch.id,
        )  # fmt: skip
        failed = await service.enqueue(
            session, channel="sms", to="+77770001122", template="ticket_called", language="en",
            params=CALLED, now=clock.now(), branch_id=world.branch.id,
        )  # fmt: skip
        await service.enqueue(
            session, channel="sms", to="+77055556677", template="ticket_called", language="en",
            params=CALLED, now=clock.now(), branch_id=world.other_branch.id,
        )  # fmt: skip
        await session.execute(
            update(Notification)
            .where(Notification.id == failed.id)
            .values(status="failed", attempts=5, last_error=str(service.NO_SUBSCRIPTION))
        )
        await session.commit()


def _page(world: World) -> str:
    return f"/notifications/{world.branch.id}"


async def test_it_asks_for_a_manager_of_the_branch(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(_page(world))).status_code == 401
    operator = {"access_token": world.tokens["operator"]}
    assert (await client.get(_page(world), params=operator)).status_code == 403
    manager = {"access_token": world.tokens["manager"]}
    assert (await client.get(f"/notifications/{world.other_branch.id}", params=manager)).status_code == 404
    admin = {"access_token": world.tokens["admin"]}
    assert (await client.get("/notifications/999999", params=admin)).status_code == 404
    assert (await client.get(_page(world), params=manager)).status_code == 200


async def test_it_shows_the_branchs_messages_masked_and_translated(
    client: httpx.AsyncClient, db: Database, world: World, clock: ManualClock
) -> None:
    await _fill(db, world, clock)
    answer = await client.get(_page(world), params={"access_token": world.tokens["manager"], "lang": "ru"})
    assert answer.status_code == 200
    html = answer.text
    assert "+7 701 *** ** 67" in html and "+77011234567" not in html
    assert "a***@mail.kz" in html and "aigerim@mail.kz" not in html
    assert "482913" not in html and "Скрыто: одноразовый код" in html
    assert "Талон A-001: пройдите к окну 3." in html
    assert service.NO_SUBSCRIPTION.render("ru") in html and "ни на одном телефоне" in html
    assert "+7 705 *** ** 77" not in html  # another centre's
    assert html.count('data-status="') == 3
    assert "Content-Security-Policy" in answer.headers


async def test_it_filters_by_status(
    client: httpx.AsyncClient, db: Database, world: World, clock: ManualClock
) -> None:
    await _fill(db, world, clock)
    token = world.tokens["manager"]
    failed = await client.get(_page(world), params={"access_token": token, "status": "failed"})
    assert failed.text.count('data-status="failed"') == 1 and 'data-status="queued"' not in failed.text
    everything = await client.get(_page(world), params={"access_token": token, "status": ""})
    assert everything.text.count('data-status="') == 3
    wrong = await client.get(_page(world), params={"access_token": token, "status": "lost", "lang": "en"})
    assert wrong.status_code == 400
    assert "not lost" in wrong.json()["detail"]


async def test_it_pages_fifty_at_a_time_through_the_api(
    client: httpx.AsyncClient, db: Database, world: World, clock: ManualClock
) -> None:
    async with db.sessions() as session:
        for n in range(55):
            clock.advance(1)
            await service.enqueue(
                session, channel="sms", to="+77011234567", template="ticket_called", language="en",
                params={"number": f"A-{n:03}", "window": 1}, now=clock.now(), branch_id=world.branch.id,
            )  # fmt: skip
        await session.commit()
    url = f"/api/v1/branches/{world.branch.id}/notifications"
    first = (await client.get(url, headers=world.auth("manager"))).json()
    assert (first["total"], first["pages"], len(first["items"])) == (55, 2, 50)
    assert first["items"][0]["text"] == "Ticket A-054: please go to window 1."  # newest first
    assert first["items"][0]["recipient"] == "+7 701 *** ** 67"
    second = (await client.get(url, params={"page": 2}, headers=world.auth("manager"))).json()
    assert len(second["items"]) == 5
    assert (await client.get(url, headers=world.auth("operator"))).status_code == 403
    other = f"/api/v1/branches/{world.other_branch.id}/notifications"
    assert (await client.get(other, headers=world.auth("manager"))).status_code == 404
    html = await client.get(_page(world), params={"access_token": world.tokens["manager"], "page": 2})
    assert html.text.count('data-status="') == 5 and 'rel="prev"' in html.text
