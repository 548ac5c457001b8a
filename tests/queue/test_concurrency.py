"""The engine under concurrent load on PostgreSQL, with the real clock.

16 kiosk processes issue tickets (and citizens now and then cancel one) while 12 windows, run as tasks in
4 worker processes, open, call the next ticket, confirm, record services, finish, and sometimes recall and
mark a no-show, transfer (to a queue, a window's pool or a person's pool, first or last, maybe delayed),
park and resume, or take a break, for 20 seconds. Everything goes through the domain services, each
operation in its own unit of work, as the API's requests do: the engine's locking is what is under test,
and the HTTP layer would only spend this machine's two cores (``bench/queue_load.py`` drives the server).

Then, from the database: no duplicate number per centre, queue and local day; no ticket called twice (two
``ticket.called`` events of a visit always have a transfer back to waiting between them); none lost (the
tickets the kiosks got back are exactly those stored, each in a consistent state that its events replay
to); the windows and their tickets agree; and the KPIs replayed from the events equal the live figures.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.context import ForkServerContext
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from birtereze.branches import service as branches_service
from birtereze.core.clock import SystemClock
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.core.errors import DomainError
from birtereze.queue import kpis
from birtereze.queue import service as queue_service
from birtereze.queue.errors import NoTicketWaiting
from birtereze.staff import service as staff_service
from tests.builders import create_world, open_around_the_clock
from tests.conftest import START, _truncate
from tests.queue import consistency

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

T = TypeVar("T")

SECONDS = float(os.environ.get("BIRTEREZE_CONCURRENCY_SECONDS", "20"))
KIOSKS = 16
WINDOWS = 12
WINDOW_PROCESSES = 4


@dataclass(frozen=True)
class Hall:
    """What the workers need to know about the centre, as plain values that cross process boundaries."""

    url: str
    branch_id: int
    services: tuple[int, ...]
    queues: tuple[int, ...]
    windows: tuple[int, ...]
    operators: tuple[int, ...]
    profiles: tuple[int, ...]


@dataclass
class Report:
    """What one worker process did: tickets it got, operations done and refused, and unexpected errors."""

    tickets: list[tuple[int, str]] = field(default_factory=list)
    done: Tally[str] = field(default_factory=Tally)
    refused: Tally[str] = field(default_factory=Tally)
    errors: list[str] = field(default_factory=list)


async def build_hall(url: str) -> Hall:
    """The test world's centre A with 12 windows, an operator for each, and its queues and profiles."""
    engine = create_engine(url, pool_size=1)
    await _truncate(engine)
    async with unit_of_work(session_factory(engine)) as session:
        world = await create_world(session, now=START, tokens=False)
        branch_id, zone_id = world.branch.id, world.windows[1].zone_id
        # The test runs on the system's clock, whatever its hour: a centre open around the clock.
        await open_around_the_clock(session, branch_id)
        windows = [world.windows[n].id for n in (1, 2, 3)]
        for number in range(4, WINDOWS + 1):
            window = await branches_service.create_window(
                session, branch_id=branch_id, zone_id=zone_id, number=number
            )
            windows.append(window.id)
        operators = [world.staff["operator"], world.staff["operator2"]]
        for number in range(3, WINDOWS + 1):
            operator = await staff_service.create(
                session,
                username=f"operator{number}",
                full_name=f"Operator {number}",
                role="operator",
                password=None,
                branch_ids=[branch_id],
                now=START,
            )
            operators.append(operator.id)
        hall = Hall(
            url=url,
            branch_id=branch_id,
            services=tuple(s.id for s in world.services.values()),
            queues=tuple(world.queues[k].id for k in ("A", "B", "P")),
            windows=tuple(windows),
            operators=tuple(operators),
            profiles=tuple(world.profiles[k].id for k in ("all", "all", "all", "strict", "weighted")),
        )
    await engine.dispose()
    return hall


# --- the workers, each in its own process ------------------------------------------------------------


