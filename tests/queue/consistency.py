"""Consistency of the electronic queue, read straight from the database.

Shared by the state-machine and the concurrency tests. ``check`` loads each centre's visits, windows,
numbering counters and event log and asserts: numbers unique and gap-free per centre, issuing queue and
local day; every ticket in exactly one well-formed state; a window holds at most one ticket and agrees with
it; and the event log replays, visit by visit and window by window, into exactly the states the tables hold.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch, Window
from birtereze.core.events import Event
from birtereze.queue.models import Counter, Queue, TicketCounter, Visit
from birtereze.queue.states import VISIT_ENDED, VISIT_STATES, WINDOW_STATES

Record: TypeAlias = Any  # a result row: its columns are read by name

# How each event moves a visit: the states it may follow (None: no visit yet) and the state it leaves.
VISIT_TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str]] = {
    "ticket.issued": ((None,), "waiting"),
    "ticket.called": (("waiting",), "called"),
    "ticket.recalled": (("called",), "called"),
    "ticket.confirmed": (("called",), "serving"),
    "ticket.resumed": (("parked",), "serving"),
    "service.recorded": (("serving",), "serving"),
    "ticket.parked": (("serving",), "parked"),
    "ticket.transferred": (("called", "serving"), "waiting"),
    "ticket.finished": (("serving",), "finished"),
    "ticket.no_show": (("called",), "no_show"),
    "ticket.cancelled": (("waiting", "called"), "cancelled"),
}
END_EVENTS = {"finished": "ticket.finished", "no_show": "ticket.no_show", "cancelled": "ticket.cancelled"}

# How each event moves a window; None: unchanged (a profile change) or read from the event (a finish,
# which leaves the window open or in wrap-up by its profile).
WINDOW_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "window.opened": (("closed",), "open"),
    "window.closed": (("open", "wrap_up", "break"), "closed"),
    "window.break_started": (("open", "wrap_up"), "break"),
    "window.break_ended": (("break",), "open"),
    "window.ready": (("wrap_up",), "open"),
    "window.profile_changed": (("open", "calling", "serving", "wrap_up", "break"), None),
    "ticket.called": (("open", "wrap_up"), "calling"),
    "ticket.recalled": (("calling",), "calling"),
    "ticket.confirmed": (("calling",), "serving"),
    "ticket.resumed": (("open", "wrap_up"), "serving"),
    "service.recorded": (("serving",), "serving"),
    "ticket.parked": (("serving",), "open"),
    "ticket.transferred": (("calling", "serving"), "open"),
    "ticket.finished": (("serving",), None),
    "ticket.no_show": (("calling",), "open"),
    "ticket.cancelled": (("calling",), "open"),
}
BRANCH_EVENTS = ("alert.raised", "alert.cleared")


@dataclass
class Snapshot:
    """One branch's queue as the database holds it."""

    branch: Record
    prefixes: dict[int, str]
    visits: dict[int, Record]
    windows: dict[int, Record]
    counters: dict[int, Record]
    ticket_counters: list[Record]
    events: list[Record]
    states: Tally[str] = field(default_factory=Tally)


@dataclass(frozen=True)
class Layout:
    """What does not change while a hall works: centres, their queues and windows."""

    branches: list[Record]
    queues: list[Record]
    windows: list[Record]


async def load_layout(session: AsyncSession) -> Layout:
    return Layout(
        branches=list((await session.execute(select(Branch.id, Branch.timezone))).all()),
        queues=list((await session.execute(select(Queue.id, Queue.branch_id, Queue.prefix))).all()),
        windows=list((await session.execute(select(Window.id, Window.branch_id))).all()),
    )


async def load(session: AsyncSession, layout: Layout | None = None) -> dict[int, Snapshot]:
    """Every centre's queue, in one query per table."""
    layout = layout or await load_layout(session)
    snapshots = {branch.id: Snapshot(branch, {}, {}, {}, {}, [], []) for branch in layout.branches}
    for row in layout.queues:
        snapshots[row.branch_id].prefixes[row.id] = row.prefix
    for row in layout.windows:
        snapshots[row.branch_id].windows[row.id] = row
    for row in (await session.execute(select(*Visit.__table__.columns))).all():
        snapshots[row.branch_id].visits[row.id] = row
    for row in (await session.execute(select(*Counter.__table__.columns))).all():
        snapshots[row.branch_id].counters[row.window_id] = row
    for row in (await session.execute(select(*TicketCounter.__table__.columns))).all():
        snapshots[row.branch_id].ticket_counters.append(row)
    for row in (await session.execute(select(*Event.__table__.columns).order_by(Event.id))).all():
        snapshots[row.branch_id].events.append(row)
    return snapshots


