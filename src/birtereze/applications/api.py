"""The applications API: intake and issue for operators, the back office's list and timeline, and the
citizen's own applications (JSON, problem+json). The bodies' callbacks are in ``callback_api``."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, Final, TypeVar

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from birtereze.applications import service
from birtereze.applications.documents import DocumentStore
from birtereze.applications.errors import ApplicationNotFound, DocumentNotFound, FormInvalid
from birtereze.applications.models import Application
from birtereze.applications.registries import LocalRegistries, Registries
from birtereze.applications.schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationRead,
    ApplicationUpdate,
    IssueRequest,
    IssuingBranchChange,
    MyApplicationCreate,
    ResultReceipt,
    Timeline,
    TimelineEntry,
)
from birtereze.applications.states import STATUSES
from birtereze.citizens.deps import CitizenAction, CurrentCitizen
from birtereze.core.errors import InvalidInput
from birtereze.core.schemas import PathId
from birtereze.staff.service import Principal
from birtereze.web.deps import DbSession, Locale, Now, QueueOperate, in_scope
from birtereze.web.problems import problem
from birtereze.web.responses import model_response

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/v1", tags=["applications"])

T = TypeVar("T")

UPLOAD_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes: PDF, JPEG or PNG (told by its content, not its name)",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/pdf", "image/jpeg", "image/png", "application/octet-stream")
        },
    }
}
FORM_ANSWERS: dict[int | str, dict[str, str]] = {
    400: {"description": "The form has mistakes (each in `errors`), or a document is missing"},
}


def registries(request: Request) -> Registries:
    """The registries' adapters: the app's own (``app.state.registries``), the local fake by default."""
    state = request.app.state
    if getattr(state, "registries", None) is None:
        state.registries = LocalRegistries()
    found: Registries = state.registries
    return found


def document_store(request: Request) -> DocumentStore:
    return DocumentStore.from_settings(request.app.state.settings)


AppRegistries = Annotated[Registries, Depends(registries)]
Documents = Annotated[DocumentStore, Depends(document_store)]


async def _form_checked(request: Request, locale: str, work: Awaitable[T]) -> T | JSONResponse:
    """The work's result, or the form's mistakes as a problem with one entry per field."""
    try:
        return await work
    except FormInvalid as error:
        return problem(
            request,
            error.status,
            error.code,
            error.detail(locale),
            errors=[
                {"loc": ["form", found.field], "msg": found.render(locale), "type": "form"}
                for found in error.errors
            ],
        )


async def _visible(session: DbSession, application_id: int, principal: Principal) -> Application:
    application = await service.get(session, application_id)
    if not (principal.is_admin or service.visible_to(application, principal.branch_ids)):
        raise ApplicationNotFound()
    return application


async def _read(
    session: DbSession, application: Application, *, now: datetime, locale: str, status_code: int = 200
) -> Response:
    documents = list(await service.list_documents(session, application.id))
    return model_response(
        ApplicationRead.of(application, now=now, locale=locale, documents=documents), status_code
    )


# --- operators and the back office ---------------------------------------------------------------


@router.post(
    "/applications", operation_id="createApplication", status_code=201, response_model=ApplicationRead
)
async def create(
    body: ApplicationCreate,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    found: AppRegistries,
) -> Response:
    """Take a draft application at the caller's centre (during a visit: ``visit_id`` is its ticket)."""
    in_scope(principal, body.branch_id)
    application = await service.create(
        session,
        service_id=body.service_id,
        intake_branch_id=body.branch_id,
        applicant_iin=body.applicant_iin,
        channel=body.channel,
        language=body.language,
        now=now,
        registries=found,
        form=body.form,
        citizen_id=body.citizen_id,
        visit_id=body.visit_id,
        issuing_branch_id=body.issuing_branch_id,
        staff_id=principal.staff_id,
    )
    return await _read(session, application, now=now, locale=locale, status_code=201)


