"""REST routes of remote tickets: a signed-in citizen takes a ticket on the phone and follows it; the
ticket's holder checks in by the phone's location (the signed ticket token is the key, as for the other
``/ticket-status`` routes)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.citizens.deps import CitizenAction, CurrentCitizen
from birtereze.core import security
from birtereze.core.settings import Settings
from birtereze.core.sql import transaction
from birtereze.queue import load as queue_load
from birtereze.queue import service as queue_service
from birtereze.queue.api import ticket_status_of
from birtereze.queue.schemas import (
    ArrivalPosition,
    RemoteTicketCreate,
    RemoteTicketList,
    RemoteTicketRead,
    TicketStatus,
)
from birtereze.queue.service import remote
from birtereze.queue.service.rows import VisitRow
from birtereze.web.deps import AppSettings, DbSession, Now
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["remote tickets"])

TAKE_ANSWERS: dict[int | str, dict[str, str]] = {
    409: {
        "description": "No phone to notify, a remote ticket at this centre already, remote tickets off, "
        "or the centre closed"
    },
}
ARRIVE_ANSWERS: dict[int | str, dict[str, str]] = {
    409: {"description": "Too far from the centre (the answer says how far), or not a remote ticket waiting"},
}


async def take_ticket(
    session: AsyncSession,
    *,
    citizen_id: int,
    branch_id: int,
    service_id: int,
    language: str,
    now: datetime,
) -> tuple[VisitRow, queue_load.TicketEstimate]:
    """Take a remote ticket (``remote.take``) and keep the wait predictors' estimates with it, as a
    kiosk's ticket keeps them: the API's and the page's way."""
    visit = await remote.take(
        session,
        citizen_id=citizen_id,
        branch_id=branch_id,
        service_id=service_id,
        language=language,
        now=now,
    )
    estimate = await queue_load.ticket_estimate(session, visit, now=now)
    if estimate.estimates is not None:
        await queue_service.remember_estimates(session, visit_id=visit.id, estimates=estimate.estimates)
    return visit, estimate


async def remote_ticket_read(
    session: AsyncSession,
    request: Request,
    settings: Settings,
    visit: VisitRow,
    now: datetime,
    estimate: queue_load.TicketEstimate | None = None,
) -> RemoteTicketRead:
    """A remote ticket with its place, estimate and signed token."""
    ahead, wait, _estimates = estimate or await queue_load.ticket_estimate(session, visit, now=now)
    token = security.sign_ticket(settings.secret_key, visit.id, now)
    return RemoteTicketRead(
        id=visit.id,
        branch_id=visit.branch_id,
        number=visit.number,
        status=visit.status,
        arrived=visit.arrived_at is not None,
        people_ahead=ahead,
        estimated_wait_s=wait if visit.status == "waiting" else 0,
        issued_at=visit.issued_at,
        status_token=token,
        status_url=str(request.url_for("ticket_page", token=token)),
    )


@router.post(
    "/remote-tickets",
    operation_id="takeRemoteTicket",
    status_code=201,
    response_model=RemoteTicketRead,
    responses=TAKE_ANSWERS,
)
async def take_remote_ticket(
    body: RemoteTicketCreate,
    request: Request,
    citizen: CitizenAction,
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> Response:
    """Take a ticket at an open centre from the phone. It keeps its place in the line, but is called only
    once its holder has checked in at the centre (the kiosk's QR code, or the phone's location); an SMS
    says when to come."""
    visit, estimate = await take_ticket(
        session,
        citizen_id=citizen.citizen_id,
        branch_id=body.branch_id,
        service_id=body.service_id,
        language=body.language or citizen.language,
        now=now,
    )
    return model_response(await remote_ticket_read(session, request, settings, visit, now, estimate), 201)


@router.get("/remote-tickets", operation_id="listMyRemoteTickets", response_model=RemoteTicketList)
async def list_my_remote_tickets(
    request: Request, citizen: CurrentCitizen, session: DbSession, now: Now, settings: AppSettings
) -> Response:
    """The signed-in citizen's tickets of today, the latest first: remote ones, and those of their
    bookings once checked in (``remote`` tells them apart)."""
    visits = await remote.list_mine(session, citizen_id=citizen.citizen_id, now=now)
    items = [await remote_ticket_read(session, request, settings, visit, now) for visit in visits]
    return model_response(RemoteTicketList(items=items))


@router.post(
    "/ticket-status/{token}/arrive",
    operation_id="arriveWithTicket",
    response_model=TicketStatus,
    responses=ARRIVE_ANSWERS,
)
async def arrive_with_ticket(
    token: str, body: ArrivalPosition, session: DbSession, now: Now, settings: AppSettings
) -> Response:
    """Check a remote ticket in by the phone's location: within the centre's check-in radius (plus the
    phone's accuracy, up to 100 m). The point is not stored."""
    visit = await queue_service.get_visit_by_token(
        session,
        token=token,
        secret=settings.secret_key,
        max_age_s=settings.ticket_token_max_age_days * 86400,
        now=now,
    )
    arrived = await remote.arrive_by_location(
        session,
        visit=visit,
        position=remote.Position(body.latitude, body.longitude, body.accuracy_m),
        now=now,
    )
    return model_response(await ticket_status_of(await transaction(session), arrived, now))
