"""Calling: call next by the calling rules, call a chosen ticket, recall, confirm arrival, no-show."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from birtereze.branches.models import Window
from birtereze.core.errors import NotFound
from birtereze.core.sql import Db, Statement, Tx, any_of
from birtereze.queue import calling
from birtereze.queue.errors import (
    NoShowTooEarly,
    NoTicketWaiting,
    ProfileRequired,
    RecallLimitReached,
    TicketNotArrived,
    TicketNotCallable,
)
from birtereze.queue.models import Counter, Visit, WorkProfile, WorkProfileQueue
from birtereze.queue.service.desk import Desk, current_visit, locked_desk, record_event, set_state
from birtereze.queue.service.issuing import PROFILES_MEMO, configuration_ttl
from birtereze.queue.service.rows import (
    VISIT_COLUMNS,
    VisitRow,
    load_visit,
    save_counter,
    save_visit,
    visit_of,
)
from birtereze.queue.states import STAFFED, VISIT_STATE_WORDS
from birtereze.queue.waits import PREDICTOR

_PROFILE: Final = Statement(
    select(
        WorkProfile.rule,
        WorkProfile.overdue_after_s,
        WorkProfileQueue.queue_id,
        WorkProfileQueue.position,
        WorkProfileQueue.weight,
    )
    .outerjoin(WorkProfileQueue, WorkProfileQueue.work_profile_id == WorkProfile.id)
    .where(WorkProfile.id == bindparam("profile_id"))
)


async def _calling_profile(tx: Tx, profile_id: int, now: datetime) -> calling.Profile:
    """A work profile's calling rule and queues, kept by the process as configuration (see .issuing)."""
    found: calling.Profile | None = tx.memo.get(PROFILES_MEMO, profile_id, now, configuration_ttl(tx.memo))
    if found is not None:
        return found
    version = tx.memo.version
    rows = await tx.rows(_PROFILE, {"profile_id": profile_id})
    queues = tuple(
        calling.ProfileQueue(queue_id=row.queue_id, position=row.position, weight=row.weight)
        for row in rows
        if row.queue_id is not None
    )
    found = calling.Profile(rule=rows[0].rule, queues=queues, overdue_after_s=rows[0].overdue_after_s)
    tx.memo.put(PROFILES_MEMO, profile_id, now, found, version=version)
    return found


# The queues of the calling window's work profile (bound parameter ``profile_id``).
_SERVED_QUEUES = aliased(WorkProfileQueue)
_PROFILE_QUEUES = select(_SERVED_QUEUES.queue_id).where(
    _SERVED_QUEUES.work_profile_id == bindparam("profile_id")
)
_ACCESSIBLE_OPEN: Final = Statement(
    select(
        exists().where(
            Counter.branch_id == bindparam("branch_id"),
            any_of(Counter.state, STAFFED),
            Window.id == Counter.window_id,
            Window.accessible.is_(True),
            WorkProfileQueue.work_profile_id == Counter.work_profile_id,
            WorkProfileQueue.queue_id.in_(_PROFILE_QUEUES),
        )
    )
)


async def _accessible_window_open(tx: Tx, *, branch_id: int, profile_id: int) -> bool:
    """Is an accessible window staffed now whose profile serves one of this profile's queues?"""
    return bool(await tx.scalar(_ACCESSIBLE_OPEN, {"branch_id": branch_id, "profile_id": profile_id}))


