"""The digital twin: Erlang C and A for stationary Poisson input, what-if, and the engine's own rules."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from birtereze.queue.calling import Profile, ProfileQueue
from birtereze.staffing.erlang import erlang_a, erlang_c
from birtereze.staffing.twin import (
    Plan,
    QueueDemand,
    ServiceTime,
    Settings,
    Shift,
    WindowPlan,
    compare,
    extra_window,
    shortfalls,
    simulate,
)

DAY = datetime(2026, 11, 27)
LONGEST = Profile(rule="longest_wait", queues=(ProfileQueue(queue_id=1),))
HOUR = 3600.0


def plan(windows: int, opens_s: float, closes_s: float, profile: Profile = LONGEST) -> Plan:
    return Plan(tuple(WindowPlan(k + 1, profile, (Shift(opens_s, closes_s),)) for k in range(windows)))


def test_it_reproduces_erlang_c_for_stationary_poisson_input() -> None:
    # The reference case: 100 arrivals per 30 min, exponential 3 min service, 14 windows, answer in 20 s.
    hours = 200
    demand = [QueueDemand(1, [100.0] * (2 * hours), {7: 1.0})]
    settings = Settings(services={7: ServiceTime.exponential(180.0)}, answer_within_s=20.0)
    started = time.perf_counter()
    report = simulate(plan(14, 0.0, (hours + 1) * HOUR), demand, settings, day=DAY, seed=2026)
    assert time.perf_counter() - started < 20
    expected = erlang_c(14, 100, 180, 20)
    assert report.day.arrivals > 39_000 and report.day.unserved == 0 and report.day.abandoned == 0
    assert report.day.service_level == pytest.approx(expected.service_level, abs=0.03)
    assert report.day.mean_wait_s == pytest.approx(expected.average_speed_of_answer_s, abs=2.5)
    busy_hours = sum(f.utilisation * f.window_hours for f in report.half_hours[: 2 * hours] if f.utilisation)
    assert busy_hours / (14 * hours) == pytest.approx(expected.occupancy, abs=0.02)


def test_it_reproduces_erlang_a_with_exponential_patience() -> None:
    hours = 100
    demand = [QueueDemand(1, [100.0] * (2 * hours), {7: 1.0}, patience_s=300.0)]
    settings = Settings(services={7: ServiceTime.exponential(180.0)}, answer_within_s=20.0)
    report = simulate(plan(14, 0.0, (hours + 1) * HOUR), demand, settings, day=DAY, seed=5)
    expected = erlang_a(14, 100, 180, 300, 20)
    assert report.day.abandonment == pytest.approx(expected.p_abandon, abs=0.006)
    assert report.day.service_level == pytest.approx(expected.service_level, abs=0.03)


def test_one_more_window_from_eleven_lowers_the_waits() -> None:
    # A centre open 09:00–20:00 with a late-morning peak that five windows cannot absorb.
    arrivals = [0.0] * 48
    for slot in range(18, 40):
        arrivals[slot] = 26.0 if 22 <= slot < 28 else 14.0
    demand = [QueueDemand(1, arrivals, {1: 0.7, 2: 0.3}, patience_s=1800.0, no_show=0.05)]
    settings = Settings(services={1: ServiceTime.lognormal(480.0, 0.6), 2: ServiceTime.exponential(720.0)})
    base = plan(5, 9 * HOUR, 20 * HOUR)
    more = extra_window(base, opens_s=11 * HOUR, closes_s=20 * HOUR)
    assert len(more.windows) == 6 and more.windows[-1].shifts == (Shift(11 * HOUR, 20 * HOUR),)
    answer = compare(base, more, demand, settings, day=DAY, seed=11, replications=4)
    assert answer.base.day.arrivals == answer.alternative.day.arrivals  # the same citizens
    assert answer.change["mean_wait_s"] < -60
    assert answer.change["over_norm"] < 0 and answer.change["abandonment"] <= 0
    # 9 hours more, give or take the minutes a window spends finishing its citizen after closing.
    assert answer.change["window_hours"] == pytest.approx(9.0, abs=0.5)
    peak = range(22, 28)
    assert all(
        (answer.alternative.half_hours[k].mean_wait_s or 0) <= (answer.base.half_hours[k].mean_wait_s or 0)
        for k in peak
    )
    assert shortfalls(answer.base, target_service_level=0.8)  # the base plan misses the norm somewhere


def test_a_run_is_reproducible_from_its_seed() -> None:
    demand = [QueueDemand(1, [0.0] * 18 + [20.0] * 4, {1: 1.0}, patience_s=600.0)]
    settings = Settings(services={1: ServiceTime.exponential(300.0)})
    first = simulate(plan(3, 9 * HOUR, 11 * HOUR), demand, settings, day=DAY, seed=42)
    again = simulate(plan(3, 9 * HOUR, 11 * HOUR), demand, settings, day=DAY, seed=42)
    other = simulate(plan(3, 9 * HOUR, 11 * HOUR), demand, settings, day=DAY, seed=43)
    assert first == again and first != other


def test_it_calls_by_the_engines_strict_order_and_overdue_rules() -> None:
    # One window serving queues 1 then 2 in strict order: queue 2 waits until nobody is in queue 1 —
    # unless a ticket of queue 2 becomes overdue, which the engine's rule calls first.
    demand = [
        QueueDemand(1, [0.0] * 18 + [9.0] * 4, {1: 1.0}),
        QueueDemand(2, [0.0] * 18 + [3.0] * 4, {1: 1.0}),
    ]
    settings = Settings(services={1: ServiceTime.exponential(170.0)})
    strict = Profile(rule="strict_order", queues=(ProfileQueue(1, 0), ProfileQueue(2, 1)))
    overdue = Profile(rule="strict_order", queues=strict.queues, overdue_after_s=600)
    windows = (9 * HOUR, 14 * HOUR)
    plain = simulate(plan(1, *windows, profile=strict), demand, settings, day=DAY, seed=8, replications=3)
    capped = simulate(plan(1, *windows, profile=overdue), demand, settings, day=DAY, seed=8, replications=3)
    assert plain.day.p90_wait_s is not None and capped.day.p90_wait_s is not None
    assert capped.day.p90_wait_s < plain.day.p90_wait_s


def test_breaks_close_windows_and_a_window_finishes_its_citizen_first() -> None:
    demand = [QueueDemand(1, [0.0] * 18 + [6.0] * 8, {1: 1.0})]
    settings = Settings(services={1: ServiceTime.exponential(600.0)})
    lunch = Plan((WindowPlan(1, LONGEST, (Shift(9 * HOUR, 10 * HOUR), Shift(11 * HOUR, 13 * HOUR))),))
    report = simulate(lunch, demand, settings, day=DAY, seed=3)
    assert report.half_hours[20].window_hours == pytest.approx(0.0, abs=0.5)
    assert report.half_hours[21].window_hours == 0.0  # 10:30–11:00: on a break for sure
    assert report.day.window_hours >= 3.0


def test_a_staffing_requirement_becomes_a_plan() -> None:
    coverage = [0] * 18 + [2, 3, 3, 1] + [0] * 26
    built = Plan.from_coverage(coverage, LONGEST)
    assert [w.shifts for w in built.windows] == [
        (Shift(9 * HOUR, 11 * HOUR),),
        (Shift(9 * HOUR, 10.5 * HOUR),),
        (Shift(9.5 * HOUR, 10.5 * HOUR),),
    ]
