"""Applications domain logic: the only writer of the applications, their documents and the bodies'
answers.

An application is taken as a draft (by an operator during a visit, at a kiosk, or from the phone), its form
validated against the service standard's ``form_schema``, its documents uploaded or fetched from the
registries the standard names, and submitted: the deadline is set from the standard's term and the
delivery to the authorised body is queued in the same transaction (``applications.delivery``'s outbox).
The body's answers move it on (``states.after_answer``); the result is received into a storage cell at the
issuing centre, the applicant told, and issued against an identity check. Every change is an event.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import structlog
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import delivery, forms, states
from birtereze.applications.documents import DocumentStore, sniff
from birtereze.applications.errors import (
    ApplicationNotFound,
    BranchClosedForIssue,
    ChannelNotOffered,
    DocumentFromRegistry,
    DocumentMissing,
    DocumentNotFound,
    DocumentNotRequired,
    FormInvalid,
    IdentityMismatch,
    NotAllowedNow,
    NotApplicantsAccount,
    NotExtraterritorial,
    NotExtraterritorialHere,
    UnknownVisit,
    WrongIssuingCentre,
)
from birtereze.applications.models import Application, ApplicationDocument, BodyAnswer
from birtereze.applications.registries import Registries, region_of_address
from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import ServiceStandard
from birtereze.citizens import service as citizens_service
from birtereze.core import events
from birtereze.core.errors import NotFound
from birtereze.core.settings import get_settings
from birtereze.kz import calendar
from birtereze.notify import service as notify_service
from birtereze.queue import service as queue_service

log = structlog.get_logger(__name__)

# Public numbers: the day, then letters and digits that are not mistaken read aloud (no 0/O, 1/I/L).
NUMBER_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_TRIES: Final = 5
# Intake channels, and the standard's channel each belongs to.
CHANNELS: Final = {"operator": "centre", "kiosk": "centre", "portal": "portal", "app": "app"}
# The channels where the staff take the application (and may be told the applicant's registered region).
STAFF_CHANNELS: Final = frozenset({"operator"})
PAGE_SIZE: Final = 50


def new_number(now: datetime) -> str:
    return f"{now:%y%m%d}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))


# --- reading -------------------------------------------------------------------------------------


async def get(session: AsyncSession, application_id: int, *, lock: bool = False) -> Application:
    statement = select(Application).where(Application.id == application_id)
    if lock:
        statement = statement.with_for_update()
    application = await session.scalar(statement)
    if application is None:
        raise ApplicationNotFound()
    return application


async def get_by_number(session: AsyncSession, number: str) -> Application:
    application = await session.scalar(
        select(Application).where(Application.number == number.strip().upper())
    )
    if application is None:
        raise ApplicationNotFound()
    return application


def visible_to(application: Application, branch_ids: frozenset[int] | None) -> bool:
    """A staff member sees the applications taken at or issued by their centres (None: every centre)."""
    return branch_ids is None or bool(
        {application.intake_branch_id, application.issuing_branch_id} & branch_ids
    )


async def get_mine(session: AsyncSession, application_id: int, *, citizen_id: int, iin: str) -> Application:
    """One of the citizen's applications (theirs by account or by IIN); another's does not exist."""
    application = await session.get(Application, application_id)
    if application is None or not (application.citizen_id == citizen_id or application.applicant_iin == iin):
        raise ApplicationNotFound()
    return application


@dataclass(frozen=True, slots=True)
class Filters:
    branch_ids: frozenset[int] | None = None  # None: every centre
    status: str | None = None
    service_id: int | None = None
    iin: str | None = None
    number: str | None = None
    overdue: bool = False
    citizen_id: int | None = None


async def list_applications(
    session: AsyncSession, filters: Filters, *, now: datetime, limit: int = PAGE_SIZE, offset: int = 0
) -> tuple[Sequence[Application], int]:
    """A page of applications, the latest first, and how many match."""
    conditions: list[Any] = []
    if filters.branch_ids is not None:
        ids = list(filters.branch_ids)
        conditions.append(or_(Application.intake_branch_id.in_(ids), Application.issuing_branch_id.in_(ids)))
    if filters.status is not None:
        conditions.append(Application.status == filters.status)
    if filters.service_id is not None:
        conditions.append(Application.service_id == filters.service_id)
    if filters.iin is not None:
        conditions.append(Application.applicant_iin == filters.iin.strip())
    if filters.number is not None:
        conditions.append(Application.number == filters.number.strip().upper())
    if filters.citizen_id is not None:
        conditions.append(Application.citizen_id == filters.citizen_id)
    if filters.overdue:
        conditions.append(Application.status.in_(states.WITH_THE_BODY))
        conditions.append(Application.deadline_at <= now)
    total = int(await session.scalar(select(func.count()).select_from(Application).where(*conditions)) or 0)
    rows = await session.scalars(
        select(Application)
        .where(*conditions)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), total


async def list_mine(session: AsyncSession, *, citizen_id: int, iin: str) -> Sequence[Application]:
    rows = await session.scalars(
        select(Application)
        .where(or_(Application.citizen_id == citizen_id, Application.applicant_iin == iin))
        .where(Application.status != "draft")
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(PAGE_SIZE)
    )
    return rows.all()


async def list_documents(session: AsyncSession, application_id: int) -> Sequence[ApplicationDocument]:
    rows = await session.scalars(
        select(ApplicationDocument)
        .where(ApplicationDocument.application_id == application_id)
        .order_by(ApplicationDocument.id)
    )
    return rows.all()


async def get_document(session: AsyncSession, application_id: int, document_id: int) -> ApplicationDocument:
    document = await session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != application_id:
        raise DocumentNotFound()
    return document


async def timeline(session: AsyncSession, application_id: int) -> Sequence[events.Event]:
    """The application's events, oldest first."""
    rows = await session.scalars(
        select(events.Event)
        .where(
            events.Event.type.like("application.%"),
            events.Event.data["application_id"].as_integer() == application_id,
        )
        .order_by(events.Event.at, events.Event.id)
    )
    return rows.all()


