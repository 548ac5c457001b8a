"""Branch load: the published formula (see docs/queue.md#branch-load).

- ``waiting``: tickets waiting now and callable (delayed transfers not yet due are left out);
- ``windows_open``: windows really staffed (open, calling, serving or in wrap-up; not on a break);
- ``mean_wait_s``: the mean time the waiting tickets have waited so far;
- ``estimated_wait_s`` for a new ticket of a queue: the wait predictor's (queue.waits, explained in
  docs/science/wait-prediction.md) from the queue's figures: the tickets waiting, the windows serving it
  and those free, the service times of its services finished in the last two hours (at least 5 of them,
  else the branch's, else 10 minutes), the wait of its last called ticket and of its head of line. With
  no history it is ``(waiting − free windows + 1) × mean service time / max(windows serving it, 1)``;
  the branch's own figure keeps ``waiting / max(windows open, 1) × mean service time``.
- ``light``: green below 10 minutes of estimated wait, yellow 10–20, orange 20–30, red above 30.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Row, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch
from birtereze.core.sql import Db, Statement, Tx, any_of, transaction
from birtereze.queue.models import BranchService, Counter, Queue, Visit, WorkProfileQueue
from birtereze.queue.prediction.live import QueueFigures
from birtereze.queue.service.rows import VisitRow
from birtereze.queue.service.serving import SERVICE_TIMES_MEMO
from birtereze.queue.service.tickets import AHEAD, PROVISIONAL_ID, ahead_params
from birtereze.queue.states import STAFFED
from birtereze.queue.waits import PREDICTOR

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
    select(Visit.queue_id, Visit.queued_at, Visit.arrived_at).where(
        Visit.branch_id == bindparam("branch_id"),
        Visit.status == "waiting",
        Visit.available_at <= bindparam("now"),
    )
)
_STAFFED: Final = Statement(
    select(Counter.window_id, WorkProfileQueue.queue_id, Counter.state)
    .outerjoin(WorkProfileQueue, WorkProfileQueue.work_profile_id == Counter.work_profile_id)
    .where(Counter.branch_id == bindparam("branch_id"), any_of(Counter.state, STAFFED))
)
_OFFERED: Final = Statement(
    select(BranchService.service_id, BranchService.queue_id).where(
        BranchService.branch_id == bindparam("branch_id")
    )
)
# The branch's last calls, the latest first: each queue's last one gives its "last to enter service".
_LAST_CALLS: Final = Statement(
    select(Visit.queue_id, Visit.queued_at, Visit.called_at, Branch.timezone)
    .join(Branch, Branch.id == Visit.branch_id)
    .where(Visit.branch_id == bindparam("branch_id"), Visit.called_at >= bindparam("since"))
    .order_by(Visit.called_at.desc())
    .limit(100)
)


def _waiting_since(queued_at: datetime, arrived_at: datetime | None) -> datetime | None:
    """When a waiting ticket's wait at the centre began; None while its holder is not there yet."""
    return None if arrived_at is None else queued_at


async def branch_load(db: Db, *, branch_id: int, now: datetime) -> BranchLoad:
    tx = await transaction(db)
    params = {"branch_id": branch_id, "now": now}
    waiting_rows = await tx.rows(_WAITING, params)
    staffed = await tx.rows(_STAFFED, params)
    durations = await recent_service_times(tx, branch_id=branch_id, now=now)
    offered = await tx.rows(_OFFERED, params)
    last_calls = await tx.rows(_LAST_CALLS, {**params, "since": now - SERVICE_WINDOW})
    last_wait: dict[int, float] = {}
    for call in reversed(last_calls):
        last_wait[call.queue_id] = max((call.called_at - call.queued_at).total_seconds(), 0.0)
    local = now.astimezone(ZoneInfo(last_calls[0].timezone)) if last_calls else now
    return _assemble(
        branch_id,
        now,
        local,
        waiting=[(row.queue_id, _waiting_since(row.queued_at, row.arrived_at)) for row in waiting_rows],
        staffed=[(row[0], row[1], row[2]) for row in staffed],
        durations=durations,
        offered=[(row.service_id, row.queue_id) for row in offered],
        last_wait=last_wait,
    )


