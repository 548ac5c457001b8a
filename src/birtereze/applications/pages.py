"""The staff's screens of the one window (1366×768 and up), reached with the staff's bearer token as
``access_token`` in the address, as the other staff pages:

- the operator's **intake** (``/applications/intake``): a service and the applicant's IIN — linked to the
  ticket at the console's window when opened from it — then the service's form rendered from its
  standard's ``form_schema`` (``applications.forms``), the documents to upload (the page's script sends
  each file to the REST API) and those fetched from registries, and the submission; mistakes come back
  translated on the page, with every answer kept;
- the **issue** zone (``/applications/issue``): results ready to be put in a storage cell and those
  waiting in one; the IIN of the identity document shown is checked against the applicant's;
- the **back office** (``/applications/back-office``): the applications filtered by status, service,
  centre and deadline, and each application's page with its timeline.

Forms post ``application/x-www-form-urlencoded`` bodies to these pages; the domain's refusals come back
on the page, never as a bare error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import forms, service
from birtereze.applications.api import AppRegistries, Documents
from birtereze.applications.errors import ApplicationNotFound, DocumentMissing, FormInvalid
from birtereze.applications.models import Application
from birtereze.applications.states import EDITABLE, STATUS_WORDS, STATUSES, WITH_THE_BODY
from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import ServiceStandard
from birtereze.citizens.forms import read_form
from birtereze.core.errors import DomainError, NotFound
from birtereze.core.i18n import _l
from birtereze.core.ids import mask_iin
from birtereze.core.schemas import PathId
from birtereze.queue import service as queue_service
from birtereze.staff import service as staff_service
from birtereze.staff.service import Principal
from birtereze.web.deps import DbSession, Now, QueueOperate, in_scope
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
PAGE_SIZE: Final = 25

CHOOSE_CENTRE: Final = _l("Choose a centre.")
CHOOSE_SERVICE: Final = _l("Choose a service.")
SAVED: Final = _l("The answers are saved.")
SUBMITTED: Final = _l("Application {number} is submitted; the deadline is {deadline}.")
RECEIVED: Final = _l("The result of {number} is in cell {cell}; the applicant is told.")
ISSUED: Final = _l("The result of {number} is issued.")
CELL_NEEDED: Final = _l("Enter the storage cell.")
REGISTRY_NAMES: Final = {
    "population": _l("population registry"),
    "vehicle": _l("vehicle registry"),
    "real_estate": _l("real-estate registry"),
    "civil": _l("civil registry"),
}
EVENT_WORDS: Final = {
    "application.created": _l("taken as a draft"),
    "application.edited": _l("answers changed"),
    "application.document_added": _l("document uploaded"),
    "application.issuing_centre_changed": _l("issuing centre changed"),
    "application.answer_ignored": _l("a late answer of the body, recorded"),
    "application.deadline_near": _l("the deadline is near"),
    "application.overdue": _l("the deadline has passed"),
}


@dataclass(frozen=True, slots=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class DocumentLine:
    code: str
    name: str
    registry: str | None  # the registry's name, when the centre fetches it
    optional: bool
    have: bool  # uploaded or fetched already
    missing: bool  # named by the last refusal


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    number: str
    service: str
    iin: str
    status: str
    status_word: str
    created: str
    deadline: str
    overdue: bool
    intake: str
    issuing: str
    cell: str | None


@dataclass(frozen=True, slots=True)
class Step:
    at: str
    what: str
    who: str | None
    detail: str


def _name(row: object, locale: str) -> str:
    return str(getattr(row, f"name_{locale}"))


def _local(moment: datetime | None, zone: ZoneInfo, pattern: str = "%d.%m.%Y %H:%M") -> str:
    return moment.astimezone(zone).strftime(pattern) if moment is not None else ""


def _token(request: Request) -> str:
    return request.query_params.get("access_token", "")


def _again(request: Request, path: str, locale: str, **params: object) -> RedirectResponse:
    """Back to a page after a post (303), carrying the token and the language."""
    query = {"lang": locale, **{k: str(v) for k, v in params.items() if v not in (None, "")}}
    if _token(request):
        query["access_token"] = _token(request)
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() and len(value.strip()) < 10 else None


def _default_branch(principal: Principal, wanted: int | None) -> int | None:
    if wanted is not None:
        in_scope(principal, wanted)
        return wanted
    if len(principal.branch_ids) == 1:
        return next(iter(principal.branch_ids))
    return None


async def _branches(session: AsyncSession, principal: Principal, locale: str) -> list[Named]:
    ids = None if principal.is_admin else sorted(principal.branch_ids)
    return [
        Named(b.id, _name(b, locale))
        for b in await branches_service.list_branches(session, ids=ids)
        if b.active
    ]


async def _visible(session: AsyncSession, application_id: int, principal: Principal) -> Application:
    application = await service.get(session, application_id)
    if not (principal.is_admin or service.visible_to(application, principal.branch_ids)):
        raise ApplicationNotFound()
    return application


async def _centre_services(session: AsyncSession, locale: str) -> list[Named]:
    """The services with a standard taken at a centre, by name."""
    services = await catalog_service.search(session)
    standards = await catalog_service.current_standards(session, [s.id for s in services])
    return sorted(
        (
            Named(s.id, f"{s.code} · {_name(s, locale)}")
            for s in services
            if s.id in standards and "centre" in standards[s.id].channels
        ),
        key=lambda n: n.name.casefold(),
    )


async def _rows(session: AsyncSession, rows: list[Application], *, now: datetime, locale: str) -> list[Row]:
    service_names = {
        s.id: _name(s, locale)
        for s in await catalog_service.list_services(session, ids=sorted({a.service_id for a in rows}))
    }
    branch_ids = sorted({a.intake_branch_id for a in rows} | {a.issuing_branch_id for a in rows})
    branches = {b.id: b for b in await branches_service.list_branches(session, ids=branch_ids)}
    lines = []
    for a in rows:
        branch = branches.get(a.intake_branch_id)
        zone = ZoneInfo(branch.timezone if branch else "Asia/Almaty")
        lines.append(
            Row(
                id=a.id,
                number=a.number,
                service=service_names.get(a.service_id, f"#{a.service_id}"),
                iin=mask_iin(a.applicant_iin),
                status=a.status,
                status_word=STATUS_WORDS[a.status].render(locale) if a.status in STATUS_WORDS else a.status,
                created=_local(a.created_at, zone),
                deadline=_local(a.deadline_at, zone),
                overdue=a.deadline_at is not None and a.deadline_at <= now and a.status in WITH_THE_BODY,
                intake=_name(branches[a.intake_branch_id], locale) if a.intake_branch_id in branches else "",
                issuing=_name(branches[a.issuing_branch_id], locale)
                if a.issuing_branch_id in branches
                else "",
                cell=a.storage_cell,
            )
        )
    return lines


# --- intake --------------------------------------------------------------------------------------


async def _start_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    *,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "branches": await _branches(session, principal, locale),
        "services": await _centre_services(session, locale),
        "values": values,
        "error": error,
        "token": _token(request),
    }
    return render(
        request, "applications/staff_intake_start.html", context, locale=locale, status_code=status_code
    )


@router.get("/applications/intake", name="application_intake")
async def intake_start(
    request: Request, session: DbSession, principal: QueueOperate, locale: PageLocale
) -> HTMLResponse:
    """A new application: the centre, the service and the applicant's IIN (and the ticket, from the
    console)."""
    query = request.query_params
    branch_id = _default_branch(principal, _int(query.get("branch_id")))
    values = {
        "branch_id": str(branch_id or ""),
        "visit_id": str(_int(query.get("visit_id")) or ""),
        "ticket": query.get("ticket", "")[:16],
        "service_id": str(_int(query.get("service_id")) or ""),
        "applicant_iin": "",
    }
    return await _start_page(request, session, principal, locale, values=values)


@router.post("/applications/intake", name="application_intake_post")
async def intake_create(
    request: Request,
    session: DbSession,
    now: Now,
    principal: QueueOperate,
    locale: PageLocale,
    found: AppRegistries,
) -> Response:
    """Take the draft, then go on to its form and documents; a refusal comes back on the page."""
    fields = await read_form(request)
    values = {
        key: fields.get(key, "")[:32]
        for key in ("branch_id", "visit_id", "ticket", "service_id", "applicant_iin")
    }
    branch_id, service_id = _int(values["branch_id"]), _int(values["service_id"])
    error = None
    if branch_id is None:
        error = CHOOSE_CENTRE.render(locale)
    elif service_id is None:
        error = CHOOSE_SERVICE.render(locale)
    else:
        in_scope(principal, branch_id)
        try:
            async with session.begin_nested():
                application = await service.create(
                    session,
                    service_id=service_id,
                    intake_branch_id=branch_id,
                    applicant_iin=values["applicant_iin"],
                    channel="operator",
                    language=locale,
                    now=now,
                    registries=found,
                    visit_id=_int(values["visit_id"]),
                    staff_id=principal.staff_id,
                )
        except DomainError as refused:
            error = refused.detail(locale)
        else:
            path = str(request.app.url_path_for("application_draft", application_id=application.id))
            return _again(request, path, locale)
    return await _start_page(request, session, principal, locale, values=values, error=error, status_code=400)


async def _draft_page(
    request: Request,
    session: AsyncSession,
    application: Application,
    locale: str,
    *,
    posted: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    missing: str | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    standard: ServiceStandard = await catalog_service.current_standard(session, application.service_id)
    documents = await service.list_documents(session, application.id)
    have = {d.code for d in documents}
    lines = [
        DocumentLine(
            code=str(spec.get("code")),
            name=str((spec.get("name") or {}).get(locale) or spec.get("code")),
            registry=REGISTRY_NAMES[str(spec["registry"])].render(locale)
            if spec.get("registry") in REGISTRY_NAMES
            else (str(spec["registry"]) if spec.get("registry") else None),
            optional=bool(spec.get("optional")),
            have=str(spec.get("code")) in have,
            missing=str(spec.get("code")) == missing,
        )
        for spec in standard.documents
    ]
    values: dict[str, Any] = (
        dict(posted) if posted is not None else {k: v for k, v in application.form_data.items()}
    )
    service_row = await catalog_service.get(session, application.service_id)
    branch = await branches_service.get(session, application.intake_branch_id)
    ticket = None
    if application.visit_id is not None:
        try:
            ticket = (await queue_service.get_visit(session, application.visit_id)).number
        except NotFound:
            ticket = None
    context = {
        "application": application,
        "editable": application.status in EDITABLE,
        "status_word": STATUS_WORDS[application.status].render(locale),
        "service_name": _name(service_row, locale),
        "branch_name": _name(branch, locale),
        "ticket": ticket,
        "fields": forms.fields(standard.form_schema, locale),
        "values": values,
        "problems": problems or {},
        "documents": lines,
        "grounds": application.grounds or [],
        "deadline": _local(application.deadline_at, ZoneInfo(branch.timezone)),
        "error": error,
        "notice": notice,
        "token": _token(request),
    }
    return render(request, "applications/staff_intake.html", context, locale=locale, status_code=status_code)


@router.get("/applications/{application_id}/intake", name="application_draft")
async def intake_draft(
    application_id: PathId,
    request: Request,
    session: DbSession,
    principal: QueueOperate,
    locale: PageLocale,
) -> HTMLResponse:
    """A draft's form and documents (or a returned application's, to correct), and its submission."""
    application = await _visible(session, application_id, principal)
    notice = None
    if request.query_params.get("saved"):
        notice = SAVED.render(locale)
    return await _draft_page(request, session, application, locale, notice=notice)


@router.post("/applications/{application_id}/intake", name="application_draft_post")
async def intake_save(
    application_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: QueueOperate,
    locale: PageLocale,
    found: AppRegistries,
    store: Documents,
) -> Response:
    """Save the answers (``action=save``), or save and submit them (``action=submit``). The answers are
    kept whatever is refused, and shown again with the reasons."""
    application = await _visible(session, application_id, principal)
    posted = await read_form(request)
    action = posted.pop("action", "save")
    standard = await catalog_service.current_standard(session, application.service_id)
    data = forms.from_html(standard.form_schema, posted)
    try:
        await service.update(session, application, now=now, form=data, staff_id=principal.staff_id)
    except DomainError as refused:
        return await _draft_page(
            request,
            session,
            application,
            locale,
            posted=posted,
            error=refused.detail(locale),
            status_code=409,
        )
    if action != "submit":
        path = str(request.app.url_path_for("application_draft", application_id=application.id))
        return _again(request, path, locale, saved=1)
    problems = forms.validate(standard.form_schema, data)
    if problems:
        return await _draft_page(
            request,
            session,
            application,
            locale,
            posted=posted,
            problems={p.field: p.render(locale) for p in problems},
            error=FormInvalid(problems).detail(locale),
            status_code=400,
        )
    try:
        async with session.begin_nested():
            await service.submit(
                session, application.id, registries=found, store=store, now=now, staff_id=principal.staff_id
            )
    except FormInvalid as invalid:
        return await _draft_page(
            request,
            session,
            application,
            locale,
            posted=posted,
            problems={p.field: p.render(locale) for p in invalid.errors},
            error=invalid.detail(locale),
            status_code=400,
        )
    except DocumentMissing as missing:
        await session.refresh(application)
        return await _draft_page(
            request,
            session,
            application,
            locale,
            posted=posted,
            missing=missing.document,
            error=missing.detail(locale),
            status_code=400,
        )
    except DomainError as refused:
        await session.refresh(application)
        return await _draft_page(
            request,
            session,
            application,
            locale,
            posted=posted,
            error=refused.detail(locale),
            status_code=400,
        )
    path = str(request.app.url_path_for("application_page", application_id=application.id))
    return _again(request, path, locale, submitted=1)


# --- the issue zone ------------------------------------------------------------------------------


async def _issue_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    *,
    now: datetime,
    branch_id: int | None,
    notice: str | None = None,
    error: str | None = None,
    failed_id: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ready: list[Row] = []
    waiting: list[Row] = []
    if branch_id is not None:
        rows = list(await service.waiting_for_issue(session, branch_id=branch_id))
        search = request.query_params.get("q", "").strip().upper()[:16]
        if search:
            rows = [a for a in rows if a.number == search or a.applicant_iin == search]
        lines = await _rows(session, rows, now=now, locale=locale)
        ready = [line for line in lines if line.status == "result_ready"]
        waiting = [line for line in lines if line.status == "at_issuing_centre"]
    context = {
        "branches": await _branches(session, principal, locale),
        "branch_id": branch_id,
        "ready": ready,
        "waiting": waiting,
        "q": request.query_params.get("q", "")[:16],
        "notice": notice,
        "error": error,
        "failed_id": failed_id,
        "token": _token(request),
    }
    return render(request, "applications/staff_issue.html", context, locale=locale, status_code=status_code)


@router.get("/applications/issue", name="application_issue")
async def issue_zone(
    request: Request, session: DbSession, now: Now, principal: QueueOperate, locale: PageLocale
) -> HTMLResponse:
    """The results at this centre: ready to be put in a cell, and waiting in one for the applicant."""
    branch_id = _default_branch(principal, _int(request.query_params.get("branch_id")))
    query = request.query_params
    notice = None
    if query.get("received") and query.get("cell"):
        notice = RECEIVED.render(locale, number=query["received"][:16], cell=query["cell"][:16])
    elif query.get("issued"):
        notice = ISSUED.render(locale, number=query["issued"][:16])
    return await _issue_page(request, session, principal, locale, now=now, branch_id=branch_id, notice=notice)


@router.post("/applications/{application_id}/issue-zone", name="application_issue_post")
async def issue_action(
    application_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: QueueOperate,
    locale: PageLocale,
) -> Response:
    """``action=receive`` with ``storage_cell``, or ``action=issue`` with ``presented_iin`` (checked
    against the applicant's); a refusal comes back on the issue page."""
    application = await _visible(session, application_id, principal)
    in_scope(principal, application.issuing_branch_id)
    branch_id = application.issuing_branch_id
    fields = await read_form(request)
    path = str(request.app.url_path_for("application_issue"))
    try:
        async with session.begin_nested():
            if fields.get("action") == "receive":
                cell = fields.get("storage_cell", "").strip()[:16]
                if not cell:
                    return await _issue_page(
                        request,
                        session,
                        principal,
                        locale,
                        now=now,
                        branch_id=branch_id,
                        error=CELL_NEEDED.render(locale),
                        failed_id=application.id,
                        status_code=400,
                    )
                await service.receive_result(
                    session,
                    application.id,
                    branch_id=branch_id,
                    storage_cell=cell,
                    now=now,
                    staff_id=principal.staff_id,
                )
                return _again(
                    request, path, locale, branch_id=branch_id, received=application.number, cell=cell
                )
            await service.issue(
                session,
                application.id,
                branch_id=branch_id,
                presented_iin=fields.get("presented_iin", "")[:20],
                now=now,
                staff_id=principal.staff_id,
            )
    except DomainError as refused:
        await session.refresh(application)
        return await _issue_page(
            request,
            session,
            principal,
            locale,
            now=now,
            branch_id=branch_id,
            error=f"{application.number}: {refused.detail(locale)}",
            failed_id=application.id,
            status_code=refused.status,
        )
    return _again(request, path, locale, branch_id=branch_id, issued=application.number)


# --- the back office -----------------------------------------------------------------------------


@router.get("/applications/back-office", name="applications_back_office")
async def back_office(
    request: Request, session: DbSession, now: Now, principal: QueueOperate, locale: PageLocale
) -> HTMLResponse:
    """The applications of the caller's centres, the latest first, filtered by status, service, centre
    and deadline."""
    query = request.query_params
    status = query.get("status") if query.get("status") in STATUSES else None
    service_id = _int(query.get("service_id"))
    branch_id = _int(query.get("branch_id"))
    overdue = query.get("overdue") in ("1", "on", "true")
    number = query.get("number", "").strip()[:16] or None
    page = min(_int(query.get("page")) or 1, 4000)
    if branch_id is not None:
        in_scope(principal, branch_id)
        branch_ids: frozenset[int] | None = frozenset({branch_id})
    else:
        branch_ids = None if principal.is_admin else principal.branch_ids
    rows, total = await service.list_applications(
        session,
        service.Filters(
            branch_ids=branch_ids, status=status, service_id=service_id, number=number, overdue=overdue
        ),
        now=now,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    services = [Named(s.id, f"{s.code} · {_name(s, locale)}") for s in await catalog_service.search(session)]
    filters = {
        "status": status or "",
        "service_id": service_id or "",
        "branch_id": branch_id or "",
        "overdue": "1" if overdue else "",
        "number": number or "",
    }

    def page_url(to: int) -> str:
        params = {k: str(v) for k, v in filters.items() if v}
        params.update(page=str(to), lang=locale)
        if _token(request):
            params["access_token"] = _token(request)
        return f"{request.url.path}?{urlencode(params)}"

    context = {
        "rows": await _rows(session, list(rows), now=now, locale=locale),
        "total": total,
        "page": page,
        "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page * PAGE_SIZE < total else None,
        "filters": filters,
        "statuses": [(s, STATUS_WORDS[s].render(locale)) for s in STATUSES],
        "services": services,
        "branches": await _branches(session, principal, locale),
        "token": _token(request),
    }
    return render(request, "applications/staff_list.html", context, locale=locale)


@router.get("/applications/{application_id}", name="application_page")
async def application_page(
    application_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: QueueOperate,
    locale: PageLocale,
) -> HTMLResponse:
    """One application: what was asked, its documents, deadline, result and grounds, and its timeline."""
    application = await _visible(session, application_id, principal)
    (row,) = await _rows(session, [application], now=now, locale=locale)
    branch = await branches_service.get(session, application.intake_branch_id)
    zone = ZoneInfo(branch.timezone)
    standard = await catalog_service.current_standard(session, application.service_id)
    titles = {f.name: f.title for f in forms.fields(standard.form_schema, locale)}
    names = {
        str(spec.get("code")): str((spec.get("name") or {}).get(locale) or spec.get("code"))
        for spec in standard.documents
    }
    events = await service.timeline(session, application.id)
    people: dict[int, str] = {}
    for staff_id in {e.staff_id for e in events if e.staff_id is not None}:
        try:
            people[staff_id] = (await staff_service.get(session, staff_id)).full_name
        except NotFound:
            continue
    steps = []
    for event in events:
        data = dict(event.data or {})
        kind = event.type.removeprefix("application.")
        word = EVENT_WORDS.get(event.type) or STATUS_WORDS.get(kind)
        detail = ", ".join(
            str(value)
            for value in (
                names.get(str(data.get("code")), data.get("code")),
                data.get("storage_cell"),
                *(data.get("grounds") or []),
            )
            if value
        )
        steps.append(
            Step(
                at=_local(event.at, zone, "%d.%m.%Y %H:%M:%S"),
                what=word.render(locale) if word else event.type,
                who=people.get(event.staff_id) if event.staff_id is not None else None,
                detail=detail,
            )
        )
    documents = [
        (names.get(d.code, d.code), d) for d in await service.list_documents(session, application.id)
    ]
    context = {
        "application": application,
        "row": row,
        "answers": [(titles.get(k, k), v) for k, v in application.form_data.items()],
        "documents": documents,
        "registry_names": {k: v.render(locale) for k, v in REGISTRY_NAMES.items()},
        "steps": steps,
        "editable": application.status in EDITABLE,
        "issued_at": _local(application.issued_at, zone),
        "submitted": bool(request.query_params.get("submitted")),
        "token": _token(request),
    }
    return render(request, "applications/staff_application.html", context, locale=locale)