# --- events and notices --------------------------------------------------------------------------


async def _event(
    session: AsyncSession,
    application: Application,
    type: str,
    now: datetime,
    *,
    branch_id: int | None = None,
    staff_id: int | None = None,
    **data: object,
) -> None:
    await events.append(
        session,
        branch_id=branch_id or application.intake_branch_id,
        at=now,
        type=type,
        visit_id=application.visit_id,
        staff_id=staff_id,
        data={
            "application_id": application.id,
            "number": application.number,
            "service_id": application.service_id,
            "status": application.status,
            **data,
        },
    )


async def _notify(session: AsyncSession, application: Application, *, template: str, now: datetime) -> None:
    """Tell the applicant, when the application has a citizen's account (SMS and push)."""
    if application.citizen_id is None:
        return
    citizen = await citizens_service.get(session, application.citizen_id)
    if citizen is None:
        return
    branch = await branches_service.get(session, application.issuing_branch_id)
    service = await catalog_service.get(session, application.service_id)
    language = application.language
    queued = await notify_service.to_citizen(
        session,
        citizen_id=citizen.id,
        phone=citizen.phone,
        template=template,
        language=language,
        params={
            "number": application.number,
            "service": getattr(service, f"name_{language}"),
            "centre": getattr(branch, f"name_{language}"),
        },
        now=now,
        branch_id=application.issuing_branch_id,
    )
    if not queued:
        log.info("applications.not_notified", application_id=application.id, reason="no phone, no push")


# --- intake --------------------------------------------------------------------------------------


async def _active_branch(session: AsyncSession, branch_id: int) -> Branch:
    branch = await branches_service.get(session, branch_id)
    if not branch.active:
        raise BranchClosedForIssue()
    return branch


async def _check_address(
    session: AsyncSession,
    *,
    standard: ServiceStandard,
    branch: Branch,
    iin: str,
    registries: Registries,
    channel: str,
) -> None:
    """A service that is not extraterritorial is accepted at the centres of the region of the applicant's
    registered address (the population registry's); where the registry or the centre's address does not
    tell the region, the rule cannot be applied and the application is taken. Only the staff are told
    the registered region: at a kiosk or on the phone anyone may type an IIN."""
    if standard.extraterritorial:
        return
    person = await registries.fetch("population", iin)
    registered = ((person or {}).get("address") or {}).get("region")
    here = region_of_address(branch.address_en, branch.address_ru, branch.address_kk, branch.name_en)
    if registered and here and registered != here:
        if channel not in STAFF_CHANNELS:
            raise NotExtraterritorialHere()
        raise NotExtraterritorial(region=str(((person or {}).get("address") or {}).get("city") or registered))


