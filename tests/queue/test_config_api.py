"""Configuring a centre's queueing through the REST API, and its effect on tickets."""

from __future__ import annotations

import httpx

from tests.builders import World

NAMES = {"kk": "Кезек", "ru": "Очередь", "en": "Queue"}


async def test_it_routes_by_a_new_rule(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("manager")
    branch = world.branch.id
    queue = await client.post(
        f"/api/v1/branches/{branch}/queues",
        json={"prefix": "R", "zone_id": world.queues["A"].zone_id, "name": NAMES},
        headers=auth,
    )
    assert queue.status_code == 201
    rule = await client.post(
        f"/api/v1/branches/{branch}/rules",
        json={"queue_id": queue.json()["id"], "language": "ru", "position": 0},
        headers=auth,
    )
    assert rule.status_code == 201
    ticket = await client.post(
        f"/api/v1/branches/{branch}/tickets",
        json={"service_id": world.services["certificate"].id, "language": "ru"},
        headers=world.auth("kiosk"),
    )
    assert ticket.json()["ticket"]["number"] == "R001"
    deleted = await client.delete(f"/api/v1/branches/{branch}/rules/{rule.json()['id']}", headers=auth)
    assert deleted.status_code == 204
    rules = (await client.get(f"/api/v1/branches/{branch}/rules", headers=auth)).json()
    assert [r["priority"] for r in rules] == ["disability"]


async def test_it_moves_a_service_to_another_queue_and_withdraws_it(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("manager")
    url = f"/api/v1/branches/{world.branch.id}/services/{world.services['certificate'].id}"
    moved = await client.put(url, json={"queue_id": world.queues["B"].id}, headers=auth)
    assert moved.json() == {"service_id": world.services["certificate"].id, "queue_id": world.queues["B"].id}
    assert (await client.delete(url, headers=auth)).status_code == 204
    ticket = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services["certificate"].id},
        headers=world.auth("kiosk"),
    )
    assert ticket.status_code == 400 and ticket.json()["code"] == "service_not_offered"


async def test_it_creates_and_edits_a_work_profile(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("manager")
    url = f"/api/v1/branches/{world.branch.id}/profiles"
    created = await client.post(
        url,
        json={
            "code": "mixed",
            "name": NAMES,
            "rule": "weighted",
            "queues": [{"queue_id": world.queues["A"].id, "weight": 3}, {"queue_id": world.queues["B"].id}],
        },
        headers=auth,
    )
    assert created.status_code == 201
    assert [q["weight"] for q in created.json()["queues"]] == [3.0, 1.0]
    patched = await client.patch(
        f"{url}/{created.json()['id']}",
        json={"rule": "strict_order", "queues": [{"queue_id": world.queues["B"].id}]},
        headers=auth,
    )
    assert patched.json()["rule"] == "strict_order" and len(patched.json()["queues"]) == 1
    foreign = await client.patch(
        f"{url}/{created.json()['id']}",
        json={"queues": [{"queue_id": world.queues["other"].id}]},
        headers=auth,
    )
    assert foreign.status_code == 404


async def test_it_lists_priority_categories_and_services_publicly(
    client: httpx.AsyncClient, world: World
) -> None:
    categories = (await client.get("/api/v1/priority-categories")).json()
    assert [c["code"] for c in categories] == ["disability", "elderly"]
    assert categories[0]["prefers_accessible"] is True and categories[0]["legal_basis"]["en"] == "Law"
    services = (await client.get("/api/v1/services")).json()
    assert len(services) == 3


async def test_it_treats_null_required_fields_as_unchanged(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("manager")
    queue = await client.patch(
        f"/api/v1/branches/{world.branch.id}/queues/{world.queues['A'].id}",
        json={"zone_id": None, "max_wait_s": None},
        headers=auth,
    )
    assert queue.status_code == 200 and queue.json()["zone_id"] == world.queues["A"].zone_id
    profile = await client.patch(
        f"/api/v1/branches/{world.branch.id}/profiles/{world.profiles['all'].id}",
        json={"rule": None, "wrap_up_s": None, "overdue_after_s": 600},
        headers=auth,
    )
    assert profile.status_code == 200
    assert profile.json()["rule"] == "longest_wait" and profile.json()["overdue_after_s"] == 600
