"""The applications' domain service: intake, the status machine with the body's answers, registries,
documents, issue at the chosen centre, deadline alerts (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import forms, service, states
from birtereze.applications.errors import (
    DocumentFromRegistry,
    DocumentMissing,
    DocumentTooLarge,
    DocumentTypeRefused,
    FormInvalid,
    IdentityMismatch,
    NotAllowedNow,
    NotApplicantsAccount,
    NotExtraterritorial,
    NotExtraterritorialHere,
    WrongIssuingCentre,
)
from birtereze.applications.models import Application, BodyAnswer
from birtereze.branches import service as branches_service
from birtereze.citizens import service as citizens_service
from birtereze.citizens.errors import InvalidIinError
from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.kz import calendar
from birtereze.notify.models import Notification
from tests.applications.support import (
    ALMATY_APPLICANT,
    ANSWERS,
    APPLICANT,
    FORM,
    PDF,
    PNG,
    UNKNOWN_APPLICANT,
    registries,
    store,
)
from tests.builders import World


async def take(
    session: AsyncSession, world: World, clock: ManualClock, tmp_path: Path, **fields: object
) -> Application:
    values: dict[str, object] = {
        "service_id": world.services["certificate"].id,
        "intake_branch_id": world.branch.id,
        "applicant_iin": APPLICANT,
        "channel": "operator",
        "language": "ru",
        "form": ANSWERS,
        "staff_id": world.staff["operator"],
    }
    values.update(fields)
    application = await service.create(session, now=clock.now(), registries=registries(), **values)  # type: ignore[arg-type]
    await service.add_document(
        session, application, code="application_scan", content=PDF, store=store(tmp_path), now=clock.now()
    )
    return application


async def submitted(
    session: AsyncSession, world: World, clock: ManualClock, tmp_path: Path, **fields: object
) -> Application:
    application = await take(session, world, clock, tmp_path, **fields)
    return await service.submit(
        session, application.id, registries=registries(), store=store(tmp_path), now=clock.now()
    )


async def test_an_application_is_submitted_with_its_deadline_and_registry_documents(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    application = await submitted(session, ready, clock, tmp_path)
    assert application.status == "submitted" and application.number[:6] == "261127"
    assert application.deadline_at == calendar.deadline(
        clock.now(), 5, "working_days", timezone="Asia/Almaty"
    )
    assert application.deadline_at > clock.now() + timedelta(days=5)
    assert application.standard_version == 1 and application.authority_code == "MTSZN"
    documents = {d.code: d for d in await service.list_documents(session, application.id)}
    assert documents["identity"].source == "registry" and documents["identity"].data is not None
    assert documents["identity"].data["surname"] == "Сейткали"
    assert documents["application_scan"].content_type == "application/pdf"
    assert store(tmp_path).read(documents["application_scan"].sha256) == PDF
    types = [event.type for event in await service.timeline(session, application.id)]
    assert types == ["application.created", "application.document_added", "application.submitted"]


async def test_the_form_is_checked_with_translated_messages(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    wrong = {"child_name": "x" * 21, "birth_date": "01.08.2026", "copies": "two", "delivery": "fax", "pet": 1}
    application = await take(session, ready, clock, tmp_path, form=wrong)
    with pytest.raises(FormInvalid) as raised:
        await service.submit(
            session, application.id, registries=registries(), store=store(tmp_path), now=clock.now()
        )
    problems = {p.field: p for p in raised.value.errors}
    assert set(problems) == {"child_name", "birth_date", "copies", "delivery", "pet"}
    assert problems["child_name"].render("en") == "At most 20 characters."
    assert problems["birth_date"].render("en") == "Enter a date as YYYY-MM-DD."
    assert all(p.render("ru") and p.render("kk") for p in problems.values())
    assert forms.validate(FORM, {"birth_date": "2026-08-01"})[0].render("en") == "This field is required."
    assert forms.validate(FORM, ANSWERS) == []
    assert forms.from_html(FORM, {"copies": "2", "urgent": "on", "child_name": " "}) == {
        "copies": 2,
        "urgent": True,
    }
    titles = [f.title for f in forms.fields(FORM, "ru")]
    assert titles[0] == "Child's name (ru)" and forms.fields(FORM, "en")[3].choices[1].title == "By post"


async def test_documents_are_checked_and_a_missing_one_refuses_the_submission(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    application = await service.create(
        session,
        service_id=ready.services["certificate"].id,
        intake_branch_id=ready.branch.id,
        applicant_iin=UNKNOWN_APPLICANT,
        channel="operator",
        language="en",
        now=clock.now(),
        registries=registries(),
        form=ANSWERS,
    )
    small = store(tmp_path)
    with pytest.raises(DocumentTypeRefused):
        await service.add_document(
            session, application, code="application_scan", content=b"GIF89a", store=small, now=clock.now()
        )
    with pytest.raises(DocumentTooLarge):
        await service.add_document(
            session,
            application,
            code="application_scan",
            content=PDF + b"0" * (1024 * 1024),
            store=small,
            now=clock.now(),
        )
    with pytest.raises(DocumentFromRegistry):
        await service.add_document(
            session, application, code="identity", content=PDF, store=small, now=clock.now()
        )
    await service.add_document(
        session, application, code="application_scan", content=PNG, store=small, now=clock.now()
    )
    # No registry knows this applicant: the identity document must be uploaded, and it cannot be.
    with pytest.raises(DocumentMissing) as raised:
        await service.submit(session, application.id, registries=registries(), store=small, now=clock.now())
    assert raised.value.detail("en") == "A required document is missing: Identity document."
    with pytest.raises(InvalidIinError):
        await service.create(
            session,
            service_id=ready.services["certificate"].id,
            intake_branch_id=ready.branch.id,
            applicant_iin="900101300018",
            channel="operator",
            language="en",
            now=clock.now(),
            registries=registries(),
        )


async def test_the_bodys_answers_are_idempotent_and_never_move_the_status_back(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    application = await submitted(session, ready, clock, tmp_path)
    now = clock.now()
    await service.record_body_answer(session, application.id, kind="accepted", now=now)
    assert application.status == "accepted"  # the answer overtook the delivery's acknowledgement
    await service.mark_delivered(session, application.id, now=now)
    assert application.status == "accepted"
    await service.record_body_answer(
        session,
        application.id,
        kind="result_ready",
        now=now,
        result={"n": 1},
        documents=[PDF],
        store=store(tmp_path),
    )
    await service.record_body_answer(session, application.id, kind="result_ready", now=now, result={"n": 2})
    await service.record_body_answer(session, application.id, kind="in_progress", now=now)
    assert application.status == "result_ready" and application.result == {"n": 1}
    results = [d for d in await service.list_documents(session, application.id) if d.source == "body"]
    assert len(results) == 1 and results[0].content_type == "application/pdf"
    types = [event.type for event in await service.timeline(session, application.id)]
    assert types.count("application.result_ready") == 1 and types[-1] == "application.answer_ignored"
    with pytest.raises(ValueError, match="unknown answer"):
        await service.record_body_answer(session, application.id, kind="lost", now=now)


async def test_a_returned_application_is_corrected_and_submitted_again_a_refused_one_ends(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    application = await submitted(session, ready, clock, tmp_path)
    await service.mark_delivered(session, application.id, now=clock.now())
    await service.record_body_answer(
        session, application.id, kind="returned", now=clock.now(), grounds=["Fix the name"]
    )
    assert application.status == "returned" and application.grounds == ["Fix the name"]
    await service.update(session, application, now=clock.now(), form={**ANSWERS, "child_name": "Aruzhan B."})
    clock.advance(timedelta(days=3))
    await service.submit(
        session, application.id, registries=registries(), store=store(tmp_path), now=clock.now()
    )
    assert application.status == "submitted" and application.grounds is None
    assert application.submitted_at == clock.now()
    await service.record_body_answer(
        session, application.id, kind="refused", now=clock.now(), grounds=["Incomplete documents"]
    )
    assert application.status == "refused"
    with pytest.raises(NotAllowedNow) as raised:
        await service.update(session, application, now=clock.now(), form=ANSWERS)
    assert raised.value.detail("en") == "This cannot be done now: the application is refused."
    assert states.after_answer("refused", "result_ready") is None


async def test_the_bodys_answers_are_kept_per_submission_round(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    application = await submitted(session, ready, clock, tmp_path)
    assert application.submissions == 1
    for kind in ("accepted", "in_progress"):
        await service.record_body_answer(session, application.id, kind=kind, now=clock.now())
    await service.record_body_answer(session, application.id, kind="returned", now=clock.now(), grounds=["a"])
    assert application.status == "returned"
    await service.update(session, application, now=clock.now(), form={**ANSWERS, "child_name": "Aruzhan B."})
    await service.submit(
        session, application.id, registries=registries(), store=store(tmp_path), now=clock.now()
    )
    assert application.submissions == 2
    # The second round's answers count, though the first round had the same kinds.
    await service.record_body_answer(session, application.id, kind="accepted", now=clock.now())
    assert application.status == "accepted"
    await service.record_body_answer(session, application.id, kind="in_progress", now=clock.now())
    assert application.status == "in_progress"
    await service.record_body_answer(session, application.id, kind="returned", now=clock.now(), grounds=["b"])
    assert application.status == "returned" and application.grounds == ["b"]
    await service.submit(
        session, application.id, registries=registries(), store=store(tmp_path), now=clock.now()
    )
    await service.record_body_answer(session, application.id, kind="result_ready", now=clock.now(), result={})
    await service.record_body_answer(session, application.id, kind="result_ready", now=clock.now())
    assert application.status == "result_ready" and application.submissions == 3
    rounds = (
        await session.execute(
            select(BodyAnswer.submission, BodyAnswer.kind)
            .where(BodyAnswer.application_id == application.id)
            .order_by(BodyAnswer.id)
        )
    ).all()
    assert [tuple(row) for row in rounds] == [
        (1, "accepted"),
        (1, "in_progress"),
        (1, "returned"),
        (2, "accepted"),
        (2, "in_progress"),
        (2, "returned"),
        (3, "result_ready"),
    ]
    types = [event.type for event in await service.timeline(session, application.id)]
    assert types.count("application.returned") == 2 and types.count("application.result_ready") == 1


async def test_the_result_is_issued_at_the_chosen_centre_against_an_identity_check(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    citizen = await citizens_service.remember(
        session, iin=APPLICANT, full_name="Erlan", phone="+77011234560", language="ru", now=clock.now()
    )
    application = await submitted(session, ready, clock, tmp_path, citizen_id=citizen.id)
    await service.change_issuing_branch(
        session, application, branch_id=ready.other_branch.id, now=clock.now()
    )
    await service.mark_delivered(session, application.id, now=clock.now())
    await service.record_body_answer(session, application.id, kind="result_ready", now=clock.now())
    with pytest.raises(WrongIssuingCentre):
        await service.receive_result(
            session, application.id, branch_id=ready.branch.id, storage_cell="A-1", now=clock.now()
        )
    await service.receive_result(
        session, application.id, branch_id=ready.other_branch.id, storage_cell="B-17", now=clock.now()
    )
    assert application.status == "at_issuing_centre" and application.storage_cell == "B-17"
    notices = (
        await session.scalars(select(Notification).where(Notification.template == "application_result_ready"))
    ).all()
    assert (
        len(notices) == 1
        and application.number in (notices[0].body or "")
        and "ЦОН B" in (notices[0].body or "")
    )
    with pytest.raises(NotAllowedNow):
        await service.change_issuing_branch(session, application, branch_id=ready.branch.id, now=clock.now())
    with pytest.raises(IdentityMismatch):
        await service.issue(
            session,
            application.id,
            branch_id=ready.other_branch.id,
            presented_iin=ALMATY_APPLICANT,
            now=clock.now(),
        )
    issued = await service.issue(
        session,
        application.id,
        branch_id=ready.other_branch.id,
        presented_iin=APPLICANT,
        now=clock.now(),
        staff_id=ready.staff["outsider"],
    )
    assert issued.status == "issued" and issued.issued_to_iin == APPLICANT and issued.storage_cell is None
    last = (await service.timeline(session, application.id))[-1]
    assert last.type == "application.issued" and last.branch_id == ready.other_branch.id
    assert last.data["storage_cell"] == "B-17" and last.staff_id == ready.staff["outsider"]


async def test_only_extraterritorial_services_are_taken_away_from_the_registered_address(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    branch = await branches_service.get(session, ready.branch.id)
    await branches_service.update(session, branch, address_en="Turkestan, Tauke Khan ave. 1")
    with pytest.raises(NotExtraterritorial) as raised:
        await take(session, ready, clock, tmp_path, applicant_iin=ALMATY_APPLICANT)
    assert "Алматы" in raised.value.detail("en")
    # At a kiosk or on the phone anyone may type an IIN: they are not told where its holder lives.
    for channel in ("kiosk", "portal"):
        with pytest.raises(NotExtraterritorialHere) as told:
            await take(session, ready, clock, tmp_path, applicant_iin=ALMATY_APPLICANT, channel=channel)
        assert all("Алматы" not in told.value.detail(locale) for locale in ("en", "kk", "ru"))
        assert "Almaty" not in told.value.detail("en")
    benefit = await take(
        session,
        ready,
        clock,
        tmp_path,
        applicant_iin=ALMATY_APPLICANT,
        service_id=ready.services["benefit"].id,
    )
    assert benefit.status == "draft"
    local = await take(session, ready, clock, tmp_path, applicant_iin=APPLICANT)
    assert local.status == "draft"


async def test_deadline_alerts_go_out_once_when_near_and_once_when_passed(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    application = await submitted(session, ready, clock, tmp_path)
    near = timedelta(days=1)
    assert await service.check_deadlines(session, now=clock.now(), near=near) == (0, 0)
    deadline = application.deadline_at
    assert deadline is not None
    assert await service.check_deadlines(session, now=deadline - timedelta(hours=2), near=near) == (1, 0)
    assert await service.check_deadlines(session, now=deadline - timedelta(hours=1), near=near) == (0, 0)
    assert await service.check_deadlines(session, now=deadline, near=near) == (0, 1)
    assert await service.check_deadlines(session, now=deadline + timedelta(days=1), near=near) == (0, 0)
    types = (await session.scalars(select(Event.type).where(Event.type.like("application.%")))).all()
    assert types.count("application.deadline_near") == 1 and types.count("application.overdue") == 1


def test_the_status_machine() -> None:
    assert states.can("draft", "submitted") and not states.can("draft", "issued")
    assert states.after_answer("submitted", "in_progress") == "in_progress"
    assert states.after_answer("in_progress", "accepted") is None
    assert states.after_answer("result_ready", "refused") is None
    assert states.after_delivery("accepted") is None and states.after_delivery("submitted") == "delivered"
    assert set(states.STATUS_WORDS) == set(states.STATUSES) == set(states.TRANSITIONS)


async def test_an_application_joins_only_the_citizen_account_of_its_iin(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    stranger = await citizens_service.remember(
        session, iin=ALMATY_APPLICANT, full_name="Other", phone="+77011234561", language="ru", now=clock.now()
    )
    with pytest.raises(NotApplicantsAccount):
        await take(session, ready, clock, tmp_path, citizen_id=stranger.id)
    owner = await citizens_service.remember(
        session, iin=APPLICANT, full_name="Erlan", phone="+77011234560", language="ru", now=clock.now()
    )
    assert (await take(session, ready, clock, tmp_path, citizen_id=owner.id)).citizen_id == owner.id


def test_a_number_that_is_not_finite_is_no_answer() -> None:
    schema = {"type": "object", "properties": {"year": {"type": "integer"}, "area": {"type": "number"}}}
    problems = forms.validate(schema, {"year": float("inf"), "area": float("nan")})
    assert [problem.field for problem in problems] == ["year", "area"]
    assert forms.clean(schema, {"year": float("inf"), "area": float("nan")}) == {}
