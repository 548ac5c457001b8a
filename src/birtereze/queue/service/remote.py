"""Remote tickets: taken on the citizen's phone, checked in on arrival at the centre.

A remote ticket takes its place in the line when it is taken, but it is not called until its holder has
checked in (``arrived_at``): by opening the address of the QR code that the centre's kiosks show, signed
in, or by the phone's location near the centre. Until then the windows call the tickets behind it; the
SMS "you are N-th in line" tells the holder to come (``queue.service.notices``), and a ticket still not
checked in some time after that is cancelled.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import finder
from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.citizens import service as citizens_service
from birtereze.core import events
from birtereze.core.sql import Db, Statement, any_of, transaction
from birtereze.queue.errors import (
    ArrivalKeyInvalid,
    CheckInByLocationOff,
    NoRemoteTicket,
    NotRemoteTicket,
    PhoneNotVerified,
    RemoteTicketActive,
    RemoteTicketsOff,
    TicketNotWaiting,
    TooFarToCheckIn,
)
from birtereze.queue.models import Visit
from birtereze.queue.service.rows import VISIT_COLUMNS, VisitRow, load_visit, save_visit, visit_of
from birtereze.queue.service.tickets import issue_ticket

CHANNEL: Final = "remote"
# A ticket still to be served: the one a citizen may hold per centre.
ACTIVE: Final = ("waiting", "called", "serving", "parked")
# A phone's reported accuracy counts towards the check-in radius up to this much (a phone indoors
# reports hundreds of metres; more than this would let one check in from across the town).
MAX_ACCURACY_M: Final = 100.0
# How long a kiosk's arrival QR code stands for one key (and the previous key is still taken).
ARRIVAL_KEY_S: Final = 600


def _period(at: datetime) -> int:
    return int(at.timestamp()) // ARRIVAL_KEY_S


def arrival_key(secret: str, branch_id: int, at: datetime) -> str:
    """The key in the address of a centre's arrival QR code (shown on its kiosks) at ``at``: a phone that
    opens ``/arrive/{branch_id}/{key}`` proves that it stood in front of that centre's kiosk a few minutes
    ago. The key changes every ``ARRIVAL_KEY_S`` (the kiosks fetch the new code), so that a photograph
    of the code passed round does not check anyone in from home for long."""
    key = hmac.new(secret.encode(), b"birtereze.arrival", hashlib.sha256).digest()
    message = f"{branch_id}:{_period(at)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def arrival_key_matches(secret: str, branch_id: int, now: datetime, key: str) -> bool:
    """The key of the current period or of the one before (a code read just before it changed)."""
    return any(
        hmac.compare_digest(arrival_key(secret, branch_id, at).encode(), key.encode())
        for at in (now, now - timedelta(seconds=ARRIVAL_KEY_S))
    )


_ACTIVE_TICKET: Final = Statement(
    select(*VISIT_COLUMNS)
    .where(
        Visit.citizen_id == bindparam("citizen_id"),
        any_of(Visit.status, ACTIVE),
        Visit.branch_id == bindparam("branch_id"),
        Visit.channel == CHANNEL,
    )
    .order_by(Visit.id.desc())
    .limit(1)
)


async def active_ticket(db: Db, *, citizen_id: int, branch_id: int) -> VisitRow | None:
    """The citizen's remote ticket at this centre that is still to be served, if any."""
    row = await (await transaction(db)).first(
        _ACTIVE_TICKET, {"citizen_id": citizen_id, "branch_id": branch_id}
    )
    return None if row is None else visit_of(row)