async def queue_loads(
    session: AsyncSession, *, branch_id: int, now: datetime
) -> list[tuple[Queue, QueueLoad]]:
    """Every queue of the branch with its live figures (zeros for a queue nobody waits in or serves), in
    the order of the queues: what the queue list, the display board and the manager board show."""
    from birtereze.queue.service.config import list_queues

    load = await branch_load(session, branch_id=branch_id, now=now)
    return [
        (queue, load.queues.get(queue.id) or QueueLoad(queue_id=queue.id))
        for queue in await list_queues(session, branch_id=branch_id)
    ]


def _assemble(
    branch_id: int,
    now: datetime,
    local: datetime,
    *,
    waiting: Sequence[tuple[int, datetime | None]],
    staffed: Sequence[tuple[int, int | None, str]],
    durations: dict[int, list[float]],
    offered: Sequence[tuple[int, int]],
    last_wait: dict[int, float],
) -> BranchLoad:
    """A branch's load from its rows: waiting tickets (queue, queued at; None for a remote ticket whose
    holder is not at the centre yet: in the line, but not waiting here), staffed windows (window, queue
    it serves, state), recent service times per queue, offers (service, queue) and each queue's last
    called ticket's wait."""
    queues: dict[int, QueueLoad] = {}

    def queue(queue_id: int) -> QueueLoad:
        return queues.setdefault(queue_id, QueueLoad(queue_id=queue_id))

    waits: dict[int, list[float]] = defaultdict(list)
    in_line: dict[int, int] = defaultdict(int)
    for queue_id, queued_at in waiting:
        in_line[queue_id] += 1
        if queued_at is not None:
            waits[queue_id].append(max((now - queued_at).total_seconds(), 0.0))
    windows_by_queue: dict[int, set[int]] = defaultdict(set)
    free_by_queue: dict[int, set[int]] = defaultdict(set)
    open_windows: set[int] = set()
    for window_id, staffed_queue_id, state in staffed:
        open_windows.add(window_id)
        if staffed_queue_id is not None:
            windows_by_queue[staffed_queue_id].add(window_id)
            if state == "open":
                free_by_queue[staffed_queue_id].add(window_id)
    branch_mean = _branch_mean(durations)
    branch_service_s = DEFAULT_SERVICE_S if branch_mean is None else branch_mean
    for queue_id in {*in_line, *windows_by_queue, *(queue_id for _, queue_id in offered)}:
        load = queue(queue_id)
        values = waits.get(queue_id, [])
        load.waiting = in_line.get(queue_id, 0)
        load.mean_wait_s = sum(values) / len(values) if values else 0.0
        load.longest_wait_s = max(values, default=0.0)
        load.windows = len(windows_by_queue.get(queue_id, ()))
        load.mean_service_s = _mean_service_s(durations.get(queue_id, []), branch_service_s)
        # A ticket issued now into the queue, by this process's wait predictor.
        figures = QueueFigures(
            queue_id=queue_id,
            at=local,
            ahead=load.waiting,
            windows=load.windows,
            free_windows=len(free_by_queue.get(queue_id, ())),
            service_times_s=durations.get(queue_id, []),
            branch_service_s=branch_mean,
            recent_waits_s=[last_wait[queue_id]] if queue_id in last_wait else [],
            head_wait_s=load.longest_wait_s,
        )
        load.estimated_wait_s = round(PREDICTOR.forecast(figures).wait_s)

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
        services=dict(offered),
    )


