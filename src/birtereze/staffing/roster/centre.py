"""A centre's own roster (M25): who works when, in which zone, with lunch, under the labour rules.

The centre is open every day of the horizon from ``opens`` to ``closes`` (09:00–20:00 by default), and
each zone needs a number of people at its windows per half hour (from the Erlang staffing). Each person
has a contract (5 or 6 days a week, at most 8 hours a day and 40 a week), the zones they may work in,
the services they can serve, days off, and wishes. The same CP-SAT engine as the benchmark chooses, for
every person and day, one shift — a start, a length and, for shifts over four hours, a one-hour lunch —
and the zone, so that:

- every half hour of every zone has at least the people it needs *after* lunches (lunches are staggered
  by the model, never dropping the cover below the need); a shortfall is allowed only as a last resort,
  at a cost far above everything else, and the checker reports it;
- the labour rules hold as hard constraints: daily and weekly hours, days a week, rest between shifts,
  days off, qualification for the zone;
- the rest is the objective: hours short of the contract, wishes (days off, no evenings), over-staffing,
  and fairness — the spread (most − fewest) of weekend days and of evening shifts across the staff.

``rules.check`` verifies a roster without this model; ``substitution.scheme`` derives who replaces whom.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

SLOT = 30  # minutes


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    zones: frozenset[str]
    services: frozenset[str]
    days_per_week: int = 5
    week_minutes: int = 2400  # the contract's hours a week (40 h)
    days_off: frozenset[int] = frozenset()
    wishes_off: frozenset[int] = frozenset()
    avoids_evenings: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    """The labour rules and the centre's hours; times in minutes from midnight."""

    opens: int = 9 * 60
    closes: int = 20 * 60
    max_day_minutes: int = 480
    max_week_minutes: int = 2400
    min_rest_minutes: int = 11 * 60
    # Shift lengths offered (working time, lunch excluded).
    work_lengths: tuple[int, ...] = (240, 360, 480)
    # A shift of more than lunch_after minutes has a lunch of lunch_minutes, at least lunch_margin
    # minutes after its start and before its end.
    lunch_after: int = 240
    lunch_minutes: int = 60
    lunch_margin: int = 120
    # A shift ending at or after this time is an evening shift (for fairness).
    evening_from: int = 19 * 60


@dataclass(frozen=True, slots=True)
class Centre:
    """The roster problem: the horizon starts on ``first_weekday`` (0 = Monday) and lasts ``days``."""

    staff: tuple[Staff, ...]
    # need[zone][day][slot]: people needed at the zone's windows in the half hour from opens + slot × 30 min.
    need: Mapping[str, Sequence[Sequence[int]]]
    windows: Mapping[str, int]
    days: int = 7
    first_weekday: int = 0
    rules: Rules = field(default_factory=Rules)

    @property
    def slots(self) -> int:
        return (self.rules.closes - self.rules.opens) // SLOT

    def is_open(self, day: int) -> bool:
        """A day on which no zone needs anyone is a closed day (a Sunday, a holiday): nobody works."""
        return any(any(days[day]) for days in self.need.values())

    def is_weekend(self, day: int) -> bool:
        return (self.first_weekday + day) % 7 >= 5

    def week_of(self, day: int) -> int:
        return (self.first_weekday + day) // 7


@dataclass(frozen=True, slots=True)
class Shift:
    """One person's day: the zone, the start and end, and the lunch (None for a short shift)."""

    staff: str
    day: int
    zone: str
    start: int
    end: int
    lunch: tuple[int, int] | None

    @property
    def work_minutes(self) -> int:
        lunch = self.lunch[1] - self.lunch[0] if self.lunch else 0
        return self.end - self.start - lunch

    def present(self, minute: int) -> bool:
        """At the window at this minute: on shift and not at lunch."""
        at_lunch = self.lunch is not None and self.lunch[0] <= minute < self.lunch[1]
        return self.start <= minute < self.end and not at_lunch


@dataclass(frozen=True, slots=True)
class CentreRoster:
    shifts: tuple[Shift, ...]
    shortfall: int  # person-half-hours below the need (0 when the cover is met)
    objective: int
    optimal: bool


