"""The GovStack Registration Building Block API (0.1.1, and its statistics API 1.0): a thin facade over the
catalogue and the applications domain (``catalog.service``, ``applications.service``, ``documents``),
mounted at ``/govstack`` and, with ``birtereze serve --govstack-port``, at the root of a port of its own.

Every request names its caller in the X-Road style header ``Information-Mediator-Client``
(``INSTANCE/CLASS/MEMBER/SUBSYSTEM``): missing or malformed, it is answered with 400. The catalogue's
reads are public, as ``/api/v1/services`` is; the rest needs a staff token (``Authorization: Bearer``) of
an operator or a branch manager, whose centres bound what is seen, as in Birtereze's own API.

How the standard's words map onto Birtereze:
- a **service** is a catalogue service; its id is a UUID that carries the service's id
  (``00000000-0000-4000-8000-<id in 12 hex digits>``); the standard's fields go into ``serviceBody``;
- an **e-form** is a version of the service's standard: its ``form_schema`` (``<service id>:<version>``);
- an **application file** is an application; ``fileId`` is its public number, ``applicantId`` the IIN;
- a **document** is stored content-addressed and named by ``urn:birtereze:document:<code>:<sha256>``
  (``additionalMetadata`` names the standard's document code; without it the document fills the first
  uploadable document the application still lacks); ``POST /documents`` answers that URN with a signed
  token after it, which only the staff member who uploaded it can give in ``documentUrls``, for two hours;
- a **task** is the centre's work on an application (``<fileId>:<step>``, ``mainTaskId`` the fileId):
  ``review`` a filed (or returned) application and send it to the authorised body (complete it to submit),
  ``receive`` a ready result into a storage cell (``data.storageCell``), ``issue`` it to the applicant
  (``data.presentedIin``). The body's own work is not a task here: it comes back through its callbacks;
- the **status** is PENDING until the body's result is ready, then APPROVED; SENDBACK when returned for
  correction, REJECTED when refused.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import socket
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from birtereze.applications import forms, service, states
from birtereze.applications.api import AppRegistries, Documents
from birtereze.applications.documents import DocumentStore
from birtereze.applications.errors import ApplicationNotFound, FormInvalid
from birtereze.applications.govstack_schemas import (
    AdditionalData,
    ApplicationFileResponse,
    ApplicationFileSubmit,
    ApplicationListItem,
    CompletedTask,
    DataUserTask,
    EForm,
    EFormListItem,
    Property,
    Service,
    Statistics,
    StatisticsReferences,
    StatusModel,
    UploadResponse,
    UserTask,
)
from birtereze.applications.models import Application, ApplicationDocument
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service as CatalogService
from birtereze.catalog.models import ServiceStandard
from birtereze.core.errors import DomainError, InvalidInput, NotFound
from birtereze.core.i18n import _l
from birtereze.staff.service import Principal
from birtereze.web.deps import AppSettings, DbSession, Locale, Now, QueueOperate, in_scope
from birtereze.web.problems import problem

log = structlog.get_logger(__name__)

PREFIX: Final = "/govstack"
HEADER: Final = "Information-Mediator-Client"
CLIENT: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}(/[A-Za-z0-9._-]{1,64}){3}$")
SERVICE_UUID: Final = re.compile(r"^00000000-0000-4000-8000-([0-9a-f]{12})$")
# An upload's URN: ``[code:]sha256`` and the token that proves who uploaded it (``_upload_token``); an
# attached document's URN (in an application's ``documentUrls``) has no token.
DOCUMENT_URN: Final = re.compile(
    r"^urn:birtereze:document:(?:([a-z0-9_]{1,64}):)?([0-9a-f]{64})(?::([A-Za-z0-9_.-]{1,512}))?$"
)
# How long an upload's URN may be given in an application, by the staff member who uploaded it.
UPLOAD_VALID_S: Final = 2 * 3600
CODE: Final = re.compile(r"^[a-z0-9_]{1,64}$")
DAY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATUS_CODES: Final = {
    "returned": "SENDBACK",
    "refused": "REJECTED",
    "result_ready": "APPROVED",
    "at_issuing_centre": "APPROVED",
    "issued": "APPROVED",
}
APPROVED: Final = ("result_ready", "at_issuing_centre", "issued")
# The centre's steps on an application, by the status that opens them.
STEPS: Final = {
    "draft": "review",
    "returned": "review",
    "result_ready": "receive",
    "at_issuing_centre": "issue",
}
STEP_NAMES: Final = {
    "review": _l("Check the application and send it to the authorised body"),
    "receive": _l("Put the result in a storage cell"),
    "issue": _l("Issue the result to the applicant"),
}
MAX_RESULTS: Final = 200


class MediatorHeaderInvalid(InvalidInput):
    code = "information_mediator_client"
    message = _l(
        "The Information-Mediator-Client header is missing or malformed: INSTANCE/CLASS/MEMBER/SUBSYSTEM."
    )


class NoIntakeCentre(InvalidInput):
    code = "no_intake_centre"
    message = _l("Your account belongs to no centre: applications are taken at a centre.")


class DocumentUrlUnknown(InvalidInput):
    code = "document_url"
    message = _l("A document URL is not one this server gave for an upload.")


class UploadInvalid(InvalidInput):
    code = "upload_invalid"
    message = _l("Send one file in the multipart field 'file'.")


class ApplicantMismatch(InvalidInput):
    code = "applicant_mismatch"
    message = _l("The applicant is not the one the application was taken for.")


class TaskNotFound(NotFound):
    code = "task_not_found"
    message = _l("Task was not found, or it is done.")

    def __init__(self) -> None:
        DomainError.__init__(self)

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class TaskDataInvalid(InvalidInput):
    code = "task_data"
    message = _l("The task needs {field} in its data.")


class DateInvalid(InvalidInput):
    code = "date_invalid"
    message = _l("Give dates as YYYY-MM-DD.")


def mediator_client(request: Request) -> str:
    """The calling information system, as the Information Mediator names it (400 when missing or
    malformed); bound to the request's log lines."""
    client = request.headers.get(HEADER, "").strip()
    if not CLIENT.match(client):
        raise MediatorHeaderInvalid()
    structlog.contextvars.bind_contextvars(govstack_client=client)
    return client