async def create(
    session: AsyncSession,
    *,
    service_id: int,
    intake_branch_id: int,
    applicant_iin: str,
    channel: str,
    language: str,
    now: datetime,
    registries: Registries,
    form: dict[str, Any] | None = None,
    citizen_id: int | None = None,
    visit_id: int | None = None,
    issuing_branch_id: int | None = None,
    staff_id: int | None = None,
) -> Application:
    """A draft application for a service at a centre; the form is checked at submission. A citizen
    account given with it must be the applicant's own (the account's IIN was proven at its sign-in)."""
    iin = citizens_service.read_iin(applicant_iin).number
    if citizen_id is not None:
        account = await citizens_service.get(session, citizen_id)
        if account is None or account.iin != iin:
            raise NotApplicantsAccount()
    service = await catalog_service.get(session, service_id)
    if not service.active:
        raise NotFound("Service")
    standard = await catalog_service.current_standard(session, service_id)
    if CHANNELS.get(channel) not in standard.channels:
        raise ChannelNotOffered()
    branch = await _active_branch(session, intake_branch_id)
    if issuing_branch_id is not None and issuing_branch_id != intake_branch_id:
        await _active_branch(session, issuing_branch_id)
    if visit_id is not None:
        try:
            await queue_service.get_visit(session, visit_id, branch_id=intake_branch_id)
        except NotFound:
            raise UnknownVisit() from None
    await _check_address(
        session, standard=standard, branch=branch, iin=iin, registries=registries, channel=channel
    )
    application = Application(
        service_id=service_id,
        standard_version=standard.version,
        authority_code=standard.authority_code,
        applicant_iin=iin,
        citizen_id=citizen_id,
        visit_id=visit_id,
        channel=channel,
        taken_by=staff_id,
        intake_branch_id=intake_branch_id,
        issuing_branch_id=issuing_branch_id or intake_branch_id,
        status="draft",
        language=language,
        form_data=forms.clean(standard.form_schema, form or {}),
        created_at=now,
        changed_at=now,
    )
    for _ in range(NUMBER_TRIES):
        application.number = new_number(now)
        try:
            async with session.begin_nested():
                session.add(application)
                await session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 31⁶ numbers a day
        raise RuntimeError("no free application number")
    await _event(session, application, "application.created", now, staff_id=staff_id, channel=channel)
    return application


def _editable(application: Application) -> None:
    if application.status not in states.EDITABLE:
        raise NotAllowedNow(status=application.status)


async def _lock(session: AsyncSession, application: Application) -> None:
    """Hold the application's row for the rest of the transaction (PostgreSQL): a purge of stale drafts
    then passes it by, and one that discarded it first leaves it not found rather than half-written."""
    statement = select(Application.id).where(Application.id == application.id).with_for_update()
    if await session.scalar(statement) is None:
        raise ApplicationNotFound()


async def update(
    session: AsyncSession,
    application: Application,
    *,
    now: datetime,
    form: dict[str, Any] | None = None,
    staff_id: int | None = None,
) -> Application:
    """Change a draft's (or a returned application's) answers."""
    await _lock(session, application)
    _editable(application)
    if form is not None:
        standard = await catalog_service.current_standard(session, application.service_id)
        application.form_data = forms.clean(standard.form_schema, form)
    application.changed_at = now
    await session.flush()
    await _event(session, application, "application.edited", now, staff_id=staff_id)
    return application


def _document_spec(standard: ServiceStandard, code: str) -> dict[str, Any] | None:
    return next((spec for spec in standard.documents if spec.get("code") == code), None)


async def add_document(
    session: AsyncSession,
    application: Application,
    *,
    code: str,
    content: bytes,
    store: DocumentStore,
    now: datetime,
    staff_id: int | None = None,
) -> ApplicationDocument:
    """Upload one of the documents the standard asks for (a new upload of the same code replaces it)."""
    await _lock(session, application)
    _editable(application)
    standard = await catalog_service.current_standard(session, application.service_id)
    spec = _document_spec(standard, code)
    if spec is None:
        raise DocumentNotRequired()
    if spec.get("registry"):
        raise DocumentFromRegistry()
    stored = store.upload(content)
    for old in await list_documents(session, application.id):
        if old.code == code and old.source == "upload":
            await session.delete(old)
    document = ApplicationDocument(
        application_id=application.id,
        code=code,
        source="upload",
        sha256=stored.sha256,
        content_type=stored.content_type,
        size=stored.size,
        created_at=now,
    )
    session.add(document)
    application.changed_at = now
    await session.flush()
    await _event(
        session,
        application,
        "application.document_added",
        now,
        staff_id=staff_id,
        code=code,
        sha256=stored.sha256,
    )
    return document


