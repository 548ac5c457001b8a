"""Calling: call next by the calling rules, call a chosen ticket, recall, confirm arrival, no-show."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Window
from birtereze.core.errors import NotFound
from birtereze.queue import calling
from birtereze.queue.errors import (
    NoShowTooEarly,
    NoTicketWaiting,
    ProfileRequired,
    RecallLimitReached,
    TicketNotCallable,
)
from birtereze.queue.models import (
    Counter,
    Visit,
    WorkProfile,
    WorkProfileQueue,
)
from birtereze.queue.service.desk import (
    Desk,
    current_visit,
    get_counter,
    record_event,
    set_state,
)
from birtereze.queue.states import STAFFED, VISIT_STATE_WORDS, require_window_state

_PROFILE: Final = (
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


async def _calling_profile(session: AsyncSession, profile_id: int) -> calling.Profile:
    rows = (await session.execute(_PROFILE, {"profile_id": profile_id})).all()
    queues = tuple(
        calling.ProfileQueue(queue_id=row.queue_id, position=row.position, weight=row.weight)
        for row in rows
        if row.queue_id is not None
    )
    return calling.Profile(rule=rows[0].rule, queues=queues, overdue_after_s=rows[0].overdue_after_s)


_ACCESSIBLE_OPEN: Final = select(
    exists().where(
        Counter.branch_id == bindparam("branch_id"),
        Counter.state.in_(STAFFED),
        Window.id == Counter.window_id,
        Window.accessible.is_(True),
        WorkProfileQueue.work_profile_id == Counter.work_profile_id,
        WorkProfileQueue.queue_id.in_(bindparam("queue_ids", expanding=True)),
    )
)


async def _accessible_window_open(session: AsyncSession, *, branch_id: int, queue_ids: set[int]) -> bool:
    """Is an accessible window staffed now whose profile serves one of these queues?"""
    params = {"branch_id": branch_id, "queue_ids": sorted(queue_ids)}
    return bool((await session.execute(_ACCESSIBLE_OPEN, params)).scalar())


# Waiting tickets this window may call: those in its queues, in its own pool, or in its operator's pool
# (a null staff id matches no pool). Only the head of each line is read: the first by (line_at, id)
# among the tickets of one queue, priority level, accessibility preference, first-in-line flag and pool.
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
        func.row_number()
        .over(
            partition_by=(
                Visit.queue_id,
                Visit.priority_level,
                Visit.prefers_accessible,
                Visit.first_in_line,
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
        or_(
            and_(
                Visit.queue_id.in_(bindparam("queue_ids", expanding=True)),
                Visit.pool_window_id.is_(None),
                Visit.pool_staff_id.is_(None),
            ),
            Visit.pool_window_id == bindparam("window_id"),
            Visit.pool_staff_id == bindparam("staff_id"),
        ),
    )
    .subquery()
)
_CANDIDATES: Final = select(*(c for c in _WAITING.c if c.name != "place")).where(_WAITING.c.place == 1)


async def _candidates(
    session: AsyncSession, desk: Desk, queue_ids: set[int], now: datetime
) -> list[calling.Candidate]:
    params = {
        "branch_id": desk.window.branch_id,
        "now": now,
        "queue_ids": sorted(queue_ids),
        "window_id": desk.window.id,
        "staff_id": desk.counter.staff_id,
    }
    result = []
    for row in (await session.execute(_CANDIDATES, params)).all():
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
            )
        )
    return result


_TAKE: Final = (
    update(Visit)
    .where(Visit.id == bindparam("visit_id"), Visit.status == bindparam("from_status"))
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
    .returning(Visit)
)


async def _take(
    session: AsyncSession, desk: Desk, visit_id: int, now: datetime, *, status: str
) -> Visit | None:
    """Move a waiting visit to this window and return it; None if another window took it first."""
    params = {
        "visit_id": visit_id,
        "from_status": status,
        "window_id": desk.window.id,
        "staff_id": desk.counter.staff_id,
        "now": now,
    }
    options = {"synchronize_session": False, "populate_existing": True}
    return (await session.execute(_TAKE, params, execution_options=options)).scalar_one_or_none()


async def _after_call(session: AsyncSession, desk: Desk, visit: Visit, now: datetime) -> Desk:
    set_state(desk.counter, "calling", now)
    desk.counter.visit_id = visit.id
    await record_event(
        session,
        desk,
        "ticket.called",
        now,
        visit,
        calls=1,
        queued_at=visit.queued_at.isoformat(),
        accessible=desk.window.accessible,
    )
    await session.flush()
    desk.visit = visit
    return desk


async def call_next(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("call", desk.counter.state)
    if desk.counter.work_profile_id is None:
        raise ProfileRequired()
    profile = await _calling_profile(session, desk.counter.work_profile_id)
    queue_ids = {q.queue_id for q in profile.queues}
    accessible_open: bool | None = None
    taken_elsewhere: set[int] = set()
    for _attempt in range(5):
        candidates = [
            c for c in await _candidates(session, desk, queue_ids, now) if c.visit_id not in taken_elsewhere
        ]
        if (
            accessible_open is None
            and not desk.window.accessible
            and any(c.prefers_accessible for c in candidates)
        ):
            accessible_open = await _accessible_window_open(
                session, branch_id=desk.window.branch_id, queue_ids=queue_ids
            )
        context = calling.WindowContext(
            accessible=desk.window.accessible,
            accessible_window_open=bool(accessible_open),
            accessible_hold_s=desk.branch.max_wait_s // 2,
        )
        chosen = calling.choose_next(candidates, profile, context, now)
        if chosen is None:
            raise NoTicketWaiting()
        taken = await _take(session, desk, chosen.visit_id, now, status="waiting")
        if taken is not None:
            return await _after_call(session, desk, taken, now)
        # Another window called it first; read the lines again.
        taken_elsewhere.add(chosen.visit_id)
    raise NoTicketWaiting()


async def call_visit(session: AsyncSession, *, window_id: int, visit_id: int, now: datetime) -> Desk:
    """Call a chosen ticket: a waiting one (out of turn), or resume a ticket this window parked."""
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("call", desk.counter.state)
    visit = await session.get(Visit, visit_id, with_for_update=True)
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
        await record_event(session, desk, "ticket.resumed", now, visit)
        await session.flush()
        desk.visit = visit
        return desk
    if visit.status != "waiting":
        raise TicketNotCallable(number=visit.number, state=VISIT_STATE_WORDS[visit.status])
    taken = await _take(session, desk, visit.id, now, status="waiting")
    if taken is None:
        raise TicketNotCallable(number=visit.number, state=VISIT_STATE_WORDS["called"])
    return await _after_call(session, desk, taken, now)


async def recall(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("recall", desk.counter.state)
    visit = await current_visit(session, desk)
    if visit.calls >= 1 + desk.branch.max_recalls:
        raise RecallLimitReached(number=visit.number, calls=visit.calls)
    visit.calls += 1
    visit.called_at = now
    desk.counter.since = now
    await record_event(session, desk, "ticket.recalled", now, visit, calls=visit.calls)
    await session.flush()
    desk.visit = visit
    return desk


async def confirm(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    """The citizen has come to the window: service starts."""
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("confirm", desk.counter.state)
    visit = await current_visit(session, desk)
    visit.status = "serving"
    visit.serving_at = now
    set_state(desk.counter, "serving", now)
    await record_event(session, desk, "ticket.confirmed", now, visit)
    await session.flush()
    desk.visit = visit
    return desk


async def mark_no_show(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("no_show", desk.counter.state)
    visit = await current_visit(session, desk)
    assert visit.called_at is not None
    timed_out = (now - visit.called_at).total_seconds() >= desk.branch.no_show_after_s
    if visit.calls < 1 + desk.branch.max_recalls and not timed_out:
        raise NoShowTooEarly(seconds=desk.branch.no_show_after_s)
    visit.status = "no_show"
    visit.ended_at = now
    set_state(desk.counter, "open", now)
    desk.counter.visit_id = None
    await record_event(session, desk, "ticket.no_show", now, visit, calls=visit.calls)
    await session.flush()
    desk.visit = visit
    return desk
