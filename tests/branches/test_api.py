"""The branch directory and its configuration through the REST API."""

from __future__ import annotations

import httpx

from tests.builders import World

NAMES = {"kk": "Жаңа ХҚО", "ru": "Новый ЦОН", "en": "New PSC"}


async def test_it_lists_branches_publicly_with_open_now(client: httpx.AsyncClient, world: World) -> None:
    branches = (await client.get("/api/v1/branches")).json()
    assert [b["code"] for b in branches] == ["A", "B"]
    assert branches[0]["open_now"] is True  # Friday 10:00 in Almaty, open 09:00-20:00


async def test_it_shows_a_branch_with_zones_windows_services_and_normatives(
    client: httpx.AsyncClient, world: World
) -> None:
    detail = (await client.get(f"/api/v1/branches/{world.branch.id}")).json()
    assert [w["number"] for w in detail["windows"]] == [1, 2, 3]
    assert [w["accessible"] for w in detail["windows"]] == [True, False, False]
    assert {s["code"] for s in detail["services"]} == {"10000001", "10000002", "10000003"}
    assert detail["normatives"]["max_wait_s"] == 900
    assert len(detail["hours"]) == 6


async def test_it_lets_an_admin_open_a_branch_and_refuses_others(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"code": "TRK-2", "type": "digital", "name": NAMES, "address": NAMES}
    assert (
        await client.post("/api/v1/branches", json=body, headers=world.auth("manager"))
    ).status_code == 403
    created = await client.post("/api/v1/branches", json=body, headers=world.auth("admin"))
    assert created.status_code == 201 and created.json()["type"] == "digital"
    again = await client.post("/api/v1/branches", json=body, headers=world.auth("admin"))
    assert again.status_code == 409 and again.json()["code"] == "already_exists"


async def test_it_closes_the_branch_on_a_holiday(client: httpx.AsyncClient, world: World) -> None:
    url = f"/api/v1/branches/{world.branch.id}/special-days"
    added = await client.post(
        url, json={"day": "2026-11-27", "kind": "holiday"}, headers=world.auth("manager")
    )
    assert added.status_code == 201
    branch = (await client.get(f"/api/v1/branches/{world.branch.id}")).json()
    assert branch["open_now"] is False and branch["special_days"][0]["day"] == "2026-11-27"
    removed = await client.delete(f"{url}/2026-11-27", headers=world.auth("manager"))
    assert removed.status_code == 204
    assert (await client.get(f"/api/v1/branches/{world.branch.id}")).json()["open_now"] is True


async def test_it_replaces_opening_hours(client: httpx.AsyncClient, world: World) -> None:
    hours = [{"weekday": 5, "opens": "11:00", "closes": "20:00"}]
    response = await client.put(
        f"/api/v1/branches/{world.branch.id}/hours", json=hours, headers=world.auth("manager")
    )
    assert response.status_code == 200 and len(response.json()) == 1
    assert (await client.get(f"/api/v1/branches/{world.branch.id}")).json()["open_now"] is False
    bad = [{"weekday": 5, "opens": "20:00", "closes": "09:00"}]
    response = await client.put(
        f"/api/v1/branches/{world.branch.id}/hours", json=bad, headers=world.auth("manager")
    )
    assert response.status_code == 422


async def test_it_adds_zones_and_windows_and_changes_normatives(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("manager")
    zone = await client.post(
        f"/api/v1/branches/{world.branch.id}/zones", json={"code": "comfort", "name": NAMES}, headers=auth
    )
    assert zone.status_code == 201
    window = await client.post(
        f"/api/v1/branches/{world.branch.id}/windows",
        json={"number": 4, "zone_id": zone.json()["id"], "accessible": True},
        headers=auth,
    )
    assert window.status_code == 201
    duplicate = await client.post(
        f"/api/v1/branches/{world.branch.id}/windows",
        json={"number": 4, "zone_id": zone.json()["id"]},
        headers=auth,
    )
    assert duplicate.status_code == 409
    patched = await client.patch(
        f"/api/v1/branches/{world.branch.id}", json={"max_wait_s": 600}, headers=auth
    )
    assert patched.json()["normatives"]["max_wait_s"] == 600


async def test_it_keeps_managers_to_their_own_branch(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"/api/v1/branches/{world.other_branch.id}", json={"max_wait_s": 600}, headers=world.auth("manager")
    )
    assert response.status_code == 404


async def test_it_gives_a_new_branch_the_configured_time_zone(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"code": "TZ-1", "name": NAMES, "address": NAMES}
    created = await client.post("/api/v1/branches", json=body, headers=world.auth("admin"))
    assert created.json()["timezone"] == "Asia/Almaty"
    bad = await client.post(
        "/api/v1/branches",
        json={**body, "code": "TZ-2", "timezone": "Mars/Olympus"},
        headers=world.auth("admin"),
    )
    assert bad.status_code == 400