class Desk:
    """One process's way to run operations, each in its own unit of work, tallying what happened."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], report: Report) -> None:
        self.sessions = sessions
        self.report = report
        self.clock = SystemClock()

    async def run(self, name: str, operation: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
        try:
            async with unit_of_work(self.sessions) as session:
                result = await operation(session)
        except DomainError as refusal:
            self.report.refused[f"{name}: {type(refusal).__name__}"] += 1
            return None
        except Exception as error:  # anything but a refusal is a failure of the engine under load
            self.report.errors.append(f"{name}: {type(error).__name__}: {error}")
            return None
        self.report.done[name] += 1
        return result


async def kiosk(hall: Hall, seed: int, deadline: float, report: Report) -> None:
    rng = random.Random(seed)
    engine = create_engine(hall.url, pool_size=1)
    desk = Desk(session_factory(engine), report)
    while time.time() < deadline:
        service = rng.choice(hall.services)
        extra = [s for s in hall.services if s != service and rng.random() < 0.1]
        priority = rng.choice((None,) * 12 + ("elderly", "disability"))
        visit = await desk.run(
            "issue",
            partial(
                queue_service.issue_ticket,
                branch_id=hall.branch_id,
                service_id=service,
                now=desk.clock.now(),
                priority_code=priority,
                extra_service_ids=extra,
            ),
        )
        if visit is not None:
            report.tickets.append((visit.id, visit.number))
        if report.tickets and rng.random() < 0.04:
            visit_id = rng.choice(report.tickets)[0]
            await desk.run("cancel", partial(queue_service.cancel, visit_id=visit_id, now=desk.clock.now()))
        await asyncio.sleep(rng.uniform(0.1, 0.4))
    await engine.dispose()


async def serve_window(hall: Hall, desk: Desk, index: int, rng: random.Random, deadline: float) -> None:
    window_id, operator = hall.windows[index], hall.operators[index]
    clock = desk.clock

    def at(
        operation: Callable[..., Awaitable[T]], **arguments: Any
    ) -> Callable[[AsyncSession], Awaitable[T]]:
        return lambda s: operation(s, window_id=window_id, now=clock.now(), **arguments)

    await desk.run(
        "open",
        at(
            queue_service.open_window,
            staff_id=operator,
            work_profile_id=hall.profiles[index % len(hall.profiles)],
        ),
    )
    while time.time() < deadline:
        try:
            async with unit_of_work(desk.sessions) as session:
                called = await queue_service.call_next(session, window_id=window_id, now=clock.now())
            desk.report.done["call_next"] += 1
        except NoTicketWaiting:
            desk.report.refused["call_next: NoTicketWaiting"] += 1
            await asyncio.sleep(0.02)
            continue
        except DomainError as refusal:
            desk.report.refused[f"call_next: {type(refusal).__name__}"] += 1
            await asyncio.sleep(0.02)
            continue
        except Exception as error:
            desk.report.errors.append(f"call_next: {type(error).__name__}: {error}")
            await asyncio.sleep(0.02)
            continue
        assert called.visit is not None
        visit_id = called.visit.id
        chance = rng.random()
        if chance < 0.07:
            await desk.run("recall", at(queue_service.recall))
            await desk.run("recall", at(queue_service.recall))
            await desk.run("no_show", at(queue_service.mark_no_show))
            continue
        if await desk.run("confirm", at(queue_service.confirm)) is None:
            continue  # the citizen cancelled while being called
        if chance < 0.17:
            target = rng.choice(("queue", "window", "staff"))
            await desk.run(
                f"transfer to {target}",
                at(
                    queue_service.transfer,
                    to_queue_id=rng.choice(hall.queues) if target == "queue" else None,
                    to_window_id=rng.choice(hall.windows) if target == "window" else None,
                    to_staff_id=rng.choice(hall.operators) if target == "staff" else None,
                    first_in_line=rng.random() < 0.5,
                    delay_s=rng.choice((0, 0, 1, 2)),
                ),
            )
            continue
        if chance < 0.22:
            await desk.run("park", at(queue_service.park))
            await asyncio.sleep(0.01)
            await desk.run("resume", at(queue_service.call_visit, visit_id=visit_id))
        lines = await desk.run("services", partial(queue_service.list_visit_services, visit_id=visit_id))
        for line in lines or ():
            if not line.delivered:
                await desk.run(
                    "record_service",
                    at(queue_service.record_service, service_id=line.service_id, outcome_code="accepted"),
                )
        await desk.run("finish", at(queue_service.finish))
        if rng.random() < 0.02:
            await desk.run("break", at(queue_service.start_break, reason="rest"))
            await asyncio.sleep(0.05)
            await desk.run("end break", at(queue_service.end_break))


async def windows_process(hall: Hall, indexes: list[int], seed: int, deadline: float, report: Report) -> None:
    engine = create_engine(hall.url, pool_size=len(indexes))
    desk = Desk(session_factory(engine), report)
    await asyncio.gather(
        *(serve_window(hall, desk, index, random.Random(seed + index), deadline) for index in indexes)
    )
    await engine.dispose()


def worker(
    role: str, hall: Hall, arguments: Any, seed: int, ready: Any, go: Any, start: Any, results: Any
) -> None:
    """A process's body: wait for the common start, work until the deadline, send the report."""
    report = Report()
    ready.put(role)
    go.wait()
    deadline = start.value + SECONDS
    try:
        if role == "kiosk":
            asyncio.run(kiosk(hall, seed, deadline, report))
        else:
            asyncio.run(windows_process(hall, arguments, seed, deadline, report))
    except BaseException as error:
        report.errors.append(f"{role} process: {type(error).__name__}: {error}")
    results.put(report)


