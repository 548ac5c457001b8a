"""The queue's REST API through the ASGI app."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest
from fastapi import FastAPI

from birtereze.core.clock import ManualClock
from birtereze.core.events import LiveEvent
from birtereze.core.live import Hub
from birtereze.queue.waits import PREDICTOR
from tests.builders import PASSWORD, World


async def issue(client: httpx.AsyncClient, world: World, **body: object) -> httpx.Response:
    payload = {"service_id": world.services["certificate"].id, **body}
    return await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets", json=payload, headers=world.auth("kiosk")
    )


async def test_it_signs_in_with_a_password_and_gets_a_token(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "operator", "password": PASSWORD})
    assert response.status_code == 201
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert me.json()["role"] == "operator" and me.json()["branch_ids"] == [world.branch.id]


async def test_it_refuses_a_wrong_password_in_the_callers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        json={"username": "operator", "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Wrong username or password."


async def test_it_issues_a_ticket_with_people_ahead_and_a_status_token(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await issue(client, world)
    second = await issue(client, world)
    assert first.status_code == 201, first.text
    assert second.json()["ticket"]["number"] == "A002" and second.json()["people_ahead"] == 1
    status = await client.get(f"/api/v1/ticket-status/{second.json()['status_token']}")
    assert status.status_code == 200
    assert status.json()["number"] == "A002" and status.json()["people_ahead"] == 1


async def test_it_returns_the_same_ticket_for_a_retried_idempotency_key(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {**world.auth("kiosk"), "Idempotency-Key": "kiosk-7-0001"}
    url = f"/api/v1/branches/{world.branch.id}/tickets"
    body = {"service_id": world.services["certificate"].id}
    first = await client.post(url, json=body, headers=headers)
    retry = await client.post(url, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert first.json()["ticket"]["id"] == retry.json()["ticket"]["id"]
    other = await client.post(url, json={"service_id": world.services["consultation"].id}, headers=headers)
    assert other.status_code == 409
    assert (await issue(client, world)).json()["ticket"]["number"] == "A002"


async def test_it_hides_other_branches_from_an_outsider(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/api/v1/branches/{world.branch.id}/waiting", headers=world.auth("outsider"))
    assert response.status_code == 404
    response = await client.post(
        f"/api/v1/windows/{world.windows[2].id}/close", headers=world.auth("outsider")
    )
    assert response.status_code == 404


async def test_it_refuses_window_operations_to_a_kiosk(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/v1/windows/{world.windows[2].id}/call-next", headers=world.auth("kiosk")
    )
    assert response.status_code == 403


async def test_it_runs_a_window_through_a_visit(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    ticket = (await issue(client, world)).json()["ticket"]
    auth = world.auth("operator")
    window = f"/api/v1/windows/{world.windows[2].id}"
    opened = await client.post(
        f"{window}/open", json={"work_profile_id": world.profiles["all"].id}, headers=auth
    )
    assert opened.json()["state"] == "open"
    called = await client.post(f"{window}/call-next", headers=auth)
    assert called.json()["state"] == "calling" and called.json()["visit"]["id"] == ticket["id"]
    clock.advance(20)
    assert (await client.post(f"{window}/confirm", headers=auth)).json()["state"] == "serving"
    recorded = await client.post(
        f"{window}/services",
        json={"service_id": world.services["certificate"].id, "outcome": "accepted"},
        headers=auth,
    )
    assert recorded.status_code == 200
    finished = await client.post(f"{window}/finish", headers=auth)
    assert finished.json()["state"] == "open" and finished.json()["visit"]["status"] == "finished"
    windows = await client.get(f"/api/v1/branches/{world.branch.id}/windows", headers=auth)
    assert [w["state"] for w in windows.json()] == ["closed", "open", "closed"]


async def test_it_explains_an_illegal_transition_in_russian(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/v1/windows/{world.windows[2].id}/call-next",
        headers={**world.auth("operator"), "Accept-Language": "ru"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["detail"] == "Нельзя вызвать талон, пока окно в состоянии «закрыто»."


async def test_it_publishes_the_branch_load(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(3):
        await issue(client, world)
    load = (await client.get(f"/api/v1/branches/{world.branch.id}/load")).json()
    assert (
        load["waiting"] == 3
        and load["windows_open"] == 0
        and load["light"] in {"green", "yellow", "orange", "red"}
    )
    by_service = {s["service_id"]: s for s in load["services"]}
    assert by_service[world.services["certificate"].id]["waiting"] == 3


async def test_it_rejects_a_malformed_payload_with_422(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": "x", "bogus": 1},
        headers=world.auth("kiosk"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_payload"


async def test_it_keeps_a_committed_ticket_when_publishing_fails(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    class BrokenHub(Hub):
        async def publish(self, items: Sequence[LiveEvent]) -> None:
            raise ConnectionError("redis is down")

    app.state.hub = BrokenHub()
    issued = await issue(client, world)
    assert issued.status_code == 201
    status = await client.get(f"/api/v1/ticket-status/{issued.json()['status_token']}")
    assert status.json()["status"] == "waiting"


async def test_it_expires_a_ticket_link_by_the_domain_clock(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    token = (await issue(client, world)).json()["status_token"]
    clock.advance(2 * 86400 - 1)
    assert (await client.get(f"/api/v1/ticket-status/{token}")).status_code == 200
    clock.advance(2)
    expired = await client.get(f"/api/v1/ticket-status/{token}")
    assert expired.status_code == 404 and expired.json()["code"] == "ticket_token_invalid"
    assert (await client.get(f"/t/{token}")).status_code == 404


async def test_it_refuses_a_path_id_that_is_not_plain_digits(client: httpx.AsyncClient, world: World) -> None:
    for path in (f"{world.branch.id}%09", f"%20{world.branch.id}", f"+{world.branch.id}"):
        response = await client.get(f"/api/v1/branches/{path}/waiting", headers=world.auth("admin"))
        assert response.status_code == 422, path


async def test_the_wait_predictor_learns_from_a_tickets_issue_estimates_when_it_is_called(
    client: httpx.AsyncClient, world: World, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    observed: list[tuple[int, dict[str, float], float]] = []
    monkeypatch.setattr(
        PREDICTOR,
        "observe",
        lambda queue_id, estimates, wait_s: observed.append((queue_id, estimates, wait_s)),
    )
    first = (await issue(client, world)).json()
    second = (await issue(client, world)).json()
    # No window open, no history: (one ahead + its own turn) × the default 10 minutes.
    assert second["estimated_wait_s"] == 1200
    window = f"/api/v1/windows/{world.windows[2].id}"
    auth = world.auth("operator")
    await client.post(f"{window}/open", json={"work_profile_id": world.profiles["all"].id}, headers=auth)
    clock.advance(90)
    called = await client.post(f"{window}/call-next", headers=auth)
    assert called.status_code == 200 and called.json()["visit"]["id"] == first["ticket"]["id"]
    [(queue_id, estimates, wait_s)] = observed
    assert queue_id == first["ticket"]["queue_id"] and wait_s == 90
    assert estimates and all(value >= 0 for value in estimates.values())
