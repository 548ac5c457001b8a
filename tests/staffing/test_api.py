"""The staffing routes through the ASGI app, on SQLite and PostgreSQL: forecast, windows needed, the twin's
what-if, and rosters with their rule-checked edits."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from birtereze.staffing import erlang
from tests.builders import World, create_branch
from tests.conftest import Database
from tests.staffing.history import NEXT_MONDAY, SLOTS_A_DAY, add_history

SATURDAY = NEXT_MONDAY + timedelta(days=5)
SUNDAY = NEXT_MONDAY + timedelta(days=6)
BUSY = [f"{10 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(SLOTS_A_DAY)]  # 10:00 … 15:30


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


@pytest.fixture
async def history(db: Database, world: World) -> int:
    return await add_history(db, world)


def url(world: World, path: str) -> str:
    return f"/api/v1/branches/{world.branch.id}{path}"


async def get(client: httpx.AsyncClient, world: World, path: str, **params: object) -> Any:
    response = await client.get(url(world, path), params=params, headers=world.auth("manager"))
    assert response.status_code == 200, response.text
    return response.json()


async def make_roster(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    response = await client.post(
        url(world, "/roster"),
        json={"week": NEXT_MONDAY.isoformat(), "time_limit_s": 3},
        headers=world.auth("manager"),
    )
    assert response.status_code == 201, response.text
    roster: dict[str, Any] = response.json()
    return roster


async def put_shift(
    client: httpx.AsyncClient, world: World, locale: str = "en", **cell: object
) -> httpx.Response:
    body = {"week": NEXT_MONDAY.isoformat(), **cell}
    return await client.put(
        url(world, "/roster/shift"), json=body, params={"lang": locale}, headers=world.auth("manager")
    )


async def test_it_forecasts_a_day_from_the_tickets_issued_before_it(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    forecast = await get(client, world, "/staffing/forecast", day=NEXT_MONDAY.isoformat())
    assert (forecast["opens"], forecast["closes"]) == ("09:00", "20:00")
    assert len(forecast["slots"]) == 22 and forecast["slots"][0] == "09:00"
    assert (forecast["history_days"], forecast["history_tickets"]) == (56, history)
    general = next(q for q in forecast["queues"] if q["prefix"] == "A")
    by_slot = dict(zip(forecast["slots"], general["arrivals"], strict=True))
    assert all(by_slot[slot] == pytest.approx(1.0, abs=0.1) for slot in BUSY)
    assert all(value == 0.0 for slot, value in by_slot.items() if slot not in BUSY)
    assert sum(forecast["total"]) == pytest.approx(SLOTS_A_DAY, abs=1.0)
    assert all(sum(q["arrivals"]) == 0 for q in forecast["queues"] if q["prefix"] != "A")
    # Never open on a Saturday in the history: nothing expected; closed on Sunday: no hours at all.
    saturday = await get(client, world, "/staffing/forecast", day=SATURDAY.isoformat())
    assert saturday["opens"] == "09:00" and sum(saturday["total"]) == 0
    sunday = await get(client, world, "/staffing/forecast", day=SUNDAY.isoformat())
    assert sunday["opens"] is None and sunday["slots"] == [] and sunday["total"] == []


async def test_it_reads_no_ticket_of_the_day_forecast_or_later(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    # A forecast of a past Wednesday reads only the days before it.
    wednesday = NEXT_MONDAY - timedelta(days=5)
    forecast = await get(client, world, "/staffing/forecast", day=wednesday.isoformat())
    assert forecast["history_tickets"] == history - 2 * SLOTS_A_DAY  # not that Wednesday, nor Thursday


async def test_it_needs_windows_by_erlang_for_the_branch_norm(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    needed = await get(client, world, "/staffing/requirement", day=NEXT_MONDAY.isoformat())
    assert (needed["target_service_level"], needed["answer_within_s"]) == (0.8, world.branch.max_wait_s)
    (zone,) = needed["zones"]
    assert (zone["windows"], zone["handling_s"], zone["handling_measured"]) == (3, 600.0, False)
    at_ten = next(i for i in zone["intervals"] if i["start"] == "10:00")
    reference = erlang.erlang_c(1, at_ten["arrivals"], 600.0, world.branch.max_wait_s)
    assert (at_ten["raw_agents"], at_ten["windows_needed"], at_ten["scheduled_agents"]) == (1, 1, 2)
    assert at_ten["service_level"] == pytest.approx(reference.service_level, abs=1e-4)
    assert at_ten["occupancy"] == pytest.approx(reference.occupancy, abs=1e-4)
    assert all(i["raw_agents"] == 0 for i in zone["intervals"] if i["start"] not in BUSY)

    stricter = await get(
        client, world, "/staffing/requirement", day=NEXT_MONDAY.isoformat(), target_service_level=0.95
    )
    assert next(i for i in stricter["zones"][0]["intervals"] if i["start"] == "10:00")["raw_agents"] == 2
    patient = await get(client, world, "/staffing/requirement", day=NEXT_MONDAY.isoformat(), patience_min=5)
    ten = next(i for i in patient["zones"][0]["intervals"] if i["start"] == "10:00")
    expected = erlang.erlang_a(ten["raw_agents"], ten["arrivals"], 600.0, 300.0, world.branch.max_wait_s)
    assert ten["p_abandon"] == pytest.approx(expected.p_abandon, abs=1e-5) and ten["p_abandon"] > 0


async def test_it_answers_what_if_one_more_window_opens_on_the_same_citizens(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    response = await client.post(
        url(world, "/staffing/what-if"),
        json={"day": NEXT_MONDAY.isoformat(), "opens_at": "11:00"},
        headers=world.auth("manager"),
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["opens_at"], answer["closes_at"], answer["plan_source"]) == (
        "11:00",
        "20:00",
        "requirement",
    )
    base, alternative = answer["base"], answer["alternative"]
    assert base["arrivals"] == alternative["arrivals"] > 0
    assert alternative["window_hours"] - base["window_hours"] == pytest.approx(9.0, abs=0.5)
    assert alternative["mean_wait_s"] <= base["mean_wait_s"]
    eleven = next(h for h in answer["half_hours"] if h["start"] == "11:00")
    assert eleven["alternative_open_windows"] == pytest.approx(eleven["base_open_windows"] + 1, abs=0.01)

    after_closing = await client.post(
        url(world, "/staffing/what-if"),
        json={"day": NEXT_MONDAY.isoformat(), "opens_at": "20:30"},
        headers=world.auth("manager"),
    )
    assert after_closing.status_code == 400
    assert after_closing.json()["code"] == "extra_window_outside_hours"
    assert "09:00–20:00" in after_closing.json()["detail"]
    other_zone = await client.post(
        url(world, "/staffing/what-if"),
        json={"day": NEXT_MONDAY.isoformat(), "opens_at": "11:00", "zone_id": 10**6},
        headers=world.auth("manager"),
    )
    assert other_zone.status_code == 400 and other_zone.json()["code"] == "zone_without_windows"


def presence(shifts: list[dict[str, Any]], day: str, minute: int) -> int:
    def at_window(shift: dict[str, Any]) -> bool:
        lunch = shift["lunch_start"] is not None and minutes(shift["lunch_start"]) <= minute < minutes(
            shift["lunch_end"]
        )
        return minutes(shift["start"]) <= minute < minutes(shift["end"]) and not lunch

    return sum(1 for shift in shifts if shift["day"] == day and at_window(shift))


async def test_it_makes_a_roster_that_keeps_every_rule_and_covers_the_need(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    roster = await make_roster(client, world)
    assert (roster["week_start"], roster["shortfall"], roster["violations"]) == (
        NEXT_MONDAY.isoformat(),
        0,
        [],
    )
    assert roster["skills_recorded"] is False
    operators = {world.staff[name] for name in ("operator", "operator2", "operator3", "operator4")}
    assert {person["id"] for person in roster["staff"]} == operators
    shifts = roster["shifts"]
    for offset in range(5):
        day = (NEXT_MONDAY + timedelta(days=offset)).isoformat()
        assert all(presence(shifts, day, minutes(slot)) >= 1 for slot in BUSY), day
    assert not [s for s in shifts if date.fromisoformat(s["day"]) >= SATURDAY]
    for person in operators:
        own = [s for s in shifts if s["staff_id"] == person]
        worked = sum(minutes(s["end"]) - minutes(s["start"]) - (60 if s["lunch_start"] else 0) for s in own)
        assert len({s["day"] for s in own}) <= 5 and worked <= 40 * 60
    assert max(Counter((s["staff_id"], s["day"]) for s in shifts).values()) == 1
    assert all(s["window"] in (1, 2, 3) for s in shifts)
    assert len(roster["replacements"]) == len(shifts)
    for replacement in roster["replacements"]:
        assert replacement["absent_staff_id"] not in replacement["replacement_staff_ids"]
        assert set(replacement["replacement_staff_ids"]) <= operators
    assert await get(client, world, "/roster", week=(NEXT_MONDAY + timedelta(days=3)).isoformat()) == roster

    exported = await client.get(
        url(world, "/roster.csv"), params={"week": NEXT_MONDAY.isoformat()}, headers=world.auth("manager")
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == len(shifts)
    assert {(int(r["staff_id"]), r["day"], r["start"], r["end"]) for r in rows} == {
        (s["staff_id"], s["day"], s["start"], s["end"]) for s in shifts
    }


def spare(roster: dict[str, Any]) -> list[tuple[int, str]]:
    """People with days to spare, each with the weekdays they are off."""
    found = []
    for person in roster["staff"]:
        days = {s["day"] for s in roster["shifts"] if s["staff_id"] == person["id"]}
        hours = sum(
            minutes(s["end"]) - minutes(s["start"]) for s in roster["shifts"] if s["staff_id"] == person["id"]
        )
        if len(days) < 4 and hours <= 24 * 60:
            free = [(NEXT_MONDAY + timedelta(days=i)).isoformat() for i in range(5)]
            found += [(person["id"], day) for day in free if day not in days]
    assert found, "no one has days to spare"
    return found


async def test_it_accepts_an_edit_that_keeps_the_rules_and_refuses_one_naming_the_broken_rule(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    roster = await make_roster(client, world)
    # An evening shift on a free day, in a zone with a window free then (the solver fills some evenings).
    for (person, day), zone_id in itertools.product(
        spare(roster), sorted({s["zone_id"] for s in roster["shifts"]})
    ):
        evening = await put_shift(
            client, world, staff_id=person, day=day, zone_id=zone_id, start="16:00", end="20:00"
        )
        if evening.status_code == 200:
            break
    assert evening.status_code == 200, evening.text
    assert evening.json()["violations"] == []
    cell = [s for s in evening.json()["shifts"] if s["staff_id"] == person and s["day"] == day]
    assert [(s["start"], s["end"], s["lunch_start"]) for s in cell] == [("16:00", "20:00", None)]

    too_long = await put_shift(
        client, world, "ru", staff_id=person, day=day, zone_id=zone_id, start="09:00", end="20:00"
    )
    assert too_long.status_code == 409
    assert too_long.json()["code"] == "roster_rule_broken"
    assert (
        too_long.json()["detail"]
        == f"Отклонено: изменение нарушает правило «не более 8 часов работы в день» в день {day}."
    )
    no_lunch = await put_shift(
        client, world, staff_id=person, day=day, zone_id=zone_id, start="10:00", end="18:00"
    )
    assert no_lunch.status_code == 409
    assert "a one-hour lunch in a shift over 4 hours" in no_lunch.json()["detail"]
    with_lunch = await put_shift(
        client,
        world,
        staff_id=person,
        day=day,
        zone_id=zone_id,
        start="11:00",
        end="20:00",
        lunch_start="14:00",
    )
    assert with_lunch.status_code == 200, with_lunch.text

    # Taking away the only person at the windows in a busy half hour breaks the cover.
    shifts = with_lunch.json()["shifts"]
    alone = next(
        s
        for s in shifts
        if any(
            presence(shifts, s["day"], minutes(slot)) == 1 and presence([s], s["day"], minutes(slot)) == 1
            for slot in BUSY
        )
    )
    day_off = await put_shift(client, world, staff_id=alone["staff_id"], day=alone["day"])
    assert day_off.status_code == 409
    assert "enough people at the windows in every half hour" in day_off.json()["detail"]
    unchanged = await get(client, world, "/roster", week=NEXT_MONDAY.isoformat(), lang="en")
    assert unchanged["shifts"] == shifts


async def test_it_refuses_malformed_cells_and_unknown_weeks(
    client: httpx.AsyncClient, world: World, history: int
) -> None:
    missing = await client.get(
        url(world, "/roster"), params={"week": "2026-12-09"}, headers=world.auth("manager")
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "roster_not_found" and "2026-12-07" in missing.json()["detail"]
    roster = await make_roster(client, world)
    person = roster["staff"][0]["id"]
    outside = await put_shift(
        client, world, staff_id=person, day="2026-12-09", zone_id=1, start="10:00", end="14:00"
    )
    assert outside.status_code == 400 and outside.json()["code"] == "invalid_shift"
    backwards = await put_shift(
        client,
        world,
        staff_id=person,
        day=NEXT_MONDAY.isoformat(),
        zone_id=roster["shifts"][0]["zone_id"],
        start="14:00",
        end="10:00",
    )
    assert backwards.status_code == 400 and backwards.json()["code"] == "invalid_shift"
    manager = await put_shift(client, world, staff_id=world.staff["manager"], day=NEXT_MONDAY.isoformat())
    assert manager.status_code == 400 and manager.json()["code"] == "not_on_roster"
    long_ago = await client.get(
        url(world, "/staffing/forecast"), params={"day": "0001-01-01"}, headers=world.auth("manager")
    )
    assert long_ago.status_code == 400 and long_ago.json()["code"] == "day_out_of_range"


async def test_it_keeps_staffing_to_the_managers_own_branches(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    day = {"day": NEXT_MONDAY.isoformat()}
    other = f"/api/v1/branches/{world.other_branch.id}/staffing/forecast"
    assert (await client.get(other, params=day, headers=world.auth("manager"))).status_code == 404
    own = url(world, "/staffing/forecast")
    assert (await client.get(own, params=day, headers=world.auth("operator"))).status_code == 403
    assert (await client.get(own, params=day)).status_code == 401
    page = f"/manage/branches/{world.branch.id}/staffing"
    assert (await client.get(page, headers=world.auth("operator"))).status_code == 403
    assert (await client.get(page, params={"access_token": world.tokens["manager"]})).status_code == 200

    async with db.sessions() as session:
        empty = await create_branch(session, "C")
        await session.commit()
    nobody = await client.post(
        f"/api/v1/branches/{empty.id}/roster",
        json={"week": NEXT_MONDAY.isoformat()},
        headers=world.auth("admin"),
    )
    assert nobody.status_code == 409 and nobody.json()["code"] == "no_staff_to_roster"