def spans(rules: Rules) -> list[tuple[int, int, bool]]:
    """Every (start, end, has lunch) on the half-hour grid within the opening hours."""
    found: list[tuple[int, int, bool]] = []
    for work in rules.work_lengths:
        lunch = work > rules.lunch_after
        span = work + (rules.lunch_minutes if lunch else 0)
        found.extend(
            (start, start + span, lunch) for start in range(rules.opens, rules.closes - span + 1, SLOT)
        )
    return found


def lunch_starts(rules: Rules, span: tuple[int, int, bool]) -> list[int]:
    start, end, lunch = span
    if not lunch:
        return []
    return list(range(start + rules.lunch_margin, end - rules.lunch_margin - rules.lunch_minutes + 1, SLOT))


# Objective weights: the cover first, then the contract hours, wishes and fairness.
SHORT = 10_000
OVER = 2
HOURS_SHORT = 1  # per half hour under the contract in a full week
WISH = 40
FAIRNESS = 20


@dataclass(slots=True)
class _Day:
    """One person's day in the model: a Boolean per span, per lunch start and per zone."""

    spans: list[tuple[int, cp_model.IntVar]]
    lunches: dict[int, cp_model.IntVar]
    zones: dict[str, cp_model.IntVar]


def solve_centre(
    centre: Centre, *, time_limit: float = 10.0, workers: int = 2, seed: int = 0
) -> CentreRoster:
    """The roster minimising shortfall, then missing contract hours, broken wishes and unfairness.

    Per person and day: one Boolean per span (start, end), one per lunch start and one per zone; the
    half hours at a window are the span's minus the lunch's, so each cover constraint stays short.
    """
    model = cp_model.CpModel()
    rules = centre.rules
    shapes = spans(rules)
    days: dict[tuple[int, int], _Day] = {}
    for p, person in enumerate(centre.staff):
        zones = sorted(person.zones & set(centre.need))
        for day in range(centre.days):
            if day in person.days_off or not centre.is_open(day) or not zones:
                continue
            cells = [(k, model.new_bool_var(f"s{p}_{day}_{k}")) for k in range(len(shapes))]
            allowed: dict[int, list[cp_model.IntVar]] = {}
            for k, var in cells:
                for at in lunch_starts(rules, shapes[k]):
                    allowed.setdefault(at, []).append(var)
            lunches = {at: model.new_bool_var(f"l{p}_{day}_{at}") for at in sorted(allowed)}
            for k, var in cells:
                if shapes[k][2]:
                    # A long span has exactly one lunch among its allowed starts.
                    model.add(
                        cp_model.LinearExpr.sum([lunches[at] for at in lunch_starts(rules, shapes[k])]) >= var
                    )
            for at, lunch in lunches.items():
                model.add(cp_model.LinearExpr.sum(allowed[at]) >= lunch)
            model.add(cp_model.LinearExpr.sum(list(lunches.values())) <= 1)
            zone_vars = {zone: model.new_bool_var(f"z{p}_{day}_{zone}") for zone in zones}
            works = cp_model.LinearExpr.sum([var for _, var in cells])
            model.add(works <= 1)
            model.add(cp_model.LinearExpr.sum(list(zone_vars.values())) == works)
            days[p, day] = _Day(cells, lunches, zone_vars)
    by_day: PersonDay = {key: d.spans for key, d in days.items()}
    _labour(centre, model, shapes, by_day)
    terms, weights = _cover(centre, model, shapes, days)
    more_terms, more_weights = _soft(centre, model, shapes, by_day)
    model.minimize(cp_model.LinearExpr.weighted_sum(terms + more_terms, weights + more_weights))
    values = _search(centre, model, days, time_limit=time_limit, workers=workers, seed=seed)
    shifts = []
    for (p, day), chosen in days.items():
        for k, span in chosen.spans:
            if values[span.index]:
                zone = next(z for z, v in chosen.zones.items() if values[v.index])
                eats = next((a for a, v in chosen.lunches.items() if values[v.index]), None)
                meal = (eats, eats + rules.lunch_minutes) if eats is not None else None
                shifts.append(Shift(centre.staff[p].id, day, zone, shapes[k][0], shapes[k][1], meal))
    shifts.sort(key=lambda s: (s.day, s.zone, s.start, s.staff))
    shortfall = sum(values[v.index] for v, w in zip(terms, weights, strict=True) if w == SHORT)
    return CentreRoster(tuple(shifts), shortfall, values[-1], optimal=bool(values[-2]))


