"""Normatives: breaches raise a live alert, which clears when the breach ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch
from birtereze.catalog.models import Service
from birtereze.core import events
from birtereze.queue.models import Alert, Counter, Queue, Visit, VisitService, WorkProfileQueue

ALERT_KINDS = ("wait", "service_time", "idle_window", "queue_length")


@dataclass(frozen=True, slots=True)
class Breach:
    branch_id: int
    kind: str
    subject: str
    value: float
    limit: float


def _key(branch_id: int, kind: str, subject: str) -> str:
    return f"{branch_id}:{kind}:{subject}"


def _line(queue_id: int, pool_window_id: int | None, pool_staff_id: int | None) -> tuple[str, int]:
    """Where a waiting ticket waits: a window's pool, a person's pool, or else its queue."""
    if pool_window_id is not None:
        return ("window", pool_window_id)
    if pool_staff_id is not None:
        return ("staff", pool_staff_id)
    return ("queue", queue_id)


async def find_breaches(
    session: AsyncSession, *, now: datetime, branch_ids: Sequence[int] | None = None
) -> list[Breach]:
    """Every normative breached right now."""
    branch_filter = [Branch.active.is_(True)]
    if branch_ids is not None:
        branch_filter.append(Branch.id.in_(branch_ids))
    branches = {b.id: b for b in (await session.execute(select(Branch).where(*branch_filter))).scalars()}
    if not branches:
        return []
    ids = list(branches)
    queues = {
        q.id: q for q in (await session.execute(select(Queue).where(Queue.branch_id.in_(ids)))).scalars()
    }
    breaches: list[Breach] = []

    waiting = (
        await session.execute(
            select(
                Visit.queue_id,
                Visit.queued_at,
                Visit.available_at,
                Visit.pool_window_id,
                Visit.pool_staff_id,
            ).where(
                Visit.branch_id.in_(ids),
                Visit.status == "waiting",
                Visit.available_at <= now,
                # A remote ticket whose holder is not at the centre yet waits at home, not in the hall.
                Visit.arrived_at.is_not(None),
            )
        )
    ).all()
    waits: dict[int, list[float]] = defaultdict(list)
    # Since when each line (a queue, a window's pool, a person's pool) has had a callable ticket.
    waiting_since: dict[tuple[str, int], datetime] = {}
    for row in waiting:
        waits[row.queue_id].append((now - row.queued_at).total_seconds())
        line = _line(row.queue_id, row.pool_window_id, row.pool_staff_id)
        waiting_since[line] = min(waiting_since.get(line, row.available_at), row.available_at)
    for queue_id, values in waits.items():
        queue = queues[queue_id]
        branch = branches[queue.branch_id]
        max_wait = queue.max_wait_s or branch.max_wait_s
        if max(values) > max_wait:
            breaches.append(Breach(branch.id, "wait", f"queue:{queue_id}", max(values), max_wait))
        max_length = queue.max_length or branch.max_queue_length
        if len(values) > max_length:
            breaches.append(Breach(branch.id, "queue_length", f"queue:{queue_id}", len(values), max_length))

    serving = (
        await session.execute(
            select(Visit.branch_id, Visit.window_id, Visit.serving_at, Service.max_service_s)
            .join(VisitService, VisitService.visit_id == Visit.id)
            .join(Service, Service.id == VisitService.service_id)
            .where(Visit.branch_id.in_(ids), Visit.status == "serving")
        )
    ).all()
    limits: dict[tuple[int, int], tuple[float, float]] = {}
    for serving_branch_id, window_id, serving_at, max_service_s in serving:
        if window_id is None or serving_at is None:
            continue
        limit = float(max_service_s or branches[serving_branch_id].max_service_s)
        elapsed = (now - serving_at).total_seconds()
        key = (serving_branch_id, window_id)
        # With several services the most generous norm applies.
        previous = limits.get(key)
        limits[key] = (elapsed, max(limit, previous[1]) if previous else limit)
    for (branch_id, window_id), (elapsed, limit) in limits.items():
        if elapsed > limit:
            breaches.append(Breach(branch_id, "service_time", f"window:{window_id}", elapsed, limit))

    idle = (
        await session.execute(
            select(
                Counter.branch_id,
                Counter.window_id,
                Counter.staff_id,
                Counter.idle_since,
                WorkProfileQueue.queue_id,
            )
            .outerjoin(WorkProfileQueue, WorkProfileQueue.work_profile_id == Counter.work_profile_id)
            .where(Counter.branch_id.in_(ids), Counter.state == "open", Counter.idle_since.is_not(None))
        )
    ).all()
    # A window is idle while people wait from the later of: when it became idle, and when a ticket it could
    # call (in its profile's queues or its own or its operator's pool) became callable.
    idle_since: dict[tuple[int, int], datetime] = {}
    for desk in idle:
        lines = [("window", desk.window_id)]
        if desk.queue_id is not None:
            lines.append(("queue", desk.queue_id))
        if desk.staff_id is not None:
            lines.append(("staff", desk.staff_id))
        for line in lines:
            available = waiting_since.get(line)
            if available is None or desk.idle_since is None:
                continue
            since = max(desk.idle_since, available)
            key = (desk.branch_id, desk.window_id)
            idle_since[key] = min(idle_since.get(key, since), since)
    for (branch_id, window_id), since in idle_since.items():
        seconds = (now - since).total_seconds()
        limit = branches[branch_id].max_idle_s
        if seconds > limit:
            breaches.append(Breach(branch_id, "idle_window", f"window:{window_id}", seconds, limit))
    return breaches


async def check_normatives(
    session: AsyncSession, *, now: datetime, branch_ids: Sequence[int] | None = None
) -> tuple[list[Alert], list[Alert]]:
    """Raise an alert for each new breach and clear those that ended. Returns (raised, cleared)."""
    breaches = {
        _key(b.branch_id, b.kind, b.subject): b
        for b in await find_breaches(session, now=now, branch_ids=branch_ids)
    }
    open_filter = [Alert.cleared_at.is_(None)]
    if branch_ids is not None:
        open_filter.append(Alert.branch_id.in_(branch_ids))
    open_alerts = {
        a.open_key: a for a in (await session.execute(select(Alert).where(*open_filter))).scalars()
    }
    raised, cleared = [], []
    for key, breach in breaches.items():
        alert = open_alerts.get(key)
        if alert is not None:
            alert.value = breach.value
            continue
        alert = Alert(
            branch_id=breach.branch_id,
            kind=breach.kind,
            subject=breach.subject,
            open_key=key,
            value=breach.value,
            limit=breach.limit,
            raised_at=now,
            details={},
        )
        session.add(alert)
        raised.append(alert)
    for open_key, open_alert in open_alerts.items():
        if open_key not in breaches:
            open_alert.cleared_at = now
            open_alert.open_key = None
            cleared.append(open_alert)
    await session.flush()
    for alert in raised:
        await events.append(
            session,
            branch_id=alert.branch_id,
            at=now,
            type="alert.raised",
            data={
                "alert_id": alert.id,
                "kind": alert.kind,
                "subject": alert.subject,
                "value": alert.value,
                "limit": alert.limit,
            },
        )
    for alert in cleared:
        await events.append(
            session,
            branch_id=alert.branch_id,
            at=now,
            type="alert.cleared",
            data={"alert_id": alert.id, "kind": alert.kind, "subject": alert.subject},
        )
    await session.flush()
    return raised, cleared


async def list_alerts(
    session: AsyncSession, *, branch_id: int, open_only: bool = True, limit: int = 200
) -> Sequence[Alert]:
    statement = select(Alert).where(Alert.branch_id == branch_id)
    if open_only:
        statement = statement.where(Alert.cleared_at.is_(None))
    return (await session.execute(statement.order_by(Alert.raised_at.desc()).limit(limit))).scalars().all()
