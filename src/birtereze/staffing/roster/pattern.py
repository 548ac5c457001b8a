"""A feasible working pattern for one employee over a long horizon, by dynamic programming.

On a 364-day horizon CP-SAT often finds no feasible row for a single employee in seconds: the minimum
hours leave a window of one or two shifts, and the run, weekend and day-off rules make a depth-first
search backtrack far. The rules of one employee working one shift type are a small automaton instead —
the state of the current run, the weekends and the shifts used so far — so the set of reachable states is
computed day by day (NumPy, boolean arrays) and a pattern read back from the last day, preferring to
work on the days where the shift is still wanted. This gives a first roster; the search improves it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from birtereze.staffing.roster.model import OFF, Indexed

Reach = npt.NDArray[np.bool_]


class _States:
    """Run states: ("work", k, exempt) for k days worked in a row, ("off", k) for k days off (capped)."""

    def __init__(self, longest: int, shortest: int, rest: int) -> None:
        self.names: list[tuple[str, int, bool]] = [("work", k, False) for k in range(1, longest + 1)]
        # A working run that touches day 0 is exempt from the minimum while it is short.
        self.names += [("work", k, True) for k in range(1, min(shortest, longest + 1))]
        self.names += [("off", k, False) for k in range(1, max(rest, 1) + 1)]
        self.at = {name: i for i, name in enumerate(self.names)}
        self.shortest, self.rest, self.longest = shortest, max(rest, 1), longest

    def after(self, state: tuple[str, int, bool] | None, work: bool) -> tuple[str, int, bool] | None:
        """The next state, or None when the move breaks a run rule (None before day 0)."""
        if state is None:
            if work:
                return ("work", 1, self.shortest > 1)
            return ("off", self.rest, False)  # an off run touching day 0 is exempt
        kind, k, exempt = state
        if kind == "work":
            if work:
                if k + 1 > self.longest:
                    return None
                return ("work", k + 1, exempt and k + 1 < self.shortest)
            if k < self.shortest and not exempt:
                return None
            return ("off", 1, False) if self.rest > 1 else ("off", self.rest, False)
        if work:
            return ("work", 1, False) if k >= self.rest else None
        return ("off", min(k + 1, self.rest), False)


def pattern(ix: Indexed, e: int, shift: int, wanted: Sequence[float], rng: random.Random) -> list[int] | None:
    """Employee e's row working only ``shift``, or None when no feasible row exists with that shift.

    ``wanted[d]`` > 0 marks the days where working helps the cover; the read-back prefers them.
    """
    employee = ix.instance.employees[e]
    if shift in ix.forbidden_after[shift]:
        return None
    length = ix.minutes[shift]
    most = min(employee.max_minutes // length, ix.max_shifts[e][shift])
    least = -(-employee.min_minutes // length)
    if least > most:
        return None
    states = _States(employee.max_consecutive, employee.min_consecutive, employee.min_consecutive_off)
    moves = [
        (a, b, work)
        for a in [None, *states.names]
        for work in (True, False)
        if (b := states.after(a, work)) is not None
    ]
    weekends = employee.max_weekends
    shape = (len(states.names), weekends + 2, most + 2)
    reach: list[Reach] = []
    previous: Reach | None = None
    for day in range(ix.days):
        current = np.zeros(shape, dtype=bool)
        closed = day in ix.days_off[e]
        saturday, sunday = day % 7 == 5, day % 7 == 6
        for a, b, work in moves:
            if work and closed:
                continue
            if (a is None) != (day == 0):
                continue
            source: Reach
            if a is None:
                source = np.zeros(shape[1:], dtype=bool)
                source[0, 0] = True
            else:
                assert previous is not None
                source = previous[states.at[a]]
            if work:
                # A weekend counts on its Saturday, or on its Sunday when Saturday was off.
                new_weekend = saturday or (sunday and (a is None or a[0] == "off"))
                shifted = np.zeros_like(source)
                shifted[int(new_weekend) :, 1:] = source[: shape[1] - int(new_weekend), :-1]
                source = shifted
            current[states.at[b]] |= source
        current[:, weekends + 1, :] = False
        current[:, :, most + 1] = False
        reach.append(current)
        previous = current
    assert previous is not None
    finals = [(s, w, c) for s, w, c in zip(*np.nonzero(previous), strict=True) if c >= least]
    if not finals:
        return None
    state, weekend, count = rng.choice(finals)
    row = [OFF] * ix.days
    for day in range(ix.days - 1, 0, -1):
        name = states.names[state]
        work = name[0] == "work"
        if work:
            row[day] = shift
        options = []
        for a, b, moved in moves:
            if a is None or b != name or moved != work:
                continue
            counted = work and (day % 7 == 5 or (day % 7 == 6 and a[0] == "off"))
            before = (a, weekend - int(counted), count - int(work))
            if before[1] >= 0 and before[2] >= 0 and reach[day - 1][states.at[a], before[1], before[2]]:
                options.append(before)
        prefer_work = wanted[day - 1] > 0
        matching = [option for option in options if (option[0][0] == "work") == prefer_work]
        a, weekend, count = rng.choice(matching or options)
        state = states.at[a]
    if states.names[state][0] == "work":
        row[0] = shift
    return row