async def _fetch_registry_documents(
    session: AsyncSession,
    application: Application,
    standard: ServiceStandard,
    *,
    registries: Registries,
    store: DocumentStore,
    now: datetime,
) -> set[str]:
    """Fetch what the standard marks with a registry; the codes fetched (a registry without a record of
    the applicant leaves the document to be uploaded)."""
    fetched = set()
    existing = {d.code for d in await list_documents(session, application.id) if d.source == "registry"}
    for spec in standard.documents:
        registry, code = spec.get("registry"), str(spec.get("code"))
        if not registry:
            continue
        if code in existing:
            fetched.add(code)
            continue
        record = await registries.fetch(str(registry), application.applicant_iin)
        if record is None:
            continue
        content = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        stored = store.put(content, content_type="application/json")
        session.add(
            ApplicationDocument(
                application_id=application.id,
                code=code,
                source="registry",
                registry_name=str(registry),
                sha256=stored.sha256,
                content_type=stored.content_type,
                size=stored.size,
                data=record,
                created_at=now,
            )
        )
        fetched.add(code)
    await session.flush()
    return fetched


def _payload(application: Application, documents: Sequence[ApplicationDocument]) -> dict[str, Any]:
    return {
        "number": application.number,
        "service_id": application.service_id,
        "standard_version": application.standard_version,
        "applicant_iin": application.applicant_iin,
        "language": application.language,
        "form": application.form_data,
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
        "deadline_at": application.deadline_at.isoformat() if application.deadline_at else None,
        "documents": [
            {
                "code": document.code,
                "source": document.source,
                "registry": document.registry_name,
                "sha256": document.sha256,
                "content_type": document.content_type,
                "size": document.size,
            }
            for document in documents
            if document.source != "body"
        ],
    }


async def submit(
    session: AsyncSession,
    application_id: int,
    *,
    registries: Registries,
    store: DocumentStore,
    now: datetime,
    staff_id: int | None = None,
) -> Application:
    """Check the form and the documents, fetch the registries' documents, set the deadline and queue the
    delivery to the authorised body, all in the caller's transaction."""
    application = await get(session, application_id, lock=True)
    _editable(application)
    standard = await catalog_service.current_standard(session, application.service_id)
    problems = forms.validate(standard.form_schema, application.form_data)
    if problems:
        raise FormInvalid(problems)
    fetched = await _fetch_registry_documents(
        session, application, standard, registries=registries, store=store, now=now
    )
    uploaded = {d.code for d in await list_documents(session, application.id) if d.source == "upload"}
    for spec in standard.documents:
        code = str(spec.get("code"))
        if spec.get("optional") or code in fetched or code in uploaded:
            continue
        raise DocumentMissing(names=dict(spec.get("name") or {}), code=code)
    resubmitted = application.status == "returned"
    branch = await branches_service.get(session, application.intake_branch_id)
    application.status = "submitted"
    application.submissions += 1  # a new round: the body's answers are kept per round
    application.standard_version = standard.version
    application.authority_code = standard.authority_code
    application.submitted_at = now
    application.deadline_at = calendar.deadline(
        now, standard.term_amount, standard.term_unit, timezone=branch.timezone
    )
    application.alerted_near_at = application.alerted_overdue_at = None
    application.grounds = None
    application.changed_at = now
    await session.flush()
    await _event(
        session,
        application,
        "application.submitted",
        now,
        staff_id=staff_id,
        deadline_at=application.deadline_at.isoformat(),
        resubmitted=resubmitted,
    )
    await delivery.enqueue(
        session,
        application_id=application.id,
        authority_code=application.authority_code,
        payload=_payload(application, await list_documents(session, application.id)),
        now=now,
        branch_id=application.intake_branch_id,
    )
    return application


