"""Queue KPIs derived only from the immutable event log; the definitions are in docs/kpis.md.

Each visit is replayed from its events into transactions (queue entry → call(s) → service → end). The
replay yields facts — an issued ticket, a wait, a service time, a served visit, a no-show… — each
attributed to a queue, a window, an operator, a zone and an instant, and the facts are summed per group.
A visit belongs to the branch's local day on which its ticket was issued, as its number does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.core.events import Event
from birtereze.queue import service as queue_service
from birtereze.queue.models import Visit
from birtereze.queue.states import VISIT_LIVE

GroupBy = Literal["branch", "queue", "window", "operator", "zone", "hour"]
GROUPINGS: Final[tuple[str, ...]] = get_args(GroupBy)
FactKind = Literal[
    "issued",
    "wait",
    "service",
    "served",
    "transferred",
    "no_show",
    "cancelled",
    "waiting",
    "in_progress",
    "delivered",
]
# Facts made at a window after the citizen came to it are attributed to the window's zone; the others
# (the ticket, its waits and the ways it went unserved) to the zone of the queue.
_AT_WINDOW: Final = frozenset({"service", "served", "transferred", "delivered"})
IN_PROGRESS: Final = frozenset(status for status in VISIT_LIVE if status != "waiting")
_END_FACTS: Final[dict[str, FactKind]] = {
    "finished": "served",
    "no_show": "no_show",
    "cancelled": "cancelled",
}


# --- replay ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Transaction:
    """One pass of a visit through a queue: entry, call(s), service, end."""

    queue_id: int | None
    entered_at: datetime
    calls: int = 0
    called_at: datetime | None = None  # the last call: the wait ends there
    window_id: int | None = None
    staff_id: int | None = None
    service_started_at: datetime | None = None
    serving_since: datetime | None = None
    service_s: float = 0.0
    ended_at: datetime | None = None
    outcome: str | None = None  # finished | transferred | no_show | cancelled

    @property
    def wait_s(self) -> float | None:
        if self.called_at is None:
            return None
        return max((self.called_at - self.entered_at).total_seconds(), 0.0)

    @property
    def service_done(self) -> bool:
        """Service began and is not going on now (finished, transferred or parked)."""
        return self.service_started_at is not None and self.serving_since is None

    def stop_serving(self, at: datetime) -> None:
        if self.serving_since is not None:
            self.service_s += max((at - self.serving_since).total_seconds(), 0.0)
            self.serving_since = None


@dataclass(frozen=True, slots=True)
class Delivery:
    at: datetime
    service_id: int | None
    queue_id: int | None
    window_id: int | None
    staff_id: int | None


@dataclass(slots=True)
class VisitTrack:
    """A visit as its events tell it; ``status`` uses the words of the live table."""

    visit_id: int
    issued_at: datetime
    issued_queue_id: int | None
    status: str = "waiting"
    ended_at: datetime | None = None
    transactions: list[Transaction] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def current(self) -> Transaction:
        return self.transactions[-1]


def _instant(value: object, fallback: datetime) -> datetime:
    if not isinstance(value, str):
        return fallback
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _apply(track: VisitTrack, event: Event) -> None:
    """Move one visit's replay on by one of its events (events of other kinds change nothing)."""
    tx = track.current
    at = event.at
    kind = event.type
    if kind in ("ticket.called", "ticket.recalled"):
        tx.called_at = at
        tx.calls = int(event.data.get("calls", tx.calls + 1))
        tx.window_id, tx.staff_id = event.window_id, event.staff_id
        track.status = "called"
    elif kind in ("ticket.confirmed", "ticket.resumed"):
        if tx.service_started_at is None:
            tx.service_started_at = at
        tx.serving_since = at
        tx.window_id, tx.staff_id = event.window_id, event.staff_id
        track.status = "serving"
    elif kind == "ticket.parked":
        tx.stop_serving(at)
        track.status = "parked"
    elif kind == "service.recorded":
        service_id = event.data.get("service_id")
        track.deliveries.append(
            Delivery(
                at=at,
                service_id=service_id if isinstance(service_id, int) else None,
                queue_id=tx.queue_id,
                window_id=event.window_id,
                staff_id=event.staff_id,
            )
        )
    elif kind == "ticket.arrived":
        # A remote ticket's holder checked in: the wait in the hall counts from here, not from home.
        tx.entered_at = _instant(event.data.get("queued_at"), at)
    elif kind == "ticket.transferred":
        tx.stop_serving(at)
        tx.ended_at, tx.outcome = at, "transferred"
        track.transactions.append(
            Transaction(queue_id=event.queue_id, entered_at=_instant(event.data.get("queued_at"), at))
        )
        track.status = "waiting"
    elif kind in ("ticket.finished", "ticket.no_show", "ticket.cancelled"):
        tx.stop_serving(at)
        status = kind.removeprefix("ticket.")
        tx.ended_at, tx.outcome = at, status
        if kind == "ticket.cancelled" and event.window_id is not None:
            tx.window_id = event.window_id
        track.status, track.ended_at = status, at


