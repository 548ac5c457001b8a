"""The counter state machine: what a window does with its tickets.

Each operation locks the window's counter row (``FOR UPDATE`` on PostgreSQL; SQLite takes the database
write lock at ``BEGIN IMMEDIATE``), checks the transition, changes the visit and the counter, and appends
its event, all in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch, Window
from birtereze.catalog.models import Outcome, Service
from birtereze.core import events
from birtereze.core.errors import InvalidInput, NotFound
from birtereze.queue import calling
from birtereze.queue.errors import (
    BreakReasonRequired,
    NoShowTooEarly,
    NoTicketWaiting,
    OutcomeRequired,
    ProfileRequired,
    RecallLimitReached,
    TicketNotCallable,
    TransferTargetRequired,
    UnknownOutcome,
    WindowNotInBranch,
)
from birtereze.queue.models import (
    Counter,
    Queue,
    Visit,
    VisitService,
    WorkProfile,
    WorkProfileQueue,
)
from birtereze.queue.states import STAFFED, VISIT_STATE_WORDS, refuse_visit, require_window_state
from birtereze.staff.models import Staff

BREAK_REASONS = ("lunch", "rest", "training", "technical", "consultation", "other")


@dataclass(slots=True)
class Desk:
    """A locked counter with what its operations need to know about the window and branch."""

    counter: Counter
    window: Window
    branch: Branch
    visit: Visit | None = None


# The hot statements are built once: a statement object keeps its compiled form and cache key.
_DESK = (
    select(Counter, Window, Branch)
    .join(Window, Window.id == Counter.window_id)
    .join(Branch, Branch.id == Window.branch_id)
    .where(Counter.window_id == bindparam("window_id"))
)
_DESKS: Final = {False: _DESK, True: _DESK.with_for_update(of=Counter)}


async def get_counter(session: AsyncSession, window_id: int, *, lock: bool = False) -> Desk:
    statement = _DESKS[lock]
    params = {"window_id": window_id}
    row = (await session.execute(statement, params)).first()
    if row is None:
        window = await session.get(Window, window_id)
        if window is None:
            raise NotFound("Window")
        # The counter row of a new window is made on first use.
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(Counter)
            .values(window_id=window_id, branch_id=window.branch_id, state="closed", since=_epoch())
            .on_conflict_do_nothing(index_elements=["window_id"])
        )
        row = (await session.execute(statement, params)).one()
    return Desk(counter=row[0], window=row[1], branch=row[2])


def _epoch() -> datetime:
    return datetime.fromisoformat("2000-01-01T00:00:00+00:00")


async def list_counters(session: AsyncSession, *, branch_id: int) -> Sequence[tuple[Window, Counter | None]]:
    statement = (
        select(Window, Counter)
        .outerjoin(Counter, Counter.window_id == Window.id)
        .where(Window.branch_id == branch_id)
        .order_by(Window.number)
    )
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]


def _set_state(counter: Counter, state: str, now: datetime) -> None:
    counter.state = state
    counter.since = now
    counter.idle_since = now if state == "open" else None


async def _event(
    session: AsyncSession, desk: Desk, type: str, now: datetime, visit: Visit | None = None, **data: object
) -> None:
    payload: dict[str, object] = {"window_number": desk.window.number, "state": desk.counter.state}
    if visit is not None:
        payload["number"] = visit.number
    payload.update(data)
    await events.append(
        session,
        branch_id=desk.window.branch_id,
        at=now,
        type=type,
        visit_id=visit.id if visit is not None else None,
        window_id=desk.window.id,
        queue_id=visit.queue_id if visit is not None else None,
        staff_id=desk.counter.staff_id,
        data=payload,
    )


async def _current_visit(session: AsyncSession, desk: Desk) -> Visit:
    if desk.counter.visit_id is None:
        raise NotFound("Ticket")
    visit = await session.get(Visit, desk.counter.visit_id, with_for_update=True)
    if visit is None:
        raise NotFound("Ticket")
    return visit


async def _profile(session: AsyncSession, *, profile_id: int, branch_id: int) -> WorkProfile:
    profile = await session.get(WorkProfile, profile_id)
    if profile is None or profile.branch_id != branch_id:
        raise ProfileRequired()
    return profile


# --- opening, closing, breaks ---------------------------------------------------------------------


async def open_window(
    session: AsyncSession, *, window_id: int, staff_id: int, work_profile_id: int, now: datetime
) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("open", desk.counter.state)
    await _profile(session, profile_id=work_profile_id, branch_id=desk.window.branch_id)
    desk.counter.staff_id = staff_id
    desk.counter.work_profile_id = work_profile_id
    desk.counter.break_reason = None
    _set_state(desk.counter, "open", now)
    await _event(session, desk, "window.opened", now, work_profile_id=work_profile_id)
    await session.flush()
    return desk


async def close_window(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("close", desk.counter.state)
    _set_state(desk.counter, "closed", now)
    # The event tells subscribers the new state, and still names the operator who closed the window.
    await _event(session, desk, "window.closed", now)
    desk.counter.staff_id = None
    desk.counter.break_reason = None
    await session.flush()
    return desk


async def start_break(session: AsyncSession, *, window_id: int, reason: str, now: datetime) -> Desk:
    if reason not in BREAK_REASONS:
        raise BreakReasonRequired()
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("break", desk.counter.state)
    _set_state(desk.counter, "break", now)
    desk.counter.break_reason = reason
    await _event(session, desk, "window.break_started", now, reason=reason)
    await session.flush()
    return desk


async def end_break(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("resume", desk.counter.state)
    _set_state(desk.counter, "open", now)
    desk.counter.break_reason = None
    await _event(session, desk, "window.break_ended", now)
    await session.flush()
    return desk


async def end_wrap_up(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("ready", desk.counter.state)
    _set_state(desk.counter, "open", now)
    await _event(session, desk, "window.ready", now)
    await session.flush()
    return desk


async def change_profile(
    session: AsyncSession, *, window_id: int, work_profile_id: int, now: datetime
) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("profile", desk.counter.state)
    await _profile(session, profile_id=work_profile_id, branch_id=desk.window.branch_id)
    desk.counter.work_profile_id = work_profile_id
    await _event(session, desk, "window.profile_changed", now, work_profile_id=work_profile_id)
    await session.flush()
    return desk


# --- calling --------------------------------------------------------------------------------------


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
    _set_state(desk.counter, "calling", now)
    desk.counter.visit_id = visit.id
    await _event(
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
        _set_state(desk.counter, "serving", now)
        desk.counter.visit_id = visit.id
        await _event(session, desk, "ticket.resumed", now, visit)
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
    visit = await _current_visit(session, desk)
    if visit.calls >= 1 + desk.branch.max_recalls:
        raise RecallLimitReached(number=visit.number, calls=visit.calls)
    visit.calls += 1
    visit.called_at = now
    desk.counter.since = now
    await _event(session, desk, "ticket.recalled", now, visit, calls=visit.calls)
    await session.flush()
    desk.visit = visit
    return desk


async def confirm(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    """The citizen has come to the window: service starts."""
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("confirm", desk.counter.state)
    visit = await _current_visit(session, desk)
    visit.status = "serving"
    visit.serving_at = now
    _set_state(desk.counter, "serving", now)
    await _event(session, desk, "ticket.confirmed", now, visit)
    await session.flush()
    desk.visit = visit
    return desk


async def mark_no_show(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("no_show", desk.counter.state)
    visit = await _current_visit(session, desk)
    assert visit.called_at is not None
    timed_out = (now - visit.called_at).total_seconds() >= desk.branch.no_show_after_s
    if visit.calls < 1 + desk.branch.max_recalls and not timed_out:
        raise NoShowTooEarly(seconds=desk.branch.no_show_after_s)
    visit.status = "no_show"
    visit.ended_at = now
    _set_state(desk.counter, "open", now)
    desk.counter.visit_id = None
    await _event(session, desk, "ticket.no_show", now, visit, calls=visit.calls)
    await session.flush()
    desk.visit = visit
    return desk


# --- serving --------------------------------------------------------------------------------------


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
    visit = await _current_visit(session, desk)
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
    await _event(session, desk, "service.recorded", now, visit, service_id=service_id, outcome=outcome_code)
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
    visit = await _current_visit(session, desk)
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
    _set_state(desk.counter, "wrap_up" if wrap_up_s is not None and wrap_up_s > 0 else "open", now)
    await _event(session, desk, "ticket.finished", now, visit)
    await session.flush()
    desk.visit = visit
    return desk


async def park(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    """Set a visit aside (the citizen fetches a document); only this window can resume it."""
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("park", desk.counter.state)
    visit = await _current_visit(session, desk)
    visit.status = "parked"
    visit.pool_window_id = desk.window.id
    desk.counter.visit_id = None
    _set_state(desk.counter, "open", now)
    await _event(session, desk, "ticket.parked", now, visit)
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
    visit = await _current_visit(session, desk)
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
    _set_state(desk.counter, "open", now)
    await _event(
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


__all__ = [
    "BREAK_REASONS",
    "Desk",
    "call_next",
    "call_visit",
    "change_profile",
    "close_window",
    "confirm",
    "end_break",
    "end_wrap_up",
    "finish",
    "get_counter",
    "list_counters",
    "mark_no_show",
    "open_window",
    "park",
    "recall",
    "record_service",
    "refuse_visit",
    "start_break",
    "transfer",
]
