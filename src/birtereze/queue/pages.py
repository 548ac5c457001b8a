"""The citizen's ticket page: the address printed in the ticket's QR code; no login, the token is the key."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.citizens.deps import CitizenPrincipal, MaybeCitizen
from birtereze.core.errors import Conflict
from birtereze.core.i18n import _l
from birtereze.core.schemas import PathId
from birtereze.queue import load as queue_load
from birtereze.queue import service as queue_service
from birtereze.queue.errors import TicketTokenInvalid
from birtereze.queue.service.rows import VisitRow
from birtereze.queue.states import VISIT_ENDED
from birtereze.web.deps import AppSettings, DbSession, HallDevice, Now, in_scope
from birtereze.web.templating import page_locale, render

if TYPE_CHECKING:
    from birtereze.queue import printing

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
BoardZone = Annotated[int | None, Query(gt=0, le=2**62, description="One zone's board")]
# How often an open ticket page asks for news; a page in a background tab does not ask.
REFRESH_S = 5
CANNOT_CANCEL = _l("This ticket can no longer be cancelled.")
OPEN_TODAY = _l("Today the centre is open from {opens} to {closes}.")
CLOSED_TODAY = _l("The centre is closed today.")
# The board's standing notices, in turn after today's hours.
HALL_NOTICES = (
    _l("Persons with disabilities, pregnant women and veterans are served out of turn."),
    _l("Please have your identity document ready before you are called."),
    _l("Follow your turn on your phone: scan the QR code on your ticket."),
)


@dataclass(frozen=True, slots=True)
class TicketView:
    token: str
    number: str
    status: str
    branch: str
    queue: str
    services: list[str]
    people_ahead: int
    estimated_minutes: int
    window_number: int | None
    issued: datetime  # in the centre's time zone
    back_in_queue_at: str | None
    # Taken on the phone; and whether its holder has checked in at the centre (others arrived at issue).
    remote: bool = False
    arrived: bool = True
    citizen_id: int | None = None

    @property
    def awaiting_arrival(self) -> bool:
        """A remote ticket whose holder is not at the centre yet: it keeps its place, is not called."""
        return self.remote and not self.arrived and self.status == "waiting"

    @property
    def issued_at(self) -> str:
        return self.issued.strftime("%H:%M")

    @property
    def ended(self) -> bool:
        return self.status in VISIT_ENDED

    @property
    def key(self) -> str:
        """Changes whenever what the page shows changes, so the page redraws only then."""
        return "|".join(
            str(part)
            for part in (
                self.status,
                self.people_ahead,
                self.estimated_minutes,
                self.window_number,
                self.back_in_queue_at,
                self.arrived,
            )
        )


async def visit_by_token(session: AsyncSession, settings: AppSettings, token: str, now: datetime) -> VisitRow:
    return await queue_service.get_visit_by_token(
        session,
        token=token,
        secret=settings.secret_key,
        max_age_s=settings.ticket_token_max_age_days * 86400,
        now=now,
    )


async def ticket_view(
    session: AsyncSession, visit: VisitRow, *, token: str, now: datetime, locale: str
) -> TicketView:
    branch = await branches_service.get(session, visit.branch_id)
    queue = await queue_service.get_queue(session, visit.queue_id)
    lines = await queue_service.list_visit_services(session, visit_id=visit.id)
    services = await catalog_service.list_services(session, ids=[line.service_id for line in lines])
    ahead, wait_s, _estimates = await queue_load.ticket_estimate(session, visit, now=now)
    window_number = None
    if visit.window_id is not None and visit.status in ("called", "serving"):
        window_number = (await branches_service.get_window(session, visit.window_id)).number
    zone = ZoneInfo(branch.timezone)
    back_at = None
    if visit.status == "waiting" and visit.available_at > now:
        back_at = visit.available_at.astimezone(zone).strftime("%H:%M")
    return TicketView(
        token=token,
        number=visit.number,
        status=visit.status,
        branch=getattr(branch, f"name_{locale}"),
        queue=getattr(queue, f"name_{locale}"),
        services=[getattr(service, f"name_{locale}") for service in services],
        people_ahead=ahead,
        estimated_minutes=math.ceil(wait_s / 60),
        window_number=window_number,
        issued=visit.issued_at.astimezone(zone),
        back_in_queue_at=back_at,
        remote=visit.remote,
        arrived=visit.arrived_at is not None,
        citizen_id=visit.citizen_id,
    )


def _not_found(request: Request, locale: str) -> HTMLResponse:
    return render(request, "queue/ticket_not_found.html", {}, locale=locale, status_code=404)


def _page(
    request: Request,
    view: TicketView,
    locale: str,
    *,
    notice: str | None = None,
    citizen: CitizenPrincipal | None = None,
) -> HTMLResponse:
    context = {
        "ticket": view,
        "refresh_s": REFRESH_S,
        "notice": notice,
        # The ticket's own citizen, signed in on this phone: offered web push notifications.
        "citizen": citizen if citizen is not None and citizen.citizen_id == view.citizen_id else None,
    }
    return render(request, "queue/ticket.html", context, locale=locale, status_code=409 if notice else 200)


@router.get("/t/{token}", name="ticket_page")
async def ticket_page(
    token: str,
    request: Request,
    session: DbSession,
    now: Now,
    settings: AppSettings,
    locale: PageLocale,
    citizen: MaybeCitizen,
) -> HTMLResponse:
    """The ticket's number, status, people ahead and estimated wait; "go to window N" when called. A
    remote ticket not checked in yet says so and offers to check in by the phone's location."""
    try:
        visit = await visit_by_token(session, settings, token, now)
    except TicketTokenInvalid:
        return _not_found(request, locale)
    view = await ticket_view(session, visit, token=token, now=now, locale=locale)
    return _page(request, view, locale, citizen=citizen)


