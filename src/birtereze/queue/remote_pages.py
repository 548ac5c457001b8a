"""The citizen's remote-ticket pages (mobile first, kk/ru/en): ``/me/tickets`` (today's tickets),
``/me/tickets/new?branch_id=`` (a service of the centre, with its line and estimated wait), taking one
(a plain form post with the session's CSRF token), and ``/arrive/{branch_id}/{key}``: the address of the
QR code on the centre's kiosks, which checks the signed-in citizen's ticket in.

Like ``/me``, without a session each page sends the browser to the sign-in page, and back after it (the
arrival QR page too: signed in, the ticket is checked in); the ticket itself is then followed on its
own page, ``/t/{token}`` (queue.pages)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.citizens import deps
from birtereze.citizens.deps import CitizenPrincipal, PageCitizen
from birtereze.citizens.forms import read_form
from birtereze.core import security
from birtereze.core.errors import DomainError, NotFound
from birtereze.core.i18n import _l
from birtereze.queue import load as queue_load
from birtereze.queue.errors import ArrivalKeyInvalid, NoRemoteTicket
from birtereze.queue.remote_api import take_ticket
from birtereze.queue.service import remote
from birtereze.web.deps import AppSettings, DbSession, Now
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
BAD_CHOICE: Final = _l("This choice is not valid: start again from the list.")
CENTRE_CLOSED: Final = _l("The centre is closed now: remote tickets are taken while it is open.")
REMOTE_OFF: Final = _l("This centre does not issue tickets by phone: take a ticket at its kiosk.")


def _ticket_page(request: Request, visit_id: int, now: datetime, locale: str) -> RedirectResponse:
    token = security.sign_ticket(request.app.state.settings.secret_key, visit_id, now)
    return RedirectResponse(
        f"{request.app.url_path_for('ticket_page', token=token)}?lang={locale}", status_code=303
    )


def _positive_int(text: str | None) -> int | None:
    """A query or form field that must be an id: None when absent or not a positive number."""
    if not text or not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None


def _message(request: Request, locale: str, message: str, status_code: int) -> HTMLResponse:
    return render(
        request, "queue/remote_message.html", {"message": message}, locale=locale, status_code=status_code
    )


@dataclass(frozen=True, slots=True)
class MyTicket:
    number: str
    centre: str
    status: str
    arrived: bool
    people_ahead: int
    estimated_minutes: int
    url: str


@router.get("/me/tickets", name="my_tickets")
async def my_tickets(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """Today's tickets (remote ones and booked ones checked in), each with its place and a link to its
    live page."""
    secret = request.app.state.settings.secret_key
    tickets = []
    centres: dict[int, Branch] = {}
    for visit in await remote.list_mine(session, citizen_id=citizen.citizen_id, now=now):
        if visit.branch_id not in centres:
            centres[visit.branch_id] = await branches_service.get(session, visit.branch_id)
        ahead, wait_s, _estimates = await queue_load.ticket_estimate(session, visit, now=now)
        token = security.sign_ticket(secret, visit.id, now)
        tickets.append(
            MyTicket(
                number=visit.number,
                centre=getattr(centres[visit.branch_id], f"name_{locale}"),
                status=visit.status,
                arrived=visit.arrived_at is not None,
                people_ahead=ahead,
                estimated_minutes=math.ceil(wait_s / 60),
                url=f"{request.app.url_path_for('ticket_page', token=token)}?lang={locale}",
            )
        )
    context = {"tickets": tickets, "finder": request.app.url_path_for("branch_finder")}
    return render(request, "queue/remote_list.html", context, locale=locale)


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    id: int
    name: str
    waiting: int
    estimated_minutes: int


async def _new_page(
    request: Request,
    session: AsyncSession,
    citizen: CitizenPrincipal,
    now: datetime,
    locale: str,
    *,
    branch_id: int | None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "citizen": citizen,
        "notice": notice,
        "branch": None,
        "centre": "",
        "branches": [],
        "services": [],
        "held": None,
        "closed": False,
        "base": f"{request.app.url_path_for('remote_ticket_new')}?lang={locale}",
        "finder": request.app.url_path_for("branch_finder"),
        "action": f"{request.app.url_path_for('remote_ticket_take')}?lang={locale}",
    }
    branch = None if branch_id is None else await branches_service.find_active(session, branch_id)
    if branch_id is not None and branch is None:
        context["notice"], status_code = BAD_CHOICE.render(locale), 404
    if branch is None:
        context["branches"] = sorted(
            (
                (b.id, getattr(b, f"name_{locale}"), str(getattr(b, f"address_{locale}")))
                for b in await branches_service.list_branches(session)
                if b.active and b.remote_tickets
            ),
            key=lambda row: row[1].casefold(),
        )
        return render(request, "queue/remote_new.html", context, locale=locale, status_code=status_code)
    context.update(branch=branch, centre=getattr(branch, f"name_{locale}"))
    if not branch.remote_tickets:
        context["notice"] = context["notice"] or REMOTE_OFF.render(locale)
        return render(request, "queue/remote_new.html", context, locale=locale, status_code=status_code)
    held = await remote.active_ticket(session, citizen_id=citizen.citizen_id, branch_id=branch.id)
    if held is not None:
        token = security.sign_ticket(request.app.state.settings.secret_key, held.id, now)
        context["held"] = (
            held.number,
            f"{request.app.url_path_for('ticket_page', token=token)}?lang={locale}",
        )
    hours = await branches_service.list_hours(session, branch_id=branch.id)
    special = await branches_service.list_special_days(session, branch_id=branch.id)
    if not branches_service.is_open(branch.timezone, now, hours, special):
        context["closed"] = True
        context["notice"] = context["notice"] or CENTRE_CLOSED.render(locale)
    # The live line of each service (the load the finder shows): a few statements for the whole centre.
    load = await queue_load.branch_load(session, branch_id=branch.id, now=now)
    ids = list(load.services)
    choices = []
    for service in await catalog_service.list_services(session, ids=ids) if ids else []:
        line = load.queues.get(load.services[service.id])
        choices.append(
            ServiceChoice(
                id=service.id,
                name=getattr(service, f"name_{locale}"),
                waiting=line.waiting if line else 0,
                estimated_minutes=math.ceil(line.estimated_wait_s / 60) if line else 0,
            )
        )
    context["services"] = sorted(choices, key=lambda choice: choice.name.casefold())
    return render(request, "queue/remote_new.html", context, locale=locale, status_code=status_code)


@router.get("/me/tickets/new", name="remote_ticket_new")
async def remote_ticket_new(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """Take a ticket on the phone: the centre (from the finder, or a list), then the service."""
    branch_id = _positive_int(request.query_params.get("branch_id"))
    return await _new_page(request, session, citizen, now, locale, branch_id=branch_id)


@router.post("/me/tickets", name="remote_ticket_take")
async def remote_ticket_take(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """The form of ``/me/tickets/new``: the ticket is taken and its page opens."""
    form = await read_form(request)
    branch_id = _positive_int(form.get("branch_id"))
    service_id = _positive_int(form.get("service_id"))
    try:
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
    except DomainError as error:
        return _message(request, locale, error.detail(locale), 403)
    if branch_id is None or service_id is None:
        return await _new_page(
            request,
            session,
            citizen,
            now,
            locale,
            branch_id=branch_id,
            notice=BAD_CHOICE.render(locale),
            status_code=400,
        )
    try:
        visit, _estimate = await take_ticket(
            session,
            citizen_id=citizen.citizen_id,
            branch_id=branch_id,
            service_id=service_id,
            language=locale,
            now=now,
        )
    except DomainError as error:
        await session.rollback()
        return await _new_page(
            request,
            session,
            citizen,
            now,
            locale,
            branch_id=branch_id,
            notice=error.detail(locale),
            status_code=error.status,
        )
    return _ticket_page(request, visit.id, now, locale)


def _arrival_refused(request: Request, locale: str, branch_id: int, key: str) -> HTMLResponse | None:
    if not 0 < branch_id <= 2**62 or len(key) > 64:
        return _message(request, locale, ArrivalKeyInvalid().detail(locale), 404)
    return None


@router.get("/arrive/{branch_id}/{key}", name="remote_arrive")
async def remote_arrive(
    branch_id: int,
    key: str,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    locale: PageLocale,
) -> Response:
    """The kiosk's "took a ticket on your phone?" QR code: the signed-in citizen confirms that they are
    here, and their remote ticket at this centre is checked in (a POST, so that no link elsewhere can
    check anyone in). A ticket checked in already opens at once."""
    refused = _arrival_refused(request, locale, branch_id, key)
    if refused is not None:
        return refused
    if not remote.arrival_key_matches(settings.secret_key, branch_id, now, key):
        return _message(request, locale, ArrivalKeyInvalid().detail(locale), 404)
    held = await remote.active_ticket(session, citizen_id=citizen.citizen_id, branch_id=branch_id)
    if held is None or held.status != "waiting":
        return _message(request, locale, NoRemoteTicket().detail(locale), NoRemoteTicket.status)
    if held.arrived_at is not None:
        return _ticket_page(request, held.id, now, locale)
    branch = await branches_service.get(session, branch_id)
    context = {
        "number": held.number,
        "centre": getattr(branch, f"name_{locale}"),
        "action": f"{request.app.url_path_for('remote_arrive_confirm', branch_id=branch_id, key=key)}"
        f"?lang={locale}",
        "citizen": citizen,
    }
    return render(request, "queue/remote_arrive.html", context, locale=locale)


@router.post("/arrive/{branch_id}/{key}", name="remote_arrive_confirm")
async def remote_arrive_confirm(
    branch_id: int,
    key: str,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    locale: PageLocale,
) -> Response:
    """The confirmation's form: the ticket is checked in, and its page opens."""
    refused = _arrival_refused(request, locale, branch_id, key)
    if refused is not None:
        return refused
    form = await read_form(request)
    try:
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
        visit = await remote.arrive_by_key(
            session,
            citizen_id=citizen.citizen_id,
            branch_id=branch_id,
            key=key,
            secret=settings.secret_key,
            now=now,
        )
    except NotFound:
        return _message(request, locale, ArrivalKeyInvalid().detail(locale), 404)
    except DomainError as error:
        return _message(request, locale, error.detail(locale), error.status)
    return _ticket_page(request, visit.id, now, locale)
