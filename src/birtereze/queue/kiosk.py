"""The hall's kiosk: a visitor chooses a language, then a service (by zone, by life situation or by
search), says whether they are served out of turn, and takes a ticket — shown on the screen with its QR
code and printed. A visitor with a booking checks in instead: the kiosk's 2D scanner types the booking's
code (its QR code holds the code alone) into the check-in screen's field, or the visitor types it, and the
ticket comes the same way (``checkInAppointment``). A visitor who took a ticket on the phone scans the
kiosk's arrival QR code, which changes every few minutes.

The kiosk signs in as a ``kiosk`` account with its token in the address (``?access_token=``, as the
display board does); its script takes tickets through the REST API (``issueTicket``, with an
``Idempotency-Key`` so that a double tap is one ticket), then shows the ticket as this module renders it.
A kiosk with a network printer (``BIRTEREZE_KIOSK_PRINTERS``) has the server print the slip on it as a
raster image over TCP 9100; any other kiosk prints the 80 mm slip through its browser.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final
from zoneinfo import ZoneInfo

import segno
import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import AwareDatetime

from birtereze.appointments.service import CODE_ALPHABET
from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.catalog.situations import LIFE_SITUATIONS, situation_name
from birtereze.core.errors import NotFound
from birtereze.core.i18n import _l
from birtereze.core.schemas import PathId
from birtereze.queue import service as queue_service
from birtereze.queue.errors import NoPrinter, PrinterUnavailable, TicketTokenInvalid
from birtereze.queue.pages import slip_of, ticket_view, visit_by_token
from birtereze.queue.service.remote import arrival_key
from birtereze.queue.service.rows import VisitRow
from birtereze.staff.service import Principal
from birtereze.web.deps import AppSettings, DbSession, HallDevice, Now, in_scope
from birtereze.web.keyboards import LETTERS
from birtereze.web.templating import LANGUAGES, language_url, page_locale, render

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
# Seconds without a touch before the kiosk goes back to its first screen: on the services, and once
# a ticket is shown (the visitor has taken it and gone).
IDLE_RESET_S: Final = 60
# How often the kiosk fetches its arrival QR code anew: well within the key's period (remote.ARRIVAL_KEY_S).
ARRIVAL_REFRESH_S: Final = 60
TICKET_SHOWN_S: Final = 20
# The check-in screen's keyboard: the letters and digits of booking codes only (no 0/O, 1/I/L to mix
# up), the letters in the familiar QWERTY order.
CODE_KEYBOARD: Final = tuple(
    "".join(key for key in row if key in CODE_ALPHABET)
    for row in ("23456789", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
)
# The first screen greets in every language, each in itself; and so does its arrival QR code's caption.
WELCOME: Final = _l("Welcome! Choose a language")
ARRIVAL: Final = _l("Took a ticket on your phone? Scan this code to check in")
BOOKED: Final = _l("Booked for {time}")


@dataclass(frozen=True, slots=True)
class Choice:
    """A service as the kiosk offers it."""

    id: int
    name: str
    queue: str  # the number's prefix, e.g. "A"
    search: str  # every language's name, lower case: the kiosk's search matches any of them


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    name: str
    services: list[Choice]


@dataclass(frozen=True, slots=True)
class Priority:
    code: str
    name: str


async def _menu(
    session: DbSession, branch_id: int, locale: str
) -> tuple[list[Group], list[Group], list[Priority]]:
    """The services offered here, grouped by zone and by life situation, and the priority categories."""
    offered = await queue_service.list_offered(session, branch_id=branch_id)
    queues = {queue.id: queue for queue in await queue_service.list_queues(session, branch_id=branch_id)}
    zones = await branches_service.list_zones(session, branch_id=branch_id)
    services = {
        service.id: service
        for service in await catalog_service.list_services(session, ids=[o.service_id for o in offered])
        if service.active
    }
    by_zone: dict[int, list[Choice]] = {zone.id: [] for zone in zones}
    by_situation: dict[str, list[Choice]] = {}
    for offer in offered:
        service = services.get(offer.service_id)
        queue = queues.get(offer.queue_id)
        if service is None or queue is None:
            continue
        choice = Choice(
            id=service.id,
            name=getattr(service, f"name_{locale}"),
            queue=queue.prefix,
            search=" ".join((service.name_kk, service.name_ru, service.name_en)).lower(),
        )
        by_zone.setdefault(queue.zone_id, []).append(choice)
        situation = service.life_situation if service.life_situation in LIFE_SITUATIONS else ""
        by_situation.setdefault(situation, []).append(choice)

    def ordered(choices: list[Choice]) -> list[Choice]:
        return sorted(choices, key=lambda choice: choice.name.casefold())

    zone_groups = [
        Group(key=f"zone-{zone.id}", name=getattr(zone, f"name_{locale}"), services=ordered(by_zone[zone.id]))
        for zone in zones
        if by_zone.get(zone.id)
    ]
    situation_order = [*LIFE_SITUATIONS, ""]
    situation_groups = [
        Group(
            key=f"situation-{code or 'other'}", name=situation_name(code, locale), services=ordered(choices)
        )
        for code, choices in sorted(by_situation.items(), key=lambda item: situation_order.index(item[0]))
    ]
    priorities = [
        Priority(code=category.code, name=getattr(category, f"name_{locale}"))
        for category in sorted(await queue_service.list_priorities(session), key=lambda c: (-c.level, c.code))
    ]
    return zone_groups, situation_groups, priorities


def _qr(url: str, scale: int) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2, dark="#000", light="#fff")


def arrival_url(request: Request, secret: str, branch_id: int, now: datetime) -> str:
    """The address in the kiosk's arrival QR code now: a phone that opens it checks its remote ticket in
    (the key, which changes every few minutes, proves that it was read here just now)."""
    key = arrival_key(secret, branch_id, now)
    return str(request.url_for("remote_arrive", branch_id=branch_id, key=key))


def _printer(settings: AppSettings, principal: Principal) -> tuple[str, int] | None:
    from birtereze.queue.printing import PRINTER_PORT

    address = settings.kiosk_printers.get(principal.username)
    if not address:
        return None
    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    return (host, int(port)) if port.isdigit() else (address, PRINTER_PORT)


@router.get("/kiosk/{branch_id}/arrival", name="kiosk_arrival", response_class=JSONResponse)
async def kiosk_arrival(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: HallDevice,
    settings: AppSettings,
) -> JSONResponse:
    """The arrival QR code of the moment, for the kiosk's script to show in place of the old one."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    url = arrival_url(request, settings.secret_key, branch_id, now)
    return JSONResponse(
        {"url": url, "qr": _qr(url, 8), "refresh_s": ARRIVAL_REFRESH_S},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/kiosk/{branch_id}", name="kiosk")
async def kiosk(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: HallDevice,
    settings: AppSettings,
    locale: PageLocale,
) -> HTMLResponse:
    """The kiosk's screens: language, services, check-in, the ticket (portrait 1080×1920 and 10"
    tablets)."""
    in_scope(principal, branch_id)
    branch = await branches_service.get(session, branch_id)
    zones, situations, priorities = await _menu(session, branch_id, locale)
    # The arrival key changes every few minutes: the page's script fetches the new code (kiosk_arrival).
    arrival = arrival_url(request, settings.secret_key, branch_id, now)
    context = {
        "branch_id": branch_id,
        "branch": getattr(branch, f"name_{locale}"),
        "timezone": branch.timezone,
        "token": request.query_params.get("access_token", ""),
        "zones": zones,
        "situations": situations if len(situations) > 1 else [],
        "priorities": priorities,
        "keyboard": LETTERS[locale],
        "code_keyboard": CODE_KEYBOARD,
        "welcome": [(code, name, WELCOME.render(code)) for code, name in LANGUAGES],
        "arrival_captions": [(code, ARRIVAL.render(code)) for code, _name in LANGUAGES],
        "arrival_url": arrival,
        "arrival_qr": _qr(arrival, 8),
        "arrival_refresh_s": ARRIVAL_REFRESH_S,
        # Where the kiosk goes back to when idle: the first screen, in Kazakh.
        "start_url": language_url(request, "kk"),
        "network_printer": _printer(settings, principal) is not None,
        "idle_reset_s": IDLE_RESET_S,
        "ticket_shown_s": TICKET_SHOWN_S,
    }
    return render(request, "queue/kiosk.html", context, locale=locale)


async def _kiosk_ticket(
    session: DbSession, settings: AppSettings, principal: Principal, branch_id: int, token: str, now: Now
) -> VisitRow:
    in_scope(principal, branch_id)
    try:
        visit = await visit_by_token(session, settings, token, now)
    except TicketTokenInvalid as error:
        raise NotFound("Ticket") from error
    if visit.branch_id != branch_id:
        raise NotFound("Ticket")
    return visit


# A checked-in booking's ticket notes its slot: the kiosk's script passes the slot's start, as the
# check-in answer gives it (the booking is the appointments domain's; only its time is shown).
BookedAt = Annotated[AwareDatetime | None, Query(description="The booking's slot start, if any")]


async def _booked_time(session: DbSession, branch_id: int, booked: datetime | None) -> str | None:
    if booked is None:
        return None
    branch = await branches_service.get(session, branch_id)
    return booked.astimezone(ZoneInfo(branch.timezone)).strftime("%H:%M")


@router.get("/kiosk/{branch_id}/tickets/{token}", name="kiosk_ticket")
async def kiosk_ticket(
    branch_id: PathId,
    token: str,
    request: Request,
    session: DbSession,
    now: Now,
    principal: HallDevice,
    settings: AppSettings,
    locale: PageLocale,
    booked: BookedAt = None,
) -> HTMLResponse:
    """The ticket just taken, as the kiosk shows it (and its browser prints it): a fragment."""
    visit = await _kiosk_ticket(session, settings, principal, branch_id, token, now)
    view = await ticket_view(session, visit, token=token, now=now, locale=locale)
    url = str(request.url_for("ticket_page", token=token))
    context = {
        "ticket": view,
        "qr": _qr(url, 6),
        "status_url": url,
        "booked_at": await _booked_time(session, branch_id, booked),
    }
    return render(request, "queue/_kiosk_ticket.html", context, locale=locale)


@router.post("/kiosk/{branch_id}/tickets/{token}/print", name="kiosk_print", status_code=204)
async def kiosk_print(
    branch_id: PathId,
    token: str,
    request: Request,
    session: DbSession,
    now: Now,
    principal: HallDevice,
    settings: AppSettings,
    locale: PageLocale,
    booked: BookedAt = None,
) -> Response:
    """Print the ticket on the kiosk's network printer (ESC/POS raster over TCP)."""
    from birtereze.queue import printing  # imaging libraries: loaded by the processes that print

    visit = await _kiosk_ticket(session, settings, principal, branch_id, token, now)
    printer = _printer(settings, principal)
    if printer is None:
        raise NoPrinter()
    view = await ticket_view(session, visit, token=token, now=now, locale=locale)
    slip = slip_of(request, view, locale)
    booked_at = await _booked_time(session, branch_id, booked)
    if booked_at is not None:  # under the service's name, as on the screen
        slip = dataclasses.replace(slip, service=f"{slip.service} · {BOOKED.render(locale, time=booked_at)}")
    data = await asyncio.to_thread(lambda: printing.escpos_raster(printing.ticket_image(slip)))
    try:
        await printing.send_to_printer(printer[0], data, port=printer[1])
    except (OSError, TimeoutError) as error:
        log.warning("kiosk.printer_failed", printer=f"{printer[0]}:{printer[1]}", error=str(error))
        raise PrinterUnavailable() from error
    return Response(status_code=204)