def replay(events: Iterable[Event]) -> dict[int, VisitTrack]:
    """Replay events given in log order into visits; events of visits issued outside them are ignored."""
    tracks: dict[int, VisitTrack] = {}
    for event in events:
        if event.visit_id is None:
            continue
        if event.type == "ticket.issued":
            track = VisitTrack(visit_id=event.visit_id, issued_at=event.at, issued_queue_id=event.queue_id)
            track.transactions.append(
                Transaction(
                    queue_id=event.queue_id, entered_at=_instant(event.data.get("queued_at"), event.at)
                )
            )
            tracks[event.visit_id] = track
            continue
        known = tracks.get(event.visit_id)
        if known is not None:
            _apply(known, event)
    return tracks


# --- facts ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BranchFrame:
    """What the KPIs need to know of the branch besides its events: time zone, norms, zones."""

    branch_id: int
    timezone: str
    max_wait_s: int
    queue_max_wait_s: Mapping[int, int | None] = field(default_factory=dict)
    queue_zone: Mapping[int, int] = field(default_factory=dict)
    window_zone: Mapping[int, int] = field(default_factory=dict)

    def wait_norm_s(self, queue_id: int | None) -> int:
        """The queue's maximum wait, else the branch's (as the wait alert uses)."""
        own = self.queue_max_wait_s.get(queue_id) if queue_id is not None else None
        return own or self.max_wait_s


@dataclass(frozen=True, slots=True)
class Fact:
    kind: FactKind
    at: datetime
    queue_id: int | None
    window_id: int | None = None
    staff_id: int | None = None
    seconds: float = 0.0
    over_norm: bool = False


def facts(tracks: Mapping[int, VisitTrack], frame: BranchFrame) -> list[Fact]:
    result: list[Fact] = []
    for track in tracks.values():
        result.append(Fact("issued", track.issued_at, track.issued_queue_id))
        for tx in track.transactions:
            wait = tx.wait_s
            if wait is not None and tx.called_at is not None:
                over = wait > frame.wait_norm_s(tx.queue_id)
                result.append(Fact("wait", tx.called_at, tx.queue_id, tx.window_id, tx.staff_id, wait, over))
            if tx.service_done and tx.service_started_at is not None:
                result.append(
                    Fact(
                        "service", tx.service_started_at, tx.queue_id, tx.window_id, tx.staff_id, tx.service_s
                    )
                )
            if tx.outcome == "transferred" and tx.ended_at is not None:
                result.append(Fact("transferred", tx.ended_at, tx.queue_id, tx.window_id, tx.staff_id))
        for delivery in track.deliveries:
            result.append(
                Fact("delivered", delivery.at, delivery.queue_id, delivery.window_id, delivery.staff_id)
            )
        last = track.current
        if track.status in _END_FACTS and track.ended_at is not None:
            end = _END_FACTS[track.status]
            result.append(Fact(end, track.ended_at, last.queue_id, last.window_id, last.staff_id))
        elif track.status == "waiting":
            result.append(Fact("waiting", last.entered_at, last.queue_id))
        else:
            since = last.called_at or last.entered_at
            result.append(Fact("in_progress", since, last.queue_id, last.window_id, last.staff_id))
    return result