# --- the test ----------------------------------------------------------------------------------------


def run_hall(hall: Hall, context: ForkServerContext) -> list[Report]:
    ready, results = context.Queue(), context.Queue()
    go, start = context.Event(), context.Value("d", 0.0)
    roles: list[tuple[str, Any]] = [("kiosk", None)] * KIOSKS
    roles += [("windows", list(range(p, WINDOWS, WINDOW_PROCESSES))) for p in range(WINDOW_PROCESSES)]
    processes = [
        context.Process(target=worker, args=(role, hall, arguments, seed, ready, go, start, results))
        for seed, (role, arguments) in enumerate(roles)
    ]
    try:
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=60)
        start.value = time.time()
        go.set()
        return [results.get(timeout=SECONDS + 60) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


async def verify(hall: Hall, reports: list[Report]) -> dict[str, Any]:
    engine = create_engine(hall.url, pool_size=1)
    async with session_factory(engine)() as session:
        snapshots = await consistency.load(session)
        live = await kpis.kpis_match_live(session, branch_id=hall.branch_id)
    await engine.dispose()
    snapshot = snapshots[hall.branch_id]

    got = {visit_id: number for report in reports for visit_id, number in report.tickets}
    stored = {visit_id: visit.number for visit_id, visit in snapshot.visits.items()}
    assert got == stored, (
        f"lost: {sorted(got.keys() - stored.keys())}, unknown: {sorted(stored.keys() - got.keys())}"
    )
    called_twice = twice_called(snapshot)
    assert not called_twice, f"tickets called again without going back to waiting: {called_twice}"
    for each in snapshots.values():
        consistency.check_snapshot(each)  # numbers, states, windows, and the event log's replay
    assert live, f"KPIs from events differ from the live tables: {live.differences[:10]}"
    calls = sum(event.type == "ticket.called" for event in snapshot.events)
    return {"tickets": len(stored), "calls": calls, "events": len(snapshot.events), **snapshot.states}


def twice_called(snapshot: consistency.Snapshot) -> list[str]:
    """Visits with two calls not separated by a transfer back to waiting."""
    open_call: dict[int, bool] = {}
    twice = []
    for event in snapshot.events:
        if event.type == "ticket.called":
            if open_call.get(event.visit_id):
                twice.append(snapshot.visits[event.visit_id].number)
            open_call[event.visit_id] = True
        elif event.type == "ticket.transferred":
            open_call[event.visit_id] = False
    return twice


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    # A loop of its own, leaving the test session's loop alone.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coroutine)


def test_it_keeps_numbers_calls_and_tickets_straight_under_concurrent_load(postgresql_url: str) -> None:
    hall = run_sync(build_hall(postgresql_url))
    context = multiprocessing.get_context("forkserver")
    # Children fork from a server that has already imported the engine: fast starts on two cores.
    context.set_forkserver_preload([__name__])
    began = time.monotonic()
    reports = run_hall(hall, context)
    worked = time.monotonic() - began
    errors = [error for report in reports for error in report.errors]
    assert not errors, f"{len(errors)} unexpected errors under load, first ones: {errors[:5]}"
    figures = run_sync(verify(hall, reports))
    done = sum((report.done for report in reports), Tally[str]())
    refused = sum((report.refused for report in reports), Tally[str]())
    print(f"\nconcurrency: {worked:.1f} s, {figures}, done {dict(done)}, refused {dict(refused)}")
    assert worked >= SECONDS
    assert done["issue"] >= KIOSKS and done["call_next"] >= WINDOWS, "the hall barely worked"
