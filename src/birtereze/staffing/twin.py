"""Digital twin of one centre: a discrete-event simulation (SimPy) that calls by the engine's own rules.

Citizens arrive per queue as a Poisson process whose rate is constant within each half hour (the
forecast's expected arrivals), ask for a service drawn from the queue's mix, and bring a service time
drawn from that service's distribution (exponential, lognormal or the empirical sample of the centre's
own history), a patience (exponential; ``None``: nobody leaves), and a chance of not coming when called.
Windows open and close by their shifts (a break is the gap between two shifts; a window finishes the
citizen it is serving before it closes). Whenever a window is free, or a ticket arrives while windows are
free, the window asks ``birtereze.queue.calling.choose_next`` — the function the real ``call next`` uses —
which ticket to call, with its work profile and the accessible-window context, so the twin follows every
calling rule the engine has (longest wait, strict order, weighted, overdue first, priority categories,
accessibility) and any rule added to it later. A no-show keeps the window for ``no_show_after_s`` (the
wait before the operator may record it), then the window calls the next ticket.

A run is reproducible from its seed. The citizens of a replication are drawn before the simulation and
independently of the plan, so two plans compared with the same seed meet the very same citizens (common
random numbers): the difference between them is the plan's, not the dice's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import simpy

from birtereze.queue import calling
from birtereze.staffing.erlang import HALF_HOUR_S

DEFAULT_NORM_S: Final = 15 * 60  # the service standards' maximum wait


@dataclass(frozen=True, slots=True)
class ServiceTime:
    """A service's duration: ``exponential(mean_s)``, ``lognormal(mean_s, cv)`` or ``empirical(samples)``."""

    kind: Literal["exponential", "lognormal", "empirical"]
    mean_s: float
    cv: float = 1.0
    samples: tuple[float, ...] = ()

    @classmethod
    def exponential(cls, mean_s: float) -> ServiceTime:
        return cls("exponential", mean_s)

    @classmethod
    def lognormal(cls, mean_s: float, cv: float) -> ServiceTime:
        return cls("lognormal", mean_s, cv)

    @classmethod
    def empirical(cls, samples: Sequence[float]) -> ServiceTime:
        if not samples:
            raise ValueError("an empirical service time needs samples")
        return cls("empirical", float(np.mean(samples)), samples=tuple(float(s) for s in samples))

    def sample(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
        if self.kind == "exponential":
            return rng.exponential(self.mean_s, n)
        if self.kind == "lognormal":
            sigma2 = math.log1p(self.cv**2)
            return rng.lognormal(math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2), n)
        return rng.choice(np.asarray(self.samples), n)


@dataclass(frozen=True, slots=True)
class QueueDemand:
    """One queue's citizens: expected arrivals per half hour from the day's start, and who they are."""

    queue_id: int
    arrivals: Sequence[float]
    services: Mapping[int, float]  # service id → share of the queue's tickets
    patience_s: float | None = None
    no_show: float = 0.0
    priority_share: float = 0.0  # tickets of a priority category, served out of turn
    accessible_share: float = 0.0  # tickets whose category prefers an accessible window


@dataclass(frozen=True, slots=True)
class Shift:
    opens_s: float  # seconds from the day's start
    closes_s: float


@dataclass(frozen=True, slots=True)
class WindowPlan:
    window_id: int
    profile: calling.Profile
    shifts: tuple[Shift, ...]
    accessible: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    windows: tuple[WindowPlan, ...]

    def with_window(self, window: WindowPlan) -> Plan:
        return Plan((*self.windows, window))

    @classmethod
    def from_coverage(
        cls, coverage: Sequence[int], profile: calling.Profile, *, slot_s: float = HALF_HOUR_S
    ) -> Plan:
        """Windows open per half hour as a staffing requirement says: window k opens where coverage > k."""
        windows = []
        for k in range(max(coverage, default=0)):
            shifts: list[Shift] = []
            for slot, needed in enumerate(coverage):
                if needed <= k:
                    continue
                if shifts and shifts[-1].closes_s == slot * slot_s:
                    shifts[-1] = Shift(shifts[-1].opens_s, (slot + 1) * slot_s)
                else:
                    shifts.append(Shift(slot * slot_s, (slot + 1) * slot_s))
            windows.append(WindowPlan(k + 1, profile, tuple(shifts)))
        return cls(tuple(windows))


