"""Branch load: the published formula (see docs/queue.md#branch-load).

- ``waiting``: tickets waiting now and callable (delayed transfers not yet due are left out);
- ``windows_open``: windows really staffed (open, calling, serving or in wrap-up; not on a break);
- ``mean_wait_s``: the mean time the waiting tickets have waited so far;
- ``estimated_wait_s`` for a new ticket of a queue: ``waiting_in_queue / max(windows serving it, 1)
  × mean service time``, where the mean service time is that of the queue's services finished in the
  last two hours (at least 5 of them), else the default of 10 minutes. A later predictor replaces this.
- ``light``: green below 10 minutes of estimated wait, yellow 10–20, orange 20–30, red above 30.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import BindParameter, Row, bindparam, exists, func, select

from birtereze.core.sql import Db, Statement, Tx, any_of, transaction
from birtereze.queue.models import BranchService, Counter, Visit, WorkProfileQueue
from birtereze.queue.service.rows import VisitRow
from birtereze.queue.service.tickets import AHEAD, ahead_params
from birtereze.queue.states import STAFFED

Served = Row[int, datetime | None, datetime | None]
DEFAULT_SERVICE_S = 600.0
SERVICE_WINDOW = timedelta(hours=2)
MIN_SAMPLES = 5


def light(estimated_wait_s: float) -> str:
    minutes = estimated_wait_s / 60
    if minutes < 10:
        return "green"
    if minutes <= 20:
        return "yellow"
    if minutes <= 30:
        return "orange"
    return "red"


def estimate(waiting: int, windows: int, mean_service_s: float) -> int:
    return round(waiting / max(windows, 1) * mean_service_s)


@dataclass(slots=True)
class QueueLoad:
    queue_id: int
    waiting: int = 0
    windows: int = 0
    mean_wait_s: float = 0.0
    longest_wait_s: float = 0.0
    mean_service_s: float = DEFAULT_SERVICE_S
    estimated_wait_s: int = 0


@dataclass(slots=True)
class BranchLoad:
    branch_id: int
    at: datetime
    waiting: int
    windows_open: int
    mean_wait_s: float
    estimated_wait_s: int
    light: str
    queues: dict[int, QueueLoad] = field(default_factory=dict)
    services: dict[int, int] = field(default_factory=dict)  # service id -> queue id


_WAITING: Final = Statement(
    select(Visit.queue_id, Visit.queued_at).where(
        Visit.branch_id == bindparam("branch_id"),
        Visit.status == "waiting",
        Visit.available_at <= bindparam("now"),
    )
)
_STAFFED: Final = Statement(
    select(Counter.window_id, WorkProfileQueue.queue_id)
    .outerjoin(WorkProfileQueue, WorkProfileQueue.work_profile_id == Counter.work_profile_id)
    .where(Counter.branch_id == bindparam("branch_id"), any_of(Counter.state, STAFFED))
)
_OFFERED: Final = Statement(
    select(BranchService.service_id, BranchService.queue_id).where(
        BranchService.branch_id == bindparam("branch_id")
    )
)


async def branch_load(db: Db, *, branch_id: int, now: datetime) -> BranchLoad:
    tx = await transaction(db)
    params = {"branch_id": branch_id, "now": now}
    waiting_rows = await tx.rows(_WAITING, params)
    staffed = await tx.rows(_STAFFED, params)
    served = await _served(tx, branch_id=branch_id, now=now)
    offered = await tx.rows(_OFFERED, params)

    queues: dict[int, QueueLoad] = {}

    def queue(queue_id: int) -> QueueLoad:
        return queues.setdefault(queue_id, QueueLoad(queue_id=queue_id))

    waits: dict[int, list[float]] = defaultdict(list)
    for row in waiting_rows:
        waits[row.queue_id].append(max((now - row.queued_at).total_seconds(), 0.0))
    windows_by_queue: dict[int, set[int]] = defaultdict(set)
    open_windows: set[int] = set()
    for window_id, staffed_queue_id in staffed:
        open_windows.add(window_id)
        if staffed_queue_id is not None:
            windows_by_queue[staffed_queue_id].add(window_id)
    durations, branch_service_s = _service_times(served)
    for queue_id in {*waits, *windows_by_queue, *(offer.queue_id for offer in offered)}:
        load = queue(queue_id)
        values = waits.get(queue_id, [])
        load.waiting = len(values)
        load.mean_wait_s = sum(values) / len(values) if values else 0.0
        load.longest_wait_s = max(values, default=0.0)
        load.windows = len(windows_by_queue.get(queue_id, ()))
        load.mean_service_s = _mean_service_s(durations.get(queue_id, []), branch_service_s)
        load.estimated_wait_s = estimate(load.waiting, load.windows, load.mean_service_s)

    all_waits = [w for values in waits.values() for w in values]
    estimated = estimate(len(all_waits), len(open_windows), branch_service_s)
    return BranchLoad(
        branch_id=branch_id,
        at=now,
        waiting=len(all_waits),
        windows_open=len(open_windows),
        mean_wait_s=sum(all_waits) / len(all_waits) if all_waits else 0.0,
        estimated_wait_s=estimated,
        light=light(estimated),
        queues=queues,
        services={offer.service_id: offer.queue_id for offer in offered},
    )


_SERVED: Final = Statement(
    select(Visit.queue_id, Visit.serving_at, Visit.ended_at).where(
        Visit.branch_id == bindparam("branch_id"),
        Visit.status == "finished",
        Visit.ended_at >= bindparam("since"),
        Visit.serving_at.is_not(None),
    )
)


async def _served(tx: Tx, *, branch_id: int, now: datetime) -> Sequence[Served]:
    """Visits of the branch finished within the service-time window: queue, start and end of service."""
    rows: list[Served] = await tx.rows(_SERVED, {"branch_id": branch_id, "since": now - SERVICE_WINDOW})
    return rows


def _service_times(served: Sequence[Served]) -> tuple[dict[int, list[float]], float]:
    """Service durations per queue, and the branch's mean service time."""
    durations: dict[int, list[float]] = defaultdict(list)
    for served_queue_id, serving_at, ended_at in served:
        if serving_at is not None and ended_at is not None:
            durations[served_queue_id].append((ended_at - serving_at).total_seconds())
    all_durations = [d for values in durations.values() for d in values]
    branch_service_s = (
        sum(all_durations) / len(all_durations) if len(all_durations) >= MIN_SAMPLES else DEFAULT_SERVICE_S
    )
    return durations, branch_service_s


