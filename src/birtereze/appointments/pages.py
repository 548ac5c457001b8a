"""The citizen's appointments on the phone (kk/ru/en, 360 px first): ``/me/appointments`` (my bookings,
each with its code and QR code), booking step by step (centre, service, day, time), rescheduling and
cancelling.

Every step is a plain link or a plain form post, so the pages work without JavaScript; a small script
(``static/js/appointments.js``) only refreshes the free places of the slot grid every half minute. The
pages call the domain's service directly, as the API does; a refused booking (the slot just taken, a
limit) comes back on the same page with the citizen's choice kept and the reason in their language.
Signed out, every page sends the browser to ``/me/sign-in``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.appointments import service
from birtereze.appointments import slots as slot_grid
from birtereze.appointments.errors import NotBooked, SlotNotOffered
from birtereze.appointments.models import Booking
from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.citizens import deps
from birtereze.citizens.deps import CitizenPrincipal, PageCitizen
from birtereze.citizens.forms import read_form
from birtereze.core.errors import DomainError
from birtereze.core.i18n import LazyText, _l
from birtereze.core.schemas import PathId
from birtereze.queue import service as queue_service
from birtereze.web.deps import DbSession, Now
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]

# A booking's state as the citizen reads it, and the badge's tone (the word carries the meaning).
STATES: Final[dict[str, tuple[LazyText, str]]] = {
    "booked": (_l("Booked"), "info"),
    "checked_in": (_l("Checked in"), "ok"),
    "cancelled": (_l("Cancelled"), "muted"),
    "missed": (_l("Missed"), "danger"),
}
DONE: Final[dict[str, LazyText]] = {
    "booked": _l("Your visit is booked. Show this code or its QR code at the kiosk when you arrive."),
    "moved": _l("Your visit has been moved to the new time."),
    "cancelled": _l("Your booking has been cancelled."),
}
QR_TITLE: Final = _l("QR code of the booking code {code}")
SUBMIT_BOOK: Final = _l("Book this time")
SUBMIT_MOVE: Final = _l("Move to this time")
BAD_CHOICE: Final = _l("This choice is not valid: start again from the list.")


def _policy(request: Request) -> service.Policy:
    return service.Policy.from_settings(request.app.state.settings)


def _to(request: Request, path: str, locale: str, **query: str) -> RedirectResponse:
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return RedirectResponse(f"{path}?lang={locale}{extra}", status_code=303)


def _message(request: Request, locale: str, error: DomainError) -> HTMLResponse:
    return render(
        request,
        "appointments/message.html",
        {"message": error.detail(locale)},
        locale=locale,
        status_code=error.status,
    )


def _positive_int(text: str | None) -> int | None:
    """A query or form field that must be an id: None when absent or not a positive number."""
    if not text or not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def _moment(text: str | None) -> datetime:
    """A slot's start as the grid posted it (ISO 8601 with its offset)."""
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        raise SlotNotOffered() from None
    if moment.tzinfo is None:
        raise SlotNotOffered()
    return moment


def qr_svg(code: str, locale: str) -> Markup:
    """The booking code alone as a QR code (never a Micro QR, which kiosk scanners may not read), inline
    SVG that scales with its box: a kiosk's 2D scanner types the code followed by Enter."""
    svg = segno.make_qr(code, error="m").svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", title=QR_TITLE.render(locale, code=code)
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own markup


def _name(row: Branch | Service, locale: str) -> str:
    return str(getattr(row, f"name_{locale}"))


def day_label(day: date, locale: str, *, long: bool = False) -> str:
    """The day in the citizen's language: "Saturday, 28 November" or, in a grid, "Sat 28 Nov"."""
    return format_date(day, "EEEE, d MMMM" if long else "EEE d MMM", locale=locale)


# --- what the templates show ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookingView:
    id: int
    code: str
    centre: str
    address: str
    service: str
    day: str
    time: str
    arrive_from: str
    arrive_until: str
    status: str
    state: str
    tone: str
    upcoming: bool
    changeable: bool
    qr: Markup | None


@dataclass(frozen=True, slots=True)
class DayView:
    value: str  # ISO date
    label: str
    free: int
    url: str
    current: bool


@dataclass(frozen=True, slots=True)
class SlotView:
    start: str  # ISO 8601, UTC: posted back as it is
    time: str  # local "HH:MM"
    free: int
    current: bool  # the booking being moved is in this slot
    chosen: bool


