"""Random sequences of every ticket and window operation, on SQLite and PostgreSQL, checked after each step.

A hypothesis state machine drives the domain services, each operation in its own unit of work (committed
on success, rolled back on a refusal), against a small model of the hall kept in memory. After every step:
a move the model calls legal succeeded and one it calls illegal was refused with a ``DomainError``; the
database holds exactly the model's tickets and windows; every consistency rule of ``tests.queue.consistency``
holds; the KPIs replayed from the events equal the live figures; and each ``call_next`` called the ticket
the calling rules pick from candidates gathered from the model (not from the engine's own query), skipping
no callable ticket of a higher priority.

The world (centres, queues, profiles, people) is built once per database and each example starts from
empty queue tables: 30 examples of 30 steps take about 20 s per database. For a deeper run set
BIRTEREZE_STATE_MACHINE_EXAMPLES (e.g. 500).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch, OpeningHours
from birtereze.catalog.models import Service
from birtereze.core.clock import ManualClock
from birtereze.core.db import create_engine, session_factory
from birtereze.core.errors import DomainError
from birtereze.queue import calling, kpis, routing
from birtereze.queue import service as queue_service
from birtereze.queue.models import (
    BranchService,
    PriorityCategory,
    Queue,
    SegmentationRule,
    VisitService,
    WorkProfile,
    WorkProfileQueue,
)
from birtereze.queue.service.desk import BREAK_REASONS
from birtereze.queue.states import STAFFED
from tests.builders import create_world, names
from tests.conftest import ALMATY, START, _truncate
from tests.queue import consistency

T = TypeVar("T")

# The tables a hall's day writes; the world's configuration stays between examples.
QUEUE_TABLES = (
    "events",
    "alerts",
    "idempotency_keys",
    "counters",
    "visit_services",
    "visits",
    "ticket_counters",
)
OUTCOMES = (None, "accepted", "refused", "no-such-outcome")
PERSONAS = ("operator", "operator2", "manager", "outsider")
# Who opens each window in the ordinary walk: one person per window (one operator, one window).
WALKERS = {1: "operator", 2: "operator2", 3: "manager", 9: "outsider"}
PROFILES = ("all", "strict", "weighted", "social", "overdue", "other")
SERVICES = ("certificate", "benefit", "consultation")

# What an operator does at a window, the steps of a visit more often than the rest.
WINDOW_ACTIONS = (
    *("walk",) * 14,
    "call_next",
    "confirm",
    "record_service",
    "finish",
    "call_next",
    "confirm",
    "record_service",
    "finish",
    "recall",
    "no_show",
    "transfer",
    "transfer",
    "park",
    "open_window",
    "open_window",
    "close_window",
    "start_break",
    "end_break",
    "end_wrap_up",
    "change_profile",
    "call_ticket",
    "resume_parked",
    "cancel",
)
ACTION_ARGUMENTS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "walk": {},
    "call_next": {},
    "confirm": {},
    "record_service": {"service": st.sampled_from(SERVICES), "outcome": st.sampled_from(OUTCOMES)},
    "finish": {},
    "recall": {},
    "no_show": {"wait": st.booleans()},
    "transfer": {
        "kind": st.sampled_from(("queue", "window", "staff", "none", "two")),
        "queue": st.sampled_from(("A", "B", "P", "other")),
        "to_window": st.sampled_from((1, 2, 3, 9)),
        "persona": st.sampled_from(PERSONAS),
        "first_in_line": st.booleans(),
        "delay_s": st.sampled_from((0, 0, 60, 600, -5)),
    },
    "park": {},
    "open_window": {"persona": st.sampled_from(PERSONAS), "profile": st.sampled_from(PROFILES)},
    "close_window": {},
    "start_break": {"reason": st.sampled_from(("lunch", "rest", "technical", "nap"))},
    "end_break": {},
    "end_wrap_up": {},
    "change_profile": {"profile": st.sampled_from(PROFILES)},
    "call_ticket": {},
    "resume_parked": {},
    "cancel": {},
}

SETTINGS = settings(
    max_examples=int(os.environ.get("BIRTEREZE_STATE_MACHINE_EXAMPLES", "30")),
    stateful_step_count=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --- the static hall, read once from the configuration tables --------------------------------------


@dataclass(frozen=True)
class ProfileSpec:
    id: int
    branch_id: int
    calling: calling.Profile
    wrap_up_s: int

    @property
    def queue_ids(self) -> set[int]:
        return {q.queue_id for q in self.calling.queues}


@dataclass(frozen=True)
class Hall:
    branches: dict[str, int]
    max_wait_s: dict[int, int]
    max_recalls: dict[int, int]
    no_show_after_s: dict[int, int]
    windows: dict[int, tuple[int, int, bool]]  # number -> (id, branch id, accessible)
    queues: dict[str, int]
    queue_branch: dict[int, int]
    services: dict[str, int]
    outcome_required: dict[int, bool]
    offered: dict[tuple[int, int], int]  # (branch, service) -> queue
    rules: dict[int, list[routing.Rule]]
    priorities: dict[str, tuple[int, bool]]
    profiles: dict[str, ProfileSpec]
    staff: dict[str, int]
    layout: consistency.Layout
    hours: dict[int, dict[int, tuple[time, time]]]  # branch -> ISO weekday -> opening and closing time
    timezones: dict[int, str]

    def open_at(self, branch_id: int, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezones[branch_id]))
        hours = self.hours[branch_id].get(local.isoweekday())
        return hours is not None and hours[0] <= local.time().replace(tzinfo=None) < hours[1]


async def build_hall(engine: AsyncEngine) -> Hall:
    """Empty the database, build the test world plus a profile with a wrap-up and an overdue rule."""
    await _truncate(engine)
    sessions = session_factory(engine)
    async with sessions() as session:
        world = await create_world(session, now=START, tokens=False)
        overdue = await queue_service.create_profile(
            session,
            branch_id=world.branch.id,
            code="overdue",
            names=names("overdue"),
            rule="weighted",
            overdue_after_s=600,
            wrap_up_s=60,
        )
        for position, key in enumerate(("B", "A")):
            await queue_service.add_profile_queue(
                session, profile_id=overdue.id, queue_id=world.queues[key].id, position=position, weight=1.0
            )
        await session.commit()
        return await read_hall(session, world.staff, world.windows)


async def read_hall(session: AsyncSession, staff: dict[str, int], windows: dict[int, Any]) -> Hall:
    branches = list((await session.execute(select(Branch))).scalars())
    by_code = {b.code: b for b in branches}
    home = by_code["A"].id
    queues = list((await session.execute(select(Queue))).scalars())
    services = list((await session.execute(select(Service))).scalars())
    rules: dict[int, list[routing.Rule]] = {b.id: [] for b in branches}
    for r in (await session.execute(select(SegmentationRule))).scalars():
        rules[r.branch_id].append(routing.Rule.of(r))
    hours: dict[int, dict[int, tuple[time, time]]] = {b.id: {} for b in branches}
    for h in (await session.execute(select(OpeningHours))).scalars():
        hours[h.branch_id][h.weekday] = (h.opens, h.closes)
    profiles = {}
    for profile in (await session.execute(select(WorkProfile))).scalars():
        items = (
            await session.execute(
                select(WorkProfileQueue).where(WorkProfileQueue.work_profile_id == profile.id)
            )
        ).scalars()
        spec = calling.Profile(
            rule=cast(calling.Rule, profile.rule),
            queues=tuple(calling.ProfileQueue(i.queue_id, i.position, i.weight) for i in items),
            overdue_after_s=profile.overdue_after_s,
        )
        key = profile.code if profile.branch_id == home else "other"
        profiles[key] = ProfileSpec(profile.id, profile.branch_id, spec, profile.wrap_up_s)
    return Hall(
        branches={code: b.id for code, b in by_code.items()},
        max_wait_s={b.id: b.max_wait_s for b in branches},
        max_recalls={b.id: b.max_recalls for b in branches},
        no_show_after_s={b.id: b.no_show_after_s for b in branches},
        windows={n: (w.id, w.branch_id, w.accessible) for n, w in windows.items()},
        queues={(q.prefix if q.branch_id == home else "other"): q.id for q in queues},
        queue_branch={q.id: q.branch_id for q in queues},
        services={s.name_en.lower(): s.id for s in services},
        outcome_required={s.id: s.outcome_required for s in services},
        offered={
            (o.branch_id, o.service_id): o.queue_id
            for o in (await session.execute(select(BranchService))).scalars()
        },
        rules=rules,
        priorities={
            p.code: (p.level, p.prefers_accessible)
            for p in (await session.execute(select(PriorityCategory))).scalars()
        },
        profiles=profiles,
        staff=staff,
        layout=await consistency.load_layout(session),
        hours=hours,
        timezones={b.id: b.timezone for b in branches},
    )


# --- the model ---------------------------------------------------------------------------------------


@dataclass
class VisitModel:
    id: int
    number: str
    branch_id: int
    queue_id: int
    priority_level: int
    prefers_accessible: bool
    line_at: datetime
    available_at: datetime
    services: list[list[Any]]  # [service id, delivered], in the order the lines were made
    status: str = "waiting"
    first_in_line: bool = False
    pool_window_id: int | None = None
    pool_staff_id: int | None = None
    window_id: int | None = None
    calls: int = 0
    called_at: datetime | None = None


@dataclass
class WindowModel:
    id: int
    branch_id: int
    accessible: bool
    state: str = "closed"
    visit_id: int | None = None
    staff_id: int | None = None
    profile_id: int | None = None
    break_reason: str | None = None


WINDOWS = (1, 2, 3, 9)
windows_st = st.sampled_from(WINDOWS)
# Most window operations aim at a window whose state allows them, so that walks get far; some stray.
strays = st.sampled_from((False, False, False, True))


class QueueMachine(RuleBasedStateMachine):
    def __init__(
        self, runner: asyncio.Runner, sessions: async_sessionmaker[AsyncSession], hall: Hall
    ) -> None:
        super().__init__()
        self.runner = runner
        self.sessions = sessions
        self.hall = hall
        self.clock = ManualClock(START)
        self.branch_a = hall.branches["A"]
        self.visits: dict[int, VisitModel] = {}
        self.windows = {
            number: WindowModel(id=wid, branch_id=bid, accessible=accessible)
            for number, (wid, bid, accessible) in hall.windows.items()
        }
        self.by_window_id = {w.id: w for w in self.windows.values()}
        self.profiles_by_id = {p.id: p for p in hall.profiles.values()}
        runner.run(self._empty_queue_tables())

    async def _empty_queue_tables(self) -> None:
        async with self.sessions() as session:
            for table in QUEUE_TABLES:
                await session.execute(text(f"DELETE FROM {table}"))
            await session.commit()

    # --- plumbing -----------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def attempt(self, name: str, legal: bool, operation: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
        """Run one unit of work; a legal move must succeed, an illegal one must be refused cleanly."""

        async def unit() -> T | DomainError:
            async with self.sessions() as session:
                try:
                    result = await operation(session)
                except DomainError as refusal:
                    await session.rollback()
                    return refusal
                await session.commit()
                return result

        outcome = self.runner.run(unit())
        if isinstance(outcome, DomainError):
            assert not legal, f"{name} was legal but refused: {type(outcome).__name__} {outcome.detail('en')}"
            return None
        assert legal, f"{name} was illegal but done"
        return outcome

    def window(self, number: int) -> WindowModel:
        return self.windows[number]

    def pick(self, number: int, stray: bool, states: tuple[str, ...]) -> WindowModel:
        """The drawn window when straying or when no window is ready; else one in a fitting state."""
        ready = [n for n in WINDOWS if self.windows[n].state in states]
        if stray or not ready:
            return self.windows[number]
        return self.windows[ready[WINDOWS.index(number) % len(ready)]]

    def free(self, window: WindowModel, state: str = "open") -> None:
        window.state = state
        window.visit_id = None

    # --- the morning: some windows open and some citizens already in line ----------------------------

    @initialize(
        opened=st.lists(
            st.tuples(windows_st, st.sampled_from(PERSONAS[:2]), st.sampled_from(PROFILES)), max_size=3
        ),
        arrivals=st.lists(
            st.tuples(st.sampled_from(SERVICES), st.sampled_from((None, None, "disability", "elderly"))),
            max_size=6,
        ),
    )
    def morning(self, opened: list[tuple[int, str, str]], arrivals: list[tuple[str, str | None]]) -> None:
        for number, persona, profile in opened:
            self.open_window(number=number, stray=True, persona=persona, profile=profile)
        for service, priority in arrivals:
            self.issue(branch="A", service=service, priority=priority, extras=set(), language="kk")
            self.clock.advance(20)

    # --- tickets ------------------------------------------------------------------------------------

    @rule(
        branch=st.sampled_from(("A", "A", "A", "B")),
        service=st.sampled_from(SERVICES),
        priority=st.sampled_from((None, None, "disability", "elderly", "no-such-category")),
        extras=st.sets(st.sampled_from(SERVICES), max_size=2),
        language=st.sampled_from(("kk", "ru")),
        channel=st.sampled_from(("kiosk", "kiosk", "operator")),
    )
    def issue(
        self,
        branch: str,
        service: str,
        priority: str | None,
        extras: set[str],
        language: str,
        channel: str = "kiosk",
    ) -> None:
        hall, branch_id, now = self.hall, self.hall.branches[branch], self.now
        service_id = hall.services[service]
        extra_ids = sorted(hall.services[e] for e in extras)
        # The kiosk issues during opening hours only; staff on site may register a visitor at any time.
        legal = (
            (branch_id, service_id) in hall.offered
            and (priority is None or priority in hall.priorities)
            and all((branch_id, e) in hall.offered for e in extra_ids)
            and (channel == "operator" or hall.open_at(branch_id, now))
        )
        visit = self.attempt(
            "issue",
            legal,
            lambda s: queue_service.issue_ticket(
                s,
                branch_id=branch_id,
                service_id=service_id,
                now=now,
                priority_code=priority,
                language=language,
                extra_service_ids=extra_ids,
                channel=channel,
            ),
        )
        if visit is None:
            return
        request = routing.Request(service_id, priority, False, language)
        expected_queue = routing.route(hall.rules[branch_id], request, hall.offered[(branch_id, service_id)])
        assert visit.queue_id == expected_queue, f"routed to queue {visit.queue_id}, not {expected_queue}"
        level, prefers = hall.priorities[priority] if priority else (0, False)
        self.visits[visit.id] = VisitModel(
            id=visit.id,
            number=visit.number,
            branch_id=branch_id,
            queue_id=expected_queue,
            priority_level=level,
            prefers_accessible=prefers,
            line_at=now,
            available_at=now,
            services=[[sid, False] for sid in (service_id, *extra_ids)],
        )

    def cancel(self, number: int, stray: bool, visit_id: int) -> None:
        """The citizen gives the ticket up (the window drawn for the step plays no part)."""
        visit, now = self.visits[visit_id], self.now
        legal = visit.status in ("waiting", "called")
        if (
            self.attempt("cancel", legal, lambda s: queue_service.cancel(s, visit_id=visit_id, now=now))
            is None
        ):
            return
        if visit.status == "called":
            assert visit.window_id is not None
            self.free(self.by_window_id[visit.window_id])
        visit.status = "cancelled"

    # --- calling ------------------------------------------------------------------------------------

    def _took(self, window: WindowModel, visit: VisitModel) -> None:
        visit.status, visit.window_id, visit.calls, visit.called_at = "called", window.id, 1, self.now
        visit.pool_window_id = visit.pool_staff_id = None
        visit.first_in_line = False
        window.state, window.visit_id = "calling", visit.id

    def candidates(self, window: WindowModel, profile: ProfileSpec) -> list[calling.Candidate]:
        """What this window may call, gathered from the model."""
        result = []
        for visit in self.visits.values():
            if (
                visit.branch_id != window.branch_id
                or visit.status != "waiting"
                or visit.available_at > self.now
            ):
                continue
            pool: Any = None
            if visit.pool_window_id is not None:
                if visit.pool_window_id != window.id:
                    continue
                pool = "window"
            elif visit.pool_staff_id is not None:
                if visit.pool_staff_id != window.staff_id:
                    continue
                pool = "staff"
            elif visit.queue_id not in profile.queue_ids:
                continue
            result.append(
                calling.Candidate(
                    visit_id=visit.id,
                    queue_id=visit.queue_id,
                    line_at=visit.line_at,
                    first_in_line=visit.first_in_line,
                    priority_level=visit.priority_level,
                    prefers_accessible=visit.prefers_accessible,
                    pool=pool,
                )
            )
        return result

    def accessible_window_open(self, window: WindowModel, profile: ProfileSpec) -> bool:
        return any(
            other.accessible
            and other.branch_id == window.branch_id
            and other.state in STAFFED
            and other.profile_id is not None
            and self.profiles_by_id[other.profile_id].queue_ids & profile.queue_ids
            for other in self.windows.values()
        )

    def call_next(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("open", "wrap_up")), self.now
        legal = window.state in ("open", "wrap_up")
        expected: calling.Candidate | None = None
        candidates: list[calling.Candidate] = []
        if legal:
            assert window.profile_id is not None
            profile = self.profiles_by_id[window.profile_id]
            candidates = self.candidates(window, profile)
            context = calling.WindowContext(
                accessible=window.accessible,
                accessible_window_open=self.accessible_window_open(window, profile),
                accessible_hold_s=self.hall.max_wait_s[window.branch_id] // 2,
            )
            expected = calling.choose_next(candidates, profile.calling, context, now)
            legal = expected is not None
        desk = self.attempt(
            "call_next", legal, lambda s: queue_service.call_next(s, window_id=window.id, now=now)
        )
        if desk is None:
            return
        assert expected is not None and desk.visit is not None
        assert desk.visit.id == expected.visit_id, (
            f"called {desk.visit.number}, the rules pick {self.visits[expected.visit_id].number}"
        )
        self.check_priority_honoured(window, desk.visit.id, candidates, context)
        self._took(window, self.visits[desk.visit.id])

    def check_priority_honoured(
        self, window: WindowModel, chosen_id: int, candidates: list[calling.Candidate], context: Any
    ) -> None:
        """Stated plainly: pools first, then anyone overdue, then no higher priority left behind."""
        chosen = next(c for c in candidates if c.visit_id == chosen_id)
        if any(c.pool for c in candidates):
            assert chosen.pool is not None, "a ticket transferred to this window or person was skipped"
            return
        assert window.profile_id is not None
        profile = self.profiles_by_id[window.profile_id].calling
        waited = {c.visit_id: (self.now - c.line_at).total_seconds() for c in candidates}
        eligible = [
            c
            for c in candidates
            if window.accessible
            or not context.accessible_window_open
            or not c.prefers_accessible
            or waited[c.visit_id] >= context.accessible_hold_s
        ]
        if window.accessible and any(c.prefers_accessible for c in eligible):
            assert chosen.prefers_accessible, "the accessible window skipped a ticket that prefers it"
            eligible = [c for c in eligible if c.prefers_accessible]
        overdue = profile.overdue_after_s
        if overdue is not None and any(waited[c.visit_id] >= overdue for c in eligible):
            assert waited[chosen_id] >= overdue, "a ticket over the overdue limit was skipped"
            assert waited[chosen_id] == max(waited[c.visit_id] for c in eligible), "not the longest overdue"
            return
        top = max(c.priority_level for c in eligible)
        assert chosen.priority_level == top, f"priority {chosen.priority_level} called while {top} waits"

    def call_ticket(self, number: int, stray: bool, visit_id: int) -> None:
        window, visit, now = self.pick(number, stray, ("open", "wrap_up")), self.visits[visit_id], self.now
        resumes = visit.status == "parked" and visit.pool_window_id == window.id
        legal = (
            window.state in ("open", "wrap_up")
            and visit.branch_id == window.branch_id
            and (visit.status == "waiting" or resumes)
        )
        operation = "resume" if resumes else "call_ticket"
        desk = self.attempt(
            operation,
            legal,
            lambda s: queue_service.call_visit(s, window_id=window.id, visit_id=visit_id, now=now),
        )
        if desk is None:
            return
        if resumes:
            visit.status, visit.pool_window_id, visit.window_id = "serving", None, window.id
            window.state, window.visit_id = "serving", visit.id
        else:
            self._took(window, visit)

    def resume_parked(self, number: int, stray: bool) -> None:
        """Resume a ticket a window parked (or, straying, from another window, which is refused)."""
        parked = [v for v in self.visits.values() if v.status == "parked"]
        if not parked:
            return
        if not stray:
            holders = {v.pool_window_id for v in parked}
            number = next((n for n in WINDOWS if self.windows[n].id in holders), number)
        window = self.window(number)
        mine = [v for v in parked if v.pool_window_id == window.id]
        self.call_ticket(number, True, (mine or parked)[0].id)

    def recall(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("calling",)), self.now
        visit = self.visits.get(window.visit_id) if window.visit_id else None
        legal = (
            window.state == "calling"
            and visit is not None
            and visit.calls < 1 + self.hall.max_recalls[window.branch_id]
        )
        if self.attempt("recall", legal, lambda s: queue_service.recall(s, window_id=window.id, now=now)):
            assert visit is not None
            visit.calls += 1
            visit.called_at = now

    def confirm(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("calling",)), self.now
        legal = window.state == "calling"
        if self.attempt("confirm", legal, lambda s: queue_service.confirm(s, window_id=window.id, now=now)):
            assert window.visit_id is not None
            self.visits[window.visit_id].status = "serving"
            window.state = "serving"

    def no_show(self, number: int, stray: bool, wait: bool) -> None:
        window = self.pick(number, stray, ("calling",))
        if wait:
            self.clock.advance(self.hall.no_show_after_s[window.branch_id])
        now = self.now
        visit = self.visits.get(window.visit_id) if window.visit_id else None
        legal = (
            window.state == "calling"
            and visit is not None
            and visit.called_at is not None
            and (
                visit.calls >= 1 + self.hall.max_recalls[window.branch_id]
                or (now - visit.called_at).total_seconds() >= self.hall.no_show_after_s[window.branch_id]
            )
        )
        if self.attempt(
            "no_show", legal, lambda s: queue_service.mark_no_show(s, window_id=window.id, now=now)
        ):
            assert visit is not None
            visit.status = "no_show"
            self.free(window)

    # --- serving ------------------------------------------------------------------------------------

    def record_service(self, number: int, stray: bool, service: str, outcome: str | None) -> None:
        window, now = self.pick(number, stray, ("serving",)), self.now
        service_id = self.hall.services[service]
        legal = (
            window.state == "serving"
            and outcome != "no-such-outcome"
            and (outcome is not None or not self.hall.outcome_required[service_id])
        )
        done = self.attempt(
            "record_service",
            legal,
            lambda s: queue_service.record_service(
                s, window_id=window.id, service_id=service_id, outcome_code=outcome, now=now
            ),
        )
        if done is None:
            return
        assert window.visit_id is not None
        lines = self.visits[window.visit_id].services
        line = next((li for li in lines if li[0] == service_id and not li[1]), None)
        if line is None:
            lines.append([service_id, True])
        else:
            line[1] = True

    def finish(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("serving",)), self.now
        visit = self.visits.get(window.visit_id) if window.visit_id else None
        legal = (
            window.state == "serving"
            and visit is not None
            and all(delivered or not self.hall.outcome_required[sid] for sid, delivered in visit.services)
        )
        if self.attempt("finish", legal, lambda s: queue_service.finish(s, window_id=window.id, now=now)):
            assert visit is not None and window.profile_id is not None
            visit.status = "finished"
            wrap_up = self.profiles_by_id[window.profile_id].wrap_up_s > 0
            self.free(window, "wrap_up" if wrap_up else "open")

    def park(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("serving",)), self.now
        legal = window.state == "serving"
        if self.attempt("park", legal, lambda s: queue_service.park(s, window_id=window.id, now=now)):
            assert window.visit_id is not None
            visit = self.visits[window.visit_id]
            visit.status, visit.pool_window_id = "parked", window.id
            self.free(window)

    def transfer(
        self,
        number: int,
        stray: bool,
        kind: str,
        queue: str,
        to_window: int,
        persona: str,
        first_in_line: bool,
        delay_s: int,
    ) -> None:
        window, now, hall = self.pick(number, stray, ("calling", "serving")), self.now, self.hall
        to_queue_id = hall.queues[queue] if kind in ("queue", "two") else None
        to_window_id = self.window(to_window).id if kind in ("window", "two") else None
        to_staff_id = hall.staff[persona] if kind == "staff" else None
        legal = (
            kind not in ("none", "two")
            and 0 <= delay_s <= 4 * 3600
            and window.state in ("calling", "serving")
            and (to_queue_id is None or hall.queue_branch[to_queue_id] == window.branch_id)
            and (to_window_id is None or self.by_window_id[to_window_id].branch_id == window.branch_id)
        )
        done = self.attempt(
            f"transfer to {kind}",
            legal,
            lambda s: queue_service.transfer(
                s,
                window_id=window.id,
                now=now,
                to_queue_id=to_queue_id,
                to_window_id=to_window_id,
                to_staff_id=to_staff_id,
                first_in_line=first_in_line,
                delay_s=delay_s,
            ),
        )
        if done is None:
            return
        assert window.visit_id is not None
        visit = self.visits[window.visit_id]
        visit.status, visit.window_id, visit.calls, visit.called_at = "waiting", None, 0, None
        visit.queue_id = to_queue_id or visit.queue_id
        visit.pool_window_id, visit.pool_staff_id = to_window_id, to_staff_id
        visit.first_in_line, visit.line_at = first_in_line, now
        visit.available_at = now + timedelta(seconds=delay_s)
        self.free(window)

    # --- the window ---------------------------------------------------------------------------------

    def open_window(self, number: int, stray: bool, persona: str, profile: str) -> None:
        window, now, spec = self.pick(number, stray, ("closed",)), self.now, self.hall.profiles[profile]
        staff_id = self.hall.staff[persona]
        # One operator, one window: not while the same person is at another window that is not closed.
        elsewhere = any(
            other is not window and other.staff_id == staff_id and other.state != "closed"
            for other in self.windows.values()
        )
        legal = window.state == "closed" and spec.branch_id == window.branch_id and not elsewhere
        opened = self.attempt(
            "open",
            legal,
            lambda s: queue_service.open_window(
                s, window_id=window.id, staff_id=staff_id, work_profile_id=spec.id, now=now
            ),
        )
        if opened:
            window.state, window.staff_id, window.profile_id, window.break_reason = (
                "open",
                staff_id,
                spec.id,
                None,
            )

    def close_window(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("open", "wrap_up", "break")), self.now
        parked_here = any(
            v.status == "parked" and v.pool_window_id == window.id for v in self.visits.values()
        )
        legal = window.state in ("open", "wrap_up", "break") and not parked_here
        if self.attempt(
            "close", legal, lambda s: queue_service.close_window(s, window_id=window.id, now=now)
        ):
            window.state, window.staff_id, window.break_reason = "closed", None, None

    def start_break(self, number: int, stray: bool, reason: str) -> None:
        window, now = self.pick(number, stray, ("open", "wrap_up")), self.now
        legal = reason in BREAK_REASONS and window.state in ("open", "wrap_up")
        if self.attempt(
            "break",
            legal,
            lambda s: queue_service.start_break(s, window_id=window.id, reason=reason, now=now),
        ):
            window.state, window.break_reason = "break", reason

    def end_break(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("break",)), self.now
        legal = window.state == "break"
        if self.attempt(
            "end break", legal, lambda s: queue_service.end_break(s, window_id=window.id, now=now)
        ):
            window.state, window.break_reason = "open", None

    def end_wrap_up(self, number: int, stray: bool) -> None:
        window, now = self.pick(number, stray, ("wrap_up",)), self.now
        legal = window.state == "wrap_up"
        if self.attempt(
            "end wrap-up", legal, lambda s: queue_service.end_wrap_up(s, window_id=window.id, now=now)
        ):
            window.state = "open"

    def change_profile(self, number: int, stray: bool, profile: str) -> None:
        window, now, spec = (
            self.pick(number, stray, ("open", "calling", "serving", "wrap_up", "break")),
            self.now,
            self.hall.profiles[profile],
        )
        legal = window.state != "closed" and spec.branch_id == window.branch_id
        if self.attempt(
            "change profile",
            legal,
            lambda s: queue_service.change_profile(s, window_id=window.id, work_profile_id=spec.id, now=now),
        ):
            window.profile_id = spec.id

    # --- one rule for what operators do at windows, one for the clock ---------------------------------

    @rule(number=windows_st, stray=strays, data=st.data())
    def at_window(self, number: int, stray: bool, data: st.DataObject) -> None:
        """An operator's few moves in a row, each its own unit of work and checked like any step.

        One rule for every window operation, so that swarm testing never switches one off and window work
        makes most of the steps.
        """
        moves = data.draw(st.integers(min_value=1, max_value=5), label="moves")
        for move in range(moves):
            if move:
                self.database_agrees()
            action = data.draw(st.sampled_from(WINDOW_ACTIONS), label="action")
            arguments = {
                name: data.draw(strategy, label=name) for name, strategy in ACTION_ARGUMENTS[action].items()
            }
            if action in ("call_ticket", "cancel"):
                if not self.visits:
                    continue
                arguments["visit_id"] = data.draw(st.sampled_from(sorted(self.visits)), label="visit_id")
            getattr(self, action)(number=number, stray=stray, **arguments)

    def walk(self, number: int, stray: bool) -> None:
        """The next ordinary step of the drawn window: open, call, confirm, record, finish, get back."""
        window = self.window(number)
        if window.state == "closed":
            profile = "all" if window.branch_id == self.branch_a else "other"
            self.open_window(number=number, stray=True, persona=WALKERS[number], profile=profile)
        elif window.state in ("open", "wrap_up"):
            self.call_next(number=number, stray=True)
        elif window.state == "calling":
            self.confirm(number=number, stray=True)
        elif window.state == "break":
            self.end_break(number=number, stray=True)
        else:
            assert window.visit_id is not None
            pending = [sid for sid, delivered in self.visits[window.visit_id].services if not delivered]
            if not pending:
                self.finish(number=number, stray=True)
                return
            service = next(name for name, sid in self.hall.services.items() if sid == pending[0])
            self.record_service(number=number, stray=True, service=service, outcome="accepted")

    @rule(
        move=st.sampled_from((1, 30, 120, 400, 700, 3600, "local midnight", "UTC midnight")),
        offset=st.integers(-300, 300),
    )
    def clock_moves(self, move: int | str, offset: int) -> None:
        """Time passes; or it jumps to a few minutes around the next midnight in Almaty, or the next UTC
        midnight (05:00 in Almaty), where a day computed in the wrong zone would show."""
        if isinstance(move, int):
            self.clock.advance(move)
            return
        zone = ALMATY if move == "local midnight" else UTC
        local = (self.now + timedelta(seconds=300)).astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
        self.clock.set(midnight + timedelta(seconds=offset))

    # --- after every step ---------------------------------------------------------------------------

    @invariant()
    def database_agrees(self) -> None:
        self.runner.run(self._check_database())

    async def _check_database(self) -> None:
        async with self.sessions() as session:
            snapshots = list((await consistency.check(session, self.hall.layout)).values())
            for branch_id in self.hall.branches.values():
                await assert_kpis_match_live(session, branch_id, self.now)
            lines = (
                await session.execute(
                    select(VisitService.visit_id, VisitService.service_id, VisitService.delivered).order_by(
                        VisitService.id
                    )
                )
            ).all()
            await session.rollback()
        stored = {vid: row for snapshot in snapshots for vid, row in snapshot.visits.items()}
        assert set(stored) == set(self.visits), "tickets lost or made up"
        delivered: dict[int, list[list[Any]]] = {}
        for line in lines:
            delivered.setdefault(line.visit_id, []).append([line.service_id, line.delivered])
        for visit in self.visits.values():
            row = stored[visit.id]
            assert (row.number, row.status) == (visit.number, visit.status), (row.number, row.status, visit)
            assert row.queue_id == visit.queue_id, visit.number
            assert (row.pool_window_id, row.pool_staff_id) == (visit.pool_window_id, visit.pool_staff_id), (
                visit
            )
            assert row.calls == visit.calls and row.first_in_line == visit.first_in_line, visit.number
            assert (row.line_at, row.available_at) == (visit.line_at, visit.available_at), visit.number
            assert row.priority_level == visit.priority_level, visit.number
            if visit.status in ("called", "serving"):
                assert row.window_id == visit.window_id, visit.number
            assert delivered.get(visit.id) == visit.services, visit.number
        counters = {wid: c for snapshot in snapshots for wid, c in snapshot.counters.items()}
        for window in self.windows.values():
            counter = counters.get(window.id)
            if counter is None:
                assert window.state == "closed", window
                continue
            assert counter.state == window.state and counter.visit_id == window.visit_id, (counter, window)
            assert counter.staff_id == window.staff_id, (counter, window)
            assert counter.break_reason == window.break_reason, (counter, window)
            if window.state != "closed":
                assert counter.work_profile_id == window.profile_id, (counter, window)


async def assert_kpis_match_live(session: AsyncSession, branch_id: int, now: datetime) -> None:
    """The KPIs replayed from the event log equal the live figures: over all days and, once the hall has
    worked across a local midnight, for today alone (the day filter of the KPIs meets the numbering's)."""
    everything = await kpis.kpis_match_live(session, branch_id=branch_id)
    assert everything, f"KPIs from events differ from the live tables: {everything.differences}"
    timezone = (await session.execute(select(Branch.timezone).where(Branch.id == branch_id))).scalar_one()
    today = branches_service.service_day(timezone, now)
    if today == branches_service.service_day(timezone, START):
        return
    today_only = await kpis.kpis_match_live(session, branch_id=branch_id, start=today, end=today)
    assert today_only, f"today's KPIs from events differ from the live tables: {today_only.differences}"


def _no_commit_flush_wait(dbapi_connection: Any, _record: Any) -> None:
    # Hundreds of small commits per second: a test needs their visibility and locks, not their durability.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit TO off")
    cursor.close()


def test_it_keeps_the_queue_consistent_under_random_operations(database_url: str) -> None:
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        engine = create_engine(database_url, pool_size=2)
        if engine.dialect.name == "postgresql":
            sqlalchemy_event.listen(engine.sync_engine, "connect", _no_commit_flush_wait)
        try:
            hall = runner.run(build_hall(engine))
            sessions = session_factory(engine)
            # The runner takes a factory as well as a class; its annotation names only the class.
            run_state_machine_as_test(
                lambda: QueueMachine(runner, sessions, hall),  # type: ignore[arg-type]
                settings=SETTINGS,
            )
        finally:
            runner.run(engine.dispose())
