"""Serving: record delivered services and outcomes, finish, park, transfer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, exists, insert, or_, select, update

from birtereze.branches.models import Window
from birtereze.catalog.models import Outcome, Service
from birtereze.core.errors import InvalidInput, NotFound
from birtereze.core.sql import Db, Statement
from birtereze.queue.errors import (
    OutcomeRequired,
    TransferTargetRequired,
    UnknownOutcome,
    WindowNotInBranch,
)
from birtereze.queue.models import Queue, Visit, VisitService, WorkProfile
from birtereze.queue.service.desk import Desk, current_visit, locked_desk, record_event, set_state
from birtereze.queue.service.rows import save_counter, save_visit
from birtereze.staff.models import Staff

_SERVICE: Final = Statement(
    select(
        Service.outcome_required,
        exists()
        .where(
            Outcome.code == bindparam("outcome_code"),
            or_(Outcome.service_id.is_(None), Outcome.service_id == Service.id),
        )
        .label("outcome_known"),
    ).where(Service.id == bindparam("service_id"))
)
# The line of the visit for this service still to be delivered (else a new line is added).
_OPEN_LINE: Final = Statement(
    select(VisitService.id)
    .where(
        VisitService.visit_id == bindparam("visit_id"),
        VisitService.service_id == bindparam("service_id"),
        VisitService.delivered.is_(False),
    )
    .order_by(VisitService.id)
    .limit(1)
)
_DELIVERED: Final = {
    "outcome_code": bindparam("outcome_code"),
    "window_id": bindparam("window_id"),
    "staff_id": bindparam("staff_id"),
    "delivered_at": bindparam("now", type_=VisitService.delivered_at.type),
    "delivered": True,
}
_DELIVER_LINE: Final = Statement(
    update(VisitService).where(VisitService.id == bindparam("line_id")).values(_DELIVERED)
)
_ADD_LINE: Final = Statement(
    insert(VisitService).values(
        visit_id=bindparam("visit_id"),
        branch_id=bindparam("branch_id"),
        service_id=bindparam("service_id"),
        **_DELIVERED,
    )
)


# The kind of core.sql.Memo entry in which queue.load keeps a branch's recent service times.
SERVICE_TIMES_MEMO: Final = "service_times"


async def record_service(
    db: Db,
    *,
    window_id: int,
    service_id: int,
    outcome_code: str | None,
    now: datetime,
) -> Desk:
    """Record a service delivered during this visit (added if the citizen asked for one more)."""
    tx, desk = await locked_desk(db, window_id, "record_service")
    visit = await current_visit(tx, desk)
    service = await tx.first(_SERVICE, {"service_id": service_id, "outcome_code": outcome_code})
    if service is None:
        raise NotFound("Service")
    if outcome_code is not None:
        if not service.outcome_known:
            raise UnknownOutcome(code=outcome_code)
    elif service.outcome_required:
        raise OutcomeRequired()
    params = {
        "visit_id": visit.id,
        "branch_id": visit.branch_id,
        "service_id": service_id,
        "outcome_code": outcome_code,
        "window_id": desk.window.id,
        "staff_id": desk.counter.staff_id,
        "now": now,
    }
    line_id = await tx.scalar(_OPEN_LINE, params)
    if line_id is None:
        await tx.execute(_ADD_LINE, params)
    else:
        await tx.execute(_DELIVER_LINE, {**params, "line_id": line_id})
    desk.visit = visit
    await record_event(tx, desk, "service.recorded", now, visit, service_id=service_id, outcome=outcome_code)
    return desk


# Before finishing: is a service that requires an outcome still without one, and does the window's work
# profile give it a wrap-up time? One statement.
_FINISH_CHECKS: Final = Statement(
    select(
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
)


async def finish(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "finish")
    visit = await current_visit(tx, desk)
    checks = await tx.one(
        _FINISH_CHECKS, {"visit_id": visit.id, "work_profile_id": desk.counter.work_profile_id}
    )
    if checks.outcome_missing:
        raise OutcomeRequired()
    visit.status = "finished"
    visit.ended_at = now
    desk.counter.visit_id = None
    wrap_up_s = checks.wrap_up_s
    set_state(desk.counter, "wrap_up" if wrap_up_s is not None and wrap_up_s > 0 else "open", now)
    desk.visit = visit
    await save_visit(tx, visit)
    await save_counter(tx, desk.counter)
    await record_event(tx, desk, "ticket.finished", now, visit)
    # The branch's recent service times, as this process keeps them (queue.load), have one more.
    times: dict[int, list[float]] | None = tx.memo.peek(SERVICE_TIMES_MEMO, desk.window.branch_id)
    if times is not None and visit.serving_at is not None:
        duration = (now - visit.serving_at).total_seconds()
        times[visit.queue_id] = [*times.get(visit.queue_id, ()), duration]
    return desk


async def park(db: Db, *, window_id: int, now: datetime) -> Desk:
    """Set a visit aside (the citizen fetches a document); only this window can resume it."""
    tx, desk = await locked_desk(db, window_id, "park")
    visit = await current_visit(tx, desk)
    visit.status = "parked"
    visit.pool_window_id = desk.window.id
    desk.counter.visit_id = None
    set_state(desk.counter, "open", now)
    desk.visit = visit
    await save_visit(tx, visit)
    await save_counter(tx, desk.counter)
    await record_event(tx, desk, "ticket.parked", now, visit)
    return desk


_QUEUE_BRANCH: Final = Statement(select(Queue.branch_id).where(Queue.id == bindparam("id")))
_WINDOW_BRANCH: Final = Statement(select(Window.branch_id).where(Window.id == bindparam("id")))
_STAFF: Final = Statement(select(Staff.id).where(Staff.id == bindparam("id")))
# A transferred ticket waits afresh: its holder is told again when near and when called, and a booked
# ticket, whose booked time has been honoured by its first call, waits like any other from now on.
_WAITS_AFRESH: Final = Statement(
    update(Visit)
    .where(Visit.id == bindparam("k_id"))
    .values(appointment=False, notified_position_at=None, notified_called_at=None)
)


async def transfer(
    db: Db,
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
    tx, desk = await locked_desk(db, window_id, "transfer")
    visit = await current_visit(tx, desk)
    branch_id = desk.window.branch_id
    from_queue_id = visit.queue_id
    if to_queue_id is not None:
        if await tx.scalar(_QUEUE_BRANCH, {"id": to_queue_id}) != branch_id:
            raise WindowNotInBranch()
        visit.queue_id = to_queue_id
    if to_window_id is not None and await tx.scalar(_WINDOW_BRANCH, {"id": to_window_id}) != branch_id:
        raise WindowNotInBranch()
    if to_staff_id is not None and await tx.scalar(_STAFF, {"id": to_staff_id}) is None:
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
    visit.wait_estimates = None  # made for the wait from the issue, not from this transfer
    desk.counter.visit_id = None
    set_state(desk.counter, "open", now)
    visit.appointment = False
    visit.notified_position_at = visit.notified_called_at = None
    desk.visit = visit
    await save_visit(tx, visit)
    await tx.execute(_WAITS_AFRESH, {"k_id": visit.id})
    await save_counter(tx, desk.counter)
    await record_event(
        tx,
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
    return desk
