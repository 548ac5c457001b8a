"""A window's desk: its live counter state, and opening, closing, breaks and work profile.

Each operation locks the window's counter row (``FOR UPDATE`` on PostgreSQL; SQLite takes the database
write lock at ``BEGIN IMMEDIATE``), checks the transition, changes the visit and the counter, and appends
its event, all in the caller's unit of work. Lock order everywhere: the counter first, then the visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch, Window
from birtereze.core import events
from birtereze.core.errors import NotFound
from birtereze.core.sql import Db, Statement, Tx, transaction
from birtereze.queue.errors import (
    BreakReasonRequired,
    OperatorAtAnotherWindow,
    ParkedTicketsWaiting,
    ProfileRequired,
)
from birtereze.queue.models import Counter, Visit, WorkProfile
from birtereze.queue.service.rows import (
    COUNTER_COLUMNS,
    CounterRow,
    VisitRow,
    counter_of,
    load_visit,
    save_counter,
)
from birtereze.queue.states import require_window_state

BREAK_REASONS = ("lunch", "rest", "training", "technical", "consultation", "other")


@dataclass(frozen=True, slots=True)
class WindowInfo:
    id: int
    branch_id: int
    zone_id: int
    number: int
    accessible: bool


@dataclass(frozen=True, slots=True)
class BranchRules:
    """The branch's normatives that the window operations apply."""

    max_wait_s: int
    max_recalls: int
    no_show_after_s: int


@dataclass(slots=True)
class Desk:
    """A locked counter with what its operations need to know about the window and branch."""

    counter: CounterRow
    window: WindowInfo
    branch: BranchRules
    visit: VisitRow | None = None


# The counter with its window and branch, in one statement built once (see core.sql).
_DESK = (
    select(
        *COUNTER_COLUMNS,
        Window.zone_id,
        Window.number,
        Window.accessible,
        Branch.max_wait_s,
        Branch.max_recalls,
        Branch.no_show_after_s,
    )
    .join(Window, Window.id == Counter.window_id)
    .join(Branch, Branch.id == Window.branch_id)
    .where(Counter.window_id == bindparam("window_id"))
)
_DESKS: Final = {False: Statement(_DESK), True: Statement(_DESK.with_for_update(of=Counter))}
_WINDOW_BRANCH: Final = Statement(select(Window.branch_id).where(Window.id == bindparam("window_id")))


def _new_counter(insert: type[postgresql.Insert] | type[sqlite.Insert]) -> Statement:
    return Statement(
        insert(Counter)
        .values(
            window_id=bindparam("window_id"),
            branch_id=bindparam("branch_id"),
            state="closed",
            since=bindparam("since", type_=Counter.since.type),
        )
        .on_conflict_do_nothing(index_elements=["window_id"])
    )


_NEW_COUNTER: Final = {"postgresql": _new_counter(postgresql.Insert), "sqlite": _new_counter(sqlite.Insert)}


async def get_counter(db: Db, window_id: int, *, lock: bool = False) -> Desk:
    """The window's counter (locked with ``lock``). Outside the unit of work's scope: not found."""
    tx = await transaction(db)
    statement = _DESKS[lock]
    params = {"window_id": window_id}
    row = await tx.first(statement, params)
    if row is None:
        branch_id = await tx.scalar(_WINDOW_BRANCH, params)
        if branch_id is None or not tx.sees(branch_id):
            raise NotFound("Window")
        # The counter row of a new window is made on first use.
        await tx.execute(
            _NEW_COUNTER[tx.backend], {"window_id": window_id, "branch_id": branch_id, "since": _epoch()}
        )
        row = await tx.one(statement, params)
    counter = counter_of(row)
    if not tx.sees(counter.branch_id):
        raise NotFound("Window")
    window = WindowInfo(window_id, counter.branch_id, row.zone_id, row.number, row.accessible)
    return Desk(counter, window, BranchRules(row.max_wait_s, row.max_recalls, row.no_show_after_s))


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


async def counter_of_staff(session: AsyncSession, *, staff_id: int) -> Counter | None:
    """The window a person is signed in at, if any (one at a time: uq_counters_staff_at_work)."""
    statement = select(Counter).where(Counter.staff_id == staff_id, Counter.state != "closed")
    return (await session.execute(statement)).scalar_one_or_none()


async def list_calls(session: AsyncSession, *, branch_id: int) -> list[tuple[str, int]]:
    """The tickets windows are calling or serving now, as (ticket number, window number), the latest
    call first: what a display board shows when it starts."""
    statement = (
        select(Visit.number, Window.number)
        .select_from(Counter)
        .join(Window, Window.id == Counter.window_id)
        .join(Visit, Visit.id == Counter.visit_id)
        .where(Counter.branch_id == branch_id, Counter.state.in_(("calling", "serving")))
        .order_by(Counter.since.desc(), Window.number)
    )
    return [(str(number), int(window)) for number, window in (await session.execute(statement)).all()]


def set_state(counter: CounterRow, state: str, now: datetime) -> None:
    counter.state = state
    counter.since = now
    counter.idle_since = now if state == "open" else None