async def check(session: AsyncSession, layout: Layout | None = None) -> dict[int, Snapshot]:
    """Load every centre and assert every consistency rule; returns the snapshots for further checks."""
    snapshots = await load(session, layout)
    for snapshot in snapshots.values():
        check_snapshot(snapshot)
    return snapshots


def check_snapshot(snapshot: Snapshot) -> None:
    check_numbers(snapshot)
    check_visit_states(snapshot)
    check_windows(snapshot)
    check_event_log(snapshot)


def check_numbers(snapshot: Snapshot) -> None:
    """Numbers are the queue's prefix and 1, 2, 3... per branch, issuing queue and local day."""
    zone = ZoneInfo(snapshot.branch.timezone)
    sequences: dict[tuple[int, object], list[int]] = defaultdict(list)
    numbers: Tally[tuple[int, object, str]] = Tally()
    for visit in snapshot.visits.values():
        assert visit.issued_queue_id in snapshot.prefixes, f"ticket {visit.number}: queue of another centre"
        assert visit.queue_id in snapshot.prefixes, f"ticket {visit.number}: moved to another centre's queue"
        assert visit.number == f"{snapshot.prefixes[visit.issued_queue_id]}{visit.seq:03d}", visit
        local_day = visit.issued_at.astimezone(zone).date()
        assert visit.service_day == local_day, f"ticket {visit.number}: day {visit.service_day}, {local_day}"
        sequences[(visit.issued_queue_id, visit.service_day)].append(visit.seq)
        numbers[(visit.issued_queue_id, visit.service_day, visit.number)] += 1
    duplicates = [key for key, count in numbers.items() if count > 1]
    assert not duplicates, f"duplicate numbers: {duplicates}"
    for key, seqs in sequences.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"numbers of {key} have gaps: {sorted(seqs)}"
    last = {(row.queue_id, row.service_day): row.last for row in snapshot.ticket_counters}
    assert last == {key: len(seqs) for key, seqs in sequences.items()}, "numbering counters disagree"


def check_visit_states(snapshot: Snapshot) -> None:
    """Each ticket is in exactly one state, and its columns say the same as that state."""
    for visit in snapshot.visits.values():
        status, number = visit.status, visit.number
        assert status in VISIT_STATES, f"{number}: unknown state {status}"
        snapshot.states[status] += 1
        assert (visit.ended_at is not None) == (status in VISIT_ENDED), f"{number}: {status}, ended_at"
        assert visit.pool_window_id is None or visit.pool_staff_id is None, f"{number}: in two pools"
        if status == "waiting":
            assert visit.window_id is None and visit.called_at is None and visit.calls == 0, visit
        if status in ("called", "serving"):
            assert visit.window_id is not None and visit.called_at is not None, visit
            assert visit.pool_window_id is None and visit.pool_staff_id is None, visit
            assert visit.calls >= 1, visit
        if status == "serving":
            assert visit.serving_at is not None, visit
        if status == "parked":
            assert visit.pool_window_id is not None and visit.pool_staff_id is None, visit
        if status == "no_show":
            assert visit.calls >= 1, visit
    assert sum(snapshot.states.values()) == len(snapshot.visits)


