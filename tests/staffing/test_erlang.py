"""Erlang C and A against the public reference values, an independent birth-death chain, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birtereze.staffing.erlang import (
    erlang_a,
    erlang_b,
    erlang_c,
    required_agents,
    scheduled_agents,
    staff_intervals,
)

# The reference case: 100 arrivals per 30 min, 3 min handling, answer within 20 s.
ARRIVALS, HANDLING_S, WITHIN_S = 100.0, 180.0, 20.0


def test_it_reproduces_the_erlang_c_reference_values() -> None:
    figures = erlang_c(14, ARRIVALS, HANDLING_S, WITHIN_S)
    assert figures.offered_load == pytest.approx(10.0)
    assert round(figures.p_wait, 3) == 0.174
    assert round(figures.service_level, 3) == 0.888
    assert round(figures.occupancy, 3) == 0.714
    assert figures.average_speed_of_answer_s == pytest.approx(figures.p_wait * 180 / 4)


def test_it_staffs_the_reference_half_hour_with_shrinkage_and_an_occupancy_cap() -> None:
    (interval,) = staff_intervals(
        [ARRIVALS],
        HANDLING_S,
        target_service_level=0.8,
        answer_within_s=WITHIN_S,
        shrinkage=0.3,
        max_occupancy=0.85,
    )
    assert interval.raw_agents == 14
    assert interval.scheduled_agents == 20
    assert round(interval.service_level, 3) == 0.888
    assert round(interval.occupancy, 3) == 0.714
    assert round(interval.p_wait, 3) == 0.174


def test_it_reproduces_the_erlang_a_reference_values() -> None:
    figures = erlang_a(14, ARRIVALS, HANDLING_S, patience_s=300, answer_within_s=WITHIN_S)
    assert round(figures.p_wait, 5) == 0.14526
    assert round(figures.p_abandon, 6) == 0.013984
    # Little's law: the leavers' rate equals θ × the mean line length.
    assert figures.average_wait_s == pytest.approx(figures.p_abandon * 300)


def test_the_occupancy_cap_binds_when_the_service_level_is_easy() -> None:
    # 10 erlangs at an 80 % / 20 s target needs 14; a cap of 0.6 needs ceil(10 / 0.6) = 17.
    assert (
        required_agents(
            ARRIVALS, HANDLING_S, target_service_level=0.8, answer_within_s=WITHIN_S, max_occupancy=0.6
        )
        == 17
    )


def test_shrinkage_rounds_whole_agents_without_floating_point_surprises() -> None:
    assert scheduled_agents(14, 0.3) == 20
    assert scheduled_agents(15, 0.3) == 22
    assert scheduled_agents(0, 0.3) == 0
    with pytest.raises(ValueError, match="shrinkage"):
        scheduled_agents(3, 1.0)


def test_a_quiet_half_hour_needs_nobody() -> None:
    (interval,) = staff_intervals([0.0], HANDLING_S, target_service_level=0.8, answer_within_s=20)
    assert (interval.raw_agents, interval.scheduled_agents) == (0, 0)


def test_an_overloaded_erlang_c_system_never_answers_but_erlang_a_stays_finite() -> None:
    stuck = erlang_c(9, ARRIVALS, HANDLING_S, WITHIN_S)
    assert stuck.p_wait == 1.0 and stuck.service_level == 0.0 and math.isinf(stuck.average_speed_of_answer_s)
    leaving = erlang_a(9, ARRIVALS, HANDLING_S, patience_s=300, answer_within_s=WITHIN_S)
    assert 0.0 < leaving.p_abandon < 1.0 and math.isfinite(leaving.average_wait_s)
    # Those who are served keep nine agents busy: λ(1 − P(abandon)) h / N ≤ 1.
    assert leaving.occupancy <= 1.0


def _chain(agents: int, load: float, patience_over_handling: float) -> tuple[float, float]:
    """P(wait) and P(abandon) summed over the M/M/N+M birth-death chain (rates in units of 1/h)."""
    theta = 1.0 / patience_over_handling
    weights = [1.0]
    for n in range(1, 5000):
        death = min(n, agents) + max(n - agents, 0) * theta
        weights.append(weights[-1] * load / death)
        if n > agents and weights[-1] < 1e-300:
            break
    total = sum(weights)
    p_wait = sum(weights[agents:]) / total
    line = sum((n - agents) * w for n, w in enumerate(weights) if n > agents) / total
    return p_wait, theta * line / load


@pytest.mark.parametrize(
    ("agents", "load", "patience_ratio"),
    [(14, 10.0, 300 / 180), (5, 10.0, 0.5), (60, 55.0, 2.0), (1, 0.3, 4.0)],
)
def test_erlang_a_agrees_with_the_birth_death_chain(agents: int, load: float, patience_ratio: float) -> None:
    figures = erlang_a(agents, load * 1800 / 180, 180, patience_s=patience_ratio * 180, answer_within_s=20)
    p_wait, p_abandon = _chain(agents, load, patience_ratio)
    assert figures.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert figures.p_abandon == pytest.approx(p_abandon, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    c = erlang_c(14, ARRIVALS, HANDLING_S, WITHIN_S)
    a = erlang_a(14, ARRIVALS, HANDLING_S, patience_s=1e8, answer_within_s=WITHIN_S)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.average_wait_s == pytest.approx(c.average_speed_of_answer_s, rel=1e-4)


def test_it_stays_finite_for_thousands_of_agents() -> None:
    # A national contact centre: 20 000 arrivals per half hour, 2000 erlangs.
    c = erlang_c(2050, 20_000, HANDLING_S, WITHIN_S)
    a = erlang_a(2050, 20_000, HANDLING_S, patience_s=300, answer_within_s=WITHIN_S)
    assert 0.0 < c.p_wait < 1.0 and 0.0 < c.service_level < 1.0
    assert 0.0 < a.p_wait < c.p_wait and 0.0 < a.p_abandon < a.p_wait and 0.0 < a.service_level < 1.0
    raw = required_agents(20_000, HANDLING_S, target_service_level=0.8, answer_within_s=WITHIN_S)
    assert erlang_c(raw, 20_000, HANDLING_S, WITHIN_S).service_level >= 0.8
    assert erlang_c(raw - 1, 20_000, HANDLING_S, WITHIN_S).service_level < 0.8
    assert 2000 < raw < 2100


def test_erlang_b_matches_its_closed_form_for_small_systems() -> None:
    load, agents = 3.0, 4
    closed = (load**agents / math.factorial(agents)) / sum(
        load**k / math.factorial(k) for k in range(agents + 1)
    )
    assert erlang_b(agents, load) == pytest.approx(closed, rel=1e-12)


loads = st.floats(min_value=0.05, max_value=80.0, allow_nan=False)
handling = st.floats(min_value=30.0, max_value=1200.0)


@settings(max_examples=150, deadline=None)
@given(load=loads, extra=st.integers(min_value=1, max_value=40), within=st.floats(0.0, 600.0), h=handling)
def test_more_agents_answer_more_and_sooner_in_erlang_c(
    load: float, extra: int, within: float, h: float
) -> None:
    arrivals = load * 1800 / h
    agents = math.floor(load) + extra
    fewer, more = erlang_c(agents, arrivals, h, within), erlang_c(agents + 1, arrivals, h, within)
    assert more.service_level >= fewer.service_level
    assert more.p_wait <= fewer.p_wait
    assert more.average_speed_of_answer_s <= fewer.average_speed_of_answer_s
    assert 0.0 <= more.service_level <= 1.0 and 0.0 <= more.p_wait <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    load=loads,
    agents=st.integers(min_value=1, max_value=120),
    within=st.floats(0.0, 600.0),
    h=handling,
    patience=st.floats(min_value=10.0, max_value=3600.0),
)
def test_more_agents_answer_more_and_lose_fewer_in_erlang_a(
    load: float, agents: int, within: float, h: float, patience: float
) -> None:
    arrivals = load * 1800 / h
    fewer = erlang_a(agents, arrivals, h, patience, within)
    more = erlang_a(agents + 1, arrivals, h, patience, within)
    # Up to rounding: where the figures are themselves about 1e-12, their last digits are noise.
    assert more.service_level >= fewer.service_level - 1e-9
    assert more.p_wait <= fewer.p_wait + 1e-9
    assert more.p_abandon <= fewer.p_abandon + 1e-9
    assert 0.0 <= more.p_abandon <= more.p_wait <= 1.0


@settings(max_examples=100, deadline=None)
@given(load=loads, h=handling, target=st.floats(0.5, 0.95), within=st.floats(5.0, 300.0))
def test_the_requirement_is_the_fewest_agents_that_meet_the_target(
    load: float, h: float, target: float, within: float
) -> None:
    arrivals = load * 1800 / h
    raw = required_agents(arrivals, h, target_service_level=target, answer_within_s=within)
    assert erlang_c(raw, arrivals, h, within).service_level >= target
    if raw - 1 > load:
        assert erlang_c(raw - 1, arrivals, h, within).service_level < target
