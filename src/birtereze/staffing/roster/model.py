"""The CP-SAT model of a Curtois instance, whole or as a neighbourhood of a roster.

One builder serves every use: the whole model (every employee free on every day), the construction of a
first roster (one employee free, the rest not yet placed) and each step of the large-neighbourhood
search (some employees free on a window of days, everything else fixed to the current roster). Fixed
days enter the constraints as constants, so a neighbourhood's model holds only its free cells and the
rules that touch them; building it costs in proportion to its size, not to the instance's.

Every hard rule is a constraint, the soft ones are the objective:
``on-request weights not met + off-request weights met + Σ under × WeightUnder + over × WeightOver``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from birtereze.staffing.roster.curtois import Instance

OFF = -1
# A roster by indices: roster[employee][day] is the shift's index, or OFF.
Roster = list[list[int]]
# A literal or a constant (a fixed day): 0 or 1.
Lit = Any


class NoRoom(Exception):
    """The fixed part leaves the free part no feasible choice (only when the fixed part breaks a rule)."""


@dataclass(frozen=True, slots=True)
class Indexed:
    """The instance by indices, with what the model and the search read on every step precomputed."""

    instance: Instance
    employees: int
    days: int
    shifts: int
    minutes: tuple[int, ...]
    # forbidden_after[s]: the shifts that may not be worked the day after s.
    forbidden_after: tuple[frozenset[int], ...]
    max_shifts: tuple[tuple[int, ...], ...]
    allowed: tuple[tuple[int, ...], ...]
    days_off: tuple[frozenset[int], ...]
    # Assigning (employee, day, shift) changes the penalty by cell_cost: off-request weight − on-request.
    cell_cost: Mapping[tuple[int, int, int], int]
    on_total: int
    requirement: tuple[tuple[int, ...], ...]
    weight_under: tuple[tuple[int, ...], ...]
    weight_over: tuple[tuple[int, ...], ...]


def index(instance: Instance) -> Indexed:
    shift_of = {shift.id: i for i, shift in enumerate(instance.shifts)}
    employee_of = {employee.id: i for i, employee in enumerate(instance.employees)}
    days, shifts = instance.horizon, len(instance.shifts)
    cost: dict[tuple[int, int, int], int] = {}
    for request in instance.off_requests:
        key = (employee_of[request.employee], request.day, shift_of[request.shift])
        cost[key] = cost.get(key, 0) + request.weight
    for request in instance.on_requests:
        key = (employee_of[request.employee], request.day, shift_of[request.shift])
        cost[key] = cost.get(key, 0) - request.weight
    requirement = [[0] * shifts for _ in range(days)]
    under = [[0] * shifts for _ in range(days)]
    over = [[0] * shifts for _ in range(days)]
    for cover in instance.cover:
        s = shift_of[cover.shift]
        requirement[cover.day][s] = cover.requirement
        under[cover.day][s] = cover.weight_under
        over[cover.day][s] = cover.weight_over
    max_shifts = tuple(tuple(e.max_shifts[shift.id] for shift in instance.shifts) for e in instance.employees)
    return Indexed(
        instance=instance,
        employees=len(instance.employees),
        days=days,
        shifts=shifts,
        minutes=tuple(shift.minutes for shift in instance.shifts),
        forbidden_after=tuple(
            frozenset(shift_of[s] for s in shift.cannot_follow) for shift in instance.shifts
        ),
        max_shifts=max_shifts,
        allowed=tuple(tuple(s for s in range(shifts) if limits[s] > 0) for limits in max_shifts),
        days_off=tuple(instance.days_off.get(e.id, frozenset()) for e in instance.employees),
        cell_cost={key: value for key, value in cost.items() if value},
        on_total=sum(request.weight for request in instance.on_requests),
        requirement=tuple(map(tuple, requirement)),
        weight_under=tuple(map(tuple, under)),
        weight_over=tuple(map(tuple, over)),
    )


def cover_counts(ix: Indexed, roster: Roster) -> list[list[int]]:
    counts = [[0] * ix.shifts for _ in range(ix.days)]
    for days in roster:
        for day, shift in enumerate(days):
            if shift != OFF:
                counts[day][shift] += 1
    return counts


def score(ix: Indexed, roster: Roster) -> int:
    """The penalty by the model's own bookkeeping (the search's yardstick; the evaluator re-checks it)."""
    total = ix.on_total
    for e, days in enumerate(roster):
        for day, shift in enumerate(days):
            if shift != OFF:
                total += ix.cell_cost.get((e, day, shift), 0)
    counts = cover_counts(ix, roster)
    for day in range(ix.days):
        for s in range(ix.shifts):
            gap = ix.requirement[day][s] - counts[day][s]
            total += ix.weight_under[day][s] * gap if gap > 0 else -ix.weight_over[day][s] * gap
    return total


def _clause(model: cp_model.CpModel, terms: Iterable[tuple[Lit, bool]]) -> None:
    """At least one term holds; a term is (literal or constant, wanted value). Constants fold away."""
    literals = []
    for literal, positive in terms:
        if isinstance(literal, int):
            if bool(literal) == positive:
                return
            continue
        literals.append(literal if positive else literal.Not())
    if not literals:
        raise NoRoom("a run rule is broken by fixed days alone")
    model.add_bool_or(literals)


@dataclass(slots=True)
class Neighbourhood:
    model: cp_model.CpModel
    cells: dict[tuple[int, int, int], cp_model.IntVar]
    free: Mapping[int, tuple[int, int]]

    def read(self, solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback, roster: Roster) -> Roster:
        """The roster with the free cells taken from the solver's solution (or the one a solution
        callback holds)."""
        result = [list(days) for days in roster]
        for e, (first, end) in self.free.items():
            for day in range(first, end):
                result[e][day] = OFF
        for (e, day, s), var in self.cells.items():
            if solver.boolean_value(var):
                result[e][day] = s
        return result


class _Builder:
    def __init__(
        self,
        ix: Indexed,
        roster: Roster,
        free: Mapping[int, tuple[int, int]],
        shift_choice: Mapping[int, Collection[int]],
    ) -> None:
        self.ix, self.roster, self.free, self.choice = ix, roster, free, shift_choice
        self.model = cp_model.CpModel()
        self.cells: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.work: dict[tuple[int, int], Lit] = {}
        self.own: dict[int, list[tuple[int, int, cp_model.IntVar]]] = {e: [] for e in free}

    def is_free(self, e: int, day: int) -> bool:
        first, end = self.free[e]
        return first <= day < end

    def worked(self, e: int, day: int) -> Lit:
        """The employee works that day: a literal on a free day, a constant on a fixed one."""
        if self.is_free(e, day):
            return self.work[e, day]
        return int(self.roster[e][day] != OFF)

    def options(self, e: int, day: int) -> list[int]:
        ix, roster = self.ix, self.roster
        if day in ix.days_off[e]:
            return []
        shifts = [s for s in ix.allowed[e] if s in self.choice.get(e, ix.allowed[e])]
        if day > 0 and not self.is_free(e, day - 1) and roster[e][day - 1] != OFF:
            shifts = [s for s in shifts if s not in ix.forbidden_after[roster[e][day - 1]]]
        if day + 1 < ix.days and not self.is_free(e, day + 1) and roster[e][day + 1] != OFF:
            following = roster[e][day + 1]
            shifts = [s for s in shifts if following not in ix.forbidden_after[s]]
        return shifts

    def employee(self, e: int) -> None:
        ix, model, roster = self.ix, self.model, self.roster
        employee = ix.instance.employees[e]
        first, end = self.free[e]
        for day in range(first, end):
            choices = [self._cell(e, day, s) for s in self.options(e, day)]
            if not choices:
                self.work[e, day] = 0
                continue
            work = model.new_bool_var("")
            # Works that day exactly when one shift is chosen.
            model.add_exactly_one([*choices, work.Not()])
            self.work[e, day] = work
        cells = self.cells
        for day in range(first, end - 1):
            for s in self.options(e, day):
                following = [cells[e, day + 1, t] for t in ix.forbidden_after[s] if (e, day + 1, t) in cells]
                if following and (e, day, s) in cells:
                    # The following shifts exclude one another already: one constraint per shift.
                    model.add_at_most_one([cells[e, day, s], *following])
        fixed = [roster[e][d] for d in range(ix.days) if not first <= d < end and roster[e][d] != OFF]
        own = self.own[e]
        for s in range(ix.shifts):
            mine = [var for _, ss, var in own if ss == s]
            room = ix.max_shifts[e][s] - fixed.count(s)
            if mine and room < len(mine):
                model.add(cp_model.LinearExpr.sum(mine) <= room)
        fixed_minutes = sum(ix.minutes[s] for s in fixed)
        minutes = cp_model.LinearExpr.weighted_sum(
            [var for _, _, var in own], [ix.minutes[s] for _, s, _ in own]
        )
        model.add_linear_constraint(
            minutes, employee.min_minutes - fixed_minutes, employee.max_minutes - fixed_minutes
        )
        self._runs(e)
        self._weekends(e)

    def _cell(self, e: int, day: int, s: int) -> cp_model.IntVar:
        var = self.model.new_bool_var("")
        self.cells[e, day, s] = var
        self.own[e].append((day, s, var))
        return var

    def _runs(self, e: int) -> None:
        ix, model = self.ix, self.model
        employee = ix.instance.employees[e]
        first, end = self.free[e]
        last = ix.days - 1
        longest = employee.max_consecutive
        # No longest + 1 days in a row.
        for start in range(max(0, first - longest), min(end, ix.days - longest)):
            window = [self.worked(e, d) for d in range(start, start + longest + 1)]
            variables = [w for w in window if not isinstance(w, int)]
            constant = sum(w for w in window if isinstance(w, int))
            if variables:
                model.add(cp_model.LinearExpr.sum(variables) <= longest - constant)
        # No run of `length` days worked (off) strictly inside the horizon when shorter than the minimum.
        for minimum, working in ((employee.min_consecutive, True), (employee.min_consecutive_off, False)):
            for length in range(1, minimum):
                for start in range(max(1, first - length), min(end + 1, last - length + 1)):
                    # Days start-1 and start+length bound the run, both inside the horizon.
                    if not any(self.is_free(e, d) for d in range(start - 1, start + length + 1)):
                        continue
                    terms = [(self.worked(e, start - 1), working)]
                    terms += [(self.worked(e, d), not working) for d in range(start, start + length)]
                    terms.append((self.worked(e, start + length), working))
                    _clause(model, terms)

    def _weekends(self, e: int) -> None:
        ix, model = self.ix, self.model
        employee = ix.instance.employees[e]
        fixed, weekends = 0, []
        for saturday in range(5, ix.days, 7):
            days = [self.worked(e, d) for d in (saturday, saturday + 1) if d < ix.days]
            if any(isinstance(d, int) and d for d in days):
                fixed += 1
            elif all(isinstance(d, int) for d in days):
                continue
            else:
                weekend = model.new_bool_var("")
                for d in days:
                    if not isinstance(d, int):
                        model.add_implication(d, weekend)
                weekends.append(weekend)
        if weekends:
            model.add(cp_model.LinearExpr.sum(weekends) <= employee.max_weekends - fixed)

    def objective(self) -> None:
        ix, model = self.ix, self.model
        variables = [var for key, var in self.cells.items() if key in ix.cell_cost]
        weights = [ix.cell_cost[key] for key in self.cells if key in ix.cell_cost]
        counts = cover_counts(ix, self.roster)
        for e, (first, end) in self.free.items():
            for day in range(first, end):
                if self.roster[e][day] != OFF:
                    counts[day][self.roster[e][day]] -= 1
        by_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for (_, day, s), var in self.cells.items():
            by_slot.setdefault((day, s), []).append(var)
        for (day, s), staffed in by_slot.items():
            need = ix.requirement[day][s] - counts[day][s]
            under_weight, over_weight = ix.weight_under[day][s], ix.weight_over[day][s]
            if under_weight == 0 and over_weight == 0:
                continue
            under = model.new_int_var(0, max(need, 0), "")
            over = model.new_int_var(0, len(staffed) + max(-need, 0), "")
            model.add(cp_model.LinearExpr.sum(staffed) - need == over - under)
            variables += [under, over]
            weights += [under_weight, over_weight]
        model.minimize(cp_model.LinearExpr.weighted_sum(variables, weights))

    def hint(self) -> None:
        for (e, day, s), var in self.cells.items():
            self.model.add_hint(var, self.roster[e][day] == s)
        for (e, day), work in self.work.items():
            if not isinstance(work, int):
                self.model.add_hint(work, self.roster[e][day] != OFF)


def neighbourhood(
    ix: Indexed,
    roster: Roster,
    free: Mapping[int, tuple[int, int]],
    *,
    shift_choice: Mapping[int, Collection[int]] | None = None,
    hint: bool = True,
    work_first: bool = False,
) -> Neighbourhood:
    """The model of ``free`` (employee → [first, end) days) with every other cell fixed as in ``roster``.

    Only the free employees' rules are posted, so employees outside ``free`` may still be unplaced
    (all OFF) while a first roster is built. ``shift_choice`` narrows an employee's shift types (the
    construction of very large instances uses it); ``hint`` starts the search from ``roster``.
    ``work_first`` adds a search strategy (for CP-SAT's fixed search) that tries working each day
    before resting: on a 364-day horizon, whose minimum hours are only met by working about two days
    in three, this finds a feasible row in a tenth of a second where CP-SAT's own search found none
    in seconds.
    """
    builder = _Builder(ix, roster, free, shift_choice or {})
    for e in free:
        builder.employee(e)
    builder.objective()
    if work_first:
        days = [work for work in builder.work.values() if not isinstance(work, int)]
        builder.model.add_decision_strategy(days, cp_model.CHOOSE_FIRST, cp_model.SELECT_MAX_VALUE)
    if hint:
        builder.hint()
    return Neighbourhood(builder.model, builder.cells, free)


def named(ix: Indexed, roster: Roster) -> dict[str, list[str | None]]:
    """The roster by the instance's ids (for the evaluator and the CSV)."""
    shifts = ix.instance.shifts
    return {
        employee.id: [shifts[s].id if s != OFF else None for s in roster[e]]
        for e, employee in enumerate(ix.instance.employees)
    }