async def _one_at_a_time(session: AsyncSession, citizen_id: int) -> None:
    """Two taps on "take a ticket" at once: the second waits for the first to commit, then sees its
    ticket (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises every writer)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('birtereze.remote'), :citizen)"),
            {"citizen": citizen_id % 2**31},
        )


async def take(
    session: AsyncSession,
    *,
    citizen_id: int,
    branch_id: int,
    service_id: int,
    language: str,
    now: datetime,
) -> VisitRow:
    """A remote ticket for the citizen: refused without a phone to notify (a citizen's phone is verified
    by construction: it comes from a passed SMS code or the mobile citizens database), with another
    remote ticket at the centre still to be served, where the centre does not issue remote tickets, is
    closed, or does not offer the service."""
    citizen = await citizens_service.get(session, citizen_id)
    if citizen is None or not citizen.phone:
        raise PhoneNotVerified()
    branch = await branches_service.get(session, branch_id)
    if not branch.remote_tickets:
        raise RemoteTicketsOff()
    await _one_at_a_time(session, citizen_id)
    held = await active_ticket(session, citizen_id=citizen_id, branch_id=branch_id)
    if held is not None:
        raise RemoteTicketActive(number=held.number)
    return await issue_ticket(
        session,
        branch_id=branch_id,
        service_id=service_id,
        language=language,
        channel=CHANNEL,
        citizen_id=citizen_id,
        remote=True,
        now=now,
    )


_MINE: Final = Statement(
    select(*VISIT_COLUMNS)
    .where(
        Visit.citizen_id == bindparam("citizen_id"),
        Visit.issued_at >= bindparam("since", type_=Visit.issued_at.type),
    )
    .order_by(Visit.id.desc())
    .limit(50)
)


async def list_mine(session: AsyncSession, *, citizen_id: int, now: datetime) -> list[VisitRow]:
    """The citizen's tickets of today (each centre's local day), the latest first: those taken on the
    phone and those of their bookings, checked in at the kiosk."""
    rows = await (await transaction(session)).rows(
        _MINE, {"citizen_id": citizen_id, "since": now - timedelta(days=2)}
    )
    visits = [visit_of(row) for row in rows]
    days: dict[int, date] = {}
    for visit in visits:
        if visit.branch_id not in days:
            branch = await branches_service.get(session, visit.branch_id)
            days[visit.branch_id] = branches_service.service_day(branch.timezone, now)
    return [visit for visit in visits if visit.service_day == days[visit.branch_id]]


async def arrive(db: Db, *, visit_id: int, now: datetime, how: str) -> VisitRow:
    """The holder of a remote ticket is at the centre: from now the ticket may be called, and its wait
    (for the centre's figures) counts from now. Checking in twice changes nothing."""
    tx = await transaction(db)
    visit = await load_visit(tx, visit_id, lock=True)
    if visit is None:
        raise NoRemoteTicket()
    if not visit.remote:
        raise NotRemoteTicket()
    if visit.arrived_at is not None:
        return visit
    if visit.status != "waiting":
        raise TicketNotWaiting(number=visit.number)
    visit.arrived_at = now
    visit.queued_at = now
    await save_visit(tx, visit)
    await events.append(
        tx,
        branch_id=visit.branch_id,
        at=now,
        type="ticket.arrived",
        visit_id=visit.id,
        queue_id=visit.queue_id,
        data={"number": visit.number, "by": how, "queued_at": now.isoformat()},
    )
    return visit


async def arrive_by_key(
    session: AsyncSession, *, citizen_id: int, branch_id: int, key: str, secret: str, now: datetime
) -> VisitRow:
    """Check in the citizen's remote ticket at this centre by the key of the kiosk's QR code."""
    await branches_service.get(session, branch_id)  # NotFound for a centre that does not exist
    if not arrival_key_matches(secret, branch_id, now, key):
        raise ArrivalKeyInvalid()
    held = await active_ticket(session, citizen_id=citizen_id, branch_id=branch_id)
    if held is None or held.status != "waiting":
        raise NoRemoteTicket()
    return await arrive(session, visit_id=held.id, now=now, how="kiosk_code")


def distance_m(branch: Branch, latitude: float, longitude: float) -> float | None:
    if branch.latitude is None or branch.longitude is None:
        return None
    return finder.distance_km(branch.latitude, branch.longitude, latitude, longitude) * 1000


@dataclass(frozen=True, slots=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float


async def arrive_by_location(
    session: AsyncSession, *, visit: VisitRow, position: Position, now: datetime
) -> VisitRow:
    """Check a remote ticket in by the phone's location: within the centre's radius (plus the phone's
    accuracy, up to ``MAX_ACCURACY_M``) of the centre."""
    if not visit.remote:
        raise NotRemoteTicket()
    if visit.arrived_at is not None:
        return visit
    branch = await branches_service.get(session, visit.branch_id)
    distance = distance_m(branch, position.latitude, position.longitude)
    if branch.check_in_radius_m is None or distance is None:
        raise CheckInByLocationOff()
    allowed = branch.check_in_radius_m + min(max(position.accuracy_m, 0.0), MAX_ACCURACY_M)
    if distance > allowed:
        raise TooFarToCheckIn(distance=round(distance))
    return await arrive(session, visit_id=visit.id, now=now, how="location")