@router.get(
    "/applications",
    operation_id="listApplications",
    response_model=ApplicationList,
    responses={404: {"description": "The centre is outside the caller's branches"}},
)
async def list_applications(
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    branch_id: Annotated[int | None, Query(gt=0, description="Taken at or issued by this centre")] = None,
    status: Annotated[str | None, Query(description="One status of the status machine")] = None,
    service_id: Annotated[int | None, Query(gt=0)] = None,
    iin: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    number: Annotated[str | None, Query(max_length=16)] = None,
    overdue: Annotated[bool, Query(description="Only those with the body past their deadline")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The back office's list of applications, the latest first, filtered."""
    if status is not None and status not in STATUSES:
        raise InvalidInput()
    if branch_id is not None:
        in_scope(principal, branch_id)
        branch_ids: frozenset[int] | None = frozenset({branch_id})
    else:
        branch_ids = None if principal.is_admin else principal.branch_ids
    rows, total = await service.list_applications(
        session,
        service.Filters(
            branch_ids=branch_ids,
            status=status,
            service_id=service_id,
            iin=iin,
            number=number,
            overdue=overdue,
        ),
        now=now,
        limit=limit,
        offset=offset,
    )
    return model_response(
        ApplicationList(items=[ApplicationRead.of(a, now=now, locale=locale) for a in rows], total=total)
    )


@router.get("/applications/{application_id}", operation_id="getApplication", response_model=ApplicationRead)
async def get_application(
    application_id: PathId, principal: QueueOperate, session: DbSession, now: Now, locale: Locale
) -> Response:
    """One application with its documents."""
    application = await _visible(session, application_id, principal)
    return await _read(session, application, now=now, locale=locale)


@router.get(
    "/applications/{application_id}/timeline", operation_id="getApplicationTimeline", response_model=Timeline
)
async def get_timeline(application_id: PathId, principal: QueueOperate, session: DbSession) -> Response:
    """Every change of the application, oldest first."""
    await _visible(session, application_id, principal)
    entries = await service.timeline(session, application_id)
    return model_response(Timeline(items=[TimelineEntry.of(event) for event in entries]))


@router.put(
    "/applications/{application_id}/form",
    operation_id="updateApplicationForm",
    response_model=ApplicationRead,
)
async def update_form(
    application_id: PathId,
    body: ApplicationUpdate,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
) -> Response:
    """Change a draft's (or a returned application's) answers; they are checked at submission."""
    application = await _visible(session, application_id, principal)
    await service.update(session, application, now=now, form=body.form, staff_id=principal.staff_id)
    return await _read(session, application, now=now, locale=locale)


@router.put(
    "/applications/{application_id}/documents/{code}",
    operation_id="uploadApplicationDocument",
    response_model=ApplicationRead,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "Too large"}, 415: {"description": "Not a PDF, JPEG or PNG"}},
)
async def upload_document(
    application_id: PathId,
    code: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")],
    request: Request,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    store: Documents,
) -> Response:
    """Upload one of the documents the standard asks for (the request's body is the file)."""
    application = await _visible(session, application_id, principal)
    content = await _body(request, store.max_bytes)
    await service.add_document(
        session, application, code=code, content=content, store=store, now=now, staff_id=principal.staff_id
    )
    return await _read(session, application, now=now, locale=locale)


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, read no further than one byte past ``limit`` (the store refuses it then)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