# Waiting tickets this window may call: those in its queues, in its own pool, or in its operator's pool
# (a null staff id matches no pool), whose holder is at the centre (a remote ticket not checked in is
# passed over). Only the head of each line is read: the first by (line_at, id) among the tickets of one
# queue, priority level, accessibility preference, first-in-line flag, booking and pool.
# Every calling rule (calling.choose_next) picks the head of such a line, so the choice is the one it
# would make among all the waiting tickets, while a long queue costs the database a sort, not Python a
# loop over every ticket.
_WAITING = (
    select(
        Visit.id,
        Visit.queue_id,
        Visit.line_at,
        Visit.first_in_line,
        Visit.priority_level,
        Visit.prefers_accessible,
        Visit.pool_window_id,
        Visit.pool_staff_id,
        Visit.appointment,
        func.row_number()
        .over(
            partition_by=(
                Visit.queue_id,
                Visit.priority_level,
                Visit.prefers_accessible,
                Visit.first_in_line,
                Visit.appointment,
                Visit.pool_window_id,
                Visit.pool_staff_id,
            ),
            order_by=(Visit.line_at, Visit.id),
        )
        .label("place"),
    )
    .where(
        Visit.branch_id == bindparam("branch_id"),
        Visit.status == "waiting",
        Visit.available_at <= bindparam("now"),
        Visit.arrived_at.is_not(None),
        or_(
            and_(
                Visit.queue_id.in_(_PROFILE_QUEUES),
                Visit.pool_window_id.is_(None),
                Visit.pool_staff_id.is_(None),
            ),
            Visit.pool_window_id == bindparam("window_id"),
            Visit.pool_staff_id == bindparam("staff_id"),
        ),
    )
    .subquery()
)
_CANDIDATES: Final = Statement(
    select(*(c for c in _WAITING.c if c.name != "place")).where(_WAITING.c.place == 1)
)


async def _candidates(tx: Tx, desk: Desk, now: datetime) -> list[calling.Candidate]:
    params = {
        "branch_id": desk.window.branch_id,
        "now": now,
        "profile_id": desk.counter.work_profile_id,
        "window_id": desk.window.id,
        "staff_id": desk.counter.staff_id,
    }
    result = []
    for row in await tx.rows(_CANDIDATES, params):
        pool: Literal["window", "staff"] | None = None
        if row.pool_window_id == desk.window.id:
            pool = "window"
        elif row.pool_staff_id is not None:
            pool = "staff"
        result.append(
            calling.Candidate(
                visit_id=row.id,
                queue_id=row.queue_id,
                line_at=row.line_at,
                first_in_line=row.first_in_line,
                priority_level=row.priority_level,
                prefers_accessible=row.prefers_accessible,
                pool=pool,
                appointment=row.appointment,
            )
        )
    return result


_TAKE: Final = Statement(
    update(Visit)
    .where(Visit.id == bindparam("visit_id"), Visit.status == "waiting", Visit.arrived_at.is_not(None))
    .values(
        status="called",
        window_id=bindparam("window_id"),
        staff_id=bindparam("staff_id"),
        called_at=bindparam("now"),
        calls=1,
        pool_window_id=None,
        pool_staff_id=None,
        first_in_line=False,
    )
    .returning(*VISIT_COLUMNS)
)


async def _take(tx: Tx, desk: Desk, visit_id: int, now: datetime) -> VisitRow | None:
    """Move a waiting visit to this window and return it; None if another window took it first."""
    params = {
        "visit_id": visit_id,
        "window_id": desk.window.id,
        "staff_id": desk.counter.staff_id,
        "now": now,
    }
    row = await tx.first(_TAKE, params)
    return None if row is None else visit_of(row)


async def _after_call(tx: Tx, desk: Desk, visit: VisitRow, now: datetime) -> Desk:
    if visit.wait_estimates:
        # The wait predictor learns which of its estimates, made at issue, came closest.
        PREDICTOR.observe(visit.queue_id, visit.wait_estimates, (now - visit.queued_at).total_seconds())
    set_state(desk.counter, "calling", now)
    desk.counter.visit_id = visit.id
    desk.visit = visit
    await save_counter(tx, desk.counter)
    await record_event(
        tx,
        desk,
        "ticket.called",
        now,
        visit,
        calls=1,
        queued_at=visit.queued_at.isoformat(),
        accessible=desk.window.accessible,
    )
    return desk


