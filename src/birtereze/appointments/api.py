"""The appointments API: a service's free slots (public), the citizen's bookings, and check-in at the
kiosk (JSON, problem+json)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from birtereze.appointments import service
from birtereze.appointments.errors import TooLate
from birtereze.appointments.schemas import (
    BookingCreate,
    BookingList,
    BookingMove,
    BookingRead,
    CheckedIn,
    CheckInRequest,
    DaySlotsRead,
)
from birtereze.citizens.deps import CitizenAction, CurrentCitizen
from birtereze.core import security
from birtereze.core.schemas import PathId
from birtereze.queue.schemas import VisitRead
from birtereze.web.deps import AppSettings, DbSession, HallDevice, Locale, Now, in_scope
from birtereze.web.problems import problem
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["appointments"])

CHECK_IN_ANSWERS: dict[int | str, dict[str, str]] = {
    404: {"description": "No booking with this code today at this centre"},
    409: {"description": "Too early (the answer says from when), too late (take a walk-in ticket), or used"},
}


@router.get(
    "/branches/{branch_id}/services/{service_id}/slots",
    operation_id="listAppointmentSlots",
    response_model=DaySlotsRead,
)
async def list_slots(
    branch_id: PathId,
    service_id: PathId,
    day: Annotated[date, Query(description="The centre's local day, YYYY-MM-DD")],
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> Response:
    """The day's slots of a service at a centre that can still be booked, with their free places."""
    grid = await service.list_slots(
        session,
        branch_id=branch_id,
        service_id=service_id,
        day=day,
        now=now,
        policy=service.Policy.from_settings(settings),
    )
    return model_response(DaySlotsRead.of(grid))


@router.post("/appointments", operation_id="bookAppointment", status_code=201, response_model=BookingRead)
async def book(
    body: BookingCreate, citizen: CitizenAction, session: DbSession, now: Now, settings: AppSettings
) -> Response:
    """Book a free slot; the booking code comes back and by SMS."""
    policy = service.Policy.from_settings(settings)
    booking = await service.book(
        session,
        citizen_id=citizen.citizen_id,
        branch_id=body.branch_id,
        service_id=body.service_id,
        slot_start=body.slot_start,
        language=body.language or citizen.language,
        now=now,
        policy=policy,
    )
    return model_response(BookingRead.of(booking, policy), 201)


@router.get("/appointments", operation_id="listMyAppointments", response_model=BookingList)
async def list_mine(citizen: CurrentCitizen, session: DbSession, settings: AppSettings) -> Response:
    """The signed-in citizen's bookings, the latest slot first."""
    policy = service.Policy.from_settings(settings)
    bookings = await service.list_mine(session, citizen_id=citizen.citizen_id)
    return model_response(BookingList(items=[BookingRead.of(b, policy) for b in bookings]))


@router.post(
    "/appointments/{booking_id}/reschedule", operation_id="rescheduleAppointment", response_model=BookingRead
)
async def reschedule(
    booking_id: PathId,
    body: BookingMove,
    citizen: CitizenAction,
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> Response:
    """Move a booking to another free slot of the same service and centre."""
    policy = service.Policy.from_settings(settings)
    booking = await service.reschedule(
        session,
        booking_id=booking_id,
        citizen_id=citizen.citizen_id,
        slot_start=body.slot_start,
        now=now,
        policy=policy,
    )
    return model_response(BookingRead.of(booking, policy))


@router.post(
    "/appointments/{booking_id}/cancel", operation_id="cancelAppointment", response_model=BookingRead
)
async def cancel(
    booking_id: PathId, citizen: CitizenAction, session: DbSession, now: Now, settings: AppSettings
) -> Response:
    """Cancel a booking; its place is free again at once."""
    booking = await service.cancel(session, booking_id=booking_id, citizen_id=citizen.citizen_id, now=now)
    return model_response(BookingRead.of(booking, service.Policy.from_settings(settings)))


@router.post(
    "/branches/{branch_id}/appointments/check-in",
    operation_id="checkInAppointment",
    status_code=201,
    response_model=CheckedIn,
    responses=CHECK_IN_ANSWERS,
)
async def check_in(
    branch_id: PathId,
    body: CheckInRequest,
    request: Request,
    principal: HallDevice,
    session: DbSession,
    now: Now,
    settings: AppSettings,
    locale: Locale,
) -> Response | JSONResponse:
    """Check a booked visitor in at the kiosk (or an operator's desk): in the arrival window the ticket
    is issued as an appointment ticket; too late, the booking is missed and the visitor takes a walk-in
    ticket (``walk_in: true`` in the answer)."""
    in_scope(principal, branch_id)
    policy = service.Policy.from_settings(settings)
    channel = "operator" if principal.role in ("operator", "branch_manager") else "kiosk"
    done = await service.check_in(
        session, branch_id=branch_id, code=body.code, channel=channel, now=now, policy=policy
    )
    if done.visit is None:
        # Not an exception: the booking's "missed" state must be committed with this answer.
        late = TooLate()
        return problem(request, late.status, late.code, late.detail(locale), walk_in=True)
    # The ticket's token, as issueTicket gives it: the kiosk shows and prints the ticket by it.
    token = security.sign_ticket(settings.secret_key, done.visit.id, now)
    checked_in = CheckedIn(
        booking=BookingRead.of(done.booking, policy),
        ticket=VisitRead.of(done.visit),
        status_token=token,
        status_url=str(request.url_for("ticket_page", token=token)),
    )
    return model_response(checked_in, 201)
