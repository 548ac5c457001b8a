"""The GovStack Registration BB facade: the applicant-to-operator scenario through the facade alone, the
Information-Mediator-Client header, the mapping of statuses and tasks, and the facade at the root of a port
of its own."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from birtereze.applications import govstack, service
from birtereze.core.clock import ManualClock
from tests.applications.support import ANSWERS, APPLICANT, PDF
from tests.builders import World
from tests.conftest import Database

CLIENT = {"Information-Mediator-Client": "KZ/GOV/940140000385/egov-portal"}
BASE = "/govstack"


def _multipart(content: bytes, *, filename: str | None = "scan.pdf") -> dict[str, object]:
    if filename is None:
        return {"files": {"file": (None, content)}}  # a text field: base64
    return {"files": {"file": (filename, content, "application/pdf")}}


async def test_an_applicant_files_and_the_centre_works_it_through_the_facade_alone(
    db: Database, client: httpx.AsyncClient, ready: World, clock: ManualClock
) -> None:
    headers = {**CLIENT, **ready.auth("operator"), "Accept-Language": "en"}
    # The services, and the one wanted.
    services = (await client.get(f"{BASE}/services", headers=CLIENT)).json()
    certificate = next(s for s in services if {"code": "code", "value": "10000001"} in s["serviceBody"])
    service_id = certificate["id"]
    assert service_id == govstack.service_uuid(ready.services["certificate"].id)
    assert certificate["type"] == "Public" and certificate["version"] == "1" and certificate["isExecutable"]
    assert {"code": "authority", "value": "MTSZN"} in certificate["serviceBody"]
    assert (await client.get(f"{BASE}/services/{service_id}", headers=CLIENT)).json() == certificate
    # Its e-form: the standard's form_schema.
    eforms = (await client.get(f"{BASE}/services/{service_id}/eForms", headers=CLIENT)).json()
    assert [(f["version"], f["latest"]) for f in eforms] == [("1", True)]
    eform = (await client.get(f"{BASE}/eForms/{eforms[0]['eFormId']}", headers=CLIENT)).json()
    assert eform["schema"]["required"] == ["child_name", "birth_date"]
    # A document, then the application with it.
    uploaded = await client.post(
        f"{BASE}/documents",
        params={"additionalMetadata": "application_scan"},
        headers=headers,
        **_multipart(PDF),  # type: ignore[arg-type]
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["type"] == "application/pdf"
    url = uploaded.json()["url"]
    assert url.startswith("urn:birtereze:document:application_scan:")
    wrong = await client.post(
        f"{BASE}/services/{service_id}/applications",
        json={"applicantId": APPLICANT, "formData": {"data": {**ANSWERS, "birth_date": "1 Aug"}}},
        headers=headers,
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "form_invalid"
    assert wrong.json()["errors"][0]["loc"] == ["formData", "data", "birth_date"]
    filed = await client.post(
        f"{BASE}/services/{service_id}/applications",
        json={
            "applicantId": APPLICANT,
            "applicationName": "Birth certificate copy",
            "formData": {
                "data": {**ANSWERS, "child_name": {"value": "Aruzhan"}},
                "eFormId": eform["eFormId"],
            },
            "documentUrls": [url],
        },
        headers=headers,
    )
    assert filed.status_code == 200, filed.text
    file = filed.json()
    file_id = file["fileId"]
    assert file["status"] == {"code": "PENDING", "title": "draft"} and file["ended"] is False
    assert file["applicationData"]["formData"]["data"]["child_name"] == {"value": "Aruzhan"}
    assert file["applicationData"]["documentUrls"] == [url.rsplit(":", 1)[0]]  # attached: without the token
    # The centre's task: review it and send it to the body.
    tasks = (await client.get(f"{BASE}/tasks", params={"fileId": file_id}, headers=headers)).json()
    assert [t["taskId"] for t in tasks] == [f"{file_id}:review"]
    task = (await client.get(f"{BASE}/tasks/{file_id}:review", headers=headers)).json()
    assert task["formVariables"]["form"]["child_name"] == "Aruzhan"
    done = await client.post(f"{BASE}/tasks/{file_id}:review/complete", json={"data": {}}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == {"code": "PENDING", "title": "submitted"}
    again = await client.post(f"{BASE}/tasks/{file_id}:review/complete", json={}, headers=headers)
    assert again.status_code == 404 and again.json()["code"] == "task_not_found"
    read = (await client.get(f"{BASE}/applications/{file_id}", headers=headers)).json()
    assert read["status"]["title"] == "submitted" and read["registered"]
    assert len(read["applicationData"]["documentUrls"]) == 2  # the upload, and the identity from a registry
    async with db.sessions() as session:
        application = await service.get_by_number(session, file_id)
        assert application.status == "submitted" and application.deadline_at is not None
        # The body's work comes back through its callbacks, not this API.
        await service.record_body_answer(session, application.id, kind="result_ready", now=clock.now())
        await session.commit()
    # The result is received into a cell, then issued against the applicant's IIN.
    tasks = (await client.get(f"{BASE}/tasks", headers=headers)).json()
    assert [t["taskId"] for t in tasks] == [f"{file_id}:receive"]
    assert tasks[0]["status"]["code"] == "APPROVED"
    no_cell = await client.post(
        f"{BASE}/tasks/{file_id}:receive/complete", json={"data": {}}, headers=headers
    )
    assert no_cell.status_code == 400 and no_cell.json()["code"] == "task_data"
    received = await client.post(
        f"{BASE}/tasks/{file_id}:receive/complete",
        json={"data": {"storageCell": {"value": "B-07"}}},
        headers=headers,
    )
    assert received.status_code == 200 and received.json()["status"]["title"] == "at the issuing centre"
    stranger = await client.post(
        f"{BASE}/tasks/{file_id}:issue/complete",
        json={"data": {"presentedIin": {"value": "850615400026"}}},
        headers=headers,
    )
    assert stranger.status_code == 409 and stranger.json()["code"] == "identity_mismatch"
    issued = await client.post(
        f"{BASE}/tasks/{file_id}:issue/complete",
        json={"data": {"presentedIin": {"value": APPLICANT}}},
        headers=headers,
    )
    assert issued.status_code == 200 and issued.json()["status"]["code"] == "APPROVED"
    final = (await client.get(f"{BASE}/applications/{file_id}", headers=headers)).json()
    assert final["ended"] is True and final["status"]["title"] == "issued"
    listed = (
        await client.get(f"{BASE}/applications", params={"applicantId": APPLICANT}, headers=headers)
    ).json()
    assert [a["fileId"] for a in listed] == [file_id]
    stats = await client.get(f"{BASE}/data/statistics", params={"timeframe": "month"}, headers=headers)
    assert stats.status_code == 200, stats.text
    assert stats.json() == [
        {
            "processed": 1,
            "approved": 1,
            "sentBack": 0,
            "rejected": 0,
            "references": {
                "startDate": "2026-11-01",
                "endDate": "2026-11-27",
                "timeframeDay": False,
                "timeframeWeek": False,
                "timeframeMonth": True,
                "timeframeYear": False,
            },
        }
    ]


async def test_a_returned_application_is_corrected_and_reviewed_again(
    db: Database, client: httpx.AsyncClient, ready: World, clock: ManualClock
) -> None:
    headers = {**CLIENT, **ready.auth("operator")}
    service_id = govstack.service_uuid(ready.services["certificate"].id)
    # Without a code, a document fills the one upload the standard asks for; base64 as a text field too.
    import base64

    uploaded = await client.post(
        f"{BASE}/documents",
        headers=headers,
        **_multipart(base64.b64encode(PDF), filename=None),  # type: ignore[arg-type]
    )
    assert uploaded.status_code == 200, uploaded.text
    filed = await client.post(
        f"{BASE}/services/{service_id}/applications",
        json={
            "applicantId": APPLICANT,
            "formData": {"data": ANSWERS},
            "documentUrls": [uploaded.json()["url"]],
        },
        headers=headers,
    )
    assert filed.status_code == 200, filed.text
    file_id = filed.json()["fileId"]
    assert (await client.post(f"{BASE}/tasks/{file_id}:review/complete", json={}, headers=headers)).is_success
    async with db.sessions() as session:
        application = await service.get_by_number(session, file_id)
        await service.record_body_answer(
            session, application.id, kind="returned", now=clock.now(), grounds=["Unreadable scan"]
        )
        await session.commit()
    read = (await client.get(f"{BASE}/applications/{file_id}", headers=headers)).json()
    assert read["status"]["code"] == "SENDBACK"
    other = await client.put(
        f"{BASE}/applications/{file_id}", json={"applicantId": "850615400026"}, headers=headers
    )
    assert other.status_code == 400 and other.json()["code"] == "applicant_mismatch"
    fixed = await client.put(
        f"{BASE}/applications/{file_id}",
        json={"applicantId": APPLICANT, "formData": {"data": {**ANSWERS, "copies": 2}}},
        headers=headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["applicationData"]["formData"]["data"]["copies"] == {"value": 2}
    assert (await client.post(f"{BASE}/tasks/{file_id}:review/complete", json={}, headers=headers)).is_success
    stats = (await client.get(f"{BASE}/data/statistics", headers=headers)).json()
    assert stats[0]["processed"] == 1 and stats[0]["sentBack"] == 0


@pytest.mark.parametrize(
    "header",
    [None, "", "eGovStack/GOV/90000009", "a/b/c/d/e", "KZ/GOV/123/sub system", "KZ/GOV/123/" + "x" * 65],
)
async def test_it_refuses_a_request_without_a_well_formed_mediator_header(
    client: httpx.AsyncClient, ready: World, header: str | None
) -> None:
    headers = ready.auth("operator") | ({} if header is None else {"Information-Mediator-Client": header})
    for path in ("/services", "/applications", "/tasks", "/data/statistics"):
        response = await client.get(f"{BASE}{path}", headers=headers)
        assert response.status_code == 400, path
        assert response.json()["code"] == "information_mediator_client"


async def test_the_operators_side_needs_a_staff_token_and_the_catalogue_does_not(
    client: httpx.AsyncClient, ready: World
) -> None:
    assert (await client.get(f"{BASE}/services", headers=CLIENT)).status_code == 200
    for path in ("/applications", "/tasks", "/data/statistics"):
        assert (await client.get(f"{BASE}{path}", headers=CLIENT)).status_code == 401
    kiosk = await client.get(f"{BASE}/tasks", headers={**CLIENT, **ready.auth("kiosk")})
    assert kiosk.status_code == 403
    # Another centre's operator does not see this centre's applications.
    outsider = await client.get(
        f"{BASE}/tasks/260101-AAAAAA:review", headers={**CLIENT, **ready.auth("outsider")}
    )
    assert outsider.status_code == 404


async def test_it_answers_unknown_ids_and_bad_input_with_problems(
    client: httpx.AsyncClient, ready: World
) -> None:
    headers = {**CLIENT, **ready.auth("operator")}
    for path in (
        "/services/not-a-uuid",
        "/services/00000000-0000-4000-8000-000000000000",
        f"/services/{govstack.service_uuid(10**9)}/eForms",
        "/eForms/whatever",
        f"/eForms/{govstack.service_uuid(ready.services['certificate'].id)}:7",
        "/applications/261127-XXXXXX",
        "/tasks/nothing",
    ):
        response = await client.get(f"{BASE}{path}", headers=headers)
        assert response.status_code == 404, path
    service_id = govstack.service_uuid(ready.services["certificate"].id)
    bad_urn = await client.post(
        f"{BASE}/services/{service_id}/applications",
        json={"applicantId": APPLICANT, "formData": {"data": ANSWERS}, "documentUrls": ["https://x/y.pdf"]},
        headers=headers,
    )
    assert bad_urn.status_code == 400 and bad_urn.json()["code"] == "document_url"
    gif = await client.post(
        f"{BASE}/documents", files={"file": ("a.gif", b"GIF89a", "image/gif")}, headers=headers
    )
    assert gif.status_code == 415
    none = await client.post(f"{BASE}/documents", data={"other": "x"}, headers=headers)
    assert none.status_code == 400 and none.json()["code"] == "upload_invalid"
    dates = await client.get(f"{BASE}/data/statistics", params={"startDate": "0"}, headers=headers)
    assert dates.status_code == 400 and dates.json()["code"] == "date_invalid"


async def test_it_serves_the_facade_at_the_root_of_its_own_port(app: FastAPI, ready: World) -> None:
    both = govstack.on_port(app, 3333)
    transport = httpx.ASGITransport(app=both)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver:3333") as own:
        services = await own.get("/services", headers=CLIENT)
        assert services.status_code == 200 and services.json()
        assert (await own.get("/api/v1/services")).status_code == 404  # only the facade there
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver:8000") as main:
        assert (await main.get("/govstack/services", headers=CLIENT)).json() == services.json()
        assert (await main.get("/api/v1/services")).status_code == 200


async def test_only_the_uploader_attaches_an_upload_and_only_for_a_while(
    client: httpx.AsyncClient, ready: World, clock: ManualClock
) -> None:
    mine = {**CLIENT, **ready.auth("operator")}
    theirs = {**CLIENT, **ready.auth("operator2")}
    applications = f"{BASE}/services/{govstack.service_uuid(ready.services['certificate'].id)}/applications"

    async def upload(headers: dict[str, str], content: bytes = PDF) -> str:
        uploaded = await client.post(
            f"{BASE}/documents",
            params={"additionalMetadata": "application_scan"},
            headers=headers,
            **_multipart(content),  # type: ignore[arg-type]
        )
        assert uploaded.status_code == 200, uploaded.text
        return str(uploaded.json()["url"])

    async def file(headers: dict[str, str], urls: list[str]) -> httpx.Response:
        body = {"applicantId": APPLICANT, "formData": {"data": ANSWERS}, "documentUrls": urls}
        return await client.post(applications, json=body, headers=headers)

    url = await upload(mine)
    filed = await file(mine, [url])
    assert filed.status_code == 200, filed.text
    attached = filed.json()["applicationData"]["documentUrls"]
    other_pdf = PDF.replace(b"%%EOF", b"% another\n%%EOF")
    urn, sha256, token = url.rsplit(":", 2)[0], url.split(":")[-2], url.split(":")[-1]
    forged = f"{urn}:{(await upload(mine, other_pdf)).split(':')[-2]}:{token}"  # another hash, my token
    assert forged.split(":")[-2] != sha256
    for refused in (
        attached[0],  # the bare hash, as events and the application show it
        url,  # the uploader's own URN
        forged,
        f"{attached[0]}:not-a-token",
    ):
        answer = await file(theirs, [refused])
        assert answer.status_code == 400 and answer.json()["code"] == "document_url", refused
    assert (await file(mine, [attached[0]])).json()["code"] == "document_url"  # not to a new application
    # The application's own URNs, given back unchanged, are left as they are.
    file_id = filed.json()["fileId"]
    again = await client.put(
        f"{BASE}/applications/{file_id}",
        json={"applicantId": APPLICANT, "documentUrls": attached},
        headers=mine,
    )
    assert again.status_code == 200 and again.json()["applicationData"]["documentUrls"] == attached
    # An upload's URN lasts two hours.
    late = await upload(mine)
    clock.advance(timedelta(seconds=govstack.UPLOAD_VALID_S + 1))
    assert (await file(mine, [late])).json()["code"] == "document_url"
