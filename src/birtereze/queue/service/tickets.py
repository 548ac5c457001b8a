"""Issuing tickets, reading them, the waiting lines, and cancellation by the citizen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.core import events, security
from birtereze.core.errors import NotFound
from birtereze.core.sql import Db, Statement, transaction
from birtereze.queue import routing
from birtereze.queue.errors import CentreClosed, ServiceNotOffered, TicketTokenInvalid, UnknownPriority
from birtereze.queue.models import (
    Counter,
    TicketCounter,
    Visit,
    VisitService,
)
from birtereze.queue.service.issuing import issuing
from birtereze.queue.service.rows import (
    VISIT_COLUMNS,
    VISIT_FIELDS,
    VisitRow,
    load_visit,
    save_visit,
    visit_of,
)
from birtereze.queue.states import refuse_visit


def _next_seq_statement(insert: type[postgresql.Insert] | type[sqlite.Insert]) -> Statement:
    values: dict[str, BindParameter[Any]] = {
        name: bindparam(name) for name in ("branch_id", "queue_id", "service_day")
    }
    return Statement(
        insert(TicketCounter)
        .values(**values, last=1)
        .on_conflict_do_update(
            index_elements=["branch_id", "queue_id", "service_day"],
            set_={"last": TicketCounter.last + 1},
        )
        .returning(TicketCounter.last)
    )


_NEXT_SEQ: Final = {
    "postgresql": _next_seq_statement(postgresql.Insert),
    "sqlite": _next_seq_statement(sqlite.Insert),
}


async def next_seq(db: Db, *, branch_id: int, queue_id: int, day: date) -> int:
    """Atomically take the next number of a queue for the branch's local day."""
    tx = await transaction(db)
    values = {"branch_id": branch_id, "queue_id": queue_id, "service_day": day}
    return int(await tx.scalar(_NEXT_SEQ[tx.backend], values))


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


_NEW_VISIT: Final = Statement(
    insert(Visit)
    .values({name: bindparam(name, type_=getattr(Visit, name).type) for name in VISIT_FIELDS[1:]})
    .returning(*VISIT_COLUMNS)
)


def _numbered_visit_statement() -> Statement:
    """PostgreSQL: the queue's next number and the visit that takes it, in one statement (one round trip
    fewer, and the day's counter row is locked one round trip less)."""
    seq = _NEXT_SEQ["postgresql"].statement.cte("seq")  # type: ignore[attr-defined]
    digits = cast(seq.c.last, String)
    number = func.concat(
        bindparam("prefix", type_=String), case((seq.c.last < 1000, func.lpad(digits, 3, "0")), else_=digits)
    )
    given = [name for name in VISIT_FIELDS[1:] if name not in ("seq", "number")]
    values = [bindparam(name, type_=getattr(Visit, name).type) for name in given]
    return Statement(
        insert(Visit)
        .from_select([*given, "seq", "number"], select(*values, seq.c.last, number))
        .returning(*VISIT_COLUMNS)
    )


_NUMBERED_VISIT: Final = {"postgresql": _numbered_visit_statement()}
_NEW_LINE: Final = Statement(
    insert(VisitService).values(
        visit_id=bindparam("visit_id"),
        branch_id=bindparam("branch_id"),
        service_id=bindparam("service_id"),
        delivered=False,
    )
)


# The id a ticket is given before it has one: after every real id, so that it is last among equals.
PROVISIONAL_ID: Final = 2**62