async def change_issuing_branch(
    session: AsyncSession, application: Application, *, branch_id: int, now: datetime
) -> Application:
    """The citizen chooses where to collect the result: any active centre, until the result is there."""
    if application.status in ("at_issuing_centre", "issued", "refused"):
        raise NotAllowedNow(status=application.status)
    await _active_branch(session, branch_id)
    if branch_id == application.issuing_branch_id:
        return application
    previous = application.issuing_branch_id
    application.issuing_branch_id = branch_id
    application.changed_at = now
    await session.flush()
    await _event(
        session, application, "application.issuing_centre_changed", now, previous=previous, to=branch_id
    )
    return application


# --- the authorised body's side (called by applications.delivery and its callback API) -------------


async def mark_delivered(session: AsyncSession, application_id: int, *, now: datetime) -> None:
    """The body acknowledged the delivery: ``submitted`` → ``delivered`` (again, or after an answer that
    overtook the acknowledgement: nothing changes)."""
    application = await get(session, application_id, lock=True)
    target = states.after_delivery(application.status)
    if target is None:
        return
    application.status = target
    application.changed_at = now
    await session.flush()
    await _event(session, application, "application.delivered", now)


async def mark_delivered_many(
    session: AsyncSession, application_ids: Collection[int], *, now: datetime
) -> list[int]:
    """``mark_delivered`` for a round of acknowledgements at once (the delivery job's): the applications
    read and locked in one statement, in id order (one lock order for every worker), those still
    ``submitted`` made ``delivered``, each with its event. Returns the ids changed."""
    ids = sorted(set(application_ids))
    if not ids:
        return []
    rows = await session.scalars(
        select(Application)
        .where(Application.id.in_(ids))
        .order_by(Application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    changed = []
    for application in rows:
        target = states.after_delivery(application.status)
        if target is None:
            continue
        application.status = target
        application.changed_at = now
        changed.append(application)
    await session.flush()
    for application in changed:
        await _event(session, application, "application.delivered", now)
    return [application.id for application in changed]


def _default_store() -> DocumentStore:
    return DocumentStore.from_settings(get_settings())


async def record_body_answer(
    session: AsyncSession,
    application_id: int,
    *,
    kind: str,
    now: datetime,
    grounds: list[str] | None = None,
    result: dict[str, Any] | None = None,
    documents: list[bytes] | None = None,
    store: DocumentStore | None = None,
) -> None:
    """Record an answer of the authorised body, once per (application, submission round, kind): a repeated
    callback changes nothing, and an application submitted again after its return gets the body's answers
    anew (they are recorded for its current round). An answer behind the application's status is recorded
    without moving it back."""
    if kind not in states.BODY_ANSWERS:
        raise ValueError(f"unknown answer {kind!r}")
    application = await get(session, application_id, lock=True)
    submission = application.submissions
    seen = await session.scalar(
        select(BodyAnswer.id).where(
            BodyAnswer.application_id == application_id,
            BodyAnswer.submission == submission,
            BodyAnswer.kind == kind,
        )
    )
    if seen is not None:
        return
    try:
        async with session.begin_nested():
            session.add(
                BodyAnswer(application_id=application_id, submission=submission, kind=kind, received_at=now)
            )
            await session.flush()
    except IntegrityError:  # a concurrent callback recorded it first
        return
    target = states.after_answer(application.status, kind)
    if target is None:
        await _event(session, application, "application.answer_ignored", now, kind=kind)
        return
    if kind in ("refused", "returned"):
        application.grounds = [str(ground) for ground in grounds or []]
    if kind == "result_ready":
        application.result = result or {}
        store = store or _default_store()
        for content in documents or []:
            stored = store.put(content, content_type=sniff(content) or "application/octet-stream")
            session.add(
                ApplicationDocument(
                    application_id=application.id,
                    code="result",
                    source="body",
                    sha256=stored.sha256,
                    content_type=stored.content_type,
                    size=stored.size,
                    created_at=now,
                )
            )
    application.status = target
    application.changed_at = now
    await session.flush()
    await _event(session, application, f"application.{target}", now, grounds=application.grounds)
    if target in ("refused", "returned"):
        await _notify(session, application, template=f"application_{target}", now=now)


# --- the issue zone ------------------------------------------------------------------------------


async def receive_result(
    session: AsyncSession,
    application_id: int,
    *,
    branch_id: int,
    storage_cell: str,
    now: datetime,
    staff_id: int | None = None,
) -> Application:
    """The issuing centre puts the result in a storage cell; the applicant is told it is ready."""
    application = await get(session, application_id, lock=True)
    if application.issuing_branch_id != branch_id:
        raise WrongIssuingCentre()
    if not states.can(application.status, "at_issuing_centre"):
        raise NotAllowedNow(status=application.status)
    application.status = "at_issuing_centre"
    application.storage_cell = storage_cell.strip()
    application.changed_at = now
    await session.flush()
    await _event(
        session,
        application,
        "application.at_issuing_centre",
        now,
        branch_id=branch_id,
        staff_id=staff_id,
        storage_cell=application.storage_cell,
    )
    await _notify(session, application, template="application_result_ready", now=now)
    return application


async def issue(
    session: AsyncSession,
    application_id: int,
    *,
    branch_id: int,
    presented_iin: str,
    now: datetime,
    staff_id: int | None = None,
) -> Application:
    """Hand the result over: the identity document presented must be the applicant's; the receipt (who,
    when, by whom, from which cell) is recorded."""
    application = await get(session, application_id, lock=True)
    if application.issuing_branch_id != branch_id:
        raise WrongIssuingCentre()
    if not states.can(application.status, "issued"):
        raise NotAllowedNow(status=application.status)
    presented = citizens_service.read_iin(presented_iin).number
    if presented != application.applicant_iin:
        raise IdentityMismatch()
    cell = application.storage_cell
    application.status = "issued"
    application.issued_at = now
    application.issued_by = staff_id
    application.issued_to_iin = presented
    application.storage_cell = None
    application.changed_at = now
    await session.flush()
    await _event(
        session,
        application,
        "application.issued",
        now,
        branch_id=branch_id,
        staff_id=staff_id,
        storage_cell=cell,
    )
    return application


async def waiting_for_issue(
    session: AsyncSession, *, branch_id: int, limit: int = 200
) -> Sequence[Application]:
    """The issue zone's work at a centre: results ready to be put in a cell, and those waiting in one,
    the oldest first."""
    rows = await session.scalars(
        select(Application)
        .where(
            Application.issuing_branch_id == branch_id,
            Application.status.in_(("result_ready", "at_issuing_centre")),
        )
        .order_by(Application.changed_at, Application.id)
        .limit(limit)
    )
    return rows.all()


# --- deadlines -----------------------------------------------------------------------------------


async def check_deadlines(session: AsyncSession, *, now: datetime, near: timedelta) -> tuple[int, int]:
    """Alert, once each, the applications with the body whose deadline is near or has passed: an event
    on the intake centre's live stream. Returns (nearing, overdue)."""
    rows = await session.scalars(
        select(Application)
        .where(
            Application.status.in_(states.WITH_THE_BODY),
            Application.deadline_at.is_not(None),
            Application.deadline_at <= now + near,
            or_(Application.alerted_overdue_at.is_(None), Application.alerted_near_at.is_(None)),
        )
        .order_by(Application.deadline_at)
        .limit(500)
    )
    nearing = overdue = 0
    for application in rows.all():
        deadline = application.deadline_at
        assert deadline is not None
        if deadline <= now:
            if application.alerted_overdue_at is None:
                application.alerted_overdue_at = now
                application.alerted_near_at = application.alerted_near_at or now
                await _event(
                    session, application, "application.overdue", now, deadline_at=deadline.isoformat()
                )
                overdue += 1
        elif application.alerted_near_at is None:
            application.alerted_near_at = now
            await _event(
                session, application, "application.deadline_near", now, deadline_at=deadline.isoformat()
            )
            nearing += 1
    await session.flush()
    return nearing, overdue


HALL_CHANNELS: Final = frozenset(channel for channel, where in CHANNELS.items() if where == "centre")
PURGE_BATCH: Final = 500
PURGE_BATCHES: Final = 20


async def purge_drafts(
    session: AsyncSession, *, now: datetime, hall_after: timedelta, after: timedelta
) -> int:
    """Discard the drafts never submitted and left unchanged: those begun in the hall (its kiosk, an
    operator) after ``hall_after``, any other after ``after``. Their answers and documents go with them;
    an ``application.discarded`` event stays. A draft being changed right now is passed by (PostgreSQL:
    its row is locked). Returns how many, at most ``PURGE_BATCHES`` × ``PURGE_BATCH`` a run."""
    stale = or_(
        Application.changed_at < now - after,
        Application.channel.in_(HALL_CHANNELS) & (Application.changed_at < now - hall_after),
    )
    discarded = 0
    for _ in range(PURGE_BATCHES):
        rows = await session.scalars(
            select(Application)
            .where(Application.status == "draft", stale)
            .order_by(Application.changed_at)
            .limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        drafts = rows.all()
        if not drafts:
            break
        for application in drafts:
            await _event(
                session,
                application,
                "application.discarded",
                now,
                changed_at=application.changed_at.isoformat(),
            )
        ids = [application.id for application in drafts]
        await session.execute(delete(ApplicationDocument).where(ApplicationDocument.application_id.in_(ids)))
        await session.execute(
            delete(Application).where(Application.id.in_(ids)).execution_options(synchronize_session=False)
        )
        for application in drafts:
            session.expunge(application)
        discarded += len(drafts)
        if len(drafts) < PURGE_BATCH:
            break
    return discarded


async def sweep_documents(
    session: AsyncSession, store: DocumentStore, *, prefixes: Collection[str], older_than: datetime
) -> int:
    """Delete the stored files under ``prefixes`` (two hex digits each) that no document refers to and
    that were last stored before ``older_than``: what discarded drafts and replaced uploads left.

    A file that an upload stores again meanwhile is new, and one whose document row is not committed yet
    was stored by that upload first: ``DocumentStore.remove_if_before`` keeps both. With no document at
    all (an empty database next to a used folder) nothing is deleted. The files are listed and deleted
    off the event loop."""
    moment = older_than.timestamp()

    def listed() -> list[str]:
        return [sha256 for prefix in prefixes for sha256 in store.stored_before(prefix, moment)]

    def deleted(unused: list[str]) -> int:
        return sum(store.remove_if_before(sha256, moment) for sha256 in unused)

    # Listed before the first query: on SQLite a transaction holds the database's one writer.
    candidates = await asyncio.to_thread(listed)
    if not candidates or await session.scalar(select(ApplicationDocument.id).limit(1)) is None:
        return 0
    removed = 0
    for start in range(0, len(candidates), PURGE_BATCH):
        chunk = candidates[start : start + PURGE_BATCH]
        statement = select(ApplicationDocument.sha256).where(ApplicationDocument.sha256.in_(chunk))
        used = set(await session.scalars(statement))
        removed += await asyncio.to_thread(deleted, [sha256 for sha256 in chunk if sha256 not in used])
    return removed


# --- for the GovStack facade (applications.govstack) -----------------------------------------------


async def list_in_statuses(
    session: AsyncSession,
    statuses: Sequence[str],
    *,
    branch_ids: frozenset[int] | None,
    number: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Sequence[Application]:
    """The applications in any of ``statuses`` taken at or issued by these centres (None: every centre),
    the oldest change first: the work waiting for the centres' staff."""
    statement = select(Application).where(Application.status.in_(list(statuses)))
    if branch_ids is not None:
        ids = list(branch_ids)
        statement = statement.where(
            or_(Application.intake_branch_id.in_(ids), Application.issuing_branch_id.in_(ids))
        )
    if number is not None:
        statement = statement.where(Application.number == number.strip().upper())
    rows = await session.scalars(
        statement.order_by(Application.changed_at, Application.id).limit(limit).offset(offset)
    )
    return rows.all()


async def count_submitted_by_status(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    branch_ids: frozenset[int] | None,
    service_ids: Sequence[int] | None = None,
) -> dict[str, int]:
    """How many applications submitted in [since, until) are in each status now."""
    statement = select(Application.status, func.count()).where(
        Application.submitted_at >= since, Application.submitted_at < until
    )
    if branch_ids is not None:
        ids = list(branch_ids)
        statement = statement.where(
            or_(Application.intake_branch_id.in_(ids), Application.issuing_branch_id.in_(ids))
        )
    if service_ids is not None:
        statement = statement.where(Application.service_id.in_(list(service_ids)))
    rows = await session.execute(statement.group_by(Application.status))
    return {str(status): int(count) for status, count in rows.all()}