router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(mediator_client)])


# --- identifiers and shapes ------------------------------------------------------------------------


def service_uuid(service_id: int) -> str:
    return f"00000000-0000-4000-8000-{service_id:012x}"


def service_id_of(text: str) -> int:
    found = SERVICE_UUID.match(text.strip().lower())
    if found is None or int(found.group(1), 16) == 0:
        raise NotFound("Service")
    return int(found.group(1), 16)


def eform_id(standard: ServiceStandard) -> str:
    return f"{service_uuid(standard.service_id)}:{standard.version}"


def document_urn(document: ApplicationDocument) -> str:
    return f"urn:birtereze:document:{document.code}:{document.sha256}"


def _json(model: BaseModel, status_code: int = 200) -> Response:
    return Response(
        model.model_dump_json(exclude_none=True, by_alias=True),
        status_code=status_code,
        media_type="application/json",
    )


def _list(models: Sequence[BaseModel]) -> Response:
    body = "[" + ",".join(m.model_dump_json(exclude_none=True, by_alias=True) for m in models) + "]"
    return Response(body, media_type="application/json")


def status_of(application: Application, locale: str) -> StatusModel:
    word = states.STATUS_WORDS[application.status].render(locale)
    return StatusModel(code=STATUS_CODES.get(application.status, "PENDING"), title=word)


def _name(item: CatalogService, locale: str) -> str:
    return str(getattr(item, f"name_{locale}", None) or item.name_en)


def _localised(value: dict[str, Any] | None, locale: str) -> str:
    return str((value or {}).get(locale) or (value or {}).get("en") or "")


