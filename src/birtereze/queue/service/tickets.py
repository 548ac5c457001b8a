"""Issuing tickets, reading them, the waiting lines, and cancellation by the citizen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.core import events
from birtereze.core.errors import NotFound
from birtereze.queue import routing
from birtereze.queue.errors import ServiceNotOffered, UnknownPriority
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


def _insert(session: AsyncSession) -> type[postgresql.Insert] | type[sqlite.Insert]:
    bind = session.get_bind()
    return postgresql.Insert if bind.dialect.name == "postgresql" else sqlite.Insert


async def next_seq(session: AsyncSession, *, branch_id: int, queue_id: int, now: datetime, tz: str) -> int:
    """Atomically take the next number of a queue for the branch's local day."""
    day = branches_service.service_day(tz, now)
    insert = _insert(session)(TicketCounter).values(
        branch_id=branch_id, queue_id=queue_id, service_day=day, last=1
    )
    statement = insert.on_conflict_do_update(
        index_elements=["branch_id", "queue_id", "service_day"],
        set_={"last": TicketCounter.last + 1},
    ).returning(TicketCounter.last)
    return int((await session.execute(statement)).scalar_one())


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


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
    offered = (
        await session.execute(
            select(BranchService.queue_id, Branch.timezone)
            .join(Branch, Branch.id == BranchService.branch_id)
            .where(
                BranchService.branch_id == branch_id,
                BranchService.service_id == service_id,
                Branch.active.is_(True),
            )
        )
    ).first()
    if offered is None:
        await branches_service.get(session, branch_id)  # 404 for an unknown branch
        raise ServiceNotOffered()
    level, prefers_accessible = 0, False
    if priority_code is not None:
        category = (
            await session.execute(
                select(PriorityCategory.level, PriorityCategory.prefers_accessible).where(
                    PriorityCategory.code == priority_code
                )
            )
        ).first()
        if category is None:
            raise UnknownPriority(code=priority_code)
        level, prefers_accessible = category.level, category.prefers_accessible
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

    rules = [
        routing.Rule(
            position=r.position,
            queue_id=r.queue_id,
            service_id=r.service_id,
            priority_code=r.priority_code,
            appointment=r.appointment,
            language=r.language,
            rule_id=r.id,
        )
        for r in (
            await session.execute(select(SegmentationRule).where(SegmentationRule.branch_id == branch_id))
        ).scalars()
    ]
    request = routing.Request(
        service_id=service_id, priority_code=priority_code, appointment=appointment, language=language
    )
    queue_id = routing.route(rules, request, offered.queue_id)
    prefix = (await session.execute(select(Queue.prefix).where(Queue.id == queue_id))).scalar_one()
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


async def position_of(session: AsyncSession, visit: Visit) -> int:
    """How many tickets are ahead of this one in its queue, by the queue's own order."""
    if visit.status != "waiting":
        return 0
    earlier = or_(Visit.line_at < visit.line_at, and_(Visit.line_at == visit.line_at, Visit.id < visit.id))
    same_line = and_(Visit.first_in_line.is_(visit.first_in_line), earlier)
    if not visit.first_in_line:
        same_line = or_(Visit.first_in_line.is_(True), same_line)
    ahead = and_(
        Visit.branch_id == visit.branch_id,
        Visit.queue_id == visit.queue_id,
        Visit.status == "waiting",
        Visit.pool_window_id.is_(None),
        Visit.pool_staff_id.is_(None),
        Visit.id != visit.id,
        or_(
            Visit.priority_level > visit.priority_level,
            and_(Visit.priority_level == visit.priority_level, same_line),
        ),
    )
    return int((await session.execute(select(func.count()).where(ahead))).scalar_one())


async def cancel(session: AsyncSession, *, visit_id: int, now: datetime) -> Visit:
    """The citizen gives up their ticket; a window that was calling them becomes free."""
    visit = await get_visit(session, visit_id)
    window_id = visit.window_id if visit.status == "called" else None
    if window_id is not None:
        # Lock order everywhere: the window's counter first, then the visit.
        await session.execute(
            select(Counter.window_id).where(Counter.window_id == window_id).with_for_update()
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
        data={"number": visit.number},
    )
    await session.flush()
    return visit
