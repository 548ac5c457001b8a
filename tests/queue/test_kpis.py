"""KPIs from the event log: the pure replay on hand-built logs, then through the services on both DBs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.queue import kpis
from birtereze.queue import service as queue_service
from birtereze.queue.kpis import BranchFrame, Figures, GroupBy
from birtereze.queue.models import Visit
from tests.builders import World, open_around_the_clock
from tests.conftest import ALMATY

# --- the pure replay -----------------------------------------------------------------------------

QUEUE_A, QUEUE_B = 11, 12
WINDOW_1, WINDOW_2 = 21, 22
ANNA, BOLAT = 31, 32
HALL, RESULTS = 41, 42
FRAME = BranchFrame(
    branch_id=1,
    timezone="Asia/Almaty",
    max_wait_s=15 * 60,
    queue_max_wait_s={QUEUE_A: None, QUEUE_B: 5 * 60},
    queue_zone={QUEUE_A: HALL, QUEUE_B: HALL},
    window_zone={WINDOW_1: HALL, WINDOW_2: RESULTS},
)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 27) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=ALMATY)


class Log:
    """Builds a log the way the services write it: window events carry the window and its operator."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self,
        type: str,
        when: datetime,
        visit: int,
        *,
        queue: int | None = None,
        window: int | None = None,
        staff: int | None = None,
        **data: Any,
    ) -> Log:
        self.events.append(
            Event(
                branch_id=1,
                at=when,
                type=type,
                visit_id=visit,
                queue_id=queue,
                window_id=window,
                staff_id=staff,
                data=data,
            )
        )
        return self

    def issue(self, when: datetime, visit: int, queue: int = QUEUE_A) -> Log:
        return self.add("ticket.issued", when, visit, queue=queue, queued_at=when.isoformat())

    def at_window(
        self, type: str, when: datetime, visit: int, window: int = WINDOW_1, staff: int = ANNA, **data: Any
    ) -> Log:
        return self.add(type, when, visit, queue=QUEUE_A, window=window, staff=staff, **data)

    def table(self, group_by: GroupBy = "branch") -> kpis.KpiTable:
        return kpis.compute(self.events, FRAME, group_by)

    def total(self) -> Figures:
        return self.table().total

    def rows(self, group_by: GroupBy) -> dict[int | None, Figures]:
        return dict(self.table(group_by).rows)


def test_it_measures_the_wait_to_the_last_call_when_recalled() -> None:
    log = (
        Log()
        .issue(at(10), 1)
        .at_window("ticket.called", at(10, 5), 1, calls=1)
        .at_window("ticket.recalled", at(10, 7), 1, calls=2)
        .at_window("ticket.confirmed", at(10, 8), 1)
        .at_window("ticket.finished", at(10, 20), 1)
    )
    total = log.total()
    assert (total.issued, total.served, total.waits) == (1, 1, 1)
    assert total.wait_mean_s == 7 * 60 and total.wait_max_s == 7 * 60
    assert total.service_mean_s == 12 * 60 and total.unserved == 0


def test_it_starts_a_new_transaction_at_a_transfer_with_its_delay() -> None:
    log = (
        Log()
        .issue(at(10), 1)
        .at_window("ticket.called", at(10, 5), 1)
        .at_window("ticket.confirmed", at(10, 6), 1)
        .add(
            "ticket.transferred",
            at(10, 10),
            1,
            queue=QUEUE_B,
            window=WINDOW_1,
            staff=ANNA,
            from_queue_id=QUEUE_A,
            delay_s=600,
            queued_at=at(10, 20).isoformat(),
        )
        .add("ticket.called", at(10, 27), 1, queue=QUEUE_B, window=WINDOW_2, staff=BOLAT)
        .add("ticket.confirmed", at(10, 28), 1, queue=QUEUE_B, window=WINDOW_2, staff=BOLAT)
        .add("ticket.finished", at(10, 31), 1, queue=QUEUE_B, window=WINDOW_2, staff=BOLAT)
    )
    total = log.total()
    # One visit, two transactions: waits of 5 and 7 minutes (the delay is not waiting), one served.
    assert (total.issued, total.served, total.transferred, total.waits) == (1, 1, 1, 2)
    assert total.wait_total_s == 12 * 60 and total.service_total_s == 7 * 60
    by_queue = log.rows("queue")
    assert by_queue[QUEUE_A].wait_total_s == 5 * 60 and by_queue[QUEUE_A].transferred == 1
    # Queue B's own norm is 5 minutes: its 7-minute wait is over it; queue A's 5 minutes is within 15.
    assert by_queue[QUEUE_B].waits_over_norm == 1 and by_queue[QUEUE_A].waits_over_norm == 0
    assert total.over_norm_share == 0.5
    by_operator = log.rows("operator")
    assert by_operator[ANNA].service_total_s == 4 * 60 and by_operator[BOLAT].service_total_s == 3 * 60
    assert by_operator[BOLAT].served == 1 and by_operator[None].issued == 1