@router.get("/t/{token}/live", name="ticket_page_live")
async def ticket_page_live(
    token: str, request: Request, session: DbSession, now: Now, settings: AppSettings, locale: PageLocale
) -> HTMLResponse:
    """The changing part of the ticket page, which the open page fetches every few seconds."""
    try:
        visit = await visit_by_token(session, settings, token, now)
    except TicketTokenInvalid:
        return _not_found(request, locale)
    view = await ticket_view(session, visit, token=token, now=now, locale=locale)
    return render(request, "queue/_ticket_live.html", {"ticket": view}, locale=locale)


def slip_of(request: Request, view: TicketView, locale: str) -> printing.Slip:
    """What the printed ticket says, with the address of the ticket's page for its QR code."""
    from birtereze.queue import printing

    return printing.Slip(
        centre=view.branch,
        number=view.number,
        service=", ".join(view.services) or view.queue,
        issued_at=view.issued,
        people_ahead=view.people_ahead,
        estimated_minutes=view.estimated_minutes,
        status_url=str(request.url_for("ticket_page", token=view.token)),
        locale=locale,
    )


@router.get("/t/{token}/ticket.pdf", name="ticket_pdf", response_class=Response)
async def ticket_pdf(
    token: str, request: Request, session: DbSession, now: Now, settings: AppSettings, locale: PageLocale
) -> Response:
    """The ticket as an 80 mm slip in PDF, as the kiosk prints it, with the QR code of this page."""
    from birtereze.queue import printing  # PDF and imaging libraries: loaded by the processes that print

    try:
        visit = await visit_by_token(session, settings, token, now)
    except TicketTokenInvalid:
        return _not_found(request, locale)
    view = await ticket_view(session, visit, token=token, now=now, locale=locale)
    slip = slip_of(request, view, locale)
    # About 60 ms of CPU (the font subset, the QR code): off the event loop.
    return Response(
        await asyncio.to_thread(printing.ticket_pdf, slip),
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="ticket.pdf"', "Cache-Control": "no-store"},
    )


