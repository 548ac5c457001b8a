"""The catalogue API: a standard in force with its fee in tenge today, its versions, a new version by an
admin (who and when recorded), refusals with translated reasons, and the authorised bodies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from birtereze.catalog.models import Service
from birtereze.core.clock import ManualClock
from tests.builders import World


def standard_url(service: Service) -> str:
    return f"/api/v1/services/{service.id}/standard"


async def a_new_version(client: httpx.AsyncClient, service: Service, **changes: Any) -> dict[str, Any]:
    current = (await client.get(standard_url(service))).json()
    body: dict[str, Any] = {
        "authority_code": current["authority"]["code"],
        "channels": current["channels"],
        "term_amount": current["term"]["amount"],
        "term_unit": current["term"]["unit"],
        "form": current["form"],
        "result": current["result"],
        "fee_kind": current["fee"]["kind"],
        "fee_mrp": current["fee"]["mrp"],
        "fee_kzt": current["fee"]["fixed_kzt"],
        "fee_payment": current["fee"]["payment"],
        "documents": current["documents"],
        "refusal_grounds": current["refusal_grounds"],
        "hours": current["hours"],
        "extraterritorial": current["extraterritorial"],
        "form_schema": current["form_schema"],
    }
    return body | changes


async def test_it_shows_the_standard_in_force_with_its_fee_in_tenge_today(
    client: httpx.AsyncClient, vehicle: Service
) -> None:
    answer = await client.get(standard_url(vehicle))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["version"] == 1 and body["changed_by"] is None and body["service_code"] == "00400001"
    assert body["authority"]["code"] == "MVD" and body["authority"]["name"]["ru"].startswith("Министерство")
    assert body["term"] == {"amount": 1, "unit": "working_days"}
    # 0.25 MRP paid on 27.11.2026, MRP 4,325 KZT: 1,081.25 -> 1,081 KZT.
    assert body["fee"] == body["fee"] | {
        "kind": "mrp",
        "mrp": 0.25,
        "amount_kzt": 1081,
        "paid_on": "2026-11-27",
    }
    assert {"code": "vehicle_record", "registry": "vehicle"}.items() <= {
        k: v for d in body["documents"] if d["code"] == "vehicle_record" for k, v in d.items()
    }.items()
    assert body["form_schema"]["required"] == ["vin", "make_model", "year"]
    assert body["max_wait_s"] == 900 and body["life_situation"] == "vehicle"


async def test_it_answers_404_without_a_standard_or_a_service(
    client: httpx.AsyncClient, world: World, vehicle: Service
) -> None:
    bare = world.services["certificate"]
    answer = await client.get(standard_url(bare), params={"lang": "en"})
    assert answer.status_code == 404 and answer.json()["code"] == "standard_not_found"
    assert (await client.get("/api/v1/services/999999/standard")).status_code == 404
    assert (await client.get("/api/v1/services/999999/standard/versions")).status_code == 404
    versions = await client.get(f"{standard_url(bare)}/versions")
    assert versions.json() == {"service_id": bare.id, "current_version": None, "versions": []}


async def test_an_admin_records_a_new_version_and_the_old_one_is_kept(
    client: httpx.AsyncClient, world: World, vehicle: Service, clock: ManualClock
) -> None:
    clock.advance(timedelta(hours=2))
    body = await a_new_version(client, vehicle, term_amount=3, note="Term extended by the new rules")
    answer = await client.put(standard_url(vehicle), json=body, headers=world.auth("admin"))
    assert answer.status_code == 200, answer.text
    new = answer.json()
    assert new["version"] == 2 and new["term"]["amount"] == 3
    assert new["changed_by"] == world.staff["admin"] and new["note"] == "Term extended by the new rules"
    assert new["changed_at"].startswith("2026-11-27T07:00:00")  # 12:00 in Almaty
    assert (await client.get(standard_url(vehicle))).json()["version"] == 2
    versions = (await client.get(f"{standard_url(vehicle)}/versions")).json()
    assert versions["current_version"] == 2
    assert [(v["version"], v["term"]["amount"]) for v in versions["versions"]] == [(2, 3), (1, 1)]
    # What each version changed from the one before: the term here; nothing to compare the first with.
    assert [v["changed_fields"] for v in versions["versions"]] == [["term_amount"], []]
    assert (await client.get(standard_url(vehicle))).json()["changed_fields"] is None


async def test_only_an_admin_changes_a_standard(
    client: httpx.AsyncClient, world: World, vehicle: Service
) -> None:
    body = await a_new_version(client, vehicle)
    assert (await client.put(standard_url(vehicle), json=body)).status_code == 401
    for persona in ("operator", "manager"):
        assert (
            await client.put(standard_url(vehicle), json=body, headers=world.auth(persona))
        ).status_code == 403
    assert (await client.get(f"{standard_url(vehicle)}/versions")).json()["current_version"] == 1


async def test_it_refuses_an_inconsistent_standard_with_a_translated_reason(
    client: httpx.AsyncClient, world: World, vehicle: Service
) -> None:
    admin = world.auth("admin")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"authority_code": "NOBODY"}, 400, "unknown_authority"),
        ({"fee_kind": "free"}, 400, "invalid_fee"),  # an MRP multiple is still given
        ({"fee_kind": "kzt", "fee_mrp": None}, 400, "invalid_fee"),  # no amount in tenge
        (
            {"form_schema": {"type": "object", "properties": {"x": {"type": "string"}}}},
            400,
            "invalid_form_schema",
        ),
        (
            {"form_schema": {"type": "object", "properties": {}, "required": ["gone"]}},
            400,
            "invalid_form_schema",
        ),
        (
            {"form_schema": {"type": "object", "properties": {}, "required": [{"x": 1}]}},
            400,
            "invalid_form_schema",
        ),
        (
            {"documents": [{"code": "a", "name": {"kk": "a", "ru": "a", "en": "a"}}] * 2},
            400,
            "invalid_documents",
        ),
        ({"channels": ["fax"]}, 422, "validation_failed"),
        ({"term_unit": "weeks"}, 422, "validation_failed"),
        ({"fee_mrp": "0.0001"}, 422, "validation_failed"),
    ]
    for changes, status, code in cases:
        body = await a_new_version(client, vehicle, **changes)
        answer = await client.put(standard_url(vehicle), json=body, headers=admin)
        assert answer.status_code == status, (changes, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if status == 400:
            assert answer.json()["code"] == code, (changes, answer.text)
    body = await a_new_version(client, vehicle, authority_code="NOBODY")
    answer = await client.put(standard_url(vehicle), json=body, headers=admin, params={"lang": "ru"})
    assert "NOBODY" in answer.json()["detail"] and "There is no" not in answer.json()["detail"]
    assert (await client.get(f"{standard_url(vehicle)}/versions")).json()["current_version"] == 1


async def test_it_lists_the_authorised_bodies(client: httpx.AsyncClient, vehicle: Service) -> None:
    answer = await client.get("/api/v1/authorities")
    assert answer.status_code == 200
    codes = [authority["code"] for authority in answer.json()]
    assert codes == sorted(codes) and {"MTSZN", "MVD", "RAGS", "KPSSU"} <= set(codes)


async def test_an_admin_adds_renames_and_turns_off_an_authorised_body(
    client: httpx.AsyncClient, world: World, vehicle: Service
) -> None:
    admin = world.auth("admin")
    names = {"kk": "Сот органы", "ru": "Судебный орган", "en": "Courts"}
    added = await client.put("/api/v1/authorities/COURTS", json={"name": names}, headers=admin)
    assert added.status_code == 201 and added.json() == {"code": "COURTS", "name": names, "active": True}
    renamed = names | {"en": "The courts"}
    changed = await client.put(
        "/api/v1/authorities/COURTS", json={"name": renamed, "active": False}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["name"]["en"] == "The courts"
    assert changed.json()["active"] is False
    # A body the vehicle's standard in force names stays on, with the reason in the asked language.
    refused = await client.put(
        "/api/v1/authorities/MVD", json={"name": names, "active": False}, headers=admin, params={"lang": "ru"}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "authority_in_use"
    assert "называет этот орган: 1." in refused.json()["detail"]
    listed = {a["code"]: a for a in (await client.get("/api/v1/authorities")).json()}
    assert listed["MVD"]["active"] is True and listed["COURTS"]["active"] is False
    # A code that the delivery settings could not name, and names missing, are refused; so are others.
    assert (
        await client.put("/api/v1/authorities/mvd-2", json={"name": names}, headers=admin)
    ).status_code == 422
    missing = await client.put("/api/v1/authorities/NEW", json={"name": {"kk": "x"}}, headers=admin)
    assert missing.status_code == 422
    for persona in ("manager", "operator"):
        answer = await client.put(
            "/api/v1/authorities/NEW", json={"name": names}, headers=world.auth(persona)
        )
        assert answer.status_code == 403, persona


async def test_a_fee_in_mrp_paid_in_a_year_whose_mrp_is_not_known_yet_has_no_amount(
    client: httpx.AsyncClient, vehicle: Service, clock: ManualClock
) -> None:
    clock.set(datetime(2031, 1, 5, 10, 0, tzinfo=ZoneInfo("Asia/Almaty")))
    answer = await client.get(standard_url(vehicle))
    assert answer.status_code == 200, answer.text
    assert answer.json()["fee"] | {"kind": "mrp", "mrp": 0.25, "amount_kzt": None} == answer.json()["fee"]
    page = await client.get(f"/services/{vehicle.code}", params={"lang": "en"})
    assert page.status_code == 200 and "The amount in tenge is not known yet" in page.text