async def branch_loads(
    session: AsyncSession, *, branch_ids: Sequence[int], now: datetime
) -> dict[int, BranchLoad]:
    """The loads of many branches at once, by the same formula as ``branch_load``, from six statements
    whatever their number (the public load's refresh: branches.public_load). Branches that do not exist
    are left out."""
    ids = list(branch_ids)
    since = now - SERVICE_WINDOW
    zones = dict((await session.execute(select(Branch.id, Branch.timezone).where(Branch.id.in_(ids)))).all())
    waiting: dict[int, list[tuple[int, datetime | None]]] = defaultdict(list)
    waiting_rows = select(Visit.branch_id, Visit.queue_id, Visit.queued_at, Visit.arrived_at).where(
        Visit.branch_id.in_(ids), Visit.status == "waiting", Visit.available_at <= now
    )
    for branch_id, queue_id, queued_at, arrived_at in await session.execute(waiting_rows):
        waiting[branch_id].append((queue_id, _waiting_since(queued_at, arrived_at)))
    staffed: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    staffed_rows = (
        select(Counter.branch_id, Counter.window_id, WorkProfileQueue.queue_id, Counter.state)
        .outerjoin(WorkProfileQueue, WorkProfileQueue.work_profile_id == Counter.work_profile_id)
        .where(Counter.branch_id.in_(ids), Counter.state.in_(STAFFED))
    )
    for branch_id, window_id, queue_id, state in await session.execute(staffed_rows):
        staffed[branch_id].append((window_id, queue_id, state))
    offered: dict[int, list[tuple[int, int]]] = defaultdict(list)
    offered_rows = select(BranchService.branch_id, BranchService.service_id, BranchService.queue_id).where(
        BranchService.branch_id.in_(ids)
    )
    for branch_id, service_id, queue_id in await session.execute(offered_rows):
        offered[branch_id].append((service_id, queue_id))
    # Each queue's last called ticket within the window of recent history.
    last = (
        select(Visit.queue_id, func.max(Visit.called_at).label("called_at"))
        .where(Visit.branch_id.in_(ids), Visit.called_at >= since)
        .group_by(Visit.queue_id)
        .subquery()
    )
    last_rows = select(Visit.branch_id, Visit.queue_id, Visit.queued_at, Visit.called_at).join(
        last, (last.c.queue_id == Visit.queue_id) & (last.c.called_at == Visit.called_at)
    )
    last_wait: dict[int, dict[int, float]] = defaultdict(dict)
    for branch_id, queue_id, queued_at, called_at in await session.execute(last_rows):
        if called_at is not None:
            last_wait[branch_id][queue_id] = max((called_at - queued_at).total_seconds(), 0.0)
    served: dict[int, list[Served]] = defaultdict(list)
    served_rows = select(Visit.branch_id, Visit.queue_id, Visit.serving_at, Visit.ended_at).where(
        Visit.branch_id.in_(ids),
        Visit.status == "finished",
        Visit.ended_at >= since,
        Visit.serving_at.is_not(None),
    )
    for branch_id, queue_id, serving_at, ended_at in await session.execute(served_rows):
        served[branch_id].append((queue_id, serving_at, ended_at))  # type: ignore[arg-type]
    return {
        branch_id: _assemble(
            branch_id,
            now,
            now.astimezone(ZoneInfo(timezone)),
            waiting=waiting.get(branch_id, []),
            staffed=staffed.get(branch_id, []),
            durations=_durations(served.get(branch_id, [])),
            offered=offered.get(branch_id, []),
            last_wait=last_wait.get(branch_id, {}),
        )
        for branch_id, timezone in zones.items()
    }


_SERVED: Final = Statement(
    select(Visit.queue_id, Visit.serving_at, Visit.ended_at).where(
        Visit.branch_id == bindparam("branch_id"),
        Visit.status == "finished",
        Visit.ended_at >= bindparam("since"),
        Visit.serving_at.is_not(None),
    )
)


SERVICE_TIMES_TTL: Final = timedelta(seconds=30)


async def recent_service_times(tx: Tx, *, branch_id: int, now: datetime) -> dict[int, list[float]]:
    """The service times of the branch's visits finished within ``SERVICE_WINDOW``, per queue.

    A statistic of the last two hours: each process keeps it for ``SERVICE_TIMES_TTL`` (core.sql.Memo),
    and forgets it when it finishes a visit of the branch itself (queue.service.serving).
    """
    found: dict[int, list[float]] | None = tx.memo.get(SERVICE_TIMES_MEMO, branch_id, now, SERVICE_TIMES_TTL)
    if found is None:
        rows: list[Served] = await tx.rows(_SERVED, {"branch_id": branch_id, "since": now - SERVICE_WINDOW})
        found = _durations(rows)
        tx.memo.put(SERVICE_TIMES_MEMO, branch_id, now, found)
    return found


def _durations(served: Sequence[Served]) -> dict[int, list[float]]:
    """Service durations per queue."""
    durations: dict[int, list[float]] = defaultdict(list)
    for served_queue_id, serving_at, ended_at in served:
        if serving_at is not None and ended_at is not None:
            durations[served_queue_id].append((ended_at - serving_at).total_seconds())
    return dict(durations)


def _branch_mean(durations: dict[int, list[float]]) -> float | None:
    """The branch's mean service time over all its queues; None below ``MIN_SAMPLES`` services."""
    all_durations = [d for values in durations.values() for d in values]
    return sum(all_durations) / len(all_durations) if len(all_durations) >= MIN_SAMPLES else None