# --- figures --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    """The KPIs of one group (or of the whole branch)."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waiting: int = 0
    in_progress: int = 0
    transferred: int = 0
    services_delivered: int = 0
    waits: int = 0
    wait_total_s: float = 0.0
    wait_max_s: float = 0.0
    waits_over_norm: int = 0
    services_timed: int = 0
    service_total_s: float = 0.0
    service_max_s: float = 0.0

    def add(self, fact: Fact) -> None:
        match fact.kind:
            case "wait":
                self.waits += 1
                self.wait_total_s += fact.seconds
                self.wait_max_s = max(self.wait_max_s, fact.seconds)
                self.waits_over_norm += fact.over_norm
            case "service":
                self.services_timed += 1
                self.service_total_s += fact.seconds
                self.service_max_s = max(self.service_max_s, fact.seconds)
            case "delivered":
                self.services_delivered += 1
            case _:
                setattr(self, fact.kind, getattr(self, fact.kind) + 1)

    @property
    def unserved(self) -> int:
        return self.no_show + self.cancelled + self.waiting

    @property
    def wait_mean_s(self) -> float | None:
        return self.wait_total_s / self.waits if self.waits else None

    @property
    def over_norm_share(self) -> float | None:
        return self.waits_over_norm / self.waits if self.waits else None

    @property
    def service_mean_s(self) -> float | None:
        return self.service_total_s / self.services_timed if self.services_timed else None


GroupKey = int | None


@dataclass(frozen=True, slots=True)
class KpiTable:
    group_by: GroupBy
    rows: list[tuple[GroupKey, Figures]]
    total: Figures


def group_key(fact: Fact, frame: BranchFrame, group_by: GroupBy) -> GroupKey:
    match group_by:
        case "branch":
            return frame.branch_id
        case "queue":
            return fact.queue_id
        case "window":
            return fact.window_id
        case "operator":
            return fact.staff_id
        case "zone":
            if fact.kind in _AT_WINDOW:
                return frame.window_zone.get(fact.window_id) if fact.window_id is not None else None
            return frame.queue_zone.get(fact.queue_id) if fact.queue_id is not None else None
        case "hour":
            return fact.at.astimezone(ZoneInfo(frame.timezone)).hour
    raise ValueError(group_by)


def aggregate(all_facts: Iterable[Fact], frame: BranchFrame, group_by: GroupBy) -> KpiTable:
    groups: dict[GroupKey, Figures] = {}
    total = Figures()
    for fact in all_facts:
        groups.setdefault(group_key(fact, frame, group_by), Figures()).add(fact)
        total.add(fact)
    # Known groups in order; the facts that belong to none (e.g. tickets never at a window) last.
    rows = sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return KpiTable(group_by=group_by, rows=rows, total=total)


def compute(events: Iterable[Event], frame: BranchFrame, group_by: GroupBy = "branch") -> KpiTable:
    """The pure KPI function: events in log order → figures per group."""
    return aggregate(facts(replay(events), frame), frame, group_by)


# --- from the database ----------------------------------------------------------------------------


async def load_frame(session: AsyncSession, *, branch_id: int) -> BranchFrame:
    branch = await branches_service.get(session, branch_id)
    queues = await queue_service.list_queues(session, branch_id=branch_id)
    windows = await branches_service.list_windows(session, branch_id=branch_id)
    return BranchFrame(
        branch_id=branch.id,
        timezone=branch.timezone,
        max_wait_s=branch.max_wait_s,
        queue_max_wait_s={queue.id: queue.max_wait_s for queue in queues},
        queue_zone={queue.id: queue.zone_id for queue in queues},
        window_zone={window.id: window.zone_id for window in windows},
    )


def _midnight(day: date, zone: ZoneInfo, days_after: int = 0) -> datetime:
    """Local midnight as a UTC instant; past the calendar's ends, its first or last instant."""
    try:
        return datetime.combine(day + timedelta(days=days_after), time(0), zone).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if day.year == 1 else datetime.max.replace(tzinfo=UTC)