@router.post("/t/{token}/cancel", name="ticket_page_cancel")
async def ticket_page_cancel(
    token: str, request: Request, session: DbSession, now: Now, settings: AppSettings, locale: PageLocale
) -> Response:
    """The citizen gives up the ticket (the page asks for confirmation first)."""
    try:
        visit = await visit_by_token(session, settings, token, now)
    except TicketTokenInvalid:
        return _not_found(request, locale)
    try:
        await queue_service.cancel(session, visit_id=visit.id, now=now)
    except Conflict:
        await session.rollback()
        visit = await visit_by_token(session, settings, token, now)
        view = await ticket_view(session, visit, token=token, now=now, locale=locale)
        return _page(request, view, locale, notice=CANNOT_CANCEL.render(locale))
    target = request.url_for("ticket_page", token=token).include_query_params(lang=locale)
    return RedirectResponse(f"{target.path}?{target.query}", status_code=303)


@dataclass(frozen=True, slots=True)
class BoardQueue:
    prefix: str
    name: str
    waiting: int
    estimated_minutes: int


async def _board_queues(
    session: AsyncSession, branch_id: int, now: datetime, locale: str, zone_id: int | None
) -> list[BoardQueue]:
    """Each queue's waiting count and estimated wait (of one zone's queues, for a zone's board), as the
    board's side panel shows them."""
    return [
        BoardQueue(
            prefix=queue.prefix,
            name=getattr(queue, f"name_{locale}"),
            waiting=live.waiting,
            estimated_minutes=math.ceil(live.estimated_wait_s / 60),
        )
        for queue, live in await queue_load.queue_loads(session, branch_id=branch_id, now=now)
        if zone_id is None or queue.zone_id == zone_id
    ]


async def _information_line(session: AsyncSession, branch_id: int, now: datetime, locale: str) -> list[str]:
    """What the board's bottom line says in turn: today's hours, then the hall's standing notices."""
    branch = await branches_service.get(session, branch_id)
    today = branches_service.local_now(branch, now).date()
    hours = branches_service.hours_on(
        today,
        await branches_service.list_hours(session, branch_id=branch_id),
        await branches_service.list_special_days(session, branch_id=branch_id),
    )
    if hours is None:
        first = CLOSED_TODAY.render(locale)
    else:
        first = OPEN_TODAY.render(locale, opens=hours[0].strftime("%H:%M"), closes=hours[1].strftime("%H:%M"))
    return [first, *(notice.render(locale) for notice in HALL_NOTICES)]


@router.get("/board/{branch_id}", name="display_board")
async def display_board(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: HallDevice,
    locale: PageLocale,
    zone: BoardZone = None,
) -> HTMLResponse:
    """The hall's display board (1920×1080): the tickets called and their windows, live, each call
    announced in Kazakh, then Russian. A board signs in with a kiosk's token in ``?access_token=``; with
    ``?zone=`` it is one zone's board: that zone's windows and queues only."""
    in_scope(principal, branch_id)
    branch = await branches_service.get(session, branch_id)
    title = getattr(branch, f"name_{locale}")
    windows: list[int] = []  # a zone's board: the numbers of its windows
    if zone is not None:
        place = await branches_service.get_zone(session, zone, branch_id=branch_id)
        title = f"{title} · {getattr(place, f'name_{locale}')}"
        windows = [
            w.number
            for w in await branches_service.list_windows(session, branch_id=branch_id)
            if w.zone_id == zone
        ]
    calls = await queue_service.list_calls(session, branch_id=branch_id)
    context = {
        "branch_id": branch_id,
        "branch": title,
        "zone": zone,
        "windows": windows,
        "timezone": branch.timezone,
        "token": request.query_params.get("access_token", ""),
        # The calls already on when the board starts; the stream brings the next ones.
        "calls": [call for call in calls if zone is None or call[1] in windows],
        "queues": await _board_queues(session, branch_id, now, locale, zone),
        "information": await _information_line(session, branch_id, now, locale),
    }
    return render(request, "queue/board.html", context, locale=locale)


@router.get("/board/{branch_id}/queues", name="display_board_queues")
async def display_board_queues(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: HallDevice,
    locale: PageLocale,
    zone: BoardZone = None,
) -> HTMLResponse:
    """The board's waiting counts per queue, which the board fetches again as tickets come and go."""
    in_scope(principal, branch_id)
    queues = await _board_queues(session, branch_id, now, locale, zone)
    return render(request, "queue/_board_queues.html", {"queues": queues}, locale=locale)
