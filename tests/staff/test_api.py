"""Staff accounts through the REST API: who may create and deactivate whom."""

from __future__ import annotations

import httpx

from tests.builders import World


async def test_it_lets_a_manager_create_an_operator_of_their_centre(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {
        "username": "new.operator",
        "full_name": "New Operator",
        "role": "operator",
        "password": "a long enough password",
        "branch_ids": [world.branch.id],
    }
    created = await client.post("/api/v1/staff", json=body, headers=world.auth("manager"))
    assert created.status_code == 201, created.text
    token = await client.post(
        "/api/v1/auth/token", json={"username": "new.operator", "password": "a long enough password"}
    )
    assert token.status_code == 201
    usernames = [
        s["username"] for s in (await client.get("/api/v1/staff", headers=world.auth("manager"))).json()
    ]
    assert "new.operator" in usernames and "outsider" not in usernames


async def test_it_refuses_a_manager_creating_a_manager_or_staff_elsewhere(
    client: httpx.AsyncClient, world: World
) -> None:
    base = {"full_name": "X", "password": "a long enough password"}
    manager = {**base, "username": "boss2", "role": "branch_manager", "branch_ids": [world.branch.id]}
    elsewhere = {**base, "username": "op9", "role": "operator", "branch_ids": [world.other_branch.id]}
    for body in (manager, elsewhere):
        assert (
            await client.post("/api/v1/staff", json=body, headers=world.auth("manager"))
        ).status_code == 403
    assert (await client.post("/api/v1/staff", json=manager, headers=world.auth("admin"))).status_code == 201


async def test_it_revokes_tokens_of_a_deactivated_account(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/api/v1/me", headers=world.auth("operator2"))).status_code == 200
    response = await client.patch(
        f"/api/v1/staff/{world.staff['operator2']}", json={"active": False}, headers=world.auth("manager")
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert (await client.get("/api/v1/me", headers=world.auth("operator2"))).status_code == 401


async def test_it_hides_staff_of_other_centres(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"/api/v1/staff/{world.staff['outsider']}", json={"active": False}, headers=world.auth("manager")
    )
    assert response.status_code == 404