async def record_event(
    tx: Tx, desk: Desk, type: str, now: datetime, visit: VisitRow | None = None, **data: object
) -> None:
    payload: dict[str, object] = {"window_number": desk.window.number, "state": desk.counter.state}
    if visit is not None:
        payload["number"] = visit.number
    payload.update(data)
    await events.append(
        tx,
        branch_id=desk.window.branch_id,
        at=now,
        type=type,
        visit_id=visit.id if visit is not None else None,
        window_id=desk.window.id,
        queue_id=visit.queue_id if visit is not None else None,
        staff_id=desk.counter.staff_id,
        data=payload,
    )


async def current_visit(tx: Tx, desk: Desk) -> VisitRow:
    """The visit at the window, locked. Lock order: the counter (already held), then the visit."""
    if desk.counter.visit_id is None:
        raise NotFound("Ticket")
    visit = await load_visit(tx, desk.counter.visit_id, lock=True)
    if visit is None:
        raise NotFound("Ticket")
    return visit


async def locked_desk(db: Db, window_id: int, operation: str) -> tuple[Tx, Desk]:
    """The unit of work's transaction and the window's counter, locked, in a state that allows
    ``operation`` (else a translated 409)."""
    tx = await transaction(db)
    desk = await get_counter(tx, window_id, lock=True)
    require_window_state(operation, desk.counter.state)
    return tx, desk


async def _save(tx: Tx, desk: Desk, type: str, now: datetime, **data: object) -> Desk:
    await save_counter(tx, desk.counter)
    await record_event(tx, desk, type, now, desk.visit, **data)
    return desk


_PROFILE_BRANCH: Final = Statement(select(WorkProfile.branch_id).where(WorkProfile.id == bindparam("id")))


async def _require_profile(tx: Tx, *, profile_id: int, branch_id: int) -> None:
    if await tx.scalar(_PROFILE_BRANCH, {"id": profile_id}) != branch_id:
        raise ProfileRequired()


# --- opening, closing, breaks ---------------------------------------------------------------------


# The window another of the operator's counters is open at (a partial unique index on counters is the
# last word under concurrency: one operator, one window).
_STAFF_ELSEWHERE: Final = Statement(
    select(Window.number)
    .join(Counter, Counter.window_id == Window.id)
    .where(
        Counter.staff_id == bindparam("staff_id"),
        Counter.state != "closed",
        Counter.window_id != bindparam("window_id"),
    )
    .limit(1)
)


async def open_window(db: Db, *, window_id: int, staff_id: int, work_profile_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "open")
    await _require_profile(tx, profile_id=work_profile_id, branch_id=desk.window.branch_id)
    elsewhere = await tx.scalar(_STAFF_ELSEWHERE, {"staff_id": staff_id, "window_id": window_id})
    if elsewhere is not None:
        raise OperatorAtAnotherWindow(number=elsewhere)
    desk.counter.staff_id = staff_id
    desk.counter.work_profile_id = work_profile_id
    desk.counter.break_reason = None
    set_state(desk.counter, "open", now)
    return await _save(tx, desk, "window.opened", now, work_profile_id=work_profile_id)


_PARKED: Final = Statement(
    select(Visit.number)
    .where(Visit.pool_window_id == bindparam("window_id"), Visit.status == "parked")
    .order_by(Visit.id)
)


async def close_window(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "close")
    # Only this window can resume the tickets it parked: closing would strand their citizens.
    parked = [row.number for row in await tx.rows(_PARKED, {"window_id": window_id})]
    if parked:
        raise ParkedTicketsWaiting(numbers=", ".join(parked))
    set_state(desk.counter, "closed", now)
    # The event tells subscribers the new state, and still names the operator who closed the window.
    await record_event(tx, desk, "window.closed", now)
    desk.counter.staff_id = None
    desk.counter.break_reason = None
    await save_counter(tx, desk.counter)
    return desk


async def start_break(db: Db, *, window_id: int, reason: str, now: datetime) -> Desk:
    if reason not in BREAK_REASONS:
        raise BreakReasonRequired()
    tx, desk = await locked_desk(db, window_id, "break")
    set_state(desk.counter, "break", now)
    desk.counter.break_reason = reason
    return await _save(tx, desk, "window.break_started", now, reason=reason)


async def end_break(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "resume")
    set_state(desk.counter, "open", now)
    desk.counter.break_reason = None
    return await _save(tx, desk, "window.break_ended", now)


async def end_wrap_up(db: Db, *, window_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "ready")
    set_state(desk.counter, "open", now)
    return await _save(tx, desk, "window.ready", now)


async def change_profile(db: Db, *, window_id: int, work_profile_id: int, now: datetime) -> Desk:
    tx, desk = await locked_desk(db, window_id, "profile")
    await _require_profile(tx, profile_id=work_profile_id, branch_id=desk.window.branch_id)
    desk.counter.work_profile_id = work_profile_id
    return await _save(tx, desk, "window.profile_changed", now, work_profile_id=work_profile_id)