async def issue_ticket(
    db: Db,
    *,
    branch_id: int,
    service_id: int,
    now: datetime,
    priority_code: str | None = None,
    appointment: bool = False,
    language: str = "kk",
    channel: str = "kiosk",
    extra_service_ids: Sequence[int] = (),
    before_numbering: Callable[[VisitRow], Awaitable[object]] | None = None,
    citizen_id: int | None = None,
    queued_at: datetime | None = None,
    remote: bool = False,
) -> VisitRow:
    """Issue a ticket. ``before_numbering`` is given the ticket as it will be, without its id and number,
    before they are taken: what it reads (a new ticket's estimate) is read before the queue's day
    counter is locked, so that concurrent kiosks of the queue wait on it for less time.

    ``queued_at`` is when the wait counts from and the ticket's place in the line (a booked visitor's
    slot time); now by default. A ``remote`` ticket (taken on the phone) has not arrived: it keeps its
    place but is not called until its holder checks in (``queue.service.remote``). ``citizen_id``: the
    signed-in citizen to notify."""
    tx = await transaction(db)
    config = await issuing(tx, branch_id, now)
    if config is None:
        raise NotFound("Branch")
    offered_queue = config.offered.get(service_id)
    if (
        not config.active
        or offered_queue is None
        or any(extra not in config.offered for extra in extra_service_ids)
    ):
        raise ServiceNotOffered()
    level, prefers_accessible = 0, False
    if priority_code is not None:
        if priority_code not in config.categories:
            raise UnknownPriority(code=priority_code)
        level, prefers_accessible = config.categories[priority_code]
    if channel != "operator" and not config.is_open(now):
        # Staff on site may still register a visitor; the kiosk and remote channels wait for the opening.
        opening = config.next_opening(now)
        raise CentreClosed(opens=opening.strftime("%d.%m.%Y %H:%M") if opening else "—")
    request = routing.Request(
        service_id=service_id, priority_code=priority_code, appointment=appointment, language=language
    )
    queue_id = routing.route(config.rules, request, offered_queue)
    day = branches_service.service_day(config.timezone, now)
    entered = now if queued_at is None else queued_at
    values = {
        "branch_id": branch_id,
        "issued_queue_id": queue_id,
        "queue_id": queue_id,
        "service_day": day,
        "status": "waiting",
        "channel": channel,
        "language": language,
        "priority_code": priority_code,
        "priority_level": level,
        "prefers_accessible": prefers_accessible,
        "appointment": appointment,
        "pool_window_id": None,
        "pool_staff_id": None,
        "first_in_line": False,
        "line_at": entered,
        "available_at": now,
        "queued_at": entered,
        "issued_at": now,
        "window_id": None,
        "staff_id": None,
        "called_at": None,
        "calls": 0,
        "serving_at": None,
        "ended_at": None,
        "wait_estimates": None,
        "citizen_id": citizen_id,
        "arrived_at": None if remote else now,
        "notified_position_at": None,
        "notified_called_at": None,
    }
    if before_numbering is not None:
        await before_numbering(VisitRow(id=PROVISIONAL_ID, seq=0, number="", **values))  # type: ignore[arg-type]
    prefix = config.prefixes[queue_id]
    if tx.backend == "postgresql":
        row = await tx.one(_NUMBERED_VISIT["postgresql"], {**values, "prefix": prefix})
    else:
        seq = await next_seq(tx, branch_id=branch_id, queue_id=queue_id, day=day)
        row = await tx.one(_NEW_VISIT, {**values, "seq": seq, "number": format_number(prefix, seq)})
    visit = visit_of(row)
    service_ids = [service_id, *extra_service_ids]
    for sid in service_ids:
        await tx.execute(_NEW_LINE, {"visit_id": visit.id, "branch_id": branch_id, "service_id": sid})
    await events.append(
        tx,
        branch_id=branch_id,
        at=now,
        type="ticket.issued",
        visit_id=visit.id,
        queue_id=queue_id,
        data={
            "number": visit.number,
            "service_ids": service_ids,
            "priority": priority_code,
            "channel": channel,
            "queued_at": entered.isoformat(),
        },
    )
    return visit


_REMEMBER: Final = Statement(
    update(Visit)
    .where(Visit.id == bindparam("k_id"))
    .values(wait_estimates=bindparam("estimates", type_=JSON))
)


async def remember_estimates(db: Db, *, visit_id: int, estimates: dict[str, float]) -> None:
    """Keep the wait predictors' estimates made at issue with the ticket; it learns from them at its call."""
    await (await transaction(db)).execute(_REMEMBER, {"k_id": visit_id, "estimates": estimates})


