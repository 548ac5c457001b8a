"""Erlang C and Erlang A: the windows a half hour needs for a service level. Pure functions, no database.

Notation (docs/science/staffing.md): arrivals ``λ`` per second, mean handling time ``h`` (so ``μ = 1/h``),
``N`` agents (open windows), offered load ``a = λh`` erlangs, answer-within target ``t`` seconds.

- **Erlang C** (M/M/N, nobody leaves the line): ``P(wait) = N·B / (N − a(1 − B))`` with ``B`` the Erlang B
  blocking probability, computed by its recurrence ``B₀ = 1, Bₙ = a·Bₙ₋₁ / (n + a·Bₙ₋₁)``, which never
  forms ``aᴺ/N!`` and so stays exact for thousands of agents. Service level ``1 − P(wait)·e^{−(N−a)t/h}``,
  average speed of answer ``P(wait)·h/(N − a)``, occupancy ``a/N``.
- **Erlang A** (M/M/N+M, Palm's model: each waiting person leaves after an exponential patience of mean
  ``p``, ``θ = 1/p``). With ``x = Nμ/θ`` and ``y = λ/θ`` and the lower incomplete gamma function ``γ``,
  ``A = x·eʸ·y⁻ˣ·γ(x, y)`` and ``P(wait) = A·B / (1 + (A − 1)·B)`` (Mandelbaum & Zeltyn). We evaluate the
  ratios of ``γ`` through the series ``M(x, z) = Σₖ zᵏ / ((x+1)…(x+k))`` (so that ``A = M(x, y)``) summed
  in log space: it neither overflows in heavy overload nor underflows where a plain ``γ`` would.

Erlang A never needs ``N > a``: abandonment keeps the line finite even when the windows are too few, which
is what a manager sees in a centre on a bad morning. That is why staffing can use either model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

HALF_HOUR_S: Final = 1800
# A requirement is a whole number of agents; 14 / (1 − 0.3) is 20.000000000000004 in floating point.
_ROUNDING_SLACK: Final = 1e-9


@dataclass(frozen=True, slots=True)
class ErlangC:
    agents: int
    offered_load: float
    p_wait: float
    service_level: float
    average_speed_of_answer_s: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class ErlangA:
    agents: int
    offered_load: float
    p_wait: float
    p_abandon: float
    # Share of all arrivals served after a wait of at most the target (those who leave count as missed).
    service_level: float
    # Mean time in the line over all arrivals, those who leave included (Little: P(abandon) × patience).
    average_wait_s: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    """One interval's requirement: raw agents on the floor and scheduled agents after shrinkage."""

    interval: int
    arrivals: float
    offered_load: float
    raw_agents: int
    scheduled_agents: int
    service_level: float
    occupancy: float
    p_wait: float
    average_wait_s: float
    p_abandon: float


