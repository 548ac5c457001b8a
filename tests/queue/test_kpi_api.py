"""The KPI and alert routes through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import httpx

from birtereze.core.clock import ManualClock
from birtereze.queue.service import alerts
from tests.builders import World
from tests.conftest import Database


async def post(
    client: httpx.AsyncClient, world: World, path: str, persona: str = "operator", **body: object
) -> None:
    response = await client.post(f"/api/v1{path}", json=body or None, headers=world.auth(persona))
    assert response.status_code < 300, response.text


async def serve_two_and_leave_one(client: httpx.AsyncClient, world: World, clock: ManualClock) -> None:
    """A001 served at window 2 after 4 minutes, B001 a no-show there, A002 still waiting."""
    tickets = f"/api/v1/branches/{world.branch.id}/tickets"
    for service in ("certificate", "benefit"):
        issued = await client.post(
            tickets, json={"service_id": world.services[service].id}, headers=world.auth("kiosk")
        )
        assert issued.status_code == 201, issued.text
    window = f"/windows/{world.windows[2].id}"
    await post(client, world, f"{window}/open", work_profile_id=world.profiles["strict"].id)
    clock.advance(240)
    await post(client, world, f"{window}/call-next")
    await post(client, world, f"{window}/confirm")
    clock.advance(300)
    await post(client, world, f"{window}/finish")
    await post(client, world, f"{window}/call-next")
    clock.advance(world.branch.no_show_after_s)
    await post(client, world, f"{window}/no-show")
    issued = await client.post(
        tickets, json={"service_id": world.services["certificate"].id}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201


async def test_it_reports_todays_kpis_per_queue_with_localised_names(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await serve_two_and_leave_one(client, world, clock)
    response = await client.get(
        f"/api/v1/branches/{world.branch.id}/kpis",
        params={"group_by": "queue"},
        headers={**world.auth("manager"), "Accept-Language": "ru"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["day"] == "2026-11-27" and report["timezone"] == "Asia/Almaty"
    total = report["total"]
    assert (total["issued"], total["served"], total["no_show"], total["waiting"], total["unserved"]) == (
        3,
        1,
        1,
        1,
        2,
    )
    assert (
        total["wait_max_s"] == 540.0 and total["service_mean_s"] == 300.0 and total["over_norm_share"] == 0.0
    )
    rows = {row["key"]: row for row in report["rows"]}
    queue_a, queue_b = world.queues["A"].id, world.queues["B"].id
    assert rows[queue_a]["label"] == "A — General (ru)" and rows[queue_a]["served"] == 1
    assert rows[queue_a]["wait_mean_s"] == 240.0 and rows[queue_a]["waiting"] == 1
    assert rows[queue_b]["label"] == "B — Social (ru)" and rows[queue_b]["no_show"] == 1


async def test_it_groups_by_operator_with_a_row_for_tickets_never_at_a_window(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await serve_two_and_leave_one(client, world, clock)
    response = await client.get(
        f"/api/v1/branches/{world.branch.id}/kpis",
        params={"group_by": "operator", "lang": "en", "day": "2026-11-27"},
        headers=world.auth("operator"),
    )
    rows = [(row["key"], row["label"], row["served"], row["issued"]) for row in response.json()["rows"]]
    assert rows == [(world.staff["operator"], "Operator", 1, 0), (None, "No operator", 0, 3)]


async def test_it_reports_an_empty_other_day(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await serve_two_and_leave_one(client, world, clock)
    response = await client.get(
        f"/api/v1/branches/{world.branch.id}/kpis",
        params={"day": "2026-11-26"},
        headers=world.auth("manager"),
    )
    assert response.json()["rows"] == [] and response.json()["total"]["issued"] == 0
    assert response.json()["total"]["wait_mean_s"] is None


async def test_it_exports_one_csv_row_per_group(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await serve_two_and_leave_one(client, world, clock)
    response = await client.get(
        f"/api/v1/branches/{world.branch.id}/kpis.csv",
        params={"group_by": "window", "lang": "kk"},
        headers=world.auth("manager"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="kpis-{world.branch.id}-2026-11-27-window.csv"'
    )
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["label"] for row in table] == ["2-терезе", "Терезесіз"]
    at_window, elsewhere = table
    assert at_window["key"] == str(world.windows[2].id) and elsewhere["key"] == ""
    assert (at_window["served"], at_window["no_show"], at_window["waits"]) == ("1", "1", "2")
    assert (elsewhere["issued"], elsewhere["waiting"], elsewhere["wait_mean_s"]) == ("3", "1", "")
    header = response.text.splitlines()[0].split(",")
    assert header[:4] == ["key", "label", "issued", "served"]


async def test_it_groups_by_the_local_hour_in_csv(
    client: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    await serve_two_and_leave_one(client, world, clock)
    response = await client.get(
        f"/api/v1/branches/{world.branch.id}/kpis.csv",
        params={"group_by": "hour"},
        headers=world.auth("manager"),
    )
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["key"], row["label"], row["issued"]) for row in table] == [("10", "10:00–11:00", "3")]


async def test_it_hides_kpis_and_alerts_outside_the_callers_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    for path in ("kpis", "kpis.csv", "alerts"):
        url = f"/api/v1/branches/{world.branch.id}/{path}"
        assert (await client.get(url, headers=world.auth("outsider"))).status_code == 404
        assert (await client.get(url, headers=world.auth("kiosk"))).status_code == 403
        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, headers=world.auth("admin"))).status_code == 200
    missing = await client.get("/api/v1/branches/999999/kpis", headers=world.auth("admin"))
    assert missing.status_code == 404


async def test_it_refuses_a_malformed_day_or_grouping(client: httpx.AsyncClient, world: World) -> None:
    url = f"/api/v1/branches/{world.branch.id}/kpis"
    assert (
        await client.get(url, params={"day": "27.11.2026"}, headers=world.auth("manager"))
    ).status_code == 422
    assert (
        await client.get(url, params={"group_by": "desk"}, headers=world.auth("manager"))
    ).status_code == 422


async def test_it_answers_for_days_at_the_ends_of_the_calendar(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/api/v1/branches/{world.branch.id}/kpis"
    for day in ("0001-01-01", "9999-12-31"):
        response = await client.get(url, params={"day": day}, headers=world.auth("manager"))
        assert response.status_code == 200 and response.json()["total"]["issued"] == 0


async def test_it_lists_open_and_cleared_alerts_with_localised_titles(
    client: httpx.AsyncClient, world: World, clock: ManualClock, db: Database
) -> None:
    tickets = f"/api/v1/branches/{world.branch.id}/tickets"
    await client.post(
        tickets, json={"service_id": world.services["certificate"].id}, headers=world.auth("kiosk")
    )
    clock.advance(16 * 60)
    async with db.sessions() as session:
        await alerts.check_normatives(session, now=clock.now(), branch_ids=[world.branch.id])
        await session.commit()
    url = f"/api/v1/branches/{world.branch.id}/alerts"
    listed = await client.get(url, params={"lang": "ru"}, headers=world.auth("operator"))
    assert listed.status_code == 200, listed.text
    [alert] = listed.json()
    assert (alert["kind"], alert["title"], alert["open"]) == ("wait", "Ожидание сверх нормы", True)
    assert alert["queue_id"] == world.queues["A"].id and alert["window_id"] is None
    assert alert["value"] == 16 * 60 and alert["limit"] == 15 * 60

    await post(
        client, world, f"/windows/{world.windows[2].id}/open", work_profile_id=world.profiles["all"].id
    )
    await post(client, world, f"/windows/{world.windows[2].id}/call-next")
    async with db.sessions() as session:
        await alerts.check_normatives(session, now=clock.now(), branch_ids=[world.branch.id])
        await session.commit()
    assert (await client.get(url, headers=world.auth("manager"))).json() == []
    history = (await client.get(url, params={"open": "false"}, headers=world.auth("manager"))).json()
    assert [(a["kind"], a["open"]) for a in history] == [("wait", False)] and history[0]["cleared_at"]