async def get_visit_by_token(db: Db, *, token: str, secret: str, max_age_s: int, now: datetime) -> VisitRow:
    """The visit a citizen's ticket token (its QR code) stands for; no login."""
    visit_id = security.read_ticket(secret, token, max_age_s=max_age_s, now=now)
    if visit_id is None:
        raise TicketTokenInvalid()
    try:
        return await get_visit(db, visit_id)
    except NotFound:
        raise TicketTokenInvalid() from None


async def get_visit(db: Db, visit_id: int, *, branch_id: int | None = None) -> VisitRow:
    visit = await load_visit(await transaction(db), visit_id)
    if visit is None or (branch_id is not None and visit.branch_id != branch_id):
        raise NotFound("Ticket")
    return visit


async def list_visit_services(session: AsyncSession, *, visit_id: int) -> Sequence[VisitService]:
    statement = select(VisitService).where(VisitService.visit_id == visit_id).order_by(VisitService.id)
    return (await session.execute(statement)).scalars().all()


def waiting_order() -> tuple[object, ...]:
    return (
        Visit.priority_level.desc(),
        Visit.first_in_line.desc(),
        Visit.line_at,
        Visit.id,
    )


async def list_waiting(
    session: AsyncSession,
    *,
    branch_id: int,
    queue_ids: Sequence[int] | None = None,
    limit: int = 200,
) -> Sequence[Visit]:
    """Tickets waiting in queues (not those held in a window's or a person's pool), in line order."""
    statement = select(Visit).where(
        Visit.branch_id == branch_id,
        Visit.status == "waiting",
        Visit.pool_window_id.is_(None),
        Visit.pool_staff_id.is_(None),
    )
    if queue_ids is not None:
        statement = statement.where(Visit.queue_id.in_(queue_ids))
    statement = statement.order_by(*waiting_order()).limit(limit)  # type: ignore[arg-type]
    return (await session.execute(statement)).scalars().all()


async def list_for_desk(
    session: AsyncSession,
    *,
    branch_id: int,
    window_id: int,
    staff_id: int | None,
    queue_ids: Sequence[int],
    limit: int = 100,
) -> tuple[Sequence[Visit], Sequence[Visit]]:
    """What a window may call, in line order: the tickets waiting in its profile's queues, and those
    transferred to the window or to its operator; and, apart, the tickets parked at the window."""
    pools = [Visit.pool_window_id == window_id]
    if staff_id is not None:
        pools.append(Visit.pool_staff_id == staff_id)
    in_queues = and_(
        Visit.queue_id.in_(queue_ids), Visit.pool_window_id.is_(None), Visit.pool_staff_id.is_(None)
    )
    waiting = (
        select(Visit)
        .where(Visit.branch_id == branch_id, Visit.status == "waiting", or_(in_queues, *pools))
        .order_by(*waiting_order())  # type: ignore[arg-type]
        .limit(limit)
    )
    parked = (
        select(Visit)
        .where(Visit.branch_id == branch_id, Visit.status == "parked", Visit.window_id == window_id)
        .order_by(Visit.id)
    )
    return (
        (await session.execute(waiting)).scalars().all(),
        (await session.execute(parked)).scalars().all(),
    )


def _ahead(first_in_line: bool) -> ColumnElement[bool]:
    """The waiting tickets ahead of a ticket in its queue, by the queue's own order (bound parameters:
    ``branch_id``, ``queue_id``, ``visit_id``, ``line_at``, ``priority_level``)."""
    line_at: BindParameter[datetime] = bindparam("line_at")
    visit_id: BindParameter[int] = bindparam("visit_id")
    earlier = or_(Visit.line_at < line_at, and_(Visit.line_at == line_at, Visit.id < visit_id))
    same_line = and_(Visit.first_in_line.is_(first_in_line), earlier)
    if not first_in_line:
        same_line = or_(Visit.first_in_line.is_(True), same_line)
    priority_level: BindParameter[int] = bindparam("priority_level")
    return and_(
        Visit.branch_id == bindparam("branch_id"),
        Visit.queue_id == bindparam("queue_id"),
        Visit.status == "waiting",
        Visit.pool_window_id.is_(None),
        Visit.pool_staff_id.is_(None),
        Visit.id != visit_id,
        or_(
            Visit.priority_level > priority_level,
            and_(Visit.priority_level == priority_level, same_line),
        ),
    )