def offered_load(arrivals: float, interval_s: float, handling_s: float) -> float:
    if arrivals < 0 or interval_s <= 0 or handling_s <= 0:
        raise ValueError("arrivals must be ≥ 0 and the interval and handling time > 0")
    return arrivals * handling_s / interval_s


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/N/N by the stable recurrence."""
    if agents < 0 or load < 0:
        raise ValueError("agents and load must be ≥ 0")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def _p_wait_c(agents: int, load: float, blocking: float) -> float:
    if agents <= load:
        return 1.0
    return agents * blocking / (agents - load * (1.0 - blocking))


def erlang_c(
    agents: int, arrivals: float, handling_s: float, answer_within_s: float, interval_s: float = HALF_HOUR_S
) -> ErlangC:
    """Erlang C figures for ``arrivals`` per interval; an unstable system (N ≤ a) waits forever."""
    load = offered_load(arrivals, interval_s, handling_s)
    if agents <= 0:
        raise ValueError("agents must be > 0")
    return _erlang_c(agents, load, handling_s, answer_within_s, erlang_b(agents, load))


def _erlang_c(agents: int, load: float, handling_s: float, within_s: float, blocking: float) -> ErlangC:
    p_wait = _p_wait_c(agents, load, blocking)
    if agents <= load:
        return ErlangC(agents, load, 1.0, 0.0, math.inf, 1.0)
    spare = agents - load
    return ErlangC(
        agents=agents,
        offered_load=load,
        p_wait=p_wait,
        service_level=max(0.0, 1.0 - p_wait * math.exp(-spare * within_s / handling_s)),
        average_speed_of_answer_s=p_wait * handling_s / spare,
        occupancy=load / agents,
    )


def _log_m(x: float, z: float) -> float:
    """log Σₖ zᵏ / ((x+1)…(x+k)); terms rise while k < z − x, then fall faster than a Gaussian tail."""
    if z <= 0.0:
        return 0.0
    terms = int(max(z - x, 0.0) + 12.0 * math.sqrt(z + 1.0) + 40.0)
    k = np.arange(1, terms + 1, dtype=np.float64)
    logs = np.concatenate(([0.0], np.cumsum(math.log(z) - np.log(x + k))))
    top = float(logs.max())
    return top + math.log(float(np.exp(logs - top).sum()))


def _logistic(u: float) -> float:
    """1 / (1 + e⁻ᵘ) without overflow on either side."""
    if u >= 0.0:
        return 1.0 / (1.0 + math.exp(-u))
    return math.exp(u) / (1.0 + math.exp(u))


def erlang_a(
    agents: int,
    arrivals: float,
    handling_s: float,
    patience_s: float,
    answer_within_s: float,
    interval_s: float = HALF_HOUR_S,
) -> ErlangA:
    """Erlang A figures with exponential patience of mean ``patience_s``."""
    if agents <= 0 or patience_s <= 0:
        raise ValueError("agents and patience must be > 0")
    load = offered_load(arrivals, interval_s, handling_s)
    return _erlang_a(agents, load, handling_s, patience_s, answer_within_s, erlang_b(agents, load))


def _erlang_a(
    agents: int, load: float, handling_s: float, patience_s: float, within_s: float, blocking: float
) -> ErlangA:
    if load == 0.0:
        return ErlangA(agents, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    x = agents * patience_s / handling_s  # Nμ/θ
    y = load * patience_s / handling_s  # λ/θ
    log_m_xy = _log_m(x, y)
    # A·B / (1 + (A − 1)·B) is the logistic of log(A·B / (1 − B)), safe when A overflows or B underflows.
    p_wait = 0.0 if blocking <= 0.0 else _logistic(math.log(blocking) + log_m_xy - math.log1p(-blocking))
    served_if_waiting = x / (x + 1.0) * math.exp(_log_m(x + 1.0, y) - log_m_xy)
    p_abandon = p_wait * max(0.0, 1.0 - served_if_waiting)
    theta_t = within_s / patience_s
    z = y * math.exp(-theta_t)
    late = x / (x + 1.0) * math.exp(-(x + 1.0) * theta_t + y - z + _log_m(x + 1.0, z) - log_m_xy)
    service_level = (1.0 - p_wait) + p_wait * max(0.0, served_if_waiting - late)
    served = 1.0 - p_abandon
    return ErlangA(
        agents=agents,
        offered_load=load,
        p_wait=p_wait,
        p_abandon=p_abandon,
        service_level=min(1.0, service_level),
        average_wait_s=p_abandon * patience_s,
        occupancy=min(1.0, load * served / agents),
    )


def required_agents(
    arrivals: float,
    handling_s: float,
    *,
    target_service_level: float,
    answer_within_s: float,
    max_occupancy: float = 1.0,
    patience_s: float | None = None,
    interval_s: float = HALF_HOUR_S,
) -> int:
    """The fewest agents meeting the service level and the occupancy cap (Erlang A with a patience)."""
    if not 0.0 < target_service_level < 1.0 or not 0.0 < max_occupancy <= 1.0:
        raise ValueError("the service level target must lie in (0, 1) and the occupancy cap in (0, 1]")
    load = offered_load(arrivals, interval_s, handling_s)
    if load == 0.0:
        return 0
    # Start below every answer and walk up, keeping Erlang B's recurrence as we go.
    agents = max(1, math.ceil(load / max_occupancy - _ROUNDING_SLACK))
    if patience_s is None:
        agents = max(agents, math.floor(load) + 1)
    blocking = erlang_b(agents, load)
    while True:
        if patience_s is None:
            level = _erlang_c(agents, load, handling_s, answer_within_s, blocking).service_level
            occupancy = load / agents
        else:
            figures = _erlang_a(agents, load, handling_s, patience_s, answer_within_s, blocking)
            level, occupancy = figures.service_level, figures.occupancy
        if level >= target_service_level and occupancy <= max_occupancy + _ROUNDING_SLACK:
            return agents
        agents += 1
        blocking = load * blocking / (agents + load * blocking)


def scheduled_agents(raw_agents: int, shrinkage: float) -> int:
    """Agents to put on the roster so that ``raw_agents`` are at their windows after breaks, absence…"""
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError("shrinkage must lie in [0, 1)")
    return math.ceil(raw_agents / (1.0 - shrinkage) - _ROUNDING_SLACK)


def staff_intervals(
    arrivals: Sequence[float],
    handling_s: float,
    *,
    target_service_level: float,
    answer_within_s: float,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    patience_s: float | None = None,
    interval_s: float = HALF_HOUR_S,
) -> list[IntervalStaffing]:
    """Per interval (a half hour by default): raw and scheduled agents, and the figures they achieve."""
    plan = []
    for index, count in enumerate(arrivals):
        raw = required_agents(
            count,
            handling_s,
            target_service_level=target_service_level,
            answer_within_s=answer_within_s,
            max_occupancy=max_occupancy,
            patience_s=patience_s,
            interval_s=interval_s,
        )
        load = offered_load(count, interval_s, handling_s)
        if raw == 0:
            plan.append(IntervalStaffing(index, count, load, 0, 0, 1.0, 0.0, 0.0, 0.0, 0.0))
            continue
        if patience_s is None:
            c = erlang_c(raw, count, handling_s, answer_within_s, interval_s)
            level, occupancy, p_wait, wait, abandon = (
                c.service_level,
                c.occupancy,
                c.p_wait,
                c.average_speed_of_answer_s,
                0.0,
            )
        else:
            a = erlang_a(raw, count, handling_s, patience_s, answer_within_s, interval_s)
            level, occupancy, p_wait, wait, abandon = (
                a.service_level,
                a.occupancy,
                a.p_wait,
                a.average_wait_s,
                a.p_abandon,
            )
        plan.append(
            IntervalStaffing(
                interval=index,
                arrivals=count,
                offered_load=load,
                raw_agents=raw,
                scheduled_agents=scheduled_agents(raw, shrinkage),
                service_level=level,
                occupancy=occupancy,
                p_wait=p_wait,
                average_wait_s=wait,
                p_abandon=abandon,
            )
        )
    return plan