def _search(
    centre: Centre,
    model: cp_model.CpModel,
    days: Mapping[tuple[int, int], _Day],
    *,
    time_limit: float,
    workers: int,
    seed: int,
) -> list[int]:
    """Large-neighbourhood search by days, the Curtois engine's idea on the centre's model.

    The days are tied only by the weekly rules, fairness and contract hours, so re-optimising one or
    two days with the others fixed is a small model that CP-SAT solves in a fraction of a second;
    passes over the days (sweeps, then random pairs) improve the roster from "nobody works". The whole
    model is tried first with the time share of one pass, and is enough for a small centre.
    Returns every variable's value, then 1 if proven optimal, then the objective.
    """
    rng = random.Random(seed)
    deadline = time.monotonic() + time_limit
    decisions = {
        key: [var for _, var in d.spans] + list(d.lunches.values()) + list(d.zones.values())
        for key, d in days.items()
    }
    values: list[int] = [0] * len(model.proto.variables)
    best: float | None = None
    open_days = [day for day in range(centre.days) if centre.is_open(day)]
    windows = [[day] for day in open_days]
    passes = 0
    while (left := deadline - time.monotonic()) > 0.05 and open_days:
        window = windows[passes] if passes < len(windows) else rng.sample(open_days, min(2, len(open_days)))
        passes += 1
        sub = model.clone()
        for (_p, day), variables in decisions.items():
            for var in variables:
                if day in window:
                    sub.add_hint(sub.get_bool_var_from_proto_index(var.index), bool(values[var.index]))
                else:
                    sub.add(sub.get_bool_var_from_proto_index(var.index) == values[var.index])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(left, max(time_limit / 10, 0.5))
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = rng.randrange(1 << 30)
        solver.parameters.cp_model_presolve = False
        status = solver.solve(sub)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
            best is None or solver.objective_value <= best
        ):
            best = solver.objective_value
            values = [solver.value(sub.get_int_var_from_proto_index(i)) for i in range(len(values))]
    return [*values, 0, round(best or 0)]


PersonDay = dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]]
Shape = tuple[int, int, bool]


def _work(rules: Rules, shape: Shape) -> int:
    start, end, lunch = shape
    return end - start - (rules.lunch_minutes if lunch else 0)


def _labour(
    centre: Centre,
    model: cp_model.CpModel,
    shapes: Sequence[Shape],
    by_day: PersonDay,
) -> None:
    rules = centre.rules

    def work(k: int) -> int:
        return _work(rules, shapes[k])

    for p, person in enumerate(centre.staff):
        weeks: dict[int, list[int]] = {}
        for day in range(centre.days):
            weeks.setdefault(centre.week_of(day), []).append(day)
        for days in weeks.values():
            cells = [(k, var) for day in days for k, var in by_day.get((p, day), [])]
            if not cells:
                continue
            model.add(cp_model.LinearExpr.sum([var for _, var in cells]) <= person.days_per_week)
            limit = min(rules.max_week_minutes, person.week_minutes)
            model.add(
                cp_model.LinearExpr.weighted_sum([v for _, v in cells], [work(k) for k, _ in cells]) <= limit
            )
        # Rest between the end of one day's shift and the start of the next day's.
        for day in range(centre.days - 1):
            for k1, first in by_day.get((p, day), []):
                for k2, second in by_day.get((p, day + 1), []):
                    if shapes[k2][0] + 24 * 60 - shapes[k1][1] < rules.min_rest_minutes:
                        model.add_bool_or([first.Not(), second.Not()])
    # Templates already keep each day within max_day_minutes.
    assert all(work(k) <= rules.max_day_minutes for k in range(len(shapes)))


