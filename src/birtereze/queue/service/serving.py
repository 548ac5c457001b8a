"""Serving: record delivered services and outcomes, finish, park, transfer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Window
from birtereze.catalog.models import Outcome, Service
from birtereze.core.errors import InvalidInput, NotFound
from birtereze.queue.errors import (
    OutcomeRequired,
    TransferTargetRequired,
    UnknownOutcome,
    WindowNotInBranch,
)
from birtereze.queue.models import (
    Queue,
    VisitService,
    WorkProfile,
)
from birtereze.queue.service.desk import (
    Desk,
    current_visit,
    get_counter,
    record_event,
    set_state,
)
from birtereze.queue.states import require_window_state
from birtereze.staff.models import Staff


async def record_service(
    session: AsyncSession,
    *,
    window_id: int,
    service_id: int,
    outcome_code: str | None,
    now: datetime,
) -> Desk:
    """Record a service delivered during this visit (added if the citizen asked for one more)."""
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("record_service", desk.counter.state)
    visit = await current_visit(session, desk)
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound("Service")
    if outcome_code is not None:
        known = await session.execute(
            select(Outcome.id).where(
                Outcome.code == outcome_code,
                or_(Outcome.service_id.is_(None), Outcome.service_id == service_id),
            )
        )
        if known.first() is None:
            raise UnknownOutcome(code=outcome_code)
    elif service.outcome_required:
        raise OutcomeRequired()
    line = (
        (
            await session.execute(
                select(VisitService)
                .where(VisitService.visit_id == visit.id, VisitService.service_id == service_id)
                .order_by(VisitService.delivered, VisitService.id)
            )
        )
        .scalars()
        .first()
    )
    if line is None or line.delivered:
        line = VisitService(visit_id=visit.id, branch_id=visit.branch_id, service_id=service_id)
        session.add(line)
    line.delivered = True
    line.outcome_code = outcome_code
    line.window_id = desk.window.id
    line.staff_id = desk.counter.staff_id
    line.delivered_at = now
    await record_event(
        session, desk, "service.recorded", now, visit, service_id=service_id, outcome=outcome_code
    )
    await session.flush()
    desk.visit = visit
    return desk


# Before finishing: is a service that requires an outcome still without one, and does the window's work
# profile give it a wrap-up time? One statement.
_FINISH_CHECKS: Final = select(
    exists()
    .where(
        VisitService.visit_id == bindparam("visit_id"),
        Service.id == VisitService.service_id,
        Service.outcome_required.is_(True),
        VisitService.delivered.is_(False),
    )
    .label("outcome_missing"),
    select(WorkProfile.wrap_up_s)
    .where(WorkProfile.id == bindparam("work_profile_id"))
    .scalar_subquery()
    .label("wrap_up_s"),
)


async def finish(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("finish", desk.counter.state)
    visit = await current_visit(session, desk)
    checks = (
        await session.execute(
            _FINISH_CHECKS, {"visit_id": visit.id, "work_profile_id": desk.counter.work_profile_id}
        )
    ).one()
    if checks.outcome_missing:
        raise OutcomeRequired()
    visit.status = "finished"
    visit.ended_at = now
    desk.counter.visit_id = None
    wrap_up_s = checks.wrap_up_s
    set_state(desk.counter, "wrap_up" if wrap_up_s is not None and wrap_up_s > 0 else "open", now)
    await record_event(session, desk, "ticket.finished", now, visit)
    await session.flush()
    desk.visit = visit
    return desk


async def park(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    """Set a visit aside (the citizen fetches a document); only this window can resume it."""
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("park", desk.counter.state)
    visit = await current_visit(session, desk)
    visit.status = "parked"
    visit.pool_window_id = desk.window.id
    desk.counter.visit_id = None
    set_state(desk.counter, "open", now)
    await record_event(session, desk, "ticket.parked", now, visit)
    await session.flush()
    desk.visit = visit
    return desk


async def transfer(
    session: AsyncSession,
    *,
    window_id: int,
    now: datetime,
    to_queue_id: int | None = None,
    to_window_id: int | None = None,
    to_staff_id: int | None = None,
    first_in_line: bool = False,
    delay_s: int = 0,
) -> Desk:
    """Send the visit on: to a queue, a window's pool or a person's pool; first or last; maybe later."""
    if sum(target is not None for target in (to_queue_id, to_window_id, to_staff_id)) != 1:
        raise TransferTargetRequired()
    if delay_s < 0 or delay_s > 4 * 3600:
        raise InvalidInput()
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("transfer", desk.counter.state)
    visit = await current_visit(session, desk)
    branch_id = desk.window.branch_id
    from_queue_id = visit.queue_id
    if to_queue_id is not None:
        queue = await session.get(Queue, to_queue_id)
        if queue is None or queue.branch_id != branch_id:
            raise WindowNotInBranch()
        visit.queue_id = to_queue_id
    if to_window_id is not None:
        target = await session.get(Window, to_window_id)
        if target is None or target.branch_id != branch_id:
            raise WindowNotInBranch()
    if to_staff_id is not None:
        staff = await session.get(Staff, to_staff_id)
        if staff is None:
            raise NotFound("Staff user")
    available = now + timedelta(seconds=delay_s)
    visit.status = "waiting"
    visit.pool_window_id = to_window_id
    visit.pool_staff_id = to_staff_id
    visit.first_in_line = first_in_line
    visit.line_at = now
    visit.available_at = available
    visit.queued_at = available
    visit.window_id = None
    visit.called_at = None
    visit.serving_at = None
    visit.calls = 0
    desk.counter.visit_id = None
    set_state(desk.counter, "open", now)
    await record_event(
        session,
        desk,
        "ticket.transferred",
        now,
        visit,
        from_queue_id=from_queue_id,
        to_queue_id=to_queue_id,
        to_window_id=to_window_id,
        to_staff_id=to_staff_id,
        first_in_line=first_in_line,
        delay_s=delay_s,
        queued_at=available.isoformat(),
    )
    await session.flush()
    desk.visit = visit
    return desk
