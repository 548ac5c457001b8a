"""Operational routes: /healthz and the Prometheus /metrics."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families

from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.web.app import create_app
from tests.builders import World


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def take_ticket(client: httpx.AsyncClient, world: World, service: str) -> None:
    response = await client.post(
        f"/api/v1/branches/{world.branch.id}/tickets",
        json={"service_id": world.services[service].id},
        headers=world.auth("kiosk"),
    )
    assert response.status_code == 201, response.text


async def test_it_reports_healthy_with_its_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_it_reports_unhealthy_without_its_database(settings: Settings, clock: ManualClock) -> None:
    # Nothing listens on port 9 of this machine: the database is unreachable.
    broken = settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:9/none"})
    app = create_app(broken, clock)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        response = await http.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "fail"


async def test_it_exports_queue_lengths_and_waits_to_prometheus(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await take_ticket(client, world, "certificate")
    clock.advance(120)
    await take_ticket(client, world, "consultation")
    await take_ticket(client, world, "benefit")
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    values = samples(response.text)
    branch = str(world.branch.id)
    queue_a = (("branch", branch), ("queue", str(world.queues["A"].id)))
    queue_b = (("branch", branch), ("queue", str(world.queues["B"].id)))
    assert values[("birtereze_queue_waiting_tickets", queue_a)] == 2
    assert values[("birtereze_queue_waiting_tickets", queue_b)] == 1
    assert values[("birtereze_queue_longest_wait_seconds", queue_a)] == 120
    assert values[("birtereze_queue_mean_wait_seconds", queue_a)] == 60
    assert values[("birtereze_queue_longest_wait_seconds", queue_b)] == 0
    assert ("birtereze_live_subscribers", ()) in values
    requests = [key for key in values if key[0] == "birtereze_http_request_seconds_count"]
    assert any(("route", "/api/v1/branches/{branch_id}/tickets") in labels for _name, labels in requests)


async def test_it_drops_a_queue_from_the_gauges_once_it_empties(
    client: httpx.AsyncClient, world: World
) -> None:
    await take_ticket(client, world, "benefit")
    queue_b = (("branch", str(world.branch.id)), ("queue", str(world.queues["B"].id)))
    assert samples((await client.get("/metrics")).text)[("birtereze_queue_waiting_tickets", queue_b)] == 1
    window = f"/api/v1/windows/{world.windows[2].id}"
    auth = world.auth("operator")
    await client.post(f"{window}/open", json={"work_profile_id": world.profiles["social"].id}, headers=auth)
    assert (await client.post(f"{window}/call-next", headers=auth)).status_code == 200
    assert ("birtereze_queue_waiting_tickets", queue_b) not in samples((await client.get("/metrics")).text)