@router.get(
    "/applications/{application_id}/documents/{document_id}",
    operation_id="downloadApplicationDocument",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def download_document(
    application_id: PathId, document_id: PathId, principal: QueueOperate, session: DbSession, store: Documents
) -> Response:
    """A document's content."""
    await _visible(session, application_id, principal)
    document = await service.get_document(session, application_id, document_id)
    try:
        content = store.read(document.sha256)
    except FileNotFoundError:
        # Its row is there, its file is not (a database restored without the documents' folder).
        log.error("applications.document_file_missing", document_id=document.id, sha256=document.sha256)
        raise DocumentNotFound() from None
    return Response(
        content,
        media_type=document.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.post(
    "/applications/{application_id}/submit",
    operation_id="submitApplication",
    response_model=ApplicationRead,
    responses=FORM_ANSWERS,
)
async def submit(
    application_id: PathId,
    request: Request,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    found: AppRegistries,
    store: Documents,
) -> Response | JSONResponse:
    """Check the form and documents, fetch what registries hold, set the deadline, queue the delivery."""
    await _visible(session, application_id, principal)
    done = await _form_checked(
        request,
        locale,
        service.submit(
            session, application_id, registries=found, store=store, now=now, staff_id=principal.staff_id
        ),
    )
    if isinstance(done, JSONResponse):
        return done
    return await _read(session, done, now=now, locale=locale)


@router.post(
    "/applications/{application_id}/receive",
    operation_id="receiveApplicationResult",
    response_model=ApplicationRead,
)
async def receive(
    application_id: PathId,
    body: ResultReceipt,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
) -> Response:
    """The issuing centre puts a ready result in a storage cell; the applicant is told."""
    application = await _visible(session, application_id, principal)
    in_scope(principal, application.issuing_branch_id)
    await service.receive_result(
        session,
        application_id,
        branch_id=application.issuing_branch_id,
        storage_cell=body.storage_cell,
        now=now,
        staff_id=principal.staff_id,
    )
    return await _read(session, application, now=now, locale=locale)


@router.post(
    "/applications/{application_id}/issue",
    operation_id="issueApplicationResult",
    response_model=ApplicationRead,
)
async def issue(
    application_id: PathId,
    body: IssueRequest,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
) -> Response:
    """Issue the result against the applicant's identity document; the receipt is recorded."""
    application = await _visible(session, application_id, principal)
    in_scope(principal, application.issuing_branch_id)
    await service.issue(
        session,
        application_id,
        branch_id=application.issuing_branch_id,
        presented_iin=body.presented_iin,
        now=now,
        staff_id=principal.staff_id,
    )
    return await _read(session, application, now=now, locale=locale)


# --- the citizen's own ----------------------------------------------------------------------------


@router.get("/my/applications", operation_id="listMyApplications", response_model=ApplicationList)
async def list_mine(citizen: CurrentCitizen, session: DbSession, now: Now, locale: Locale) -> Response:
    """The signed-in citizen's applications (by account or IIN), the latest first."""
    rows = await service.list_mine(session, citizen_id=citizen.citizen_id, iin=citizen.iin)
    items = [ApplicationRead.of(a, now=now, locale=locale) for a in rows]
    return model_response(ApplicationList(items=items, total=len(items)))


@router.post(
    "/my/applications",
    operation_id="fileMyApplication",
    status_code=201,
    response_model=ApplicationRead,
    responses=FORM_ANSWERS,
)
async def file_mine(
    body: MyApplicationCreate,
    request: Request,
    citizen: CitizenAction,
    session: DbSession,
    now: Now,
    locale: Locale,
    found: AppRegistries,
    store: Documents,
) -> Response | JSONResponse:
    """File an application from the phone: the form is checked, the documents fetched from registries,
    and it is submitted at once (the result is collected at the chosen centre)."""
    application = await service.create(
        session,
        service_id=body.service_id,
        intake_branch_id=body.branch_id,
        applicant_iin=citizen.iin,
        channel="portal",
        language=body.language or citizen.language,
        now=now,
        registries=found,
        form=body.form,
        citizen_id=citizen.citizen_id,
    )
    done = await _form_checked(
        request, locale, service.submit(session, application.id, registries=found, store=store, now=now)
    )
    if isinstance(done, JSONResponse):
        await session.rollback()  # no draft is left behind
        return done
    return await _read(session, done, now=now, locale=locale, status_code=201)


@router.get(
    "/my/applications/{application_id}", operation_id="getMyApplication", response_model=ApplicationRead
)
async def get_mine(
    application_id: PathId, citizen: CurrentCitizen, session: DbSession, now: Now, locale: Locale
) -> Response:
    """One of the citizen's applications, with its documents."""
    application = await service.get_mine(
        session, application_id, citizen_id=citizen.citizen_id, iin=citizen.iin
    )
    return await _read(session, application, now=now, locale=locale)


@router.post(
    "/my/applications/{application_id}/issuing-branch",
    operation_id="changeMyIssuingBranch",
    response_model=ApplicationRead,
)
async def change_issuing_branch(
    application_id: PathId,
    body: IssuingBranchChange,
    citizen: CitizenAction,
    session: DbSession,
    now: Now,
    locale: Locale,
) -> Response:
    """Choose another centre to collect the result at (until the result has reached the first one)."""
    application = await service.get_mine(
        session, application_id, citizen_id=citizen.citizen_id, iin=citizen.iin
    )
    await service.change_issuing_branch(session, application, branch_id=body.branch_id, now=now)
    return await _read(session, application, now=now, locale=locale)
