"""Issuing tickets, reading them, the waiting lines, and cancellation by the citizen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.core import events, security
from birtereze.core.errors import NotFound
from birtereze.queue import routing
from birtereze.queue.errors import ServiceNotOffered, TicketTokenInvalid, UnknownPriority
from birtereze.queue.models import (
    BranchService,
    Counter,
    PriorityCategory,
    Queue,
    SegmentationRule,
    TicketCounter,
    Visit,
    VisitService,
)
from birtereze.queue.states import refuse_visit


def _next_seq_statement(
    insert: type[postgresql.Insert] | type[sqlite.Insert],
) -> ReturningInsert[int]:
    values: dict[str, BindParameter[Any]] = {
        name: bindparam(name) for name in ("branch_id", "queue_id", "service_day")
    }
    return (
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


async def next_seq(session: AsyncSession, *, branch_id: int, queue_id: int, now: datetime, tz: str) -> int:
    """Atomically take the next number of a queue for the branch's local day."""
    statement = _NEXT_SEQ[session.get_bind().dialect.name]
    day = branches_service.service_day(tz, now)
    values = {"branch_id": branch_id, "queue_id": queue_id, "service_day": day}
    return int((await session.execute(statement, values)).scalar_one())


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


# One statement for the service's queue, its prefix, the time zone and the priority category.
_CATEGORY = PriorityCategory.code == bindparam("priority_code")
_OFFERED: Final = (
    select(
        BranchService.queue_id,
        Queue.prefix,
        Branch.timezone,
        select(PriorityCategory.level).where(_CATEGORY).scalar_subquery().label("level"),
        select(PriorityCategory.prefers_accessible)
        .where(_CATEGORY)
        .scalar_subquery()
        .label("prefers_accessible"),
    )
    .join(Branch, Branch.id == BranchService.branch_id)
    .join(Queue, Queue.id == BranchService.queue_id)
    .where(
        BranchService.branch_id == bindparam("branch_id"),
        BranchService.service_id == bindparam("service_id"),
        Branch.active.is_(True),
    )
)
_RULES: Final = (
    select(
        SegmentationRule.id,
        SegmentationRule.position,
        SegmentationRule.queue_id,
        SegmentationRule.service_id,
        SegmentationRule.priority_code,
        SegmentationRule.appointment,
        SegmentationRule.language,
        Queue.prefix,
    )
    .join(Queue, Queue.id == SegmentationRule.queue_id)
    .where(SegmentationRule.branch_id == bindparam("branch_id"))
)


async def issue_ticket(
    session: AsyncSession,
    *,
    branch_id: int,
    service_id: int,
    now: datetime,
    priority_code: str | None = None,
    appointment: bool = False,
    language: str = "kk",
    channel: str = "kiosk",
    extra_service_ids: Sequence[int] = (),
) -> Visit:
    values = {"branch_id": branch_id, "service_id": service_id, "priority_code": priority_code}
    offered = (await session.execute(_OFFERED, values)).first()
    if offered is None:
        await branches_service.get(session, branch_id)  # 404 for an unknown branch
        raise ServiceNotOffered()
    level, prefers_accessible = 0, False
    if priority_code is not None:
        if offered.level is None:
            raise UnknownPriority(code=priority_code)
        level, prefers_accessible = offered.level, bool(offered.prefers_accessible)
    if extra_service_ids:
        offered_extra = set(
            (
                await session.execute(
                    select(BranchService.service_id).where(
                        BranchService.branch_id == branch_id,
                        BranchService.service_id.in_(extra_service_ids),
                    )
                )
            ).scalars()
        )
        if offered_extra != set(extra_service_ids):
            raise ServiceNotOffered()

    prefixes = {offered.queue_id: offered.prefix}
    rules = []
    for r in await session.execute(_RULES, {"branch_id": branch_id}):
        prefixes[r.queue_id] = r.prefix
        rules.append(
            routing.Rule(
                position=r.position,
                queue_id=r.queue_id,
                service_id=r.service_id,
                priority_code=r.priority_code,
                appointment=r.appointment,
                language=r.language,
                rule_id=r.id,
            )
        )
    request = routing.Request(
        service_id=service_id, priority_code=priority_code, appointment=appointment, language=language
    )
    queue_id = routing.route(rules, request, offered.queue_id)
    prefix = prefixes[queue_id]
    seq = await next_seq(session, branch_id=branch_id, queue_id=queue_id, now=now, tz=offered.timezone)

    visit = Visit(
        branch_id=branch_id,
        issued_queue_id=queue_id,
        queue_id=queue_id,
        service_day=branches_service.service_day(offered.timezone, now),
        seq=seq,
        number=format_number(prefix, seq),
        status="waiting",
        channel=channel,
        language=language,
        priority_code=priority_code,
        priority_level=level,
        prefers_accessible=prefers_accessible,
        appointment=appointment,
        first_in_line=False,
        line_at=now,
        available_at=now,
        queued_at=now,
        issued_at=now,
        calls=0,
    )
    session.add(visit)
    await session.flush()
    service_ids = [service_id, *extra_service_ids]
    session.add_all(
        VisitService(visit_id=visit.id, branch_id=branch_id, service_id=sid, delivered=False)
        for sid in service_ids
    )
    await events.append(
        session,
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
            "queued_at": now.isoformat(),
        },
    )
    await session.flush()
    return visit