@dataclass(frozen=True, slots=True)
class Settings:
    services: Mapping[int, ServiceTime]
    norm_s: float = DEFAULT_NORM_S
    answer_within_s: float = DEFAULT_NORM_S
    no_show_after_s: float = 180.0
    accessible_hold_s: float = DEFAULT_NORM_S // 2


@dataclass(frozen=True, slots=True)
class Figures:
    """One half hour's (by arrival) or one day's figures; waits of called tickets, in seconds."""

    arrivals: int
    called: int
    served: int
    abandoned: int
    no_shows: int
    unserved: int  # still waiting when every window had closed
    mean_wait_s: float | None
    p90_wait_s: float | None
    over_norm: float | None  # share of tickets that waited longer than the norm (leavers included)
    service_level: float | None  # share called within ``answer_within_s`` (leavers count as missed)
    abandonment: float | None
    utilisation: float | None  # busy / staffed window time
    open_windows: float  # mean staffed windows (over the half hours with a window staffed, for a day)
    window_hours: float  # staffed window time per replication


@dataclass(frozen=True, slots=True)
class Report:
    day: Figures
    half_hours: list[Figures]
    replications: int


@dataclass(frozen=True, slots=True)
class WhatIf:
    base: Report
    alternative: Report
    # alternative − base, for each numeric day figure
    change: dict[str, float] = field(default_factory=dict)


# --- citizens -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Ticket:
    visit_id: int
    queue_id: int
    arrival_s: float
    service_s: float
    patience_s: float
    no_show: bool
    priority_level: int
    prefers_accessible: bool
    called_s: float | None = None
    left_s: float | None = None


def draw_citizens(
    demand: Sequence[QueueDemand], settings: Settings, rng: np.random.Generator
) -> list[_Ticket]:
    """A replication's citizens, in arrival order; the plan plays no part (common random numbers)."""
    tickets: list[_Ticket] = []
    for queue in sorted(demand, key=lambda q: q.queue_id):
        rates = np.asarray(queue.arrivals, dtype=np.float64)
        counts = rng.poisson(np.maximum(rates, 0.0))
        times = np.concatenate(
            [slot * HALF_HOUR_S + rng.uniform(0.0, HALF_HOUR_S, n) for slot, n in enumerate(counts)]
        )
        n = times.size
        service_ids = sorted(queue.services)
        shares = np.asarray([queue.services[s] for s in service_ids], dtype=np.float64)
        chosen = rng.choice(len(service_ids), n, p=shares / shares.sum()) if n else np.zeros(0, dtype=int)
        durations = np.zeros(n)
        for index, service_id in enumerate(service_ids):
            mask = chosen == index
            durations[mask] = settings.services[service_id].sample(rng, int(mask.sum()))
        patience = (
            rng.exponential(queue.patience_s, n) if queue.patience_s is not None else np.full(n, math.inf)
        )
        no_show = rng.random(n) < queue.no_show
        priority = rng.random(n) < queue.priority_share
        accessible = rng.random(n) < queue.accessible_share
        for i in range(n):
            tickets.append(
                _Ticket(
                    0,
                    queue.queue_id,
                    float(times[i]),
                    float(durations[i]),
                    float(patience[i]),
                    bool(no_show[i]),
                    int(priority[i]),
                    bool(accessible[i]),
                )
            )
    tickets.sort(key=lambda t: (t.arrival_s, t.queue_id))
    for visit_id, ticket in enumerate(tickets, start=1):
        ticket.visit_id = visit_id
    return tickets


# --- the simulation -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Window:
    plan: WindowPlan
    open: bool = False
    closing: bool = False
    busy: bool = False
    idle_since: float = 0.0
    open_since: float = 0.0