def _cover(
    centre: Centre,
    model: cp_model.CpModel,
    shapes: Sequence[Shape],
    days: Mapping[tuple[int, int], _Day],
) -> tuple[list[cp_model.IntVar], list[int]]:
    rules = centre.rules
    # here[zone, day, slot]: literals "this person is at a window of the zone then".
    here: dict[tuple[str, int, int], list[cp_model.IntVar]] = {}
    for (_, day), chosen in days.items():
        for slot in range(centre.slots):
            minute = rules.opens + slot * SLOT
            covering = [var for k, var in chosen.spans if shapes[k][0] <= minute < shapes[k][1]]
            eating = [var for at, var in chosen.lunches.items() if at <= minute < at + rules.lunch_minutes]
            if not covering:
                continue
            on = model.new_bool_var("")
            model.add(cp_model.LinearExpr.sum(covering) - cp_model.LinearExpr.sum(eating) == on)
            for zone, there in chosen.zones.items():
                if len(chosen.zones) == 1:
                    here.setdefault((zone, day, slot), []).append(on)
                    continue
                at_window = model.new_bool_var("")
                model.add_implication(at_window, on)
                model.add_implication(at_window, there)
                model.add_bool_or([on.Not(), there.Not(), at_window])
                here.setdefault((zone, day, slot), []).append(at_window)
    terms: list[cp_model.IntVar] = []
    weights: list[int] = []
    for zone, needs in centre.need.items():
        for day in range(centre.days):
            for slot in range(centre.slots):
                present = here.get((zone, day, slot), [])
                need = needs[day][slot]
                short = model.new_int_var(0, need, "")
                over = model.new_int_var(0, len(present), "")
                model.add(cp_model.LinearExpr.sum(present) + short - over == need)
                # No more people at the windows than the zone has windows.
                model.add(cp_model.LinearExpr.sum(present) <= centre.windows[zone])
                terms += [short, over]
                weights += [SHORT, OVER]
    return terms, weights


def _soft(
    centre: Centre,
    model: cp_model.CpModel,
    shapes: Sequence[Shape],
    by_day: PersonDay,
) -> tuple[list[cp_model.IntVar], list[int]]:
    rules = centre.rules
    terms: list[cp_model.IntVar] = []
    weights: list[int] = []
    weekend_counts, evening_counts = [], []
    for p, person in enumerate(centre.staff):
        weeks: dict[int, list[int]] = {}
        for day in range(centre.days):
            weeks.setdefault(centre.week_of(day), []).append(day)
        for days in weeks.values():
            if len(days) < 7:
                continue  # a part week has no contract hours to meet
            cells = [(k, var) for day in days for k, var in by_day.get((p, day), [])]
            minutes = [_work(rules, shapes[k]) for k, _ in cells]
            missing = model.new_int_var(0, person.week_minutes // SLOT, "")
            model.add(
                cp_model.LinearExpr.weighted_sum([v for _, v in cells], minutes) + SLOT * missing
                >= person.week_minutes
            )
            terms.append(missing)
            weights.append(HOURS_SHORT)
        weekend = [
            var for day in range(centre.days) if centre.is_weekend(day) for _, var in by_day.get((p, day), [])
        ]
        evening = [
            var
            for (pp, _), cells in by_day.items()
            if pp == p
            for k, var in cells
            if shapes[k][1] >= rules.evening_from
        ]
        weekend_counts.append(weekend)
        evening_counts.append(evening)
        for day in person.wishes_off:
            terms += [var for _, var in by_day.get((p, day), [])]
            weights += [WISH] * len(by_day.get((p, day), []))
        if person.avoids_evenings:
            terms += evening
            weights += [WISH] * len(evening)
    for counts in (weekend_counts, evening_counts):
        spread = _spread(model, counts, centre.days)
        if spread is not None:
            terms.append(spread)
            weights.append(FAIRNESS)
    return terms, weights


def _spread(
    model: cp_model.CpModel, counts: Sequence[Sequence[cp_model.IntVar]], days: int
) -> cp_model.IntVar | None:
    """most − fewest of the counts (a fairness measure), or None with fewer than two people."""
    if len(counts) < 2:
        return None
    most = model.new_int_var(0, days, "")
    fewest = model.new_int_var(0, days, "")
    for cells in counts:
        total = cp_model.LinearExpr.sum(list(cells))
        model.add(total <= most)
        model.add(total >= fewest)
    spread = model.new_int_var(0, days, "")
    model.add(spread == most - fewest)
    return spread