def test_it_counts_service_time_without_the_parked_interval() -> None:
    log = (
        Log()
        .issue(at(10), 1)
        .at_window("ticket.called", at(10, 1), 1)
        .at_window("ticket.confirmed", at(10, 2), 1)
        .at_window("ticket.parked", at(10, 7), 1)
        .at_window("ticket.resumed", at(10, 30), 1)
        .at_window("ticket.finished", at(10, 33), 1)
    )
    total = log.total()
    assert total.services_timed == 1 and total.service_total_s == 8 * 60 and total.served == 1


def test_it_times_a_parked_service_but_not_one_going_on() -> None:
    parked = (
        Log()
        .issue(at(10), 1)
        .at_window("ticket.called", at(10, 1), 1)
        .at_window("ticket.confirmed", at(10, 2), 1)
        .at_window("ticket.parked", at(10, 7), 1)
    )
    total = parked.total()
    assert (total.in_progress, total.services_timed, total.service_total_s) == (1, 1, 5 * 60)
    parked.at_window("ticket.resumed", at(10, 30), 1)
    total = parked.total()
    assert (total.in_progress, total.services_timed, total.served) == (1, 0, 0)


def test_it_counts_each_delivered_service_of_a_visit_in_the_windows_zone() -> None:
    log = (
        Log()
        .issue(at(10), 1)
        .at_window("ticket.called", at(10, 1), 1, window=WINDOW_2)
        .at_window("ticket.confirmed", at(10, 2), 1, window=WINDOW_2)
        .at_window("service.recorded", at(10, 5), 1, window=WINDOW_2, service_id=7, outcome="accepted")
        .at_window("service.recorded", at(10, 9), 1, window=WINDOW_2, service_id=8, outcome=None)
        .at_window("ticket.finished", at(10, 10), 1, window=WINDOW_2)
    )
    assert log.total().services_delivered == 2
    by_zone = log.rows("zone")
    # The ticket and its wait belong to the queue's zone; the service and its result to the window's.
    assert (by_zone[HALL].issued, by_zone[HALL].waits, by_zone[HALL].services_delivered) == (1, 1, 0)
    assert (by_zone[RESULTS].services_delivered, by_zone[RESULTS].served) == (2, 1)
    assert by_zone[RESULTS].service_total_s == 8 * 60


def test_it_counts_no_shows_cancellations_and_tickets_left_waiting_as_unserved() -> None:
    log = (
        Log()
        .issue(at(10), 1)
        .issue(at(10), 2)
        .issue(at(10), 3)
        .issue(at(10), 4)
        .at_window("ticket.called", at(10, 20), 1, calls=1)
        .at_window("ticket.recalled", at(10, 21), 1, calls=2)
        .at_window("ticket.no_show", at(10, 24), 1, calls=2)
        .add("ticket.cancelled", at(10, 30), 2, queue=QUEUE_A)
        .at_window("ticket.called", at(10, 31), 4)
        .add("ticket.cancelled", at(10, 32), 4, queue=QUEUE_A, window=WINDOW_1)
    )
    total = log.total()
    assert (total.no_show, total.cancelled, total.waiting, total.unserved) == (1, 2, 1, 4)
    # Called tickets waited (21 and 31 minutes), both over the branch's 15 minutes.
    assert (total.waits, total.waits_over_norm, total.over_norm_share) == (2, 2, 1.0)
    assert log.rows("window")[WINDOW_1].no_show == 1 and log.rows("window")[WINDOW_1].cancelled == 1
    assert log.rows("window")[None].waiting == 1 and log.rows("window")[None].cancelled == 1