class _Centre:
    """One replication: the windows' states, the waiting tickets, and the time accounting per slot."""

    def __init__(self, plan: Plan, settings: Settings, day: datetime, slots: int) -> None:
        self.env = simpy.Environment()
        self.settings = settings
        self.day = day
        self.windows = [_Window(w) for w in plan.windows]
        self.waiting: dict[int, tuple[calling.Candidate, _Ticket]] = {}
        self.staffed = np.zeros(slots)
        self.busy = np.zeros(slots)

    def at(self, seconds: float) -> datetime:
        return self.day + timedelta(seconds=seconds)

    def run(self, tickets: Sequence[_Ticket]) -> None:
        for window in self.windows:
            self.env.process(self._shifts(window))
        self.env.process(self._arrivals(tickets))
        self.env.run()
        for window in self.windows:  # a window left open at the end: account its time
            if window.open:
                self._account(self.staffed, window.open_since, self.env.now)

    def _account(self, into: npt.NDArray[np.float64], start: float, end: float) -> None:
        slot = int(start // HALF_HOUR_S)
        while start < end and slot < into.size:
            stop = min(end, (slot + 1) * HALF_HOUR_S)
            into[slot] += stop - start
            start, slot = stop, slot + 1

    def _arrivals(self, tickets: Sequence[_Ticket]) -> simpy.events.ProcessGenerator:
        for ticket in tickets:
            yield self.env.timeout(ticket.arrival_s - self.env.now)
            candidate = calling.Candidate(
                visit_id=ticket.visit_id,
                queue_id=ticket.queue_id,
                line_at=self.at(ticket.arrival_s),
                priority_level=ticket.priority_level,
                prefers_accessible=ticket.prefers_accessible,
            )
            self.waiting[ticket.visit_id] = (candidate, ticket)
            if math.isfinite(ticket.patience_s):
                self.env.timeout(ticket.patience_s).callbacks.append(partial(self._abandon, ticket))
            if ticket.prefers_accessible:
                # Other windows may take it once it has waited the hold: wake them then.
                self.env.timeout(self.settings.accessible_hold_s).callbacks.append(
                    lambda _e: self._dispatch()
                )
            self._dispatch()

    def _wake(self, _event: simpy.Event) -> None:
        self._dispatch()

    def _abandon(self, ticket: _Ticket, _event: simpy.Event) -> None:
        if self.waiting.pop(ticket.visit_id, None) is not None:
            ticket.left_s = self.env.now

    def _dispatch(self) -> None:
        """Free windows call, the longest idle first, while they find a ticket to call."""
        free = sorted((w for w in self.windows if w.open and not w.busy), key=lambda w: w.idle_since)
        for window in free:
            if not self.waiting:
                return
            self._call(window)

    def _accessible_open(self, queues: set[int]) -> bool:
        return any(
            w.open and w.plan.accessible and queues & {q.queue_id for q in w.plan.profile.queues}
            for w in self.windows
        )

    def _call(self, window: _Window) -> None:
        profile = window.plan.profile
        context = calling.WindowContext(
            accessible=window.plan.accessible,
            accessible_window_open=self._accessible_open({q.queue_id for q in profile.queues}),
            accessible_hold_s=int(self.settings.accessible_hold_s),
        )
        now = self.env.now
        chosen = calling.choose_next((c for c, _t in self.waiting.values()), profile, context, self.at(now))
        if chosen is None:
            return
        _candidate, ticket = self.waiting.pop(chosen.visit_id)
        ticket.called_s = now
        window.busy = True
        self.env.process(self._serve(window, ticket))

    def _serve(self, window: _Window, ticket: _Ticket) -> simpy.events.ProcessGenerator:
        start = self.env.now
        yield self.env.timeout(self.settings.no_show_after_s if ticket.no_show else ticket.service_s)
        self._account(self.busy, start, self.env.now)
        window.busy = False
        window.idle_since = self.env.now
        if window.closing:
            self._close(window)
        else:
            self._call(window)

    def _close(self, window: _Window) -> None:
        window.open = window.closing = False
        self._account(self.staffed, window.open_since, self.env.now)

    def _shifts(self, window: _Window) -> simpy.events.ProcessGenerator:
        for shift in sorted(window.plan.shifts, key=lambda s: s.opens_s):
            yield self.env.timeout(max(shift.opens_s - self.env.now, 0.0))
            if window.closing:  # still finishing the last citizen of the previous shift: carry on
                window.closing = False
            elif not window.open:
                window.open, window.open_since, window.idle_since = True, self.env.now, self.env.now
                self._call(window)
            yield self.env.timeout(max(shift.closes_s - self.env.now, 0.0))
            if window.busy:
                window.closing = True
            else:
                self._close(window)


# --- figures --------------------------------------------------------------------------------------


def _figures(
    tickets: Sequence[_Ticket], settings: Settings, staffed: float, busy: float, span_s: float, runs: int
) -> Figures:
    called = [t for t in tickets if t.called_s is not None]
    waits = np.asarray([t.called_s - t.arrival_s for t in called if t.called_s is not None])
    abandoned = [t for t in tickets if t.left_s is not None]
    ended = len(called) + len(abandoned)
    over = sum(1 for w in waits if w > settings.norm_s) + sum(
        1 for t in abandoned if t.left_s is not None and t.left_s - t.arrival_s > settings.norm_s
    )
    no_shows = sum(1 for t in called if t.no_show)
    return Figures(
        arrivals=len(tickets),
        called=len(called),
        served=len(called) - no_shows,
        abandoned=len(abandoned),
        no_shows=no_shows,
        unserved=len(tickets) - ended,
        mean_wait_s=float(waits.mean()) if waits.size else None,
        p90_wait_s=float(np.percentile(waits, 90)) if waits.size else None,
        over_norm=over / ended if ended else None,
        service_level=float((waits <= settings.answer_within_s).sum()) / ended if ended else None,
        abandonment=len(abandoned) / ended if ended else None,
        utilisation=busy / staffed if staffed > 0 else None,
        open_windows=staffed / span_s if span_s > 0 else 0.0,
        window_hours=staffed / runs / 3600,
    )


def simulate(
    plan: Plan,
    demand: Sequence[QueueDemand],
    settings: Settings,
    *,
    day: datetime,
    seed: int,
    replications: int = 1,
) -> Report:
    """Run the plan against the demand; the figures pool the replications' tickets and window time.

    ``day``: the start of the simulated day (local midnight); every time in the plan and the demand counts
    from it, and half hour ``k`` starts ``k × 30`` minutes after it.
    """
    if replications < 1:
        raise ValueError("at least one replication")
    rng = np.random.default_rng(seed)
    slots = max(
        max((len(q.arrivals) for q in demand), default=0),
        math.ceil(max((s.closes_s for w in plan.windows for s in w.shifts), default=0.0) / HALF_HOUR_S),
    )
    everyone: list[_Ticket] = []
    staffed, busy = np.zeros(slots + 1), np.zeros(slots + 1)
    for _ in range(replications):
        tickets = draw_citizens(demand, settings, rng)
        centre = _Centre(plan, settings, day, slots + 1)
        centre.run(tickets)
        everyone += tickets
        staffed += centre.staffed
        busy += centre.busy
    by_slot: list[list[_Ticket]] = [[] for _ in range(slots)]
    for ticket in everyone:
        by_slot[min(int(ticket.arrival_s // HALF_HOUR_S), slots - 1)].append(ticket)
    span = replications * HALF_HOUR_S
    runs = replications
    half_hours = [_figures(by_slot[k], settings, staffed[k], busy[k], span, runs) for k in range(slots)]
    day_span = span * int((staffed > 0).sum())
    day_figures = _figures(everyone, settings, float(staffed.sum()), float(busy.sum()), day_span, runs)
    return Report(day=day_figures, half_hours=half_hours, replications=replications)


def compare(
    base: Plan,
    alternative: Plan,
    demand: Sequence[QueueDemand],
    settings: Settings,
    *,
    day: datetime,
    seed: int,
    replications: int = 5,
) -> WhatIf:
    """What if: both plans meet the same citizens (same seed), so the change is the plan's own effect."""
    first = simulate(base, demand, settings, day=day, seed=seed, replications=replications)
    second = simulate(alternative, demand, settings, day=day, seed=seed, replications=replications)
    change = {}
    for item in fields(Figures):
        before, after = getattr(first.day, item.name), getattr(second.day, item.name)
        if before is not None and after is not None:
            change[item.name] = float(after) - float(before)
    return WhatIf(first, second, change)


def extra_window(plan: Plan, *, opens_s: float, closes_s: float, like: int | None = None) -> Plan:
    """The plan with one more window from ``opens_s`` to ``closes_s``, with the profile of window ``like``
    (by default the first window's)."""
    model = next((w for w in plan.windows if w.window_id == like), plan.windows[0]) if plan.windows else None
    if model is None:
        raise ValueError("the plan has no window to copy a profile from")
    new_id = max(w.window_id for w in plan.windows) + 1
    return plan.with_window(
        replace(model, window_id=new_id, shifts=(Shift(opens_s, closes_s),), accessible=False)
    )


def shortfalls(report: Report, *, target_service_level: float) -> list[int]:
    """The half hours in which the plan misses the service level target."""
    return [
        k
        for k, figures in enumerate(report.half_hours)
        if figures.service_level is not None and figures.service_level < target_service_level
    ]