def _mean_service_s(samples: list[float], branch_service_s: float) -> float:
    return sum(samples) / len(samples) if len(samples) >= MIN_SAMPLES else branch_service_s


def _queue_figures_statement(first_in_line: bool) -> Statement:
    """One statement for what the wait predictor needs about a ticket's queue: the people ahead, the line,
    the windows serving the queue and those free, the head of the line, the last ticket called, the
    branch's time zone, and whether ``branch_load`` lists the queue at all."""
    branch_id: BindParameter[int] = bindparam("branch_id")
    queue_id: BindParameter[int] = bindparam("queue_id")

    def windows(states: tuple[str, ...]) -> Any:
        return (
            select(func.count(func.distinct(Counter.window_id)))
            .join(WorkProfileQueue, WorkProfileQueue.work_profile_id == Counter.work_profile_id)
            .where(
                Counter.branch_id == branch_id,
                any_of(Counter.state, states),
                WorkProfileQueue.queue_id == queue_id,
            )
            .scalar_subquery()
        )

    in_line = (
        Visit.branch_id == branch_id,
        Visit.queue_id == queue_id,
        Visit.status == "waiting",
        Visit.available_at <= bindparam("now"),
        Visit.pool_window_id.is_(None),
        Visit.pool_staff_id.is_(None),
    )
    last_called = (
        select(Visit.queued_at, Visit.called_at)
        .where(Visit.branch_id == branch_id, Visit.queue_id == queue_id, Visit.called_at.is_not(None))
        .order_by(Visit.called_at.desc())
        .limit(1)
        .subquery()
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
            select(func.count()).where(*in_line).scalar_subquery().label("line"),
            windows(STAFFED).label("windows"),
            windows(("open",)).label("free"),
            select(func.min(Visit.queued_at)).where(*in_line).scalar_subquery().label("head_queued_at"),
            select(last_called.c.queued_at).scalar_subquery().label("last_queued_at"),
            select(last_called.c.called_at).scalar_subquery().label("last_called_at"),
            select(Branch.timezone).where(Branch.id == branch_id).scalar_subquery().label("timezone"),
            listed.label("listed"),
        )
    )


_ESTIMATE: Final = {first: _queue_figures_statement(first) for first in (False, True)}


class TicketEstimate(NamedTuple):
    ahead: int
    wait_s: int
    # Every predictor's estimate for a ticket issued now into the queue: stored with a new ticket, so that
    # the predictor learns from them when it is called (queue.waits).
    estimates: dict[str, float] | None


async def ticket_estimate(db: Db, visit: VisitRow, *, now: datetime) -> TicketEstimate:
    """People ahead of a waiting ticket and its estimated wait, by this process's wait predictor.

    One statement reads the queue's figures (``_queue_figures_statement``); a second, the recent service
    times, only when the ticket is not about to be called by a free window.
    """
    if visit.status != "waiting":
        return TicketEstimate(0, 0, None)
    tx = await transaction(db)
    row = await tx.one(_ESTIMATE[visit.first_in_line], {**ahead_params(visit), "now": now})
    ahead, windows, free = int(row.ahead), int(row.windows), int(row.free)
    # A ticket not written yet (queue.service.tickets.PROVISIONAL_ID) counts itself in its line.
    provisional = visit.id == PROVISIONAL_ID
    line = int(row.line) + (1 if provisional else 0)
    if not (windows or row.listed or provisional):
        return TicketEstimate(ahead, 0, None)
    durations = await recent_service_times(tx, branch_id=visit.branch_id, now=now) if ahead >= free else {}
    recent = []
    if row.last_called_at is not None and row.last_queued_at is not None:
        recent.append(max((row.last_called_at - row.last_queued_at).total_seconds(), 0.0))
    figures = QueueFigures(
        queue_id=visit.queue_id,
        at=now.astimezone(ZoneInfo(row.timezone or "Asia/Almaty")),
        ahead=ahead,
        windows=windows,
        line=max(line, ahead),
        free_windows=free,
        service_times_s=durations.get(visit.queue_id, []),
        branch_service_s=_branch_mean(durations),
        recent_waits_s=recent,
        head_wait_s=max((now - row.head_queued_at).total_seconds(), 0.0) if row.head_queued_at else 0.0,
    )
    forecast = PREDICTOR.forecast(figures)
    return TicketEstimate(ahead, PREDICTOR.estimate(figures, forecast), dict(forecast.estimates))