def _service(item: CatalogService, standard: ServiceStandard | None, locale: str, today: date) -> Service:
    body = [Property(code="code", value=item.code)]
    if standard is not None:
        fee = catalog_service.fee_on(standard, today)
        body += [
            Property(code="authority", value=standard.authority_code),
            Property(code="channels", value=",".join(standard.channels)),
            Property(code="term", value=f"{standard.term_amount} {standard.term_unit}"),
            Property(code="form", value=standard.form),
            Property(code="result", value=str(getattr(standard, f"result_{locale}") or standard.result_en)),
            Property(code="fee", value="0" if standard.fee_kind == "free" else str(fee or "")),
            Property(code="extraterritorial", value=str(standard.extraterritorial).lower()),
            *(
                Property(
                    code=f"document.{spec.get('code')}",
                    value=_localised(spec.get("name"), locale)
                    + (f" ({spec['registry']})" if spec.get("registry") else ""),
                )
                for spec in standard.documents
            ),
            *(
                Property(code="refusalGround", value=_localised(ground, locale))
                for ground in standard.refusal_grounds
            ),
        ]
    return Service(
        id=service_uuid(item.id),
        name=_name(item, locale),
        version=str(standard.version if standard else 0),
        type="Public",
        isExecutable=bool(item.active and standard is not None and "centre" in standard.channels),
        isClosed=False,
        description=str(getattr(standard, f"result_{locale}")) if standard else None,
        serviceBody=body,
    )


def _eform(item: CatalogService, standard: ServiceStandard, locale: str, *, latest: bool) -> EFormListItem:
    return EFormListItem(
        eFormId=eform_id(standard),
        name=_name(item, locale),
        description=standard.note or None,
        version=str(standard.version),
        latest=latest,
    )


def _wrapped(answers: dict[str, Any]) -> dict[str, Any]:
    """The form's answers as the standard types them: each an object."""
    return {name: {"value": value} for name, value in answers.items()}


def _unwrapped(data: dict[str, Any] | None) -> dict[str, Any]:
    """Answers sent bare or as ``{"value": answer}``."""
    answers = {}
    for name, value in (data or {}).items():
        if isinstance(value, dict) and set(value) == {"value"}:
            value = value["value"]
        answers[str(name)] = value
    return answers


async def _file(
    session: AsyncSession, application: Application, *, locale: str, name: str | None = None
) -> ApplicationFileResponse:
    item = await catalog_service.get(session, application.service_id)
    documents = await service.list_documents(session, application.id)
    submitted: dict[str, Any] = {
        "applicantId": application.applicant_iin,
        "created": application.created_at.isoformat(),
        "formData": {
            "data": _wrapped(application.form_data),
            "eFormId": f"{service_uuid(application.service_id)}:{application.standard_version}",
        },
        "documentUrls": [document_urn(d) for d in documents],
    }
    if name:
        submitted["applicationName"] = name
    return ApplicationFileResponse(
        fileId=application.number,
        registered=application.submitted_at,
        serviceId=service_uuid(application.service_id),
        serviceName=_name(item, locale),
        status=status_of(application, locale),
        ended=application.status in states.FINAL,
        applicationData=submitted,
        applicantId=application.applicant_iin,
    )


def _visible(application: Application, principal: Principal) -> Application:
    if not (principal.is_admin or service.visible_to(application, principal.branch_ids)):
        raise ApplicationNotFound()
    return application


def _scope(principal: Principal) -> frozenset[int] | None:
    return None if principal.is_admin else principal.branch_ids


def _form_problem(request: Request, error: FormInvalid, locale: str) -> JSONResponse:
    return problem(
        request,
        error.status,
        error.code,
        error.detail(locale),
        errors=[
            {"loc": ["formData", "data", found.field], "msg": found.render(locale), "type": "form"}
            for found in error.errors
        ],
    )


# --- services and e-forms (public) -----------------------------------------------------------------


