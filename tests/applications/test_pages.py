"""The staff's one-window screens through the app: an operator's intake (a refusal comes back on the page
with every answer kept), the issue zone (the IIN shown is checked), the back office's list with its
filters and an application's page with its timeline."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx

from birtereze.applications import service
from birtereze.core.clock import ManualClock
from tests.applications.support import APPLICANT, PDF
from tests.builders import World
from tests.conftest import Database
from tests.web.hall import open_window, take_ticket


def _id(location: str) -> int:
    found = re.search(r"/applications/(\d+)", location)
    assert found, location
    return int(found.group(1))


async def test_an_operator_takes_an_application_on_the_intake_screen(
    client: httpx.AsyncClient, ready: World
) -> None:
    token = ready.tokens["operator"]
    auth = {"access_token": token, "lang": "en"}
    assert (await client.get("/applications/intake")).status_code == 401
    assert (
        await client.get("/applications/intake", params={"access_token": ready.tokens["kiosk"]})
    ).status_code == 403
    start = await client.get("/applications/intake", params={**auth, "visit_id": "123", "ticket": "A007"})
    assert start.status_code == 200 and "A007" in start.text
    assert ready.services["certificate"].name_en in start.text

    fields = {
        "branch_id": str(ready.branch.id),
        "service_id": str(ready.services["certificate"].id),
        "applicant_iin": "123",
    }
    bad = await client.post("/applications/intake", params=auth, data=fields)
    assert bad.status_code == 400 and 'value="123"' in bad.text and 'role="alert"' in bad.text
    ru = await client.post("/applications/intake", params={**auth, "lang": "ru"}, data=fields)
    assert ru.status_code == 400 and "ИИН" in ru.text
    unknown_ticket = await client.post(
        "/applications/intake", params=auth, data={**fields, "applicant_iin": APPLICANT, "visit_id": "999999"}
    )
    assert unknown_ticket.status_code == 400 and "No such ticket at this centre." in unknown_ticket.text
    outside = await client.post(
        "/applications/intake", params=auth, data={**fields, "branch_id": str(ready.other_branch.id)}
    )
    assert outside.status_code == 404

    created = await client.post(
        "/applications/intake", params=auth, data={**fields, "applicant_iin": APPLICANT}
    )
    assert created.status_code == 303, created.text
    application_id = _id(created.headers["location"])
    assert "access_token=" in created.headers["location"]
    draft = await client.get(created.headers["location"])
    assert draft.status_code == 200
    assert "Child&#39;s name" in draft.text and "At the centre" in draft.text
    assert "Fetched from the population registry at submission" in draft.text
    assert f'data-upload-url="/api/v1/applications/{application_id}/documents/application_scan"' in draft.text

    url = f"/applications/{application_id}/intake"
    answers = {"child_name": "Aruzhan", "birth_date": "01.08.2026", "copies": "two", "delivery": "centre"}
    wrong = await client.post(url, params=auth, data={**answers, "action": "submit"})
    assert wrong.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in wrong.text and "Enter a whole number." in wrong.text
    assert 'value="Aruzhan"' in wrong.text and 'value="01.08.2026"' in wrong.text  # nothing lost
    kept = await client.get(url, params=auth)
    assert 'value="Aruzhan"' in kept.text

    saved = await client.post(url, params=auth, data={**answers, "birth_date": "2026-08-01", "copies": "2"})
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    missing = await client.post(
        url, params=auth, data={**answers, "birth_date": "2026-08-01", "copies": "2", "action": "submit"}
    )
    assert (
        missing.status_code == 400 and "A required document is missing: Signed application." in missing.text
    )
    assert "apps__document--missing" in missing.text and 'value="2"' in missing.text

    uploaded = await client.put(
        f"/api/v1/applications/{application_id}/documents/application_scan",
        content=PDF,
        headers={**ready.auth("operator"), "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 200
    done = await client.post(
        url, params=auth, data={**answers, "birth_date": "2026-08-01", "copies": "2", "action": "submit"}
    )
    assert done.status_code == 303, done.text
    page = await client.get(done.headers["location"])
    assert page.status_code == 200 and "is submitted; the deadline is" in page.text
    closed = await client.get(url, params=auth)
    assert "This application can no longer be changed." in closed.text


async def test_the_issue_zone_and_the_back_office(
    db: Database, client: httpx.AsyncClient, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    token = ready.tokens["operator"]
    auth = {"access_token": token, "lang": "en"}
    created = await client.post(
        "/api/v1/applications",
        json={
            "service_id": ready.services["certificate"].id,
            "branch_id": ready.branch.id,
            "applicant_iin": APPLICANT,
            "form": {"child_name": "Aruzhan", "birth_date": "2026-08-01"},
        },
        headers=ready.auth("operator"),
    )
    application = created.json()
    api = f"/api/v1/applications/{application['id']}"
    await client.put(
        f"{api}/documents/application_scan",
        content=PDF,
        headers={**ready.auth("operator"), "Content-Type": "application/pdf"},
    )
    assert (await client.post(f"{api}/submit", headers=ready.auth("operator"))).status_code == 200
    number = application["number"]

    listed = await client.get("/applications/back-office", params={**auth, "status": "submitted"})
    assert listed.status_code == 200 and number in listed.text
    assert APPLICANT not in listed.text  # masked in the list
    other = await client.get("/applications/back-office", params={**auth, "status": "issued"})
    assert number not in other.text and "No application matches these filters." in other.text
    by_service = await client.get(
        "/applications/back-office", params={**auth, "service_id": ready.services["benefit"].id}
    )
    assert number not in by_service.text
    assert number not in (await client.get("/applications/back-office", params={**auth, "overdue": "1"})).text
    outside = await client.get(
        "/applications/back-office", params={**auth, "branch_id": ready.other_branch.id}
    )
    assert outside.status_code == 404
    nobody = await client.get("/applications/back-office", params={"access_token": ready.tokens["outsider"]})
    assert nobody.status_code == 200 and number not in nobody.text

    async with db.sessions() as session:
        await service.mark_delivered(session, application["id"], now=clock.now())
        await service.record_body_answer(session, application["id"], kind="result_ready", now=clock.now())
        await session.commit()
    clock.advance(timedelta(days=30))
    overdue = await client.get("/applications/back-office", params={**auth, "overdue": "1"})
    assert number not in overdue.text  # the result is ready: no longer with the body

    zone = await client.get("/applications/issue", params=auth)
    assert zone.status_code == 200 and number in zone.text and "Put in the cell" in zone.text
    action = f"/applications/{application['id']}/issue-zone"
    empty = await client.post(action, params=auth, data={"action": "receive", "storage_cell": " "})
    assert empty.status_code == 400 and "Enter the storage cell." in empty.text
    received = await client.post(action, params=auth, data={"action": "receive", "storage_cell": "C-12"})
    assert received.status_code == 303
    zone = await client.get(received.headers["location"])
    assert f"The result of {number} is in cell C-12" in zone.text and "Check and issue" in zone.text
    searched = await client.get("/applications/issue", params={**auth, "q": "000000-XXXXXX"})
    assert number not in searched.text

    invalid = await client.post(
        action, params=auth, data={"action": "issue", "presented_iin": "900101300018"}
    )
    assert invalid.status_code == 400 and 'role="alert"' in invalid.text
    mismatch = await client.post(
        action, params=auth, data={"action": "issue", "presented_iin": "850615400026"}
    )
    assert mismatch.status_code == 409
    assert "The identity document does not match the applicant" in mismatch.text
    issued = await client.post(action, params=auth, data={"action": "issue", "presented_iin": APPLICANT})
    assert issued.status_code == 303
    assert f"The result of {number} is issued." in (await client.get(issued.headers["location"])).text

    page = await client.get(f"/applications/{application['id']}", params=auth)
    assert page.status_code == 200 and APPLICANT in page.text
    for step in (
        "taken as a draft",
        "document uploaded",
        "submitted",
        "result ready",
        "at the issuing centre",
    ):
        assert step in page.text, step
    assert "C-12" in page.text and "Operator" in page.text
    russian = await client.get(f"/applications/{application['id']}", params={**auth, "lang": "ru"})
    assert russian.status_code == 200 and 'lang="ru"' in russian.text
    hidden = await client.get(
        f"/applications/{application['id']}", params={"access_token": ready.tokens["outsider"]}
    )
    assert hidden.status_code == 404


async def test_the_console_links_the_ticket_being_served_to_the_intake(
    client: httpx.AsyncClient, ready: World
) -> None:
    window = await open_window(client, ready, 1)
    ticket = (await take_ticket(client, ready))["ticket"]
    assert (await client.post(f"{window}/call-next", headers=ready.auth("operator"))).status_code == 200
    desk = await client.get("/console/desk", headers=ready.auth("operator"), params={"lang": "en"})
    assert "Take an application for this ticket" not in desk.text  # only once the citizen is served
    assert (await client.post(f"{window}/confirm", headers=ready.auth("operator"))).status_code == 200
    desk = await client.get("/console/desk", headers=ready.auth("operator"), params={"lang": "en"})
    link = re.search(
        r'href="(/applications/intake\?[^"]+)"[^>]*>Take an application for this ticket', desk.text
    )
    assert link is not None, desk.text
    intake = await client.get(link.group(1).replace("&amp;", "&"))
    assert intake.status_code == 200 and ticket["number"] in intake.text
    created = await client.post(
        "/applications/intake",
        params={"access_token": ready.tokens["operator"], "lang": "en"},
        data={
            "branch_id": str(ready.branch.id),
            "service_id": str(ready.services["certificate"].id),
            "applicant_iin": APPLICANT,
            "visit_id": str(ticket["id"]),
        },
    )
    assert created.status_code == 303
    draft = await client.get(created.headers["location"])
    assert f"<strong>{ticket['number']}</strong>" in draft.text
