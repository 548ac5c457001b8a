"""The citizen's side of the applications (kk/ru/en, 360 px first, and the hall's kiosk at 1080×1920):
the self-service **wizard** and **my applications**.

The wizard is the same on the phone (``/me/apply``, a signed-in citizen: their IIN, the centre they
choose, CSRF-checked forms) and at a kiosk or tablet in the hall (``/kiosk/{branch_id}/apply`` with the
kiosk's token in the address, as ``queue.kiosk``: the applicant types their IIN; the kiosk's centre takes
the application). Its steps, one screen each, every one a plain link or form post (no script needed):

1. choose a service, by life situation or by a search in any language;
2. what is needed: the term, the fee, the documents (those the centre fetches from a registry marked);
   then the centre (phone) or the IIN (kiosk), which starts a draft application;
3. the form, one question group a screen (the schema's ``x-group`` when it has one, otherwise one question
   a screen, the yes/no questions together);
4. the documents to upload (a photo or a PDF: multipart, read here without python-multipart), those from
   registries listed as such;
5. confirm: the answers, the documents and the expected deadline; submit;
6. the result: the application's number and deadline.

A refused step comes back on the same screen with the answers kept and the reasons in the applicant's
language. ``/me/applications`` lists the citizen's applications (status, deadline, issuing centre) and
``/me/applications/{id}`` shows one with its timeline, and lets the citizen choose another issuing centre
while the result has not reached the first.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import forms, service, states
from birtereze.applications.api import AppRegistries, Documents
from birtereze.applications.documents import DocumentStore
from birtereze.applications.errors import ApplicationNotFound, DocumentMissing, FormInvalid
from birtereze.applications.models import Application
from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.catalog.api import today
from birtereze.catalog.models import Service, ServiceStandard
from birtereze.catalog.pages import TERM_UNITS
from birtereze.catalog.situations import LIFE_SITUATIONS, situation_name
from birtereze.citizens import deps
from birtereze.citizens.deps import CitizenPrincipal, PageCitizen
from birtereze.citizens.forms import read_form
from birtereze.core.errors import DomainError, InvalidInput, NotFound
from birtereze.core.i18n import LazyText, _l
from birtereze.core.ids import mask_iin
from birtereze.core.schemas import PathId
from birtereze.kz import calendar
from birtereze.web import keyboards
from birtereze.web.deps import AppSettings, DbSession, HallDevice, Now, in_scope
from birtereze.web.templating import local_time, page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]

# Seconds without a touch before a kiosk's wizard goes back to its first screen (the applicant has gone:
# their IIN and answers must not stay on the screen).
KIOSK_IDLE_S: Final = 90
# A kiosk shows an application it took (its result page) for this long after it was submitted.
KIOSK_RESULT_FOR: Final = timedelta(minutes=30)
# The statuses in which the citizen may still choose where to collect the result.
CENTRE_FIXED: Final = frozenset({"at_issuing_centre", "issued", "refused"})
TONES: Final = {
    "issued": "ok",
    "at_issuing_centre": "ok",
    "result_ready": "ok",
    "refused": "danger",
    "returned": "danger",
    "draft": "muted",
}
# Timeline entries the citizen reads (the others are the staff's bookkeeping).
EVENT_WORDS: Final[dict[str, LazyText]] = {
    "application.created": _l("Application started"),
    "application.submitted": _l("Submitted"),
    "application.issuing_centre_changed": _l("Issuing centre changed"),
}
DONE: Final[dict[str, LazyText]] = {
    "filed": _l("Your application has been submitted."),
    "centre": _l("The issuing centre has been changed."),
}
NOT_OFFERED: Final = _l("This service cannot be applied for here: apply at a Public Service Centre.")
NO_CENTRE: Final = _l("Choose a centre.")
IIN_REQUIRED: Final = _l("Enter your IIN: 12 digits.")
TOO_LARGE: Final = _l("The files are too large: send at most 10 MB each.")
DOCUMENTS_MISSING: Final = _l("Add every document marked as required.")
YES: Final = _l("Yes")
NO: Final = _l("No")
MULTIPART_LIMIT: Final = 64 * 1024


def _positive_int(text: str | None) -> int | None:
    if not text or not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None


# --- where the wizard runs: the phone or a kiosk ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mode:
    kiosk: bool
    base: str  # "/me/apply" or "/kiosk/{branch_id}/apply"
    query: str  # "?lang=…" (and the kiosk's "&access_token=…")
    channel: str  # "portal" or "kiosk"
    standard_channel: str  # the standard's channel that must be offered: "portal" or "centre"
    branch_id: int | None  # the kiosk's centre
    citizen: CitizenPrincipal | None
    # At a kiosk: the draft's token the address came with, and the key its tokens are signed with.
    draft: str = ""
    secret: str = field(default="", repr=False)

    def url(self, path: str = "", **extra: str) -> str:
        more = f"&{urlencode(extra)}" if extra else ""
        return f"{self.base}{path}{self.query}{more}"

    def draft_token(self, application_id: int) -> str:
        """At a kiosk, the token that opens one draft: given only to the applicant who started it (in
        the wizard's addresses), so that the next one at the kiosk cannot open it by its number."""
        return str(
            URLSafeSerializer(self.secret, salt="birtereze.kiosk-draft").dumps(
                [application_id, self.branch_id]
            )
        )

    def application_url(self, application_id: int, path: str) -> str:
        """An address of the wizard about one application (``path`` after its id)."""
        if not self.kiosk:
            return self.url(f"/{application_id}{path}")
        return self.url(f"/{application_id}{path}", draft=self.draft_token(application_id))

    def holds(self, application_id: int) -> bool:
        """Whether the address came with the token of this application (always on the phone)."""
        return not self.kiosk or hmac.compare_digest(self.draft, self.draft_token(application_id))


def _phone(citizen: CitizenPrincipal, locale: str) -> Mode:
    return Mode(
        kiosk=False,
        base="/me/apply",
        query=f"?lang={locale}",
        channel="portal",
        standard_channel="portal",
        branch_id=None,
        citizen=citizen,
    )


def _kiosk(request: Request, principal: Any, branch_id: int, locale: str, secret: str) -> Mode:
    in_scope(principal, branch_id)
    token = request.query_params.get("access_token", "")
    return Mode(
        kiosk=True,
        base=f"/kiosk/{branch_id}/apply",
        query=f"?{urlencode({'lang': locale, 'access_token': token})}",
        channel="kiosk",
        standard_channel="centre",
        branch_id=branch_id,
        citizen=None,
        draft=request.query_params.get("draft", "")[:200],
        secret=secret,
    )


def _page(
    request: Request, mode: Mode, name: str, context: dict[str, Any], locale: str, status: int = 200
) -> HTMLResponse:
    common = {
        "mode": mode,
        "csrf_token": mode.citizen.csrf_token if mode.citizen else "",
        "idle_url": mode.url() if mode.kiosk else "",
        "idle_s": KIOSK_IDLE_S,
        # The kiosk stays out of the phone app's shell (manifest, service worker).
        "pwa": not mode.kiosk,
    }
    if mode.kiosk:
        common |= {
            "keyboard_layouts": keyboards.LAYOUTS[locale],
            "keyboard_digits": keyboards.DIGITS,
            "keyboard_punctuation": keyboards.PUNCTUATION,
        }
    return render(request, name, {**common, **context}, locale=locale, status_code=status)


def _message(request: Request, mode: Mode, locale: str, text: str, status: int) -> HTMLResponse:
    return _page(request, mode, "applications/wizard_message.html", {"message": text}, locale, status)


def _name(row: Service | Branch, locale: str) -> str:
    return str(getattr(row, f"name_{locale}"))


# --- step 1: the services --------------------------------------------------------------------------


async def _offered(
    session: AsyncSession, mode: Mode, services: list[Service] | Any
) -> list[tuple[Service, ServiceStandard]]:
    rows = list(services)
    standards = await catalog_service.current_standards(session, [s.id for s in rows])
    return [
        (s, standards[s.id])
        for s in rows
        if s.id in standards and mode.standard_channel in standards[s.id].channels
    ]


async def _choose(request: Request, session: AsyncSession, mode: Mode, locale: str) -> HTMLResponse:
    text = request.query_params.get("q", "")[:100]
    situation = request.query_params.get("situation") or None
    if situation is not None and situation not in LIFE_SITUATIONS:
        situation = None
    found = await _offered(
        session, mode, await catalog_service.search(session, text=text, life_situation=situation)
    )
    groups: dict[str, list[dict[str, str]]] = {}
    for row, _standard in found:
        groups.setdefault(row.life_situation if row.life_situation in LIFE_SITUATIONS else "", []).append(
            {"name": _name(row, locale), "url": mode.url(f"/service/{row.code}"), "code": row.code}
        )
    order = [*LIFE_SITUATIONS, ""]
    context = {
        "q": text,
        "situation": situation or "",
        "situations": [
            (code, name.render(locale), mode.url(situation=code)) for code, name in LIFE_SITUATIONS.items()
        ],
        "groups": [
            (situation_name(code, locale), sorted(groups[code], key=lambda s: s["name"].casefold()))
            for code in order
            if code in groups
        ],
        "count": len(found),
        "filtered": bool(text or situation),
    }
    return _page(request, mode, "applications/wizard_services.html", context, locale)


# --- step 2: what is needed, and the start ----------------------------------------------------------


def _documents(standard: ServiceStandard, locale: str) -> list[dict[str, Any]]:
    return [
        {
            "code": str(d.get("code")),
            "name": (d.get("name") or {}).get(locale) or (d.get("name") or {}).get("en") or d.get("code"),
            "registry": d.get("registry"),
            "optional": bool(d.get("optional")),
        }
        for d in standard.documents
    ]


async def _standard_of(session: AsyncSession, mode: Mode, code: str) -> tuple[Service, ServiceStandard]:
    row = await catalog_service.get_by_code(session, code[:32])
    if row is None or not row.active:
        raise NotFound("Service")
    offered = await _offered(session, mode, [row])
    if not offered:
        raise NotFound("Service")
    return offered[0]


async def _needed(
    request: Request,
    session: AsyncSession,
    mode: Mode,
    code: str,
    now: datetime,
    locale: str,
    *,
    notice: str | None = None,
    chosen: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        row, standard = await _standard_of(session, mode, code)
    except NotFound:
        return _message(request, mode, locale, NOT_OFFERED.render(locale), 404)
    authority = await catalog_service.get_authority(session, standard.authority_code)
    branches = [] if mode.kiosk else await branches_service.list_branches(session)
    context = {
        "service": row,
        "name": _name(row, locale),
        "authority": authority.name(locale),
        "term": TERM_UNITS[standard.term_unit].render(locale, amount=standard.term_amount),
        "standard": standard,
        "fee_kzt": catalog_service.fee_on(standard, today(now)),
        "fee_payment": standard.text("fee_payment", locale),
        "result": standard.text("result", locale),
        "documents": _documents(standard, locale),
        "questions": len(standard.form_schema.get("properties") or {}),
        "branches": sorted(((b.id, _name(b, locale)) for b in branches), key=lambda b: b[1].casefold()),
        "chosen": chosen or {},
        "notice": notice,
        "action": mode.url(f"/service/{row.code}"),
        "back": mode.url(),
    }
    return _page(request, mode, "applications/wizard_needed.html", context, locale, status)


async def _start(
    request: Request,
    session: AsyncSession,
    mode: Mode,
    code: str,
    now: datetime,
    locale: str,
    found: AppRegistries,
    form: dict[str, str],
) -> Response:
    try:
        row, _standard = await _standard_of(session, mode, code)
    except NotFound:
        return _message(request, mode, locale, NOT_OFFERED.render(locale), 404)
    branch_id: int | None
    citizen_id: int | None
    if mode.kiosk:
        iin, branch_id, citizen_id = form.get("iin", "").replace(" ", "")[:20], mode.branch_id, None
        if not iin:
            return await _needed(
                request, session, mode, code, now, locale, notice=IIN_REQUIRED.render(locale), status=400
            )
    else:
        assert mode.citizen is not None
        iin, citizen_id = mode.citizen.iin, mode.citizen.citizen_id
        branch_id = _positive_int(form.get("branch_id"))
    if branch_id is None:
        return await _needed(
            request, session, mode, code, now, locale, notice=NO_CENTRE.render(locale), status=400
        )
    try:
        application = await service.create(
            session,
            service_id=row.id,
            intake_branch_id=branch_id,
            applicant_iin=iin,
            channel=mode.channel,
            language=locale,
            now=now,
            registries=found,
            citizen_id=citizen_id,
        )
    except DomainError as error:
        await session.rollback()
        chosen = {"branch_id": str(branch_id)} if not mode.kiosk else {"iin": iin}
        return await _needed(
            request,
            session,
            mode,
            code,
            now,
            locale,
            notice=error.detail(locale),
            chosen=chosen,
            status=error.status,
        )
    return RedirectResponse(mode.application_url(application.id, "/step/0"), status_code=303)


# --- steps 3–5: the form, the documents, confirming --------------------------------------------------


def screens(schema: dict[str, Any]) -> list[list[str]]:
    """The form's questions, one group a screen: by ``x-group`` when the schema names groups, otherwise
    one question a screen with the yes/no questions together (where the first of them stands)."""
    properties: dict[str, Any] = schema.get("properties") or {}
    grouped: dict[str, list[str]] = {}
    for name, spec in properties.items():
        if "x-group" in spec:
            key = f"group:{spec['x-group']}"
        elif spec.get("type") == "boolean":
            key = "booleans"
        else:
            key = f"field:{name}"
        grouped.setdefault(key, []).append(name)
    return list(grouped.values())


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # "form", "documents", "confirm"
    fields: list[str]


def steps_of(standard: ServiceStandard) -> list[Step]:
    found = [Step("form", names) for names in screens(standard.form_schema)]
    if standard.documents:
        found.append(Step("documents", []))
    found.append(Step("confirm", []))
    return found


def _sub_schema(schema: dict[str, Any], names: list[str]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    return {
        "type": "object",
        "properties": {name: properties[name] for name in names if name in properties},
        "required": [name for name in schema.get("required") or () if name in names],
    }


def _answer_text(spec: dict[str, Any], value: Any, locale: str) -> str:
    if isinstance(value, bool):
        return (YES if value else NO).render(locale)
    titles = spec.get("x-enum-titles") or {}
    if str(value) in titles:
        return str(titles[str(value)].get(locale) or value)
    return str(value)


async def _wizard_application(
    session: AsyncSession, mode: Mode, application_id: int, now: datetime, *, editable: bool = True
) -> Application:
    """The draft this wizard works on: the citizen's own, or the one this kiosk started for the applicant
    in front of it (its address carries the draft's token) lately."""
    if mode.kiosk:
        if not mode.holds(application_id):
            raise ApplicationNotFound()
        application = await service.get(session, application_id)
        recent = application.created_at >= now - KIOSK_RESULT_FOR or (
            application.submitted_at is not None and application.submitted_at >= now - KIOSK_RESULT_FOR
        )
        if application.intake_branch_id != mode.branch_id or application.channel != "kiosk" or not recent:
            raise ApplicationNotFound()
    else:
        assert mode.citizen is not None
        application = await service.get_mine(
            session, application_id, citizen_id=mode.citizen.citizen_id, iin=mode.citizen.iin
        )
    if editable and application.status not in states.EDITABLE:
        raise ApplicationNotFound()
    return application


async def _step_page(
    request: Request,
    session: AsyncSession,
    mode: Mode,
    application: Application,
    index: int,
    now: datetime,
    locale: str,
    *,
    values: dict[str, Any] | None = None,
    problems: list[forms.FieldProblem] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    standard = await catalog_service.current_standard(session, application.service_id)
    row = await catalog_service.get(session, application.service_id)
    steps = steps_of(standard)
    index = max(0, min(index, len(steps) - 1))
    step = steps[index]
    schema = standard.form_schema
    properties: dict[str, Any] = schema.get("properties") or {}
    answers = dict(application.form_data or {})
    if values is not None:
        answers.update(values)
    errors = {found.field: found.render(locale) for found in problems or []}
    context: dict[str, Any] = {
        "application": application,
        "name": _name(row, locale),
        "step": step,
        "index": index,
        "count": len(steps),
        "answers": answers,
        "errors": errors,
        "notice": notice,
        "action": mode.application_url(application.id, f"/step/{index}"),
        "back": mode.application_url(application.id, f"/step/{index - 1}")
        if index
        else mode.url(f"/service/{row.code}"),
        "applicant": mask_iin(application.applicant_iin),
    }
    if step.kind == "form":
        context["fields"] = [f for f in forms.fields(schema, locale) if f.name in step.fields]
    elif step.kind in ("documents", "confirm"):
        uploaded = {
            d.code for d in await service.list_documents(session, application.id) if d.source == "upload"
        }
        context["documents"] = [
            {**d, "uploaded": d["code"] in uploaded} for d in _documents(standard, locale)
        ]
    if step.kind == "confirm":
        branch = await branches_service.get(session, application.issuing_branch_id)
        context["summary"] = [
            (f.title, _answer_text(properties[f.name], answers[f.name], locale))
            for f in forms.fields(schema, locale)
            if f.name in answers
        ]
        context["centre"] = _name(branch, locale)
        context["expected"] = local_time(
            calendar.deadline(now, standard.term_amount, standard.term_unit, timezone=branch.timezone),
            branch.timezone,
            locale,
        )
        context["edit_urls"] = {
            name: mode.application_url(application.id, f"/step/{i}")
            for i, s in enumerate(steps)
            for name in s.fields
        }
    return _page(request, mode, "applications/wizard_step.html", context, locale, status)


async def read_multipart(request: Request, limit: int) -> tuple[dict[str, str], dict[str, bytes]]:
    """A ``multipart/form-data`` body's fields and files (the files not empty), read with the standard
    library; ``InvalidInput`` for another body, ``ValueError`` for one over ``limit`` bytes."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidInput()
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise ValueError("too large")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(EmailMessage, policy=HTTP).parsebytes(head + b"".join(chunks))
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        raise InvalidInput()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        if part.get_filename() is not None:
            if payload:
                files[name] = payload
        else:
            fields.setdefault(name, payload.decode("utf-8", "replace"))
    return fields, files


async def _step_post(
    request: Request,
    session: AsyncSession,
    mode: Mode,
    application_id: int,
    index: int,
    now: datetime,
    locale: str,
    found: AppRegistries,
    store: DocumentStore,
) -> Response:
    try:
        application = await _wizard_application(session, mode, application_id, now)
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    standard = await catalog_service.current_standard(session, application.service_id)
    steps = steps_of(standard)
    if not 0 <= index < len(steps):
        return RedirectResponse(mode.application_url(application.id, "/step/0"), status_code=303)
    step = steps[index]
    files: dict[str, bytes] = {}
    try:
        if step.kind == "documents":
            form, files = await read_multipart(request, store.max_bytes * 4 + MULTIPART_LIMIT)
        else:
            form = await read_form(request)
    except ValueError:
        return await _step_page(
            request,
            session,
            mode,
            application,
            index,
            now,
            locale,
            notice=TOO_LARGE.render(locale),
            status=413,
        )
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    if mode.citizen is not None:
        try:
            deps.refuse_cross_site(request)
            deps.check_csrf(mode.citizen, form.get("csrf_token"))
        except DomainError as error:
            return _message(request, mode, locale, error.detail(locale), error.status)
    going_back = form.get("go") == "back"
    if step.kind == "form":
        sub = _sub_schema(standard.form_schema, step.fields)
        posted = forms.from_html(sub, form)
        problems = [] if going_back else forms.validate(sub, posted)
        if problems:
            return await _step_page(
                request,
                session,
                mode,
                application,
                index,
                now,
                locale,
                values=posted,
                problems=problems,
                status=400,
            )
        answers = {k: v for k, v in (application.form_data or {}).items() if k not in step.fields}
        await service.update(session, application, now=now, form={**answers, **posted})
    elif step.kind == "documents":
        try:
            for code, content in files.items():
                await service.add_document(
                    session, application, code=code, content=content, store=store, now=now
                )
        except DomainError as error:
            await session.rollback()
            application = await _wizard_application(session, mode, application_id, now)
            return await _step_page(
                request,
                session,
                mode,
                application,
                index,
                now,
                locale,
                notice=error.detail(locale),
                status=error.status,
            )
        if not going_back:
            uploaded = {
                d.code for d in await service.list_documents(session, application.id) if d.source == "upload"
            }
            if any(
                not d["registry"] and not d["optional"] and d["code"] not in uploaded
                for d in _documents(standard, locale)
            ):
                return await _step_page(
                    request,
                    session,
                    mode,
                    application,
                    index,
                    now,
                    locale,
                    notice=DOCUMENTS_MISSING.render(locale),
                    status=400,
                )
    elif not going_back:
        return await _submit(request, session, mode, application, steps, now, locale, found, store)
    target = index - 1 if going_back else index + 1
    if going_back and index == 0:
        return RedirectResponse(
            mode.url(f"/service/{(await catalog_service.get(session, application.service_id)).code}"),
            status_code=303,
        )
    return RedirectResponse(mode.application_url(application.id, f"/step/{target}"), status_code=303)


async def _submit(
    request: Request,
    session: AsyncSession,
    mode: Mode,
    application: Application,
    steps: list[Step],
    now: datetime,
    locale: str,
    found: AppRegistries,
    store: DocumentStore,
) -> Response:
    application_id = application.id
    try:
        await service.submit(session, application_id, registries=found, store=store, now=now)
    except FormInvalid as invalid:
        await session.rollback()
        application = await _wizard_application(session, mode, application_id, now)
        fields = {found_.field for found_ in invalid.errors}
        index = next((i for i, s in enumerate(steps) if fields & set(s.fields)), 0)
        return await _step_page(
            request, session, mode, application, index, now, locale, problems=list(invalid.errors), status=400
        )
    except DomainError as error:
        await session.rollback()
        application = await _wizard_application(session, mode, application_id, now)
        index = len(steps) - 1
        if isinstance(error, DocumentMissing):
            index = next((i for i, s in enumerate(steps) if s.kind == "documents"), index)
        return await _step_page(
            request,
            session,
            mode,
            application,
            index,
            now,
            locale,
            notice=error.detail(locale),
            status=error.status,
        )
    if mode.kiosk:
        return RedirectResponse(mode.application_url(application_id, "/done"), status_code=303)
    return RedirectResponse(
        f"/me/applications/{application_id}?{urlencode({'lang': locale, 'done': 'filed'})}", status_code=303
    )


# --- the phone's routes -------------------------------------------------------------------------------


@router.get("/me/apply", name="apply")
async def apply(request: Request, citizen: PageCitizen, session: DbSession, locale: PageLocale) -> Response:
    """The wizard's first screen on the phone: choose a service."""
    return await _choose(request, session, _phone(citizen, locale), locale)


@router.get("/me/apply/service/{code}", name="apply_service")
async def apply_service(
    code: str, request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """What the service needs, and the centre to apply at."""
    return await _needed(request, session, _phone(citizen, locale), code, now, locale)


@router.post("/me/apply/service/{code}", name="apply_start")
async def apply_start(
    code: str,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    found: AppRegistries,
) -> Response:
    """Start a draft application at the chosen centre."""
    mode = _phone(citizen, locale)
    try:
        form = await read_form(request)
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    return await _start(request, session, mode, code, now, locale, found, form)


@router.get("/me/apply/{application_id}/step/{index}", name="apply_step")
async def apply_step(
    application_id: PathId,
    index: int,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    """One screen of the wizard."""
    mode = _phone(citizen, locale)
    try:
        application = await _wizard_application(session, mode, application_id, now)
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    return await _step_page(request, session, mode, application, index, now, locale)


@router.post("/me/apply/{application_id}/step/{index}", name="apply_step_post")
async def apply_step_post(
    application_id: PathId,
    index: int,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    found: AppRegistries,
    store: Documents,
) -> Response:
    mode = _phone(citizen, locale)
    return await _step_post(request, session, mode, application_id, index, now, locale, found, store)


# --- the kiosk's routes -------------------------------------------------------------------------------


@router.get("/kiosk/{branch_id}/apply", name="kiosk_apply")
async def kiosk_apply(
    branch_id: PathId,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    locale: PageLocale,
    settings: AppSettings,
) -> Response:
    """The wizard's first screen at the kiosk: choose a service."""
    await branches_service.get(session, branch_id)
    return await _choose(
        request, session, _kiosk(request, principal, branch_id, locale, settings.secret_key), locale
    )


@router.get("/kiosk/{branch_id}/apply/service/{code}", name="kiosk_apply_service")
async def kiosk_apply_service(
    branch_id: PathId,
    code: str,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    settings: AppSettings,
) -> Response:
    """What the service needs, and the applicant's IIN."""
    return await _needed(
        request,
        session,
        _kiosk(request, principal, branch_id, locale, settings.secret_key),
        code,
        now,
        locale,
    )


@router.post("/kiosk/{branch_id}/apply/service/{code}", name="kiosk_apply_start")
async def kiosk_apply_start(
    branch_id: PathId,
    code: str,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    settings: AppSettings,
    found: AppRegistries,
) -> Response:
    mode = _kiosk(request, principal, branch_id, locale, settings.secret_key)
    try:
        form = await read_form(request)
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    return await _start(request, session, mode, code, now, locale, found, form)


@router.get("/kiosk/{branch_id}/apply/{application_id}/step/{index}", name="kiosk_apply_step")
async def kiosk_apply_step(
    branch_id: PathId,
    application_id: PathId,
    index: int,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    settings: AppSettings,
) -> Response:
    mode = _kiosk(request, principal, branch_id, locale, settings.secret_key)
    try:
        application = await _wizard_application(session, mode, application_id, now)
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    return await _step_page(request, session, mode, application, index, now, locale)


@router.post("/kiosk/{branch_id}/apply/{application_id}/step/{index}", name="kiosk_apply_step_post")
async def kiosk_apply_step_post(
    branch_id: PathId,
    application_id: PathId,
    index: int,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    settings: AppSettings,
    found: AppRegistries,
    store: Documents,
) -> Response:
    mode = _kiosk(request, principal, branch_id, locale, settings.secret_key)
    return await _step_post(request, session, mode, application_id, index, now, locale, found, store)


@router.get("/kiosk/{branch_id}/apply/{application_id}/done", name="kiosk_apply_done")
async def kiosk_apply_done(
    branch_id: PathId,
    application_id: PathId,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    now: Now,
    locale: PageLocale,
    settings: AppSettings,
) -> Response:
    """The application just submitted at the kiosk: its number and deadline."""
    mode = _kiosk(request, principal, branch_id, locale, settings.secret_key)
    try:
        application = await _wizard_application(session, mode, application_id, now, editable=False)
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    view = await application_view(session, application, now=now, locale=locale)
    return _page(request, mode, "applications/wizard_done.html", {"a": view}, locale)


# --- my applications ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationView:
    id: int
    number: str
    service: str
    status: str
    state: str
    tone: str
    submitted: str
    deadline: str
    overdue: bool
    centre: str
    centre_id: int
    centre_changeable: bool
    storage_cell: str | None
    grounds: list[str]
    correctable: bool


async def application_view(
    session: AsyncSession, application: Application, *, now: datetime, locale: str
) -> ApplicationView:
    row = await catalog_service.get(session, application.service_id)
    branch = await branches_service.get(session, application.issuing_branch_id)
    word = states.STATUS_WORDS.get(application.status)
    text = word.render(locale) if word else application.status
    return ApplicationView(
        id=application.id,
        number=application.number,
        service=_name(row, locale),
        status=application.status,
        state=text[:1].upper() + text[1:],
        tone=TONES.get(application.status, "info"),
        submitted=local_time(application.submitted_at, branch.timezone, locale),
        deadline=local_time(application.deadline_at, branch.timezone, locale),
        overdue=application.deadline_at is not None
        and application.deadline_at <= now
        and application.status in states.WITH_THE_BODY,
        centre=_name(branch, locale),
        centre_id=branch.id,
        centre_changeable=application.status not in CENTRE_FIXED,
        storage_cell=application.storage_cell,
        grounds=list(application.grounds or []),
        correctable=application.status == "returned",
    )


@router.get("/me/applications", name="my_applications")
async def my_applications(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """The citizen's applications, the latest first: status, deadline, issuing centre."""
    rows = await service.list_mine(session, citizen_id=citizen.citizen_id, iin=citizen.iin)
    views = [await application_view(session, row, now=now, locale=locale) for row in rows]
    return _page(
        request,
        _phone(citizen, locale),
        "applications/citizen_list.html",
        {"citizen": citizen, "items": views},
        locale,
    )


async def _detail(
    request: Request,
    session: AsyncSession,
    citizen: CitizenPrincipal,
    application: Application,
    now: datetime,
    locale: str,
    *,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = await application_view(session, application, now=now, locale=locale)
    branch = await branches_service.get(session, application.issuing_branch_id)
    timeline = []
    for event in await service.timeline(session, application.id):
        word = EVENT_WORDS.get(event.type)
        if word is None:
            status_word = states.STATUS_WORDS.get(event.type.removeprefix("application."))
            if status_word is None or event.type == "application.draft":
                continue
            word = status_word
        said = word.render(locale)
        timeline.append((local_time(event.at, branch.timezone, locale), said[:1].upper() + said[1:]))
    branches = await branches_service.list_branches(session)
    done = DONE.get(request.query_params.get("done", ""))
    context = {
        "citizen": citizen,
        "a": view,
        "timeline": timeline,
        "branches": sorted(((b.id, _name(b, locale)) for b in branches), key=lambda b: b[1].casefold()),
        "done": done.render(locale) if done else None,
        "notice": notice,
        "correct_url": f"/me/apply/{application.id}/step/0?lang={locale}",
    }
    return _page(
        request, _phone(citizen, locale), "applications/citizen_detail.html", context, locale, status
    )


@router.get("/me/applications/{application_id}", name="my_application")
async def my_application(
    application_id: PathId,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    """One application: its number, status, deadline, issuing centre (changeable) and timeline."""
    try:
        application = await service.get_mine(
            session, application_id, citizen_id=citizen.citizen_id, iin=citizen.iin
        )
        if application.status == "draft":
            raise ApplicationNotFound()
    except DomainError as error:
        return _message(request, _phone(citizen, locale), locale, error.detail(locale), error.status)
    return await _detail(request, session, citizen, application, now, locale)


@router.post("/me/applications/{application_id}/centre", name="my_application_centre")
async def my_application_centre(
    application_id: PathId,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    """Choose another centre to collect the result at."""
    mode = _phone(citizen, locale)
    try:
        form = await read_form(request)
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
        application = await service.get_mine(
            session, application_id, citizen_id=citizen.citizen_id, iin=citizen.iin
        )
    except DomainError as error:
        return _message(request, mode, locale, error.detail(locale), error.status)
    branch_id = _positive_int(form.get("branch_id"))
    try:
        if branch_id is None:
            raise NotFound("Branch")
        await service.change_issuing_branch(session, application, branch_id=branch_id, now=now)
    except DomainError as error:
        await session.rollback()
        application = await service.get_mine(
            session, application_id, citizen_id=citizen.citizen_id, iin=citizen.iin
        )
        return await _detail(
            request,
            session,
            citizen,
            application,
            now,
            locale,
            notice=error.detail(locale),
            status=error.status,
        )
    return RedirectResponse(
        f"/me/applications/{application_id}?{urlencode({'lang': locale, 'done': 'centre'})}", status_code=303
    )