def day_bounds(timezone: str, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight opening ``start`` and closing ``end``."""
    zone = ZoneInfo(timezone)
    return _midnight(start, zone), _midnight(end, zone, days_after=1)


async def load_events(
    session: AsyncSession, *, branch_id: int, timezone: str, start: date | None, end: date | None
) -> Sequence[Event]:
    """Every event of the visits issued at the branch on the local days ``start``..``end`` (all if None)."""
    issued = select(Event.visit_id).where(Event.branch_id == branch_id, Event.type == "ticket.issued")
    if start is not None:
        opens, closes = day_bounds(timezone, start, end or start)
        issued = issued.where(Event.at >= opens, Event.at < closes)
    statement = (
        select(Event)
        .where(Event.branch_id == branch_id, Event.visit_id.in_(issued.scalar_subquery()))
        .order_by(Event.id)
    )
    return (await session.execute(statement)).scalars().all()


@dataclass(frozen=True, slots=True)
class KpiReport:
    frame: BranchFrame
    start: date
    end: date
    table: KpiTable


async def branch_kpis(
    session: AsyncSession,
    *,
    branch_id: int,
    start: date,
    end: date | None = None,
    group_by: GroupBy = "branch",
) -> KpiReport:
    """The KPIs of the visits issued at a branch on a local day, or on the days ``start``..``end``."""
    frame = await load_frame(session, branch_id=branch_id)
    last = end or start
    events = await load_events(session, branch_id=branch_id, timezone=frame.timezone, start=start, end=last)
    return KpiReport(frame=frame, start=start, end=last, table=compute(events, frame, group_by))


# --- the same headline figures from the live tables, and the check that they agree ---------------


@dataclass(frozen=True, slots=True)
class Headline:
    """Counts by final state, and the wait of the last transaction of each finished visit."""

    statuses: dict[int, str]
    final_waits: dict[int, float]

    def count(self, *statuses: str) -> int:
        return sum(status in statuses for status in self.statuses.values())

    @property
    def issued(self) -> int:
        return len(self.statuses)

    @property
    def served(self) -> int:
        return self.count("finished")

    @property
    def no_show(self) -> int:
        return self.count("no_show")

    @property
    def cancelled(self) -> int:
        return self.count("cancelled")

    @property
    def waiting(self) -> int:
        return self.count("waiting")

    @property
    def in_progress(self) -> int:
        return self.count(*IN_PROGRESS)


def headline(tracks: Mapping[int, VisitTrack]) -> Headline:
    final_waits = {}
    for visit_id, track in tracks.items():
        wait = track.current.wait_s
        if track.status == "finished" and wait is not None:
            final_waits[visit_id] = wait
    return Headline(statuses={v: t.status for v, t in tracks.items()}, final_waits=final_waits)


async def live_headline(
    session: AsyncSession, *, branch_id: int, start: date | None = None, end: date | None = None
) -> Headline:
    """The headline figures read from the live visits table (not from the events)."""
    statement = select(Visit.id, Visit.status, Visit.queued_at, Visit.called_at).where(
        Visit.branch_id == branch_id
    )
    if start is not None:
        statement = statement.where(Visit.service_day >= start, Visit.service_day <= (end or start))
    statuses, final_waits = {}, {}
    for row in (await session.execute(statement)).all():
        statuses[row.id] = row.status
        if row.status == "finished" and row.called_at is not None:
            final_waits[row.id] = max((row.called_at - row.queued_at).total_seconds(), 0.0)
    return Headline(statuses=statuses, final_waits=final_waits)


@dataclass(frozen=True, slots=True)
class LiveCheck:
    """True when the figures from the events equal the live ones; else ``differences`` says how."""

    differences: list[str]

    def __bool__(self) -> bool:
        return not self.differences


WAIT_TOLERANCE_S: Final = 0.001


async def kpis_match_live(
    session: AsyncSession, *, branch_id: int, start: date | None = None, end: date | None = None
) -> LiveCheck:
    """Do the KPIs replayed from the events agree with the live visits (all days, or ``start``..``end``)?"""
    timezone = (await branches_service.get(session, branch_id)).timezone
    events = await load_events(session, branch_id=branch_id, timezone=timezone, start=start, end=end)
    replayed = headline(replay(events))
    live = await live_headline(session, branch_id=branch_id, start=start, end=end)
    differences = []
    for name in ("issued", "served", "no_show", "cancelled", "waiting", "in_progress"):
        from_events, from_live = getattr(replayed, name), getattr(live, name)
        if from_events != from_live:
            differences.append(f"{name}: events {from_events} != live {from_live}")
    for visit_id in sorted(replayed.statuses.keys() | live.statuses.keys()):
        got, expected = replayed.statuses.get(visit_id), live.statuses.get(visit_id)
        if got != expected:
            differences.append(f"visit {visit_id}: events say {got}, live says {expected}")
    for visit_id in sorted(replayed.final_waits.keys() | live.final_waits.keys()):
        got_wait, expected_wait = replayed.final_waits.get(visit_id), live.final_waits.get(visit_id)
        if got_wait is None or expected_wait is None or abs(got_wait - expected_wait) > WAIT_TOLERANCE_S:
            differences.append(f"visit {visit_id}: wait from events {got_wait} != live {expected_wait}")
    return LiveCheck(differences)
