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
DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class _Option:
    """One way to work a day: a span, its lunch (if any), and the half hours at the window."""

    start: int
    end: int
    lunch: int | None
    work: int
    present: tuple[int, ...]  # slot indices from the opening
    evening: bool
    span: int  # index in spans(rules)


def _options(centre: Centre) -> list[_Option]:
    rules = centre.rules
    found = []
    for k, shape in enumerate(spans(rules)):
        start, end, has_lunch = shape
        work = end - start - (rules.lunch_minutes if has_lunch else 0)
        for lunch in lunch_starts(rules, shape) if has_lunch else [None]:
            present = tuple(
                slot
                for slot in range(centre.slots)
                if start <= (minute := rules.opens + slot * SLOT) < end
                and not (lunch is not None and lunch <= minute < lunch + rules.lunch_minutes)
            )
            found.append(_Option(start, end, lunch, work, present, end >= rules.evening_from, k))
    return found


# A roster while it is searched: (person index, day) → (option index, zone) for each worked day.
Plan = dict[tuple[int, int], tuple[int, str]]


@dataclass(slots=True)
class _Problem:
    """The centre with its options and the facts every step of the search reads again."""

    centre: Centre
    options: list[_Option]
    zones: list[list[str]]  # per person: the zones with a need that the person may work in
    weeks: dict[int, list[int]]
    rest_binds: bool  # whether any two options on consecutive days break the rest rule
    shapes: list[tuple[int, int, bool]] = field(default_factory=list)
    work: list[int] = field(default_factory=list)
    evening: list[bool] = field(default_factory=list)

    @classmethod
    def of(cls, centre: Centre) -> _Problem:
        options = _options(centre)
        weeks: dict[int, list[int]] = {}
        for day in range(centre.days):
            weeks.setdefault(centre.week_of(day), []).append(day)
        rest = centre.rules.min_rest_minutes
        binds = any(b.start + DAY - a.end < rest for a in options for b in options)
        zones = [sorted(p.zones & set(centre.need)) for p in centre.staff]
        rules = centre.rules
        shapes = spans(rules)
        work = [end - start - (rules.lunch_minutes if lunch else 0) for start, end, lunch in shapes]
        evening = [end >= rules.evening_from for _, end, _ in shapes]
        return cls(centre, options, zones, weeks, binds, shapes, work, evening)

    def workable(self, p: int, day: int) -> bool:
        return bool(self.zones[p]) and self.centre.is_open(day) and day not in self.centre.staff[p].days_off

    def limit(self, p: int) -> int:
        return min(self.centre.rules.max_week_minutes, self.centre.staff[p].week_minutes)

    def rested(self, before: int, after: int) -> bool:
        """Whether option ``after`` may follow option ``before`` on the next day."""
        a, b = self.options[before], self.options[after]
        return b.start + DAY - a.end >= self.centre.rules.min_rest_minutes

    def span_rested(self, before: int, after: int) -> bool:
        """Whether span ``after`` may follow span ``before`` on the next day."""
        return self.shapes[after][0] + DAY - self.shapes[before][1] >= self.centre.rules.min_rest_minutes

    def counts(self, plan: Plan) -> dict[tuple[str, int], list[int]]:
        """People at the windows per (zone, day) and slot."""
        here = {(z, d): [0] * self.centre.slots for z in self.centre.need for d in range(self.centre.days)}
        for (_, day), (o, zone) in plan.items():
            row = here[zone, day]
            for slot in self.options[o].present:
                row[slot] += 1
        return here

    def short_by_day(self, plan: Plan) -> list[int]:
        """Person-half-hours below the need, per day."""
        here = self.counts(plan)
        return [
            sum(
                max(0, need - present)
                for zone, needs in self.centre.need.items()
                for need, present in zip(needs[day], here[zone, day], strict=True)
            )
            for day in range(self.centre.days)
        ]

    def score(self, plan: Plan) -> tuple[int, int]:
        """(objective, shortfall) of a plan: the same terms, with the same weights, as the CP-SAT models."""
        centre = self.centre
        here = self.counts(plan)
        short = over = 0
        for zone, needs in centre.need.items():
            for day in range(centre.days):
                for need, present in zip(needs[day], here[zone, day], strict=True):
                    short += max(0, need - present)
                    over += max(0, present - need)
        total = SHORT * short + OVER * over
        weekends, evenings = [0] * len(centre.staff), [0] * len(centre.staff)
        minutes: dict[tuple[int, int], int] = {}
        for (p, day), (o, _) in plan.items():
            option, person = self.options[o], centre.staff[p]
            minutes[p, centre.week_of(day)] = minutes.get((p, centre.week_of(day)), 0) + option.work
            weekends[p] += centre.is_weekend(day)
            evenings[p] += option.evening
            total += WISH * (day in person.wishes_off) + WISH * (option.evening and person.avoids_evenings)
        for p, person in enumerate(centre.staff):
            for week, days in self.weeks.items():
                if len(days) == 7:
                    missing = max(0, person.week_minutes - minutes.get((p, week), 0))
                    total += HOURS_SHORT * -(-missing // SLOT)
        if len(centre.staff) > 1:
            total += FAIRNESS * (max(weekends) - min(weekends) + max(evenings) - min(evenings))
        return total, short


def solve_centre(
    centre: Centre, *, time_limit: float = 10.0, workers: int = 2, seed: int = 0
) -> CentreRoster:
    """The roster minimising shortfall, then missing contract hours, broken wishes and unfairness.

    Two stages, both within ``time_limit``:

    1. **A first roster, one person at a time** (``_construct``): each person's week is the best one
       for the need the others leave uncovered, found by a dynamic programme over the days that keeps
       the labour rules exactly. It takes well under a second even for twenty operators, so the manager
       always gets a roster that the rules allow, even when the time is short or the staff too few.
       Up to half the time goes to placing people again in other, random orders, keeping the best
       roster: on centres of 12–20 operators this alone removes most of the first roster's shortfall.
    2. **Large-neighbourhood search** (``_improve``): some days (all people) or some people (all days)
       are freed, the rest is fixed, and CP-SAT re-optimises the free part in a model built for it
       alone — a day of a large centre is a few thousand Booleans, solved in a fraction of a second.
       A result is kept when the whole roster's objective is no worse.
    """
    deadline = time.monotonic() + time_limit
    problem = _Problem.of(centre)
    rng = random.Random(seed)
    share = time.monotonic() + min(4.0, time_limit / 2)
    plan = _construct(problem, deadline=share)
    best = problem.score(plan)
    started = time.monotonic()
    while best[0] > 0 and 2 * time.monotonic() - started < share:
        # Other orders of placing people, while the first roster's share of the time lasts.
        started = time.monotonic()
        other = _construct(problem, deadline=share, shuffle=rng)
        if (score := problem.score(other)) < best:
            plan, best = other, score
    open_days = [day for day in range(centre.days) if centre.is_open(day)]
    people = [p for p in range(len(centre.staff)) if problem.zones[p]]
    sweep = [{day} for day in open_days]
    steps = 0
    while (left := deadline - time.monotonic()) > 0.05 and open_days and people and best[0] > 0:
        if steps < len(sweep):
            free = {(p, d) for p in people for d in sweep[steps]}
        elif steps % 3:
            days = set(rng.sample(open_days, min(2, len(open_days))))
            if steps % 3 == 1 and best[1]:
                # The day most short of people, with another from which someone may move to it.
                short = problem.short_by_day(plan)
                worst = max(open_days, key=lambda d: (short[d], rng.random()))
                days = {worst, rng.choice([d for d in open_days if d != worst] or [worst])}
            free = {(p, d) for p in people for d in days}
        else:
            chosen = rng.sample(people, min(len(people), max(2, len(people) // 3)))
            free = {(p, d) for p in chosen for d in open_days}
        steps += 1
        free = {(p, d) for p, d in free if problem.workable(p, d)}
        found = _improve(
            problem,
            plan,
            free,
            time_limit=min(left, max(time_limit / 20, 0.25)),
            workers=workers,
            seed=rng.randrange(1 << 30),
        )
        if found is not None and (score := problem.score(found)) <= best:
            plan, best = found, score
    shifts = []
    for (p, day), (o, zone) in plan.items():
        option = problem.options[o]
        meal = (option.lunch, option.lunch + centre.rules.lunch_minutes) if option.lunch is not None else None
        shifts.append(Shift(centre.staff[p].id, day, zone, option.start, option.end, meal))
    shifts.sort(key=lambda s: (s.day, s.zone, s.start, s.staff))
    return CentreRoster(tuple(shifts), best[1], best[0], optimal=best[0] == 0)


def _construct(problem: _Problem, *, deadline: float, shuffle: random.Random | None = None) -> Plan:
    """A rule-abiding roster: each person in turn takes their best week, then passes re-place each one.

    The first pass places the least flexible people (fewest zones, shortest weeks) first, or everyone
    in a random order with ``shuffle``; each further pass takes one person out and places them again
    against everyone else, until a pass changes nothing or the time share is spent.
    """
    centre = problem.centre
    order = sorted(
        (p for p in range(len(centre.staff)) if problem.zones[p]),
        key=lambda p: (len(problem.zones[p]), centre.staff[p].days_per_week, p),
    )
    if shuffle is not None:
        shuffle.shuffle(order)
    plan: Plan = {}
    here = problem.counts(plan)
    for rounds in range(6):
        changed = False
        for p in order:
            old = {key: value for key, value in plan.items() if key[0] == p}
            _move(problem, here, old, -1)
            new = _best_week(problem, here, p)
            _move(problem, here, new, 1)
            for key in old:
                del plan[key]
            plan.update(new)
            changed |= new != old
        if not changed or (rounds and time.monotonic() > deadline):
            break
    return plan


def _move(problem: _Problem, here: dict[tuple[str, int], list[int]], shifts: Plan, sign: int) -> None:
    for (_, day), (o, zone) in shifts.items():
        row = here[zone, day]
        for slot in problem.options[o].present:
            row[slot] += sign


@dataclass(frozen=True, slots=True)
class _Choice:
    value: int
    option: int
    zone: str


def _day_choices(
    problem: _Problem, here: dict[tuple[str, int], list[int]], p: int, day: int
) -> list[_Choice]:
    """The best option and zone per span for this person and day, among those worth working."""
    centre = problem.centre
    person = centre.staff[p]
    best: dict[tuple[int, int], _Choice] = {}
    wish = WISH if day in person.wishes_off else 0
    for zone in problem.zones[p]:
        need, row, cap = centre.need[zone][day], here[zone, day], centre.windows[zone]
        gain = [SHORT if row[s] < need[s] else -OVER for s in range(centre.slots)]
        full = {s for s in range(centre.slots) if row[s] >= cap}
        for o, option in enumerate(problem.options):
            if full and not full.isdisjoint(option.present):
                continue
            value = sum(gain[s] for s in option.present) + HOURS_SHORT * option.work // SLOT - wish
            value -= WISH if option.evening and person.avoids_evenings else 0
            key = (option.start, option.end)
            if value > 0 and (key not in best or value > best[key].value):
                best[key] = _Choice(value, o, zone)
    return list(best.values())


def _best_week(problem: _Problem, here: dict[tuple[str, int], list[int]], p: int) -> Plan:
    """The person's most valuable days within the rules: a DP over (days, minutes, last end) per week."""
    centre = problem.centre
    person = centre.staff[p]
    limit = problem.limit(p)
    State = tuple[int, int, int]  # days worked this week, minutes this week, option of the day before (-1)
    states: dict[State, int] = {(0, 0, -1): 0}
    back: list[dict[State, tuple[State, _Choice | None]]] = []
    for day in range(centre.days):
        choices = _day_choices(problem, here, p, day) if problem.workable(p, day) else []
        fresh = day > 0 and centre.week_of(day) != centre.week_of(day - 1)
        nxt: dict[State, int] = {}
        came: dict[State, tuple[State, _Choice | None]] = {}
        for state, value in states.items():
            worked, minutes, before = state
            if fresh:
                worked, minutes = 0, 0
            off = (worked, minutes, -1)
            if off not in nxt or value > nxt[off]:
                nxt[off], came[off] = value, (state, None)
            if worked >= person.days_per_week:
                continue
            for choice in choices:
                option = problem.options[choice.option]
                if minutes + option.work > limit:
                    continue
                if before >= 0 and not problem.rested(before, choice.option):
                    continue
                key = (worked + 1, minutes + option.work, choice.option if problem.rest_binds else -1)
                if key not in nxt or value + choice.value > nxt[key]:
                    nxt[key], came[key] = value + choice.value, (state, choice)
        states = nxt
        back.append(came)
    state = max(states, key=lambda s: states[s])
    week: Plan = {}
    for day in range(centre.days - 1, -1, -1):
        state, taken = back[day][state]
        if taken is not None:
            week[p, day] = (taken.option, taken.zone)
    return week


def _improve(
    problem: _Problem,
    plan: Plan,
    free: set[tuple[int, int]],
    *,
    time_limit: float,
    workers: int,
    seed: int,
) -> Plan | None:
    """The plan with its ``free`` (person, day) cells re-optimised by CP-SAT, the rest fixed.

    The model holds only the free cells: per cell, one Boolean per span and zone and one per lunch start
    and zone, so that a half hour's cover is the spans over it minus the lunches in it (short sums, a
    small model). The fixed cells enter as constants: people already at a window, days and minutes
    already worked in the week, the shift before and after for the rest rule, weekend and evening
    counts for fairness. Every variable gets a hint from the current plan, so CP-SAT starts from it.
    """
    if not free:
        return None
    model = cp_model.CpModel()
    fixed = {key: value for key, value in plan.items() if key not in free}
    cells: Cells = {}
    for p, day in sorted(free):
        cells[p, day] = _Cell.of(problem, model, p, day, plan.get((p, day)), fixed)
    terms: list[cp_model.LinearExprT] = []
    weights: list[int] = []
    if problem.rest_binds:
        for (p, day), cell in cells.items():
            after = cells.get((p, day + 1))
            for k1, _, first in cell.spans if after else []:
                for k2, _, second in after.spans if after else []:
                    if not problem.span_rested(k1, k2):
                        model.add_bool_or([first.Not(), second.Not()])
    _week_rules(problem, model, plan, fixed, cells, terms, weights)
    _cover_terms(problem, model, plan, fixed, cells, terms, weights)
    _fairness(problem, model, plan, fixed, cells, terms, weights)
    model.minimize(cp_model.LinearExpr.weighted_sum(terms, weights))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Presolving a neighbourhood costs more than it saves; the hint is the first solution at once.
    solver.parameters.cp_model_presolve = False
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    found = dict(fixed)
    for key, cell in cells.items():
        chosen = cell.read(solver)
        if chosen is not None:
            found[key] = chosen
    return found


@dataclass(slots=True)
class _Cell:
    """One free (person, day) in a neighbourhood's model."""

    spans: list[tuple[int, str, cp_model.IntVar]]
    lunches: list[tuple[int, str, cp_model.IntVar]]
    option_of: dict[tuple[int, int | None], int]

    @classmethod
    def of(
        cls,
        problem: _Problem,
        model: cp_model.CpModel,
        p: int,
        day: int,
        now: tuple[int, str] | None,
        fixed: Plan,
    ) -> _Cell:
        rules = problem.centre.rules
        before, after = fixed.get((p, day - 1)), fixed.get((p, day + 1))
        option = problem.options[now[0]] if now else None
        span_now, lunch_now = (option.span, option.lunch) if option else (-1, None)
        zone_now = now[1] if now else None
        cell = cls([], [], {(o.span, o.lunch): i for i, o in enumerate(problem.options)})
        for zone in problem.zones[p]:
            allowed: dict[int, list[cp_model.IntVar]] = {}
            lunches: dict[int, cp_model.IntVar] = {}
            for k, shape in enumerate(problem.shapes):
                if before is not None and not problem.span_rested(problem.options[before[0]].span, k):
                    continue
                if after is not None and not problem.span_rested(k, problem.options[after[0]].span):
                    continue
                var = model.new_bool_var("")
                model.add_hint(var, (span_now, zone_now) == (k, zone))
                cell.spans.append((k, zone, var))
                starts = lunch_starts(rules, shape)
                for at in starts:
                    allowed.setdefault(at, []).append(var)
                    if at not in lunches:
                        lunches[at] = model.new_bool_var("")
                        model.add_hint(lunches[at], (lunch_now, zone_now) == (at, zone))
                if starts:
                    # A long span has one lunch among its allowed starts.
                    model.add(cp_model.LinearExpr.sum([lunches[at] for at in starts]) >= var)
            for at, lunch in lunches.items():
                # A lunch only within a chosen span that allows it.
                model.add(cp_model.LinearExpr.sum(allowed[at]) >= lunch)
                cell.lunches.append((at, zone, lunch))
        model.add_at_most_one(var for _, _, var in cell.spans)
        model.add_at_most_one(var for _, _, var in cell.lunches)
        return cell

    def read(self, solver: cp_model.CpSolver) -> tuple[int, str] | None:
        for k, zone, var in self.spans:
            if solver.boolean_value(var):
                lunch = next((at for at, z, v in self.lunches if z == zone and solver.boolean_value(v)), None)
                return self.option_of[k, lunch], zone
        return None


Cells = dict[tuple[int, int], _Cell]


def _week_rules(
    problem: _Problem,
    model: cp_model.CpModel,
    plan: Plan,
    fixed: Plan,
    cells: Cells,
    terms: list[cp_model.LinearExprT],
    weights: list[int],
) -> None:
    """Days and minutes a week (hard), the contract's hours (soft), wishes (soft)."""
    centre, options = problem.centre, problem.options
    for p, person in enumerate(centre.staff):
        for days in problem.weeks.values():
            free = [item for day in days if (p, day) in cells for item in cells[p, day].spans]
            if not free:
                continue
            taken = [fixed[p, day][0] for day in days if (p, day) in fixed]
            worked = sum(options[o].work for o in taken)
            variables = [var for _, _, var in free]
            minutes = [problem.work[k] for k, _, _ in free]
            model.add(cp_model.LinearExpr.sum(variables) <= person.days_per_week - len(taken))
            model.add(cp_model.LinearExpr.weighted_sum(variables, minutes) <= problem.limit(p) - worked)
            if len(days) == 7 and person.week_minutes > worked:
                missing = model.new_int_var(0, -(-(person.week_minutes - worked) // SLOT), "")
                now = sum(options[plan[p, day][0]].work for day in days if (p, day) in plan)
                model.add_hint(missing, -(-max(0, person.week_minutes - now) // SLOT))
                model.add(
                    cp_model.LinearExpr.weighted_sum(variables, minutes) + SLOT * missing
                    >= person.week_minutes - worked
                )
                terms.append(missing)
                weights.append(HOURS_SHORT)
        for (pp, day), cell in cells.items():
            if pp != p:
                continue
            for k, _, var in cell.spans:
                penalty = WISH * (day in person.wishes_off) + WISH * (
                    problem.evening[k] and person.avoids_evenings
                )
                if penalty:
                    terms.append(var)
                    weights.append(penalty)


def _cover_terms(
    problem: _Problem,
    model: cp_model.CpModel,
    plan: Plan,
    fixed: Plan,
    cells: Cells,
    terms: list[cp_model.LinearExprT],
    weights: list[int],
) -> None:
    """Shortfall and over-staffing per zone and half hour of the free days; never more than the windows."""
    centre, rules = problem.centre, problem.centre.rules
    here, now = problem.counts(fixed), problem.counts(plan)
    on: dict[tuple[str, int, int], list[cp_model.IntVar]] = {}
    off: dict[tuple[str, int, int], list[cp_model.IntVar]] = {}
    for (_, day), cell in cells.items():
        for k, zone, var in cell.spans:
            start, end, _ = problem.shapes[k]
            for slot in range((start - rules.opens) // SLOT, (end - rules.opens) // SLOT):
                on.setdefault((zone, day, slot), []).append(var)
        for at, zone, var in cell.lunches:
            for slot in range((at - rules.opens) // SLOT, (at + rules.lunch_minutes - rules.opens) // SLOT):
                off.setdefault((zone, day, slot), []).append(var)
    for (zone, day, slot), variables in on.items():
        need, already = centre.need[zone][day][slot], here[zone, day][slot]
        room = max(0, centre.windows[zone] - already)
        short = model.new_int_var(0, max(0, need - already), "")
        over = model.new_int_var(0, room + max(0, already - need), "")
        total = cp_model.LinearExpr.sum(variables) - cp_model.LinearExpr.sum(off.get((zone, day, slot), []))
        model.add(total <= room)
        model.add(total + already + short - over == need)
        model.add_hint(short, max(0, need - now[zone, day][slot]))
        model.add_hint(over, max(0, now[zone, day][slot] - need))
        terms += [short, over]
        weights += [SHORT, OVER]


def _fairness(
    problem: _Problem,
    model: cp_model.CpModel,
    plan: Plan,
    fixed: Plan,
    cells: Cells,
    terms: list[cp_model.LinearExprT],
    weights: list[int],
) -> None:
    """The spread (most − fewest) of weekend days and of evening shifts across the staff."""
    centre, options = problem.centre, problem.options
    if len(centre.staff) < 2:
        return
    for evenings in (False, True):
        most = model.new_int_var(0, centre.days, "")
        fewest = model.new_int_var(0, centre.days, "")
        counts = [0] * len(centre.staff)
        for (p, day), (o, _) in plan.items():
            counts[p] += options[o].evening if evenings else centre.is_weekend(day)
        model.add_hint(most, max(counts))
        model.add_hint(fewest, min(counts))
        for p in range(len(centre.staff)):
            base = sum(
                1
                for (pp, day), (o, _) in fixed.items()
                if pp == p and (options[o].evening if evenings else centre.is_weekend(day))
            )
            variables = [
                var
                for (pp, day), cell in cells.items()
                if pp == p
                for k, _, var in cell.spans
                if (problem.evening[k] if evenings else centre.is_weekend(day))
            ]
            total = cp_model.LinearExpr.sum(variables) + base
            model.add(total <= most)
            model.add(total >= fewest)
        terms.append(most - fewest)
        weights.append(FAIRNESS)
