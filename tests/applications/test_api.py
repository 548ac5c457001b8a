"""The applications API: an operator's intake to issue, the back office's list and timeline, a citizen's
own applications; errors as translated problem+json."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from birtereze.applications import service
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.applications.support import ANSWERS, APPLICANT, PDF, registries
from tests.appointments.conftest import sign_in
from tests.builders import World
from tests.conftest import Database


async def test_an_operator_takes_an_application_and_issues_its_result(
    db: Database,
    app: FastAPI,
    client: httpx.AsyncClient,
    ready: World,
    clock: ManualClock,
    settings: Settings,
) -> None:
    operator = ready.auth("operator")
    body = {
        "service_id": ready.services["certificate"].id,
        "branch_id": ready.branch.id,
        "applicant_iin": APPLICANT,
        "form": {**ANSWERS, "birth_date": "01.08.2026"},
    }
    assert (await client.post("/api/v1/applications", json=body)).status_code == 401
    outside = await client.post("/api/v1/applications", json=body, headers=ready.auth("outsider"))
    assert outside.status_code == 404
    bad_iin = await client.post(
        "/api/v1/applications", json={**body, "applicant_iin": "123"}, headers=operator
    )
    assert bad_iin.status_code == 400 and bad_iin.json()["code"] == "invalid_iin"
    created = await client.post("/api/v1/applications", json=body, headers=operator)
    assert created.status_code == 201, created.text
    application = created.json()
    url = f"/api/v1/applications/{application['id']}"
    assert application["status"] == "draft" and application["documents"] == []

    refused = await client.post(f"{url}/submit", headers={**operator, "Accept-Language": "ru"})
    assert refused.status_code == 400 and refused.json()["code"] == "form_invalid"
    assert refused.json()["errors"] == [
        {"loc": ["form", "birth_date"], "msg": refused.json()["errors"][0]["msg"], "type": "form"}
    ]
    assert refused.headers["content-type"].startswith("application/problem+json")
    fixed = await client.put(f"{url}/form", json={"form": ANSWERS}, headers=operator)
    assert fixed.status_code == 200 and fixed.json()["form"]["birth_date"] == "2026-08-01"

    missing = await client.post(f"{url}/submit", headers={**operator, "Accept-Language": "en"})
    assert (
        missing.status_code == 400
        and missing.json()["detail"] == "A required document is missing: Signed application."
    )
    gif = await client.put(f"{url}/documents/application_scan", content=b"GIF89a...", headers=operator)
    assert gif.status_code == 415
    big = await client.put(f"{url}/documents/application_scan", content=PDF + b"0" * 5000, headers=operator)
    assert big.status_code == 413
    unknown = await client.put(f"{url}/documents/passport", content=PDF, headers=operator)
    assert unknown.status_code == 400 and unknown.json()["code"] == "document_not_required"
    uploaded = await client.put(
        f"{url}/documents/application_scan",
        content=PDF,
        headers={**operator, "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 200, uploaded.text
    document = uploaded.json()["documents"][0]
    download = await client.get(f"{url}/documents/{document['id']}", headers=operator)
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    # A database restored without its documents' folder: the lost file is not found, not a server error.
    stored = next(settings.documents_dir.rglob(document["sha256"]))
    kept = stored.read_bytes()
    stored.unlink()
    lost = await client.get(f"{url}/documents/{document['id']}", headers=operator)
    assert lost.status_code == 404 and lost.json()["code"] == "document_not_found"
    stored.write_bytes(kept)

    done = await client.post(f"{url}/submit", headers=operator)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "submitted" and done.json()["deadline_at"] is not None
    assert {d["code"] for d in done.json()["documents"]} == {"application_scan", "identity"}
    again = await client.post(f"{url}/submit", headers={**operator, "Accept-Language": "en"})
    assert (
        again.status_code == 409
        and again.json()["detail"] == "This cannot be done now: the application is submitted."
    )

    async with db.sessions() as session:
        await service.mark_delivered(session, application["id"], now=clock.now())
        await service.record_body_answer(session, application["id"], kind="result_ready", now=clock.now())
        await session.commit()
    received = await client.post(f"{url}/receive", json={"storage_cell": "C-3"}, headers=operator)
    assert received.status_code == 200 and received.json()["status"] == "at_issuing_centre"
    wrong = await client.post(f"{url}/issue", json={"presented_iin": "850615400026"}, headers=operator)
    assert wrong.status_code == 409 and wrong.json()["code"] == "identity_mismatch"
    issued = await client.post(f"{url}/issue", json={"presented_iin": APPLICANT}, headers=operator)
    assert issued.status_code == 200 and issued.json()["status"] == "issued"

    timeline = await client.get(f"{url}/timeline", headers=ready.auth("manager"))
    types = [entry["type"] for entry in timeline.json()["items"]]
    assert types[0] == "application.created" and types[-1] == "application.issued"
    assert "application.delivered" in types and "application.at_issuing_centre" in types
    assert (await client.get(f"{url}/timeline", headers=ready.auth("outsider"))).status_code == 404

    listed = await client.get("/api/v1/applications", params={"status": "issued"}, headers=operator)
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["number"] == application["number"]
    by_iin = await client.get(
        "/api/v1/applications", params={"iin": APPLICANT, "overdue": "true"}, headers=operator
    )
    assert by_iin.json()["total"] == 0
    assert (await client.get("/api/v1/applications", headers=ready.auth("outsider"))).json()["total"] == 0
    assert (
        await client.get("/api/v1/applications", params={"status": "lost"}, headers=operator)
    ).status_code == 400


async def test_a_citizen_files_from_the_phone_and_chooses_the_issuing_centre(
    db: Database, client: httpx.AsyncClient, ready: World, clock: ManualClock, settings: Settings
) -> None:
    citizen = await sign_in(db, client, clock, settings)  # IIN 900101300017: known to the registries
    body = {
        "service_id": ready.services["benefit"].id,
        "branch_id": ready.branch.id,
        "form": {"child_name": ""},
    }
    assert (await client.post("/api/v1/my/applications", json=body)).status_code == 403  # no CSRF token
    wrong = await client.post("/api/v1/my/applications", json=body, headers=citizen.headers)
    assert wrong.status_code == 400 and {e["loc"][1] for e in wrong.json()["errors"]} == {
        "child_name",
        "birth_date",
    }
    assert (await client.get("/api/v1/my/applications")).json()["total"] == 0  # nothing left behind
    # The benefit asks for a signed application scan: filing from the phone without it is refused.
    missing = await client.post(
        "/api/v1/my/applications", json={**body, "form": ANSWERS}, headers=citizen.headers
    )
    assert missing.status_code == 400 and missing.json()["code"] == "document_missing"

    async with db.sessions() as session:
        application = await service.create(
            session,
            service_id=ready.services["benefit"].id,
            intake_branch_id=ready.branch.id,
            applicant_iin=APPLICANT,
            channel="operator",
            language="ru",
            now=clock.now(),
            registries=registries(),
            form=ANSWERS,
        )
        await session.commit()
    mine = await client.get("/api/v1/my/applications")
    assert mine.json()["total"] == 0  # a draft is not the citizen's yet
    got = await client.get(f"/api/v1/my/applications/{application.id}")
    assert got.status_code == 200 and got.json()["number"] == application.number
    moved = await client.post(
        f"/api/v1/my/applications/{application.id}/issuing-branch",
        json={"branch_id": ready.other_branch.id},
        headers=citizen.headers,
    )
    assert moved.status_code == 200 and moved.json()["issuing_branch_id"] == ready.other_branch.id
    assert (await client.get("/api/v1/my/applications/999999")).status_code == 404
