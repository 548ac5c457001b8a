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
from birtereze.queue.errors import (
    BreakReasonRequired,
    ProfileRequired,
)
from birtereze.queue.models import (
    Counter,
    Visit,
    WorkProfile,
)
from birtereze.queue.states import require_window_state

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


def set_state(counter: Counter, state: str, now: datetime) -> None:
    counter.state = state
    counter.since = now
    counter.idle_since = now if state == "open" else None


async def record_event(
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


async def current_visit(session: AsyncSession, desk: Desk) -> Visit:
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
    set_state(desk.counter, "open", now)
    await record_event(session, desk, "window.opened", now, work_profile_id=work_profile_id)
    await session.flush()
    return desk


async def close_window(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("close", desk.counter.state)
    set_state(desk.counter, "closed", now)
    # The event tells subscribers the new state, and still names the operator who closed the window.
    await record_event(session, desk, "window.closed", now)
    desk.counter.staff_id = None
    desk.counter.break_reason = None
    await session.flush()
    return desk


async def start_break(session: AsyncSession, *, window_id: int, reason: str, now: datetime) -> Desk:
    if reason not in BREAK_REASONS:
        raise BreakReasonRequired()
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("break", desk.counter.state)
    set_state(desk.counter, "break", now)
    desk.counter.break_reason = reason
    await record_event(session, desk, "window.break_started", now, reason=reason)
    await session.flush()
    return desk


async def end_break(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("resume", desk.counter.state)
    set_state(desk.counter, "open", now)
    desk.counter.break_reason = None
    await record_event(session, desk, "window.break_ended", now)
    await session.flush()
    return desk


async def end_wrap_up(session: AsyncSession, *, window_id: int, now: datetime) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("ready", desk.counter.state)
    set_state(desk.counter, "open", now)
    await record_event(session, desk, "window.ready", now)
    await session.flush()
    return desk


async def change_profile(
    session: AsyncSession, *, window_id: int, work_profile_id: int, now: datetime
) -> Desk:
    desk = await get_counter(session, window_id, lock=True)
    require_window_state("profile", desk.counter.state)
    await _profile(session, profile_id=work_profile_id, branch_id=desk.window.branch_id)
    desk.counter.work_profile_id = work_profile_id
    await record_event(session, desk, "window.profile_changed", now, work_profile_id=work_profile_id)
    await session.flush()
    return desk