def booking_view(
    booking: Booking,
    *,
    branch: Branch,
    service_row: Service,
    now: datetime,
    policy: service.Policy,
    locale: str,
) -> BookingView:
    zone = ZoneInfo(branch.timezone)
    start, end = booking.slot_start.astimezone(zone), booking.slot_end.astimezone(zone)
    arrive_from, arrive_until = service.arrival_window(booking, policy)
    upcoming = booking.status == "booked" and arrive_until >= now
    state, tone = STATES.get(booking.status, (LazyText(booking.status), "muted"))
    return BookingView(
        id=booking.id,
        code=booking.code,
        centre=_name(branch, locale),
        address=str(getattr(branch, f"address_{locale}")),
        service=_name(service_row, locale),
        day=day_label(start.date(), locale, long=True),
        time=f"{start:%H:%M}–{end:%H:%M}",
        arrive_from=f"{arrive_from.astimezone(zone):%H:%M}",
        arrive_until=f"{arrive_until.astimezone(zone):%H:%M}",
        status=booking.status,
        state=state.render(locale),
        tone=tone,
        upcoming=upcoming,
        changeable=booking.status == "booked" and booking.slot_end > now,
        qr=qr_svg(booking.code, locale) if upcoming else None,
    )


async def _views(
    session: AsyncSession, bookings: Sequence[Booking], *, now: datetime, policy: service.Policy, locale: str
) -> list[BookingView]:
    branches = {b: await branches_service.get(session, b) for b in {row.branch_id for row in bookings}}
    services = {s: await catalog_service.get(session, s) for s in {row.service_id for row in bookings}}
    return [
        booking_view(
            row,
            branch=branches[row.branch_id],
            service_row=services[row.service_id],
            now=now,
            policy=policy,
            locale=locale,
        )
        for row in bookings
    ]


# --- the day and slot picker (booking and moving) ---------------------------------------------------


async def offered_services(session: AsyncSession, branch_id: int) -> list[Service]:
    ids = [offer.service_id for offer in await queue_service.list_offered(session, branch_id=branch_id)]
    return list(await catalog_service.list_services(session, ids=ids)) if ids else []


async def bookable_days(
    session: AsyncSession,
    *,
    branch: Branch,
    service_id: int,
    now: datetime,
    policy: service.Policy,
    locale: str,
    url: str,
    chosen: date | None,
) -> list[DayView]:
    """The days from today to the horizon on which the centre is open and a slot is still to come,
    each with its free places (a full day is listed too, to say so). ``url`` ends in ``day=``."""
    first, last = slot_grid.bookable_days(
        branches_service.service_day(branch.timezone, now), policy.horizon_days
    )
    hours = await branches_service.list_hours(session, branch_id=branch.id)
    special = await branches_service.list_special_days(session, branch_id=branch.id, since=first)
    days = []
    day = first
    while day <= last:
        if branches_service.hours_on(day, hours, special) is not None:
            grid = await service.list_slots(
                session, branch_id=branch.id, service_id=service_id, day=day, now=now, policy=policy
            )
            if grid.slots:
                days.append(
                    DayView(
                        value=day.isoformat(),
                        label=day_label(day, locale),
                        free=sum(slot.free for slot in grid.slots),
                        url=f"{url}{day.isoformat()}",
                        current=day == chosen,
                    )
                )
        day += timedelta(days=1)
    return days


async def slot_views(
    session: AsyncSession,
    *,
    branch: Branch,
    service_id: int,
    day: date,
    now: datetime,
    policy: service.Policy,
    current: datetime | None = None,
    chosen: str = "",
) -> list[SlotView]:
    grid = await service.list_slots(
        session, branch_id=branch.id, service_id=service_id, day=day, now=now, policy=policy
    )
    zone = ZoneInfo(branch.timezone)
    views = []
    for slot in grid.slots:
        start = slot.start.isoformat()
        views.append(
            SlotView(
                start=start,
                time=f"{slot.start.astimezone(zone):%H:%M}",
                free=slot.free,
                current=current is not None and slot.start == current,
                chosen=start == chosen and slot.free > 0,
            )
        )
    return views


def slots_api(request: Request, branch_id: int, service_id: int, day: date) -> str:
    path = request.app.url_path_for("list_slots", branch_id=branch_id, service_id=service_id)
    return f"{path}?day={day.isoformat()}"


# --- my appointments ---------------------------------------------------------------------------------