async def get_visit_by_token(
    session: AsyncSession, *, token: str, secret: str, max_age_s: int, now: datetime
) -> Visit:
    """The visit a citizen's ticket token (its QR code) stands for; no login."""
    visit_id = security.read_ticket(secret, token, max_age_s=max_age_s, now=now)
    if visit_id is None:
        raise TicketTokenInvalid()
    try:
        return await get_visit(session, visit_id)
    except NotFound:
        raise TicketTokenInvalid() from None


async def get_visit(session: AsyncSession, visit_id: int, *, branch_id: int | None = None) -> Visit:
    visit = await session.get(Visit, visit_id)
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
_POSITION: Final = {first: select(func.count()).where(AHEAD[first]) for first in (False, True)}


def ahead_params(visit: Visit) -> dict[str, object]:
    """The values of ``AHEAD``'s parameters for a ticket."""
    return {
        "branch_id": visit.branch_id,
        "queue_id": visit.queue_id,
        "visit_id": visit.id,
        "line_at": visit.line_at,
        "priority_level": visit.priority_level,
    }


async def position_of(session: AsyncSession, visit: Visit) -> int:
    """How many tickets are ahead of this one in its queue, by the queue's own order."""
    if visit.status != "waiting":
        return 0
    statement = _POSITION[visit.first_in_line]
    return int((await session.execute(statement, ahead_params(visit))).scalar_one())


async def cancel(session: AsyncSession, *, visit_id: int, now: datetime) -> Visit:
    """The citizen gives up their ticket; a window that was calling them becomes free."""
    visit = await get_visit(session, visit_id)
    window_id = None
    if visit.status in ("waiting", "called"):
        # Lock order everywhere: counters first, then the visit. Until the visit is locked a window may
        # call it (or another window, after a transfer), so hold every counter of the centre, in one order.
        await session.execute(
            select(Counter.window_id)
            .where(Counter.branch_id == visit.branch_id)
            .order_by(Counter.window_id)
            .with_for_update()
        )
    await session.refresh(visit, with_for_update=True)
    if visit.status not in ("waiting", "called"):
        raise refuse_visit("cancel", visit.status)
    if visit.status == "called" and visit.window_id is not None:
        window_id = visit.window_id
        await session.execute(
            update(Counter)
            .where(Counter.window_id == window_id, Counter.visit_id == visit.id)
            .values(state="open", since=now, visit_id=None, idle_since=now)
            .execution_options(synchronize_session=False)
        )
    visit.status = "cancelled"
    visit.ended_at = now
    await events.append(
        session,
        branch_id=visit.branch_id,
        at=now,
        type="ticket.cancelled",
        visit_id=visit.id,
        queue_id=visit.queue_id,
        window_id=window_id,
        # A window that was calling this ticket is free again: boards follow the window's state here too.
        data={"number": visit.number, "state": "open"} if window_id is not None else {"number": visit.number},
    )
    await session.flush()
    return visit
