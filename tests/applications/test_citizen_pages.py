"""The citizen's side of the applications over HTTP: the wizard on the phone (step by step, mistakes shown
on the screen with the answers kept, a document uploaded, submitted) and at the kiosk (the IIN typed in),
then "my applications" with the deadline, the issuing centre changed and the timeline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from birtereze.applications.models import Application
from birtereze.branches import service as branches_service
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from tests.applications.support import ALMATY_APPLICANT, APPLICANT, PDF, with_standards
from tests.appointments.conftest import SECRET, sign_in
from tests.builders import World
from tests.conftest import Database

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key=SECRET,
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
        documents_dir=tmp_path / "documents",
    )


@pytest.fixture
async def standards(db: Database, world: World, clock: ManualClock) -> None:
    async with db.sessions() as session:
        await with_standards(session, world, clock.now())
        await session.commit()


def _next(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


async def _through_the_form(
    client: httpx.AsyncClient, step_url: str, extra: dict[str, str]
) -> tuple[str, str]:
    """Answer the test form's five screens; the documents screen's address and the base step address."""
    base = re.sub(r"/step/0", "/step/{}", step_url)
    answers: list[dict[str, str]] = [
        {"child_name": "Aruzhan"},
        {"birth_date": "2026-08-01"},
        {"copies": "2"},
        {"delivery": "centre"},
        {},  # "urgent": unticked
    ]
    for index, answer in enumerate(answers):
        location = _next(await client.post(base.format(index), data={**extra, **answer, "go": "next"}))
        assert location == base.format(index + 1)
    return base.format(5), base


async def test_signed_out_the_pages_send_the_browser_to_sign_in(client: httpx.AsyncClient) -> None:
    for url in (
        "/me/apply",
        "/me/apply/service/X",
        "/me/apply/1/step/0",
        "/me/applications",
        "/me/applications/1",
    ):
        answer = await client.get(url, params={"lang": "en"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/me/sign-in?")


async def test_a_citizen_applies_from_the_phone_step_by_step(
    db: Database,
    client: httpx.AsyncClient,
    world: World,
    clock: ManualClock,
    settings: Settings,
    standards: None,
) -> None:
    citizen = await sign_in(db, client, clock, settings)
    csrf = {"csrf_token": citizen.headers["X-CSRF-Token"]}
    code = world.services["certificate"].code

    services = await client.get("/me/apply", params={"lang": "en"})
    assert services.status_code == 200
    assert f'href="/me/apply/service/{code}?lang=en"' in services.text
    # A service whose standard is not offered on the portal (no standard here) is not listed.
    assert f"/me/apply/service/{world.services['consultation'].code}" not in services.text
    found = await client.get("/me/apply", params={"lang": "en", "q": "certif"})
    assert f"/me/apply/service/{code}" in found.text
    none = await client.get("/me/apply", params={"lang": "en", "q": "zzz"})
    assert "No service matches the search." in none.text

    needed = await client.get(f"/me/apply/service/{code}", params={"lang": "en"})
    assert needed.status_code == 200
    assert "Identity document" in needed.text and "you need not bring it" in needed.text
    assert "Signed application" in needed.text and "5 working days" in needed.text
    assert "A PSC" in needed.text and "B PSC" in needed.text

    refused = await client.post(f"/me/apply/service/{code}?lang=en", data=csrf)
    assert refused.status_code == 400 and "Choose a centre." in refused.text
    forged = await client.post(f"/me/apply/service/{code}?lang=en", data={"branch_id": str(world.branch.id)})
    assert forged.status_code in (400, 403)

    started = _next(
        await client.post(
            f"/me/apply/service/{code}?lang=en", data={**csrf, "branch_id": str(world.branch.id)}
        )
    )
    assert re.fullmatch(r"/me/apply/\d+/step/0\?lang=en", started)
    first = await client.get(started)
    assert "Step 1 of 7" in first.text and "Child&#39;s name" in first.text

    # A mistake comes back on the same screen, the answer kept, the reason in the citizen's language.
    mistaken = await client.post(started, data={**csrf, "child_name": "", "go": "next"})
    assert mistaken.status_code == 400 and "This field is required." in mistaken.text
    date_step = started.replace("/step/0", "/step/1")
    _next(await client.post(started, data={**csrf, "child_name": "Aruzhan", "go": "next"}))
    wrong_date = await client.post(date_step, data={**csrf, "birth_date": "01.08.2026", "go": "next"})
    assert wrong_date.status_code == 400 and "Enter a date as YYYY-MM-DD." in wrong_date.text
    assert 'value="01.08.2026"' in wrong_date.text and 'aria-invalid="true"' in wrong_date.text
    # Back keeps what was answered.
    back = _next(await client.post(date_step, data={**csrf, "birth_date": "", "go": "back"}))
    assert 'value="Aruzhan"' in (await client.get(back)).text

    documents, _base = await _through_the_form(client, started, csrf)
    page = await client.get(documents)
    assert 'enctype="multipart/form-data"' in page.text and 'name="application_scan"' in page.text
    missing = await client.post(
        documents, data={**csrf, "go": "next"}, files={"none": ("", b"", "text/plain")}
    )
    assert missing.status_code == 400 and "Add every document marked as required." in missing.text
    not_pdf = await client.post(
        documents, data={**csrf, "go": "next"}, files={"application_scan": ("a.txt", b"hello", "text/plain")}
    )
    assert not_pdf.status_code == 415
    confirm = _next(
        await client.post(
            documents,
            data={**csrf, "go": "next"},
            files={"application_scan": ("scan.pdf", PDF, "application/pdf")},
        )
    )
    summary = await client.get(confirm)
    assert (
        "Check and submit" in summary.text and "Aruzhan" in summary.text and "At the centre" in summary.text
    )
    assert "Expected by" in summary.text and "4 December 2026, 18:00" in summary.text

    done = _next(await client.post(confirm, data={**csrf, "go": "submit"}))
    assert re.fullmatch(r"/me/applications/\d+\?lang=en&done=filed", done)
    async with db.sessions() as session:
        application = (await session.scalars(select(Application))).one()
    assert application.status == "submitted" and application.channel == "portal"
    assert application.citizen_id == citizen.citizen_id and application.applicant_iin == APPLICANT
    assert application.form_data == {
        "child_name": "Aruzhan",
        "birth_date": "2026-08-01",
        "copies": 2,
        "delivery": "centre",
        "urgent": False,
    }
    shown = await client.get(done)
    assert "Your application has been submitted." in shown.text and application.number in shown.text
    assert "4 December 2026, 18:00" in shown.text and "A PSC" in shown.text
    # The wizard does not reopen a submitted application.
    assert (await client.get(confirm)).status_code == 404

    listing = await client.get("/me/applications", params={"lang": "en"})
    assert application.number in listing.text and "Submitted" in listing.text

    moved = _next(
        await client.post(
            f"/me/applications/{application.id}/centre?lang=en",
            data={**csrf, "branch_id": str(world.other_branch.id)},
        )
    )
    detail = await client.get(moved)
    assert "The issuing centre has been changed." in detail.text
    assert re.search(r'data-field="centre">B PSC<', detail.text)
    timeline = detail.text.split('id="timeline"')[1]
    for said in ("Application started", "Submitted", "Issuing centre changed"):
        assert said in timeline

    kk = await client.get("/me/applications", params={"lang": "kk"})
    assert kk.status_code == 200 and '<html lang="kk">' in kk.text


async def test_at_the_kiosk_the_applicant_types_their_iin(
    db: Database, client: httpx.AsyncClient, world: World, standards: None
) -> None:
    token = world.tokens["kiosk"]
    kiosk = f"/kiosk/{world.branch.id}/apply"
    assert (await client.get(kiosk)).status_code == 401
    services = await client.get(kiosk, params={"lang": "ru", "access_token": token})
    assert services.status_code == 200 and "wizard--kiosk" in services.text
    assert "data-idle-url=" in services.text and 'rel="manifest"' not in services.text
    # The kiosk has no keyboard: its own comes with the search (Russian letters first on a Russian page).
    assert 'data-keyboard="focus"' in services.text and 'data-layout="cyrillic">' in services.text
    assert services.text.index('data-layout="cyrillic"') < services.text.index('data-layout="latin"')
    code = world.services["certificate"].code
    query = f"?lang=en&access_token={token}"
    needed = await client.get(f"{kiosk}/service/{code}{query}")
    assert 'name="iin"' in needed.text and "data-keypad" in needed.text

    wrong = await client.post(f"{kiosk}/service/{code}{query}", data={"iin": "123"})
    assert wrong.status_code == 400 and 'value="123"' in wrong.text
    started = _next(await client.post(f"{kiosk}/service/{code}{query}", data={"iin": APPLICANT}))
    assert started.startswith(f"{kiosk}/") and f"access_token={token}" in started
    question = await client.get(started)
    assert 'data-keyboard="open"' in question.text and "js/keyboard.js" in question.text
    documents, _base = await _through_the_form(client, started, {})
    confirm = _next(
        await client.post(
            documents, data={"go": "next"}, files={"application_scan": ("scan.pdf", PDF, "application/pdf")}
        )
    )
    done = _next(await client.post(confirm, data={"go": "submit"}))
    assert re.fullmatch(rf"{kiosk}/\d+/done\?lang=en&access_token={token}&draft=[\w.-]+", done)
    page = await client.get(done)
    async with db.sessions() as session:
        application = (await session.scalars(select(Application))).one()
    assert application.channel == "kiosk" and application.citizen_id is None
    assert application.intake_branch_id == world.branch.id and application.status == "submitted"
    assert application.number in page.text and "4 December 2026, 18:00" in page.text
    # Another centre's kiosk does not see it.
    other: dict[str, Any] = {"lang": "en", "access_token": token}
    assert (
        await client.get(f"/kiosk/{world.other_branch.id}/apply/{application.id}/done", params=other)
    ).status_code == 404


async def test_at_the_kiosk_a_draft_opens_only_with_the_token_its_applicant_was_given(
    db: Database, client: httpx.AsyncClient, world: World, standards: None
) -> None:
    token = world.tokens["kiosk"]
    kiosk = f"/kiosk/{world.branch.id}/apply"
    code = world.services["certificate"].code
    query = f"?lang=en&access_token={token}"
    started = _next(await client.post(f"{kiosk}/service/{code}{query}", data={"iin": APPLICANT}))
    assert "&draft=" in started
    first = _next(await client.post(started, data={"child_name": "Aruzhan", "go": "next"}))
    assert "&draft=" in first
    page = await client.get(first)
    assert page.status_code == 200 and "&amp;draft=" in page.text
    # The next visitor starts their own draft: its token does not open the first one.
    other = _next(await client.post(f"{kiosk}/service/{code}{query}", data={"iin": APPLICANT}))
    first_id = int(started.split("/")[4])
    other_id = int(other.split("/")[4])
    assert other_id != first_id
    other_draft = other.split("&draft=")[1]
    # The idle screen and the services carry no draft's token.
    assert "draft=" not in (await client.get(other)).text.split("data-idle-url=")[1].split(" ")[0]
    for bad in ("", "&draft=", f"&draft={other_draft}", "&draft=x.y"):
        for url in (f"{kiosk}/{first_id}/step/0{query}{bad}", f"{kiosk}/{first_id}/done{query}{bad}"):
            answer = await client.get(url)
            assert answer.status_code == 404 and "Application was not found." in answer.text, url
        posted = await client.post(
            f"{kiosk}/{first_id}/step/0{query}{bad}", data={"child_name": "Someone", "go": "next"}
        )
        assert posted.status_code == 404
    ru = await client.get(f"{kiosk}/{first_id}/step/0?lang=ru&access_token={token}")
    assert ru.status_code == 404 and "Application was not found." not in ru.text
    async with db.sessions() as session:
        application = await session.get(Application, first_id)
        assert application is not None and application.form_data == {"child_name": "Aruzhan"}


async def test_at_the_kiosk_a_refusal_does_not_tell_where_an_iin_is_registered(
    db: Database, client: httpx.AsyncClient, world: World, standards: None
) -> None:
    async with db.sessions() as session:
        branch = await branches_service.get(session, world.branch.id)
        await branches_service.update(session, branch, address_en="Turkestan, Tauke Khan ave. 1")
        await session.commit()
    token = world.tokens["kiosk"]
    code = world.services["certificate"].code
    for locale in ("en", "ru", "kk"):
        answer = await client.post(
            f"/kiosk/{world.branch.id}/apply/service/{code}?lang={locale}&access_token={token}",
            data={"iin": ALMATY_APPLICANT},
        )
        assert answer.status_code == 400
        assert "Алматы" not in answer.text and "Almaty" not in answer.text
        if locale == "en":
            assert "only at a centre of the region of your registered address" in answer.text