# Built once: a statement object keeps its compiled form and cache key between requests.
AHEAD: Final = {first: _ahead(first) for first in (False, True)}
_POSITION: Final = {first: Statement(select(func.count()).where(AHEAD[first])) for first in (False, True)}


def ahead_params(visit: VisitRow) -> dict[str, object]:
    """The values of ``AHEAD``'s parameters for a ticket."""
    return {
        "branch_id": visit.branch_id,
        "queue_id": visit.queue_id,
        "visit_id": visit.id,
        "line_at": visit.line_at,
        "priority_level": visit.priority_level,
    }


async def position_of(db: Db, visit: VisitRow) -> int:
    """How many tickets are ahead of this one in its queue, by the queue's own order."""
    if visit.status != "waiting":
        return 0
    tx = await transaction(db)
    return int(await tx.scalar(_POSITION[visit.first_in_line], ahead_params(visit)))


_LOCK_COUNTERS: Final = Statement(
    select(Counter.window_id)
    .where(Counter.branch_id == bindparam("branch_id"))
    .order_by(Counter.window_id)
    .with_for_update()
)
_FREE_WINDOW: Final = Statement(
    update(Counter)
    .where(Counter.window_id == bindparam("window_id"), Counter.visit_id == bindparam("k_visit_id"))
    .values(
        state="open",
        since=bindparam("now", type_=Counter.since.type),
        visit_id=None,
        idle_since=bindparam("now", type_=Counter.since.type),
    )
)


async def cancel(db: Db, *, visit_id: int, now: datetime) -> VisitRow:
    """The citizen gives up their ticket; a window that was calling them becomes free."""
    tx = await transaction(db)
    visit = await get_visit(tx, visit_id)
    window_id = None
    if visit.status in ("waiting", "called"):
        # Lock order everywhere: counters first, then the visit. Until the visit is locked a window may
        # call it (or another window, after a transfer), so hold every counter of the centre, in one order.
        await tx.rows(_LOCK_COUNTERS, {"branch_id": visit.branch_id})
    locked = await load_visit(tx, visit_id, lock=True)
    assert locked is not None
    visit = locked
    if visit.status not in ("waiting", "called"):
        raise refuse_visit("cancel", visit.status)
    if visit.status == "called" and visit.window_id is not None:
        window_id = visit.window_id
        await tx.execute(_FREE_WINDOW, {"window_id": window_id, "k_visit_id": visit.id, "now": now})
    visit.status = "cancelled"
    visit.ended_at = now
    await save_visit(tx, visit)
    await events.append(
        tx,
        branch_id=visit.branch_id,
        at=now,
        type="ticket.cancelled",
        visit_id=visit.id,
        queue_id=visit.queue_id,
        window_id=window_id,
        # A window that was calling this ticket is free again: boards follow the window's state here too.
        data={"number": visit.number, "state": "open"} if window_id is not None else {"number": visit.number},
    )
    return visit


async def close_past_days(session: AsyncSession, *, now: datetime) -> int:
    """Cancel the tickets still waiting from an earlier local day of their centre: a ticket is for its
    day (numbers start again each morning), and yesterday's must not be called today. Each is ended
    with a ``ticket.cancelled`` event saying why. Returns how many were closed."""
    closed = 0
    for branch in await branches_service.list_branches(session):
        today = branches_service.service_day(branch.timezone, now)
        stale = (
            update(Visit)
            .where(Visit.branch_id == branch.id, Visit.status == "waiting", Visit.service_day < today)
            .values(status="cancelled", ended_at=now)
            .returning(Visit.id, Visit.number, Visit.queue_id)
        )
        for visit_id, number, queue_id in (await session.execute(stale)).all():
            await events.append(
                session,
                branch_id=branch.id,
                at=now,
                type="ticket.cancelled",
                visit_id=visit_id,
                queue_id=queue_id,
                data={"number": number, "reason": "day_closed"},
            )
            closed += 1
    return closed