@router.get("/me/appointments", name="my_appointments")
async def my_appointments(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """Upcoming bookings first (the soonest first, with the code and its QR code), then past ones."""
    policy = _policy(request)
    rows = await service.list_mine(session, citizen_id=citizen.citizen_id)
    views = await _views(session, rows, now=now, policy=policy, locale=locale)
    # The rows come latest first: the upcoming ones read soonest first, the past ones latest first.
    upcoming = [view for view in reversed(views) if view.upcoming]
    past = [view for view in views if not view.upcoming]
    done = DONE.get(request.query_params.get("done", ""))
    context = {
        "citizen": citizen,
        "upcoming": upcoming,
        "past": past,
        "done": done.render(locale) if done else None,
    }
    return render(request, "appointments/list.html", context, locale=locale)


@router.get("/me/appointments/new", name="appointment_new")
async def appointment_new(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """Booking, one step per page: the centre, the service, the day, then the time."""
    params = request.query_params
    return await _new_page(
        request,
        session,
        citizen,
        now,
        locale,
        branch_id=_positive_int(params.get("branch_id")),
        service_id=_positive_int(params.get("service_id")),
        day=_day(params.get("day")),
    )


async def _new_page(
    request: Request,
    session: AsyncSession,
    citizen: CitizenPrincipal,
    now: datetime,
    locale: str,
    *,
    branch_id: int | None,
    service_id: int | None,
    day: date | None,
    notice: str | None = None,
    chosen: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    policy = _policy(request)
    base = f"{request.app.url_path_for('appointment_new')}?lang={locale}"
    context: dict[str, Any] = {
        "citizen": citizen,
        "notice": notice,
        "step": "centre",
        "branch": None,
        "service": None,
        "branches": [],
        "services": [],
        "days": [],
        "day": None,
        "slots": [],
        "chosen": chosen,
        "hidden": {},
        "submit": SUBMIT_BOOK.render(locale),
        "base": base,
        "finder": request.app.url_path_for("branch_finder"),
    }
    branch = None if branch_id is None else await branches_service.find_active(session, branch_id)
    if branch_id is not None and branch is None:
        context["notice"], status_code = BAD_CHOICE.render(locale), 404
    if branch is None:
        context["branches"] = sorted(
            (
                (b.id, _name(b, locale), str(getattr(b, f"address_{locale}")))
                for b in await branches_service.list_branches(session)
            ),
            key=lambda row: row[1].casefold(),
        )
        return render(request, "appointments/new.html", context, locale=locale, status_code=status_code)
    context.update(branch=branch, centre=_name(branch, locale), step="service")
    services = await offered_services(session, branch.id)
    chosen_service = next((s for s in services if s.id == service_id), None)
    if service_id is not None and chosen_service is None:
        context["notice"], status_code = BAD_CHOICE.render(locale), 404
    if chosen_service is None:
        context["services"] = sorted(
            ((s.id, _name(s, locale)) for s in services), key=lambda row: row[1].casefold()
        )
        return render(request, "appointments/new.html", context, locale=locale, status_code=status_code)
    context.update(service=chosen_service, service_name=_name(chosen_service, locale), step="day")
    context["days"] = await bookable_days(
        session,
        branch=branch,
        service_id=chosen_service.id,
        now=now,
        policy=policy,
        locale=locale,
        url=f"{base}&branch_id={branch.id}&service_id={chosen_service.id}&day=",
        chosen=day,
    )
    if day is not None:
        context.update(
            step="time",
            day=day,
            day_name=day_label(day, locale, long=True),
            slots=await slot_views(
                session,
                branch=branch,
                service_id=chosen_service.id,
                day=day,
                now=now,
                policy=policy,
                chosen=chosen,
            ),
            slots_api=slots_api(request, branch.id, chosen_service.id, day),
            hidden={"branch_id": branch.id, "service_id": chosen_service.id},
            action=f"{request.app.url_path_for('appointment_book')}?lang={locale}",
        )
    return render(request, "appointments/new.html", context, locale=locale, status_code=status_code)


@router.post("/me/appointments", name="appointment_book")
async def appointment_book(
    request: Request, citizen: PageCitizen, session: DbSession, now: Now, locale: PageLocale
) -> Response:
    """Book the chosen slot; refused, the same page again with the reason and the choice kept."""
    try:
        form = await read_form(request)
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
    except DomainError as error:
        return _message(request, locale, error)
    branch_id, service_id = _positive_int(form.get("branch_id")), _positive_int(form.get("service_id"))
    day, chosen = _day(form.get("day")), form.get("slot_start", "")[:64]
    try:
        if branch_id is None or service_id is None:
            raise SlotNotOffered()
        booking = await service.book(
            session,
            citizen_id=citizen.citizen_id,
            branch_id=branch_id,
            service_id=service_id,
            slot_start=_moment(chosen),
            language=locale,
            now=now,
            policy=_policy(request),
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
            service_id=service_id,
            day=day,
            notice=error.detail(locale),
            chosen=chosen,
            status_code=error.status,
        )
    path = request.app.url_path_for("appointment_detail", booking_id=str(booking.id))
    return _to(request, path, locale, done="booked")


@router.get("/me/appointments/{booking_id}", name="appointment_detail")
async def appointment_detail(
    booking_id: PathId,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    """One booking: its code big, its QR code, the arrival window; reached right after booking."""
    try:
        booking = await service.get_mine(session, booking_id, citizen_id=citizen.citizen_id)
    except DomainError as error:
        return _message(request, locale, error)
    (view,) = await _views(session, [booking], now=now, policy=_policy(request), locale=locale)
    done = DONE.get(request.query_params.get("done", ""))
    context = {"citizen": citizen, "booking": view, "done": done.render(locale) if done else None}
    return render(request, "appointments/booking.html", context, locale=locale)


# --- moving and cancelling ---------------------------------------------------------------------------


async def _move_page(
    request: Request,
    session: AsyncSession,
    citizen: CitizenPrincipal,
    booking: Booking,
    now: datetime,
    locale: str,
    *,
    day: date | None,
    notice: str | None = None,
    chosen: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    policy = _policy(request)
    branch = await branches_service.get(session, booking.branch_id)
    service_row = await catalog_service.get(session, booking.service_id)
    (view,) = await _views(session, [booking], now=now, policy=policy, locale=locale)
    path = request.app.url_path_for("appointment_move", booking_id=str(booking.id))
    day = day or booking.day
    context: dict[str, Any] = {
        "citizen": citizen,
        "booking": view,
        "notice": notice,
        "days": await bookable_days(
            session,
            branch=branch,
            service_id=booking.service_id,
            now=now,
            policy=policy,
            locale=locale,
            url=f"{path}?lang={locale}&day=",
            chosen=day,
        ),
        "day": day,
        "day_name": day_label(day, locale, long=True),
        "slots": await slot_views(
            session,
            branch=branch,
            service_id=service_row.id,
            day=day,
            now=now,
            policy=policy,
            current=booking.slot_start,
            chosen=chosen,
        ),
        "slots_api": slots_api(request, branch.id, service_row.id, day),
        "action": f"{path}?lang={locale}",
        "hidden": {},
        "submit": SUBMIT_MOVE.render(locale),
        "chosen": chosen,
    }
    return render(request, "appointments/move.html", context, locale=locale, status_code=status_code)


@router.get("/me/appointments/{booking_id}/move", name="appointment_move")
async def appointment_move(
    booking_id: PathId,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    """Another day or time for the same service at the same centre."""
    try:
        booking = await service.get_mine(session, booking_id, citizen_id=citizen.citizen_id)
        if booking.status != "booked" or booking.slot_end <= now:
            raise NotBooked()
    except DomainError as error:
        return _message(request, locale, error)
    return await _move_page(
        request, session, citizen, booking, now, locale, day=_day(request.query_params.get("day"))
    )


@router.post("/me/appointments/{booking_id}/move", name="appointment_move_post")
async def appointment_move_post(
    booking_id: PathId,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    try:
        form = await read_form(request)
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
        booking = await service.get_mine(session, booking_id, citizen_id=citizen.citizen_id)
    except DomainError as error:
        return _message(request, locale, error)
    day, chosen = _day(form.get("day")), form.get("slot_start", "")[:64]
    try:
        await service.reschedule(
            session,
            booking_id=booking_id,
            citizen_id=citizen.citizen_id,
            slot_start=_moment(chosen),
            now=now,
            policy=_policy(request),
        )
    except DomainError as error:
        await session.rollback()
        booking = await service.get_mine(session, booking_id, citizen_id=citizen.citizen_id)
        if booking.status != "booked" or booking.slot_end <= now:
            return _message(request, locale, error)
        return await _move_page(
            request,
            session,
            citizen,
            booking,
            now,
            locale,
            day=day,
            notice=error.detail(locale),
            chosen=chosen,
            status_code=error.status,
        )
    path = request.app.url_path_for("appointment_detail", booking_id=str(booking_id))
    return _to(request, path, locale, done="moved")


@router.post("/me/appointments/{booking_id}/cancel", name="appointment_cancel")
async def appointment_cancel(
    booking_id: PathId,
    request: Request,
    citizen: PageCitizen,
    session: DbSession,
    now: Now,
    locale: PageLocale,
) -> Response:
    """Cancel a booking (the page asked "are you sure?" first); its place is free again at once."""
    try:
        form = await read_form(request)
        deps.refuse_cross_site(request)
        deps.check_csrf(citizen, form.get("csrf_token"))
        await service.cancel(session, booking_id=booking_id, citizen_id=citizen.citizen_id, now=now)
    except DomainError as error:
        await session.rollback()
        return _message(request, locale, error)
    return _to(request, request.app.url_path_for("my_appointments"), locale, done="cancelled")