@router.get("/services")
async def list_services(
    session: DbSession, locale: Locale, now: Now, name: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The catalogue's services, those whose name (in any language) or code contains ``name``."""
    found = await catalog_service.search(session, text=name)
    standards = await catalog_service.current_standards(session, [item.id for item in found])
    return _list([_service(item, standards.get(item.id), locale, now.date()) for item in found])


async def _active_service(session: AsyncSession, service_id: str) -> CatalogService:
    item = await catalog_service.get(session, service_id_of(service_id))
    if not item.active:
        raise NotFound("Service")
    return item


@router.get("/services/{serviceId}")
async def get_service(serviceId: str, session: DbSession, locale: Locale, now: Now) -> Response:
    item = await _active_service(session, serviceId)
    standards = await catalog_service.current_standards(session, [item.id])
    return _json(_service(item, standards.get(item.id), locale, now.date()))


@router.get("/services/{serviceId}/eForms")
async def list_eforms(serviceId: str, session: DbSession, locale: Locale) -> Response:
    """The service's forms: one per version of its standard, the latest first."""
    item = await _active_service(session, serviceId)
    versions = await catalog_service.standard_versions(session, item.id)
    return _list([_eform(item, s, locale, latest=index == 0) for index, s in enumerate(versions)])


@router.get("/eForms/{eFormId}")
async def get_eform(eFormId: str, session: DbSession, locale: Locale) -> Response:
    """A version of a service's form: the standard's ``form_schema`` (JSON Schema, titles in kk/ru/en)."""
    uuid, _, version = eFormId.partition(":")
    if not version.isdigit() or len(version) > 9:
        raise NotFound("Service")
    item = await _active_service(session, uuid)
    try:
        standard = await catalog_service.standard_version(session, item.id, int(version))
    except DomainError:
        raise NotFound("Service") from None
    latest = await catalog_service.current_standard(session, item.id)
    head = _eform(item, standard, locale, latest=latest.version == standard.version)
    return _json(EForm(**head.model_dump(), schema_=standard.form_schema))


# --- documents and applications --------------------------------------------------------------------


def _multipart_files(content_type: str, body: bytes) -> list[bytes]:
    """The contents of the ``file`` fields of a multipart/form-data body: files as sent, text fields as
    base64 (the standard's ``format: base64``)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise UploadInvalid()
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise UploadInvalid()
    files = []
    for part in message.iter_parts():
        if (
            not isinstance(part, EmailMessage)
            or part.get_param("name", header="content-disposition") != "file"
        ):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is None:
            try:
                content = base64.b64decode(content.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise UploadInvalid() from None
        files.append(content)
    return files


@functools.lru_cache(maxsize=8)
def _uploads(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="birtereze.govstack-upload")


def _upload_token(secret: str, *, sha256: str, staff_id: int, now: datetime) -> str:
    """What binds an upload's URN to its content, its uploader and its time (signed, not stored)."""
    return _uploads(secret).dumps([sha256, staff_id, int(now.timestamp())])


def _uploaded_by(secret: str, token: str, *, sha256: str, staff_id: int, now: datetime) -> bool:
    """Whether the token is this server's, for this content, given to this staff member lately."""
    try:
        found = _uploads(secret).loads(token)
    except BadSignature:
        return False
    if not isinstance(found, list) or len(found) != 3:
        return False
    digest, uploader, at = found
    age = now.timestamp() - at if isinstance(at, int) else -1
    return digest == sha256 and uploader == staff_id and 0 <= age <= UPLOAD_VALID_S


@router.post("/documents")
async def upload_document(
    request: Request,
    principal: QueueOperate,
    store: Documents,
    settings: AppSettings,
    now: Now,
    additionalMetadata: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Store one document (PDF, JPEG or PNG); ``additionalMetadata`` names the standard's document code.
    The URN answered is given in an application's ``documentUrls``, by the same staff member, within
    ``UPLOAD_VALID_S``."""
    code = (additionalMetadata or "").strip()
    if code and not CODE.match(code):
        raise UploadInvalid()
    body = await _body(request, store.max_bytes * 2 + 65_536)
    files = _multipart_files(request.headers.get("content-type", ""), body)
    if len(files) != 1:
        raise UploadInvalid()
    stored = store.upload(files[0])
    log.info("govstack.document_uploaded", sha256=stored.sha256, staff_id=principal.staff_id)
    token = _upload_token(settings.secret_key, sha256=stored.sha256, staff_id=principal.staff_id, now=now)
    urn = f"urn:birtereze:document:{code + ':' if code else ''}{stored.sha256}:{token}"
    return _json(UploadResponse(code=200, type=stored.content_type, message=stored.sha256, url=urn))


async def _body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise UploadInvalid()
    return b"".join(chunks)


async def _attach(
    session: AsyncSession,
    application: Application,
    urls: Sequence[str],
    *,
    store: DocumentStore,
    now: datetime,
    staff_id: int,
    secret: str,
) -> None:
    """Add the uploads the URNs name to the application, through the domain's own upload (which checks
    them against the standard). Only URNs this facade's ``POST /documents`` gave the same staff member
    lately are taken (a hash alone, seen in an event or another application, names no one's upload); an
    attached document's own URN, given back unchanged, is left as it is."""
    uploads = [d for d in await service.list_documents(session, application.id) if d.source == "upload"]
    attached = {(d.code, d.sha256) for d in uploads}
    named: list[tuple[str | None, str]] = []
    for url in urls:
        found = DOCUMENT_URN.match(url.strip())
        if found is None:
            raise DocumentUrlUnknown()
        code, sha256, token = found.groups()
        if token is None and (code, sha256) in attached:
            continue
        if token is None or not _uploaded_by(secret, token, sha256=sha256, staff_id=staff_id, now=now):
            raise DocumentUrlUnknown()
        if not store.path(sha256).exists():
            raise DocumentUrlUnknown()
        named.append((code, sha256))
    standard = await catalog_service.current_standard(session, application.service_id)
    have = {d.code for d in uploads}
    have |= {code for code, _ in named if code}
    free = [
        str(spec.get("code"))
        for spec in standard.documents
        if not spec.get("registry") and str(spec.get("code")) not in have
    ]
    for code, sha256 in named:
        if code is None:
            if not free:
                raise DocumentUrlUnknown()
            code = free.pop(0)
        await service.add_document(
            session,
            application,
            code=code,
            content=store.read(sha256),
            store=store,
            now=now,
            staff_id=staff_id,
        )


def _intake_branch(principal: Principal) -> int:
    if not principal.branch_ids:
        raise NoIntakeCentre()
    return min(principal.branch_ids)


@router.post("/services/{serviceId}/applications")
async def file_application(
    serviceId: str,
    body: ApplicationFileSubmit,
    request: Request,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    found: AppRegistries,
    store: Documents,
    settings: AppSettings,
) -> Response:
    """File an application at the caller's centre: the form is checked now; the application waits for the
    centre's ``review`` task, which sends it to the authorised body."""
    item = await _active_service(session, serviceId)
    branch_id = _intake_branch(principal)
    answers = _unwrapped(body.formData.data if body.formData else None)
    standard = await catalog_service.current_standard(session, item.id)
    problems = forms.validate(standard.form_schema, forms.clean(standard.form_schema, answers))
    if problems:
        return _form_problem(request, FormInvalid(problems), locale)
    application = await service.create(
        session,
        service_id=item.id,
        intake_branch_id=branch_id,
        applicant_iin=body.applicantId,
        channel="operator",
        language=locale,
        now=now,
        registries=found,
        form=answers,
        staff_id=principal.staff_id,
    )
    await _attach(
        session,
        application,
        body.documentUrls or [],
        store=store,
        now=now,
        staff_id=principal.staff_id,
        secret=settings.secret_key,
    )
    return _json(await _file(session, application, locale=locale, name=body.applicationName))


@router.get("/applications")
async def list_applications(
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    serviceId: Annotated[str | None, Query(max_length=64)] = None,
    applicantId: Annotated[str | None, Query(max_length=64)] = None,
    firstResult: Annotated[int, Query(ge=0, le=100_000)] = 0,
    maxResult: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 50,
    sortBy: Annotated[str | None, Query(max_length=64)] = None,
    sortOrder: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The applications of the caller's centres, the latest first (``sortBy``/``sortOrder`` are read but
    the order is always the latest first)."""
    service_id = service_id_of(serviceId) if serviceId else None
    iin = applicantId.strip() if applicantId else None
    if iin is not None and not re.fullmatch(r"\d{12}", iin):
        return _list([])
    rows, _ = await service.list_applications(
        session,
        service.Filters(branch_ids=_scope(principal), service_id=service_id, iin=iin),
        now=now,
        limit=maxResult,
        offset=firstResult,
    )
    names = {s.id: _name(s, locale) for s in await catalog_service.list_services(session)}
    items = []
    for application in rows:
        step = STEPS.get(application.status)
        items.append(
            ApplicationListItem(
                fileId=application.number,
                mainTaskId=f"{application.number}:{step}" if step else None,
                taskTitle=STEP_NAMES[step].render(locale) if step else None,
                roleName="operator" if step else None,
                status=status_of(application, locale),
                applicantId=application.applicant_iin,
                created=application.created_at,
                registered=application.submitted_at,
                serviceName=names.get(application.service_id),
                serviceId=service_uuid(application.service_id),
                eformId=f"{service_uuid(application.service_id)}:{application.standard_version}",
            )
        )
    return _list(items)


async def _application(session: AsyncSession, file_id: str, principal: Principal) -> Application:
    if len(file_id) > 16:
        raise ApplicationNotFound()
    return _visible(await service.get_by_number(session, file_id), principal)


@router.get("/applications/{fileId}")
async def get_application(
    fileId: str,
    principal: QueueOperate,
    session: DbSession,
    locale: Locale,
) -> Response:
    application = await _application(session, fileId, principal)
    return _json(await _file(session, application, locale=locale))


@router.put("/applications/{fileId}")
async def update_application(
    fileId: str,
    body: ApplicationFileSubmit,
    request: Request,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    store: Documents,
    settings: AppSettings,
) -> Response:
    """Correct a filed or returned application's answers and documents (checked again at review)."""
    application = await _application(session, fileId, principal)
    if body.applicantId.strip() != application.applicant_iin:
        raise ApplicantMismatch()
    if body.formData is not None and body.formData.data is not None:
        answers = _unwrapped(body.formData.data)
        standard = await catalog_service.current_standard(session, application.service_id)
        problems = forms.validate(standard.form_schema, forms.clean(standard.form_schema, answers))
        if problems:
            return _form_problem(request, FormInvalid(problems), locale)
        await service.update(session, application, now=now, form=answers, staff_id=principal.staff_id)
    if body.documentUrls:
        await _attach(
            session,
            application,
            body.documentUrls,
            store=store,
            now=now,
            staff_id=principal.staff_id,
            secret=settings.secret_key,
        )
    return _json(await _file(session, application, locale=locale, name=body.applicationName))


# --- tasks: the centre's work on applications ------------------------------------------------------


def _task(application: Application, names: dict[int, str], locale: str) -> UserTask:
    step = STEPS[application.status]
    return UserTask(
        taskId=f"{application.number}:{step}",
        mainTaskId=application.number,
        name=STEP_NAMES[step].render(locale),
        roleId="operator",
        created=application.changed_at,
        serviceId=service_uuid(application.service_id),
        serviceName=names.get(application.service_id),
        fileId=application.number,
        eFormId=f"{service_uuid(application.service_id)}:{application.standard_version}",
        status=status_of(application, locale),
    )


@router.get("/tasks")
async def list_tasks(
    principal: QueueOperate,
    session: DbSession,
    locale: Locale,
    mainTaskId: Annotated[str | None, Query(max_length=64)] = None,
    fileId: Annotated[str | None, Query(max_length=64)] = None,
    assigneeId: Annotated[str | None, Query(max_length=64)] = None,
    firstResult: Annotated[int, Query(ge=0, le=100_000)] = 0,
    maxResult: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 50,
    sortBy: Annotated[str | None, Query(max_length=64)] = None,
    sortOrder: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The open tasks of the caller's centres, the longest waiting first. Tasks are the centre's, not
    one person's: ``assigneeId`` is read but filters nothing."""
    number = fileId or mainTaskId
    if number is not None and len(number) > 16:
        return _list([])
    rows = await service.list_in_statuses(
        session, list(STEPS), branch_ids=_scope(principal), number=number, limit=maxResult, offset=firstResult
    )
    names = {s.id: _name(s, locale) for s in await catalog_service.list_services(session)}
    return _list([_task(application, names, locale) for application in rows])


async def _open_task(session: AsyncSession, task_id: str, principal: Principal) -> tuple[Application, str]:
    number, _, step = task_id.partition(":")
    try:
        application = await _application(session, number, principal)
    except ApplicationNotFound:
        raise TaskNotFound() from None
    if STEPS.get(application.status) != step:
        raise TaskNotFound()
    return application, step


@router.get("/tasks/{taskId}")
async def get_task(
    taskId: str,
    principal: QueueOperate,
    session: DbSession,
    locale: Locale,
) -> Response:
    application, _ = await _open_task(session, taskId, principal)
    item = await catalog_service.get(session, application.service_id)
    task = _task(application, {item.id: _name(item, locale)}, locale)
    variables = {"form": dict(application.form_data)}
    data: dict[str, dict[str, Any]] = {
        "application": {
            "number": application.number,
            "status": application.status,
            "applicantId": application.applicant_iin,
            "intakeBranchId": application.intake_branch_id,
            "issuingBranchId": application.issuing_branch_id,
            "deadline": application.deadline_at.isoformat() if application.deadline_at else None,
            "storageCell": application.storage_cell,
        }
    }
    return _json(
        DataUserTask(
            taskId=task.taskId,
            taskName=task.name,
            roleId=task.roleId,
            created=task.created,
            fileId=task.fileId,
            serviceId=task.serviceId,
            serviceName=task.serviceName,
            eFormId=task.eFormId,
            formVariables=variables,
            status=task.status,
            data=data,
        )
    )


def _datum(data: dict[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if isinstance(value, dict) and set(value) == {"value"}:
            value = value["value"]
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise TaskDataInvalid(field=names[0])


@router.post("/tasks/{taskId}/complete")
async def complete_task(
    taskId: str,
    body: AdditionalData,
    request: Request,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    locale: Locale,
    found: AppRegistries,
    store: Documents,
) -> Response:
    """Do the task's step: ``review`` submits the application to the body (the form and documents are
    checked, registries' documents fetched, the deadline set), ``receive`` needs ``storageCell``,
    ``issue`` needs ``presentedIin`` (the identity document's IIN)."""
    application, step = await _open_task(session, taskId, principal)
    data = body.data or {}
    if step == "review":
        in_scope(principal, application.intake_branch_id)
        try:
            application = await service.submit(
                session, application.id, registries=found, store=store, now=now, staff_id=principal.staff_id
            )
        except FormInvalid as error:
            await session.rollback()
            return _form_problem(request, error, locale)
    elif step == "receive":
        in_scope(principal, application.issuing_branch_id)
        cell = _datum(data, "storageCell", "storage_cell")
        if len(cell) > 16:
            raise TaskDataInvalid(field="storageCell")
        application = await service.receive_result(
            session,
            application.id,
            branch_id=application.issuing_branch_id,
            storage_cell=cell,
            now=now,
            staff_id=principal.staff_id,
        )
    else:
        in_scope(principal, application.issuing_branch_id)
        application = await service.issue(
            session,
            application.id,
            branch_id=application.issuing_branch_id,
            presented_iin=_datum(data, "presentedIin", "iin"),
            now=now,
            staff_id=principal.staff_id,
        )
    return _json(
        CompletedTask(
            taskId=taskId,
            fileId=application.number,
            serviceId=service_uuid(application.service_id),
            status=status_of(application, locale),
        )
    )


# --- statistics ------------------------------------------------------------------------------------


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        if not DAY.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise DateInvalid() from None


def _period_start(today: date, timeframe: str) -> date:
    if timeframe == "week":
        return today - timedelta(days=today.weekday())
    if timeframe == "month":
        return today.replace(day=1)
    if timeframe == "year":
        return today.replace(month=1, day=1)
    return today


@router.get("/data/statistics")
async def statistics(
    request: Request,
    principal: QueueOperate,
    session: DbSession,
    now: Now,
    startDate: Annotated[str | None, Query(max_length=10)] = None,
    endDate: Annotated[str | None, Query(max_length=10)] = None,
    registrationName: Annotated[str | None, Query(max_length=200)] = None,
    operator: Annotated[str | None, Query(max_length=200)] = None,
    role: Annotated[str | None, Query(max_length=64)] = None,
    timeframe: Annotated[str | None, Query(pattern="^(day|week|month|year)$")] = None,
) -> Response:
    """How many applications submitted in the period (local days, both ends included) were processed,
    and how many of them approved (a result ready or issued), sent back for correction, or refused.
    Without dates: the current ``timeframe`` (today by default). ``operator`` and ``role`` are echoed, not
    filtered on: the centre's work is counted, not one person's."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    today = now.astimezone(zone).date()
    start = _day(startDate) or _period_start(today, timeframe or "day")
    end = _day(endDate) or today
    service_ids = None
    if registrationName:
        service_ids = [item.id for item in await catalog_service.search(session, text=registrationName)]
    counts = (
        await service.count_submitted_by_status(
            session,
            since=datetime.combine(start, time(), zone),
            until=datetime.combine(end + timedelta(days=1), time(), zone),
            branch_ids=_scope(principal),
            service_ids=service_ids,
        )
        if start <= end
        else {}
    )
    references = StatisticsReferences(
        startDate=start.isoformat(),
        endDate=end.isoformat(),
        registrationName=registrationName,
        operator=operator,
        role=role,
        timeframeDay=timeframe == "day",
        timeframeWeek=timeframe == "week",
        timeframeMonth=timeframe == "month",
        timeframeYear=timeframe == "year",
    )
    return _list(
        [
            Statistics(
                processed=sum(counts.values()),
                approved=sum(counts.get(status, 0) for status in APPROVED),
                sentBack=counts.get("returned", 0),
                rejected=counts.get("refused", 0),
                references=references,
            )
        ]
    )


# --- its own port ----------------------------------------------------------------------------------


def on_port(app: ASGIApp, port: int) -> ASGIApp:
    """``app``, answering the requests that reach ``port`` with the facade as if at its root (any other
    path of the app is out of reach there)."""

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        if scope["type"] in ("http", "websocket") and server and server[1] == port:
            path = PREFIX + scope["path"]
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return dispatch


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def serve(host: str, port: int, *, govstack_port: int, log_level: str) -> None:
    """One server process on two ports: the whole app on ``port``, the facade at the root of
    ``govstack_port``."""
    import sys

    import uvicorn

    from birtereze.web.app import create_app
    from birtereze.web.protocol import HTTP_PROTOCOL

    sockets = [_bind(host, port), _bind(host, govstack_port)]
    config = uvicorn.Config(
        on_port(create_app(), govstack_port),
        log_level=log_level,
        access_log=False,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http=HTTP_PROTOCOL,
    )
    uvicorn.Server(config).run(sockets=sockets)