async def call_next(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "call")
    profile_id = desk.counter.work_profile_id
    if profile_id is None:
        raise ProfileRequired()
    profile = await _calling_profile(tx, profile_id, now)
    accessible_open: bool | None = None
    taken_elsewhere: set[int] = set()
    for _attempt in range(5):
        candidates = [c for c in await _candidates(tx, desk, now) if c.visit_id not in taken_elsewhere]
        if (
            accessible_open is None
            and not desk.window.accessible
            and any(c.prefers_accessible for c in candidates)
        ):
            accessible_open = await _accessible_window_open(
                tx, branch_id=desk.window.branch_id, profile_id=profile_id
            )
        context = calling.WindowContext(
            accessible=desk.window.accessible,
            accessible_window_open=bool(accessible_open),
            accessible_hold_s=desk.branch.max_wait_s // 2,
        )
        chosen = calling.choose_next(candidates, profile, context, now)
        if chosen is None:
            raise NoTicketWaiting()
        taken = await _take(tx, desk, chosen.visit_id, now)
        if taken is not None:
            return await _after_call(tx, desk, taken, now)
        # Another window called it first; read the lines again.
        taken_elsewhere.add(chosen.visit_id)
    raise NoTicketWaiting()


async def call_visit(db: Db, *, window_id: int, visit_id: int, now: datetime) -> Desk:
    """Call a chosen ticket: a waiting one (out of turn), or resume a ticket this window parked."""
    tx, desk = await locked_desk(db, window_id, "call")
    visit = await load_visit(tx, visit_id, lock=True)
    if visit is None or visit.branch_id != desk.window.branch_id:
        raise NotFound("Ticket")
    if visit.status == "parked" and visit.pool_window_id == desk.window.id:
        visit.status = "serving"
        visit.pool_window_id = None
        visit.window_id = desk.window.id
        visit.staff_id = desk.counter.staff_id
        visit.serving_at = now
        set_state(desk.counter, "serving", now)
        desk.counter.visit_id = visit.id
        desk.visit = visit
        await save_visit(tx, visit)
        await save_counter(tx, desk.counter)
        await record_event(tx, desk, "ticket.resumed", now, visit)
        return desk
    if visit.status != "waiting":
        raise TicketNotCallable(number=visit.number, state=VISIT_STATE_WORDS[visit.status])
    if visit.arrived_at is None:
        raise TicketNotArrived(number=visit.number)
    taken = await _take(tx, desk, visit.id, now)
    if taken is None:
        raise TicketNotCallable(number=visit.number, state=VISIT_STATE_WORDS["called"])
    return await _after_call(tx, desk, taken, now)


async def recall(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "recall")
    visit = await current_visit(tx, desk)
    if visit.calls >= 1 + desk.branch.max_recalls:
        raise RecallLimitReached(number=visit.number, calls=visit.calls)
    visit.calls += 1
    visit.called_at = now
    desk.counter.since = now
    desk.visit = visit
    await save_visit(tx, visit)
    await save_counter(tx, desk.counter)
    await record_event(tx, desk, "ticket.recalled", now, visit, calls=visit.calls)
    return desk


async def confirm(db: Db, *, window_id: int, now: datetime) -> Desk:
    """The citizen has come to the window: service starts."""
    tx, desk = await locked_desk(db, window_id, "confirm")
    visit = await current_visit(tx, desk)
    visit.status = "serving"
    visit.serving_at = now
    set_state(desk.counter, "serving", now)
    desk.visit = visit
    await save_visit(tx, visit)
    await save_counter(tx, desk.counter)
    await record_event(tx, desk, "ticket.confirmed", now, visit)
    return desk


async def mark_no_show(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "no_show")
    visit = await current_visit(tx, desk)
    assert visit.called_at is not None
    timed_out = (now - visit.called_at).total_seconds() >= desk.branch.no_show_after_s
    if visit.calls < 1 + desk.branch.max_recalls and not timed_out:
        raise NoShowTooEarly(seconds=desk.branch.no_show_after_s)
    visit.status = "no_show"
    visit.ended_at = now
    set_state(desk.counter, "open", now)
    desk.counter.visit_id = None
    desk.visit = visit
    await save_visit(tx, visit)
    await save_counter(tx, desk.counter)
    await record_event(tx, desk, "ticket.no_show", now, visit, calls=visit.calls)
    return desk