def _mean_service_s(samples: list[float], branch_service_s: float) -> float:
    return sum(samples) / len(samples) if len(samples) >= MIN_SAMPLES else branch_service_s


def _estimate_statement(first_in_line: bool) -> Statement:
    """People ahead, windows serving the queue, and whether ``branch_load`` lists the queue at all."""
    branch_id: BindParameter[int] = bindparam("branch_id")
    queue_id: BindParameter[int] = bindparam("queue_id")
    staffed = (
        select(func.count(func.distinct(Counter.window_id)))
        .join(WorkProfileQueue, WorkProfileQueue.work_profile_id == Counter.work_profile_id)
        .where(
            Counter.branch_id == branch_id,
            any_of(Counter.state, STAFFED),
            WorkProfileQueue.queue_id == queue_id,
        )
    )
    listed = exists().where(
        BranchService.branch_id == branch_id, BranchService.queue_id == queue_id
    ) | exists().where(
        Visit.branch_id == branch_id,
        Visit.status == "waiting",
        Visit.queue_id == queue_id,
        Visit.available_at <= bindparam("now"),
    )
    return Statement(
        select(
            select(func.count()).where(AHEAD[first_in_line]).scalar_subquery().label("ahead"),
            staffed.scalar_subquery().label("windows"),
            listed.label("listed"),
        )
    )


_ESTIMATE: Final = {first: _estimate_statement(first) for first in (False, True)}


async def ticket_estimate(db: Db, visit: VisitRow, *, now: datetime) -> tuple[int, int]:
    """People ahead of a ticket and its estimated wait: ``branch_load``'s figures for its queue alone.

    The same formula, without reading the whole branch: one statement counts the people ahead, the
    windows serving the queue and whether the branch load would list the queue at all; a second reads the
    recent service times, needed only when someone is ahead.
    """
    if visit.status != "waiting":
        return 0, 0
    tx = await transaction(db)
    figures = await tx.one(_ESTIMATE[visit.first_in_line], {**ahead_params(visit), "now": now})
    ahead, windows = int(figures.ahead), int(figures.windows)
    if ahead == 0 or not (windows or figures.listed):
        return ahead, 0
    durations, branch_service_s = _service_times(await _served(tx, branch_id=visit.branch_id, now=now))
    samples = durations.get(visit.queue_id, [])
    return ahead, estimate(ahead, windows, _mean_service_s(samples, branch_service_s))