def test_it_groups_by_the_local_hour_across_midnight() -> None:
    # 23:55 in Almaty is 18:55 UTC and 00:05 is 19:05 UTC: one UTC hour, two local days.
    log = (
        Log()
        .issue(at(23, 55), 1)
        .at_window("ticket.called", at(0, 5, day=28), 1)
        .at_window("ticket.confirmed", at(0, 6, day=28), 1)
        .at_window("ticket.finished", at(0, 9, day=28), 1)
    )
    by_hour = log.rows("hour")
    assert set(by_hour) == {23, 0}
    assert by_hour[23].issued == 1 and by_hour[23].waits == 0
    assert by_hour[0].waits == 1 and by_hour[0].wait_total_s == 10 * 60 and by_hour[0].served == 1


def test_it_ignores_events_of_visits_issued_outside_the_log_and_other_events() -> None:
    log = Log().issue(at(10), 1).at_window("ticket.finished", at(10, 5), 2)
    log.events.append(Event(branch_id=1, at=at(10), type="window.opened", window_id=WINDOW_1, data={}))
    assert log.total().issued == 1 and log.total().served == 0 and log.total().waiting == 1


def test_it_clamps_a_call_before_the_end_of_a_transfer_delay_to_no_wait() -> None:
    log = (
        Log()
        .issue(at(10), 1)
        .at_window("ticket.called", at(10, 1), 1)
        .add("ticket.transferred", at(10, 2), 1, queue=QUEUE_A, queued_at=at(10, 30).isoformat())
        .at_window("ticket.called", at(10, 10), 1)
    )
    assert log.total().wait_total_s == 60 and log.total().waits == 2


# --- through the services, on SQLite and PostgreSQL ------------------------------------------------


async def issue(session: AsyncSession, world: World, now: datetime, service: str = "certificate") -> Visit:
    return await queue_service.issue_ticket(
        session, branch_id=world.branch.id, service_id=world.services[service].id, now=now
    )


async def play_a_morning(session: AsyncSession, world: World, clock: ManualClock) -> dict[str, Visit]:
    """Five tickets: served after a recall, transferred then served, a no-show, cancelled, waiting."""
    window2, window3 = world.windows[2].id, world.windows[3].id
    tickets = {name: await issue(session, world, clock.now()) for name in ("served", "moved", "absent")}
    tickets["gone"] = await issue(session, world, clock.now(), "benefit")
    await queue_service.open_window(
        session,
        window_id=window2,
        staff_id=world.staff["operator"],
        work_profile_id=world.profiles["strict"].id,
        now=clock.now(),
    )
    await queue_service.open_window(
        session,
        window_id=window3,
        staff_id=world.staff["operator2"],
        work_profile_id=world.profiles["social"].id,
        now=clock.now(),
    )
    clock.advance(240)
    await queue_service.call_next(session, window_id=window2, now=clock.now())  # served
    clock.advance(60)
    await queue_service.recall(session, window_id=window2, now=clock.now())
    await queue_service.confirm(session, window_id=window2, now=clock.now())
    await queue_service.record_service(
        session,
        window_id=window2,
        service_id=world.services["certificate"].id,
        outcome_code="accepted",
        now=clock.now(),
    )
    clock.advance(420)
    await queue_service.finish(session, window_id=window2, now=clock.now())
    await queue_service.call_next(session, window_id=window2, now=clock.now())  # moved
    await queue_service.confirm(session, window_id=window2, now=clock.now())
    clock.advance(120)
    await queue_service.transfer(
        session, window_id=window2, to_queue_id=world.queues["B"].id, delay_s=300, now=clock.now()
    )
    await queue_service.call_next(session, window_id=window2, now=clock.now())  # absent
    clock.advance(world.branch.no_show_after_s)
    await queue_service.mark_no_show(session, window_id=window2, now=clock.now())
    await queue_service.cancel(session, visit_id=tickets["gone"].id, now=clock.now())
    clock.advance(300)
    await queue_service.call_next(session, window_id=window3, now=clock.now())  # moved, again
    await queue_service.confirm(session, window_id=window3, now=clock.now())
    clock.advance(200)
    await queue_service.finish(session, window_id=window3, now=clock.now())
    tickets["left"] = await issue(session, world, clock.now())
    await session.flush()
    return tickets