def check_windows(snapshot: Snapshot) -> None:
    """A window holds at most one ticket; the window and the ticket agree about each other."""
    held: Tally[int] = Tally()
    for window_id, counter in snapshot.counters.items():
        state = counter.state
        assert state in WINDOW_STATES, f"window {window_id}: unknown state {state}"
        assert window_id in snapshot.windows, f"counter of window {window_id} in another centre"
        assert (counter.visit_id is not None) == (state in ("calling", "serving")), counter
        assert (state == "closed") == (counter.staff_id is None), counter
        assert (state == "break") == (counter.break_reason is not None), counter
        if state != "closed":
            assert counter.work_profile_id is not None, counter
        if counter.visit_id is not None:
            held[counter.visit_id] += 1
            visit = snapshot.visits.get(counter.visit_id)
            assert visit is not None, f"window {window_id} holds a ticket of another centre"
            expected = "called" if state == "calling" else "serving"
            assert visit.status == expected, (
                f"window {window_id} {state}, ticket {visit.number} {visit.status}"
            )
            assert visit.window_id == window_id, (
                f"{visit.number}: at window {visit.window_id}, not {window_id}"
            )
    assert all(count == 1 for count in held.values()), f"a ticket held by two windows: {held}"
    for visit in snapshot.visits.values():
        if visit.status in ("called", "serving"):
            assert held[visit.id] == 1, f"{visit.number} is {visit.status} but no window holds it"


def check_event_log(snapshot: Snapshot) -> None:
    """Replaying the events gives the tables' states: nothing happened that the log does not say."""
    by_visit: dict[int, list[Record]] = defaultdict(list)
    by_window: dict[int, list[Record]] = defaultdict(list)
    for event in snapshot.events:
        if event.visit_id is not None:
            assert event.type in VISIT_TRANSITIONS, f"unexpected ticket event {event.type}"
            by_visit[event.visit_id].append(event)
        if event.window_id is not None:
            assert event.type in WINDOW_TRANSITIONS, f"unexpected window event {event.type}"
            by_window[event.window_id].append(event)
        if event.visit_id is None and event.window_id is None:
            assert event.type in BRANCH_EVENTS, f"event {event.type} names no ticket nor window"
    assert set(by_visit) == set(snapshot.visits), "tickets and their events disagree (a ticket lost?)"
    for visit_id, visit_events in by_visit.items():
        _replay_visit(snapshot.visits[visit_id], visit_events)
    assert set(by_window) <= set(snapshot.windows), "events of windows of another centre"
    for window_id in snapshot.windows:
        _replay_window(window_id, snapshot.counters.get(window_id), by_window.get(window_id, []))


def _replay_visit(visit: Record, visit_events: Sequence[Record]) -> None:
    state: str | None = None
    calls = 0
    window_id: int | None = None
    for event in visit_events:
        allowed, after = VISIT_TRANSITIONS[event.type]
        assert state in allowed, f"{visit.number}: {event.type} while {state}; log {_types(visit_events)}"
        if event.type == "ticket.issued":
            assert event.data["number"] == visit.number, visit.number
        if event.type in ("ticket.called", "ticket.recalled"):
            calls = 1 if event.type == "ticket.called" else calls + 1
            assert event.data.get("calls") == calls, f"{visit.number}: call count in {event.type}"
        if event.type == "ticket.transferred":
            calls = 0
        if event.type in ("ticket.called", "ticket.resumed"):
            window_id = event.window_id
        state = after
    assert state == visit.status, f"{visit.number}: log says {state}, table {visit.status}"
    assert calls == visit.calls, f"{visit.number}: log says {calls} calls, table {visit.calls}"
    if visit.status in ("called", "serving"):
        assert window_id == visit.window_id, f"{visit.number}: log says window {window_id}"
    if visit.status in END_EVENTS:
        assert visit_events[-1].type == END_EVENTS[visit.status], _types(visit_events)


def _replay_window(window_id: int, counter: Record | None, window_events: Sequence[Record]) -> None:
    state = "closed"
    for event in window_events:
        allowed, after = WINDOW_TRANSITIONS[event.type]
        assert state in allowed, f"window {window_id}: {event.type} while {state}; {_types(window_events)}"
        if event.type == "ticket.finished":
            after = event.data.get("state")
            assert after in ("open", "wrap_up"), f"window {window_id}: finished into {after}"
        state = after or state
        if "state" in event.data:
            assert event.data["state"] == state, (
                f"window {window_id}: event {event.type} says {event.data['state']}, the window is {state}"
            )
    assert state == (counter.state if counter is not None else "closed"), f"window {window_id}: log {state}"


def _types(events: Sequence[Record]) -> list[str]:
    return [event.type for event in events]
