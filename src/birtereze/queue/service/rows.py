"""Visits and counters as plain rows: read, changed in Python, written back with one statement each.

The queue's operations lock a counter, read its visit, change a few fields and append an event. Through
the ORM that cost more CPU than the database's own work (the identity map, attribute history, the flush),
so the operations use these plain dataclasses and the statements below, built once (see core.sql). The
ORM classes in queue.models remain the tables' definitions and serve the configuration code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import bindparam, select, update

from birtereze.core.sql import Statement, Tx
from birtereze.queue.models import Counter, Visit


@dataclass(slots=True)
class VisitRow:
    """A visit's row (the columns of ``queue.models.Visit``)."""

    id: int
    branch_id: int
    issued_queue_id: int
    queue_id: int
    service_day: date
    seq: int
    number: str
    status: str
    channel: str
    language: str
    priority_code: str | None
    priority_level: int
    prefers_accessible: bool
    appointment: bool
    pool_window_id: int | None
    pool_staff_id: int | None
    first_in_line: bool
    line_at: datetime
    available_at: datetime
    queued_at: datetime
    issued_at: datetime
    window_id: int | None
    staff_id: int | None
    called_at: datetime | None
    calls: int
    serving_at: datetime | None
    ended_at: datetime | None
    wait_estimates: dict[str, float] | None
    citizen_id: int | None = None
    arrived_at: datetime | None = None
    notified_position_at: datetime | None = None
    notified_called_at: datetime | None = None

    @property
    def remote(self) -> bool:
        """Taken on the citizen's phone (checked in on arrival, or not yet)."""
        return self.channel == "remote"


@dataclass(slots=True)
class CounterRow:
    """A window's live state (the columns of ``queue.models.Counter``)."""

    window_id: int
    branch_id: int
    state: str
    since: datetime
    break_reason: str | None
    staff_id: int | None
    work_profile_id: int | None
    visit_id: int | None
    idle_since: datetime | None


VISIT_FIELDS: Final = tuple(field.name for field in fields(VisitRow))
COUNTER_FIELDS: Final = tuple(field.name for field in fields(CounterRow))
VISIT_COLUMNS: Final = tuple(getattr(Visit, name) for name in VISIT_FIELDS)
COUNTER_COLUMNS: Final = tuple(getattr(Counter, name) for name in COUNTER_FIELDS)

# What an operation may change; the rest is fixed when the ticket is issued.
_VISIT_MUTABLE: Final = (
    "status",
    "queue_id",
    "pool_window_id",
    "pool_staff_id",
    "first_in_line",
    "line_at",
    "available_at",
    "queued_at",
    "window_id",
    "staff_id",
    "called_at",
    "calls",
    "serving_at",
    "ended_at",
    "wait_estimates",
    "arrived_at",
)
_COUNTER_MUTABLE: Final = (
    "state",
    "since",
    "break_reason",
    "staff_id",
    "work_profile_id",
    "visit_id",
    "idle_since",
)


def visit_of(row: Any) -> VisitRow:
    """A ``VisitRow`` from a row whose first columns are ``VISIT_COLUMNS``, in order."""
    return VisitRow(*row[: len(VISIT_FIELDS)])


def counter_of(row: Any) -> CounterRow:
    """A ``CounterRow`` from a row whose first columns are ``COUNTER_COLUMNS``, in order."""
    return CounterRow(*row[: len(COUNTER_FIELDS)])


_VISIT: Final = select(*VISIT_COLUMNS).where(Visit.id == bindparam("visit_id"))
_LOAD_VISIT: Final = {False: Statement(_VISIT), True: Statement(_VISIT.with_for_update())}
_SAVE_VISIT: Final = Statement(
    update(Visit)
    .where(Visit.id == bindparam("k_id"))
    .values({name: bindparam(f"v_{name}", type_=getattr(Visit, name).type) for name in _VISIT_MUTABLE})
)
_SAVE_COUNTER: Final = Statement(
    update(Counter)
    .where(Counter.window_id == bindparam("k_window_id"))
    .values({name: bindparam(f"v_{name}", type_=getattr(Counter, name).type) for name in _COUNTER_MUTABLE})
)


async def load_visit(tx: Tx, visit_id: int, *, lock: bool = False) -> VisitRow | None:
    row = await tx.first(_LOAD_VISIT[lock], {"visit_id": visit_id})
    return None if row is None else visit_of(row)


async def save_visit(tx: Tx, visit: VisitRow) -> None:
    params: dict[str, object] = {f"v_{name}": getattr(visit, name) for name in _VISIT_MUTABLE}
    params["k_id"] = visit.id
    await tx.execute(_SAVE_VISIT, params)


async def save_counter(tx: Tx, counter: CounterRow) -> None:
    params: dict[str, object] = {f"v_{name}": getattr(counter, name) for name in _COUNTER_MUTABLE}
    params["k_window_id"] = counter.window_id
    await tx.execute(_SAVE_COUNTER, params)