async def test_it_computes_a_days_kpis_from_the_event_log(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await play_a_morning(session, world, clock)
    report = await kpis.branch_kpis(session, branch_id=world.branch.id, start=date(2026, 11, 27))
    total = report.table.total
    assert (total.issued, total.served, total.no_show, total.cancelled, total.waiting) == (5, 2, 1, 1, 1)
    assert (total.transferred, total.services_delivered, total.in_progress) == (1, 1, 0)
    # Waits: 5 min to the last call of "served", 12 for "moved" and 3 more after its delay, 14 for "absent".
    assert total.waits == 4 and total.wait_total_s == (5 + 12 + 3 + 14) * 60
    assert total.wait_max_s == 14 * 60 and total.waits_over_norm == 0
    assert total.service_total_s == 420 + 120 + 200

    by_operator = dict(
        (
            await kpis.branch_kpis(
                session, branch_id=world.branch.id, start=date(2026, 11, 27), group_by="operator"
            )
        ).table.rows
    )
    assert by_operator[world.staff["operator"]].served == 1
    assert by_operator[world.staff["operator2"]].served == 1
    assert by_operator[world.staff["operator2"]].service_total_s == 200
    assert by_operator[None].cancelled == 1 and by_operator[None].waiting == 1

    by_queue = dict(
        (
            await kpis.branch_kpis(
                session, branch_id=world.branch.id, start=date(2026, 11, 27), group_by="queue"
            )
        ).table.rows
    )
    assert by_queue[world.queues["A"].id].issued == 4 and by_queue[world.queues["B"].id].issued == 1
    assert by_queue[world.queues["B"].id].served == 1 and by_queue[world.queues["B"].id].cancelled == 1
    assert await kpis.kpis_match_live(session, branch_id=world.branch.id)


async def test_it_assigns_visits_to_the_local_day_of_their_ticket(
    session: AsyncSession, world: World
) -> None:
    # 23:55 and 00:05 in Almaty fall on the same UTC day (27 November, 18:55 and 19:05).
    await open_around_the_clock(session, world.branch.id)
    late = await issue(session, world, datetime(2026, 11, 27, 23, 55, tzinfo=ALMATY))
    early = await issue(session, world, datetime(2026, 11, 28, 0, 5, tzinfo=ALMATY))
    assert late.service_day != early.service_day
    window = world.windows[2].id
    await queue_service.open_window(
        session,
        window_id=window,
        staff_id=world.staff["operator"],
        work_profile_id=world.profiles["all"].id,
        now=datetime(2026, 11, 28, 0, 6, tzinfo=ALMATY),
    )
    await queue_service.call_next(session, window_id=window, now=datetime(2026, 11, 28, 0, 10, tzinfo=ALMATY))
    await session.flush()

    friday = await kpis.branch_kpis(
        session, branch_id=world.branch.id, start=date(2026, 11, 27), group_by="hour"
    )
    saturday = await kpis.branch_kpis(session, branch_id=world.branch.id, start=date(2026, 11, 28))
    both = await kpis.branch_kpis(
        session, branch_id=world.branch.id, start=date(2026, 11, 27), end=date(2026, 11, 28)
    )
    # The 23:55 ticket was called after midnight: its wait is Friday's, in the local hour 0.
    assert friday.table.total.issued == 1 and friday.table.total.waits == 1
    assert dict(friday.table.rows)[0].wait_total_s == 15 * 60
    assert saturday.table.total.issued == 1 and saturday.table.total.waiting == 1
    assert both.table.total.issued == 2
    for day in (date(2026, 11, 27), date(2026, 11, 28)):
        assert await kpis.kpis_match_live(session, branch_id=world.branch.id, start=day)


async def test_it_finds_the_live_tables_disagreeing_with_the_events(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    tickets = await play_a_morning(session, world, clock)
    assert await kpis.kpis_match_live(session, branch_id=world.branch.id)
    served = tickets["served"]
    await session.execute(
        update(Visit)
        .where(Visit.id == served.id)
        .values(called_at=served.queued_at + timedelta(minutes=2))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Visit)
        .where(Visit.id == tickets["left"].id)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    check = await kpis.kpis_match_live(session, branch_id=world.branch.id)
    assert not check
    assert any("cancelled: events 1 != live 2" in line for line in check.differences)
    assert any(
        f"visit {served.id}: wait from events 300.0 != live 120.0" in line for line in check.differences
    )
