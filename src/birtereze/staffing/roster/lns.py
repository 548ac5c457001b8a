"""Large-neighbourhood search over a Curtois roster with CP-SAT.

A plain CP-SAT call on two cores stalls far from the best-known values on the larger instances: the
model is too big for its own neighbourhood search to move much of it at a time. Here the search is ours:

1. **A first roster, one employee at a time.** Every hard rule binds a single employee (cover is
   soft), so each employee's rules are solved alone, with the cover left by those already placed in the
   objective. This gives a feasible roster in a few seconds even for the 364-day instances.
2. **The whole model** when it is small, for 60 % of the time: with the first roster as hint, CP-SAT
   proves the optimum of the smallest instances in seconds, and on the middle ones (5–7) it finds what
   the neighbourhoods do not, if it runs long enough without restarting (cut into slices of 9 s, it
   lost 4–8 % there). Each roster it finds is offered to the search at once, so that the other thread's
   neighbourhoods start from it.
3. **Neighbourhoods** until the time is up: some employees (chosen at random, or among those who could
   mend the worst-covered shift) are freed on a window of days (the whole horizon, or some weeks), or
   everyone on a few days (at random, or around the worst-covered shift), the rest stays fixed; CP-SAT
   re-optimises the free part from the current roster (a hint), and the result is kept when it is no
   worse. The size of a neighbourhood adapts: it grows while CP-SAT solves them to
   optimality and shrinks while it runs out of time; and each kind is drawn by how often it improved
   lately. Freeing everyone on a few days is what mends the cover: a short-staffed shift is rarely
   filled by moving a few employees, whose rows are held by their run and hour rules, and is often
   filled by rearranging everyone around it (on Instances 9 and 13 it took the 60-second results from
   583 and 10,720 to about 460 and 3,600–5,100).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from birtereze.staffing.roster.curtois import Instance
from birtereze.staffing.roster.model import (
    OFF,
    Indexed,
    Neighbourhood,
    NoRoom,
    Roster,
    cover_counts,
    index,
    neighbourhood,
    score,
)
from birtereze.staffing.roster.pattern import pattern

# The whole model is tried first when it has at most this many free cells, for this share of the time.
WHOLE_MODEL_CELLS = 6000
WHOLE_MODEL_SHARE = 0.6
# Sub-problems: first target size (free cells), bounds, and the time each may take.
START_CELLS = 1500
MIN_CELLS = 200
MAX_CELLS = 12000
STEP_SECONDS = 1.0
# The construction solves each employee with CP-SAT when rows are this small and time allows.
CONSTRUCTION_CELLS = 1200
MODEL_SECONDS_PER_EMPLOYEE = 0.1
CONSTRUCTION_SHARE = 0.5
# The kinds of neighbourhood (see _choose), each with its own adaptive size and weight.
KINDS: tuple[str, ...] = ("random", "worst", "days", "worst days")

Progress = Callable[[str], None]


@dataclass(slots=True)
class Outcome:
    roster: Roster
    objective: int
    seconds: float
    optimal: bool = False
    steps: int = 0
    improvements: int = 0
    history: list[tuple[float, int]] = field(default_factory=list)


def _solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """CP-SAT for one (sub)model. With one worker, the full linear relaxation (level 2) is what
    proves a neighbourhood optimal in tenths of a second, where the default level left half the
    objective unproved after seconds."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if workers == 1:
        solver.parameters.linearization_level = 2
    return solver


def _residual(ix: Indexed, counts: list[list[int]], s: int) -> list[int]:
    return [ix.requirement[d][s] - counts[d][s] for d in range(ix.days)]


def _by_pattern(ix: Indexed, roster: Roster, e: int, rng: random.Random) -> list[int] | None:
    """Employee e's row by the pattern automaton, trying the most wanted shift types first."""
    counts = cover_counts(ix, roster)
    wanted = {s: _residual(ix, counts, s) for s in ix.allowed[e]}
    ranked = sorted(ix.allowed[e], key=lambda s: -sum(max(g, 0) for g in wanted[s]))
    for s in ranked:
        row = pattern(ix, e, s, wanted[s], rng)
        if row is not None:
            return row
    return None


def _by_model(ix: Indexed, roster: Roster, e: int, seconds: float, seed: int) -> list[int] | None:
    for attempt in range(2):
        model = neighbourhood(ix, roster, {e: (0, ix.days)}, hint=False, work_first=attempt > 0)
        solver = _solver(seconds * (1 + 3 * attempt), 1, seed)
        if attempt:
            solver.parameters.search_branching = cp_model.FIXED_SEARCH
        status = solver.solve(model.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return model.read(solver, roster)[e]
    return None


def construct(ix: Indexed, *, seed: int, budget: float) -> Roster:
    """A feasible first roster: each employee placed in turn, given the cover left by the others.

    Where the time allows, each employee's row is CP-SAT's best for the remaining cover (about a
    tenth of a second each); otherwise, and on long horizons, the pattern automaton gives a feasible
    row at once, biased towards the days where the cover is short, and the search does the rest.
    """
    rng = random.Random(seed)
    deadline = time.monotonic() + budget
    roster: Roster = [[OFF] * ix.days for _ in range(ix.employees)]
    order = list(range(ix.employees))
    rng.shuffle(order)
    by_model = ix.employees * MODEL_SECONDS_PER_EMPLOYEE <= budget / 2 and all(
        len(allowed) * ix.days <= CONSTRUCTION_CELLS for allowed in ix.allowed
    )
    for position, e in enumerate(order):
        row = None
        # Past the budget (a loaded machine), the remaining employees are placed by pattern.
        if by_model and time.monotonic() < deadline:
            share = max((deadline - time.monotonic()) / (len(order) - position) * 0.7, 0.1)
            row = _by_model(ix, roster, e, share, seed)
        row = row or _by_pattern(ix, roster, e, rng) or _by_model(ix, roster, e, 2.0, seed)
        if row is None:
            raise RuntimeError(f"no feasible roster found for employee {ix.instance.employees[e].id}")
        roster[e] = row
    return roster


@dataclass(slots=True)
class _Sizes:
    """Adaptive size (free cells) per kind of neighbourhood, with a score for choosing the kind."""

    cells: dict[str, float]
    weight: dict[str, float]

    def pick(self, rng: random.Random) -> str:
        kinds = list(self.weight)
        return rng.choices(kinds, weights=[self.weight[k] for k in kinds])[0]

    def learn(self, kind: str, *, improved: bool, complete: bool) -> None:
        self.weight[kind] = 0.9 * self.weight[kind] + 0.1 * (1.0 if improved else 0.05)
        factor = 1.15 if complete else 0.8
        self.cells[kind] = min(max(self.cells[kind] * factor, MIN_CELLS), MAX_CELLS)


def _worst_slot(ix: Indexed, roster: Roster, rng: random.Random) -> tuple[int, int]:
    """A (day, shift) whose cover costs the most, drawn with chance proportional to its cost."""
    counts = cover_counts(ix, roster)
    slots, costs = [], []
    for d in range(ix.days):
        for s in range(ix.shifts):
            gap = ix.requirement[d][s] - counts[d][s]
            cost = ix.weight_under[d][s] * gap if gap > 0 else -ix.weight_over[d][s] * gap
            if cost > 0:
                slots.append((d, s))
                costs.append(cost)
    if not slots:
        return rng.randrange(ix.days), rng.randrange(ix.shifts)
    return rng.choices(slots, weights=costs)[0]


def _choose(
    ix: Indexed, roster: Roster, kind: str, cells: float, rng: random.Random
) -> dict[int, tuple[int, int]]:
    per_day = sum(len(a) for a in ix.allowed) / ix.employees
    if kind in ("days", "worst days"):
        # Everyone on a few consecutive days (around a costly slot): the cover of those days can be
        # rebuilt from all the staff at once, where freeing a few employees rarely can.
        length = min(ix.days, max(2, int(cells / (ix.employees * per_day))))
        day = _worst_slot(ix, roster, rng)[0] if kind == "worst days" else rng.randrange(ix.days)
        first = min(max(day - rng.randrange(length), 0), ix.days - length)
        return {e: (first, first + length) for e in range(ix.employees)}
    if ix.days * per_day * 2 <= cells or rng.random() < 0.4:
        length = ix.days
    else:
        length = min(ix.days, 7 * rng.randint(1, 4))
    employees = int(min(max(cells / (length * per_day), 2), ix.employees))
    if employees == ix.employees and length < ix.days:
        length = min(ix.days, int(cells / (employees * per_day)) + 1)
    if kind == "random":
        chosen = rng.sample(range(ix.employees), employees)
        first = rng.randrange(0, ix.days - length + 1)
    else:
        day, shift = _worst_slot(ix, roster, rng)
        able = [e for e in range(ix.employees) if shift in ix.allowed[e] and day not in ix.days_off[e]]
        others = [e for e in range(ix.employees) if e not in able]
        rng.shuffle(able)
        rng.shuffle(others)
        chosen = (able + others)[:employees]
        first = min(max(day - rng.randrange(length), 0), ix.days - length)
    return {e: (first, first + length) for e in chosen}


class _Search:
    """The shared state of the two search threads: the best roster, its version per employee."""

    def __init__(self, ix: Indexed, roster: Roster, started: float, deadline: float) -> None:
        self.ix = ix
        self.roster = roster
        self.best = score(ix, roster)
        self.started, self.deadline = started, deadline
        self.lock = threading.Lock()
        # changed[e]: how many times employee e's row was replaced; a result built on an older row
        # of one of its free employees is dropped (every hard rule binds one employee's row).
        self.changed = [0] * ix.employees
        self.optimal = False
        self.steps = self.improvements = 0
        self.history: list[tuple[float, int]] = [(time.monotonic() - started, self.best)]

    def left(self) -> float:
        return 0.0 if self.optimal else self.deadline - time.monotonic()

    def snapshot(self) -> tuple[Roster, list[int]]:
        with self.lock:
            return [list(days) for days in self.roster], list(self.changed)

    def offer(self, candidate: Roster, free: Collection[int], seen: list[int]) -> bool:
        """Keep the free employees' new rows when the result is no worse than the best.

        ``candidate`` is the snapshot with the free rows re-optimised: a whole feasible roster. If no
        free employee's row has changed since the snapshot, its rows are merged into the current best
        (the other thread's progress is kept); otherwise the candidate competes as it is.
        """
        with self.lock:
            self.steps += 1
            options = [candidate]
            if all(self.changed[e] == seen[e] for e in free):
                merged = [list(days) for days in self.roster]
                for e in free:
                    merged[e] = candidate[e]
                options.insert(0, merged)
            value, chosen = min(((score(self.ix, r), i) for i, r in enumerate(options)))
            if value > self.best:
                return False
            improved = value < self.best
            for e in range(self.ix.employees):
                if options[chosen][e] != self.roster[e]:
                    self.changed[e] += 1
            self.roster, self.best = options[chosen], value
            if improved:
                self.improvements += 1
                self.history.append((time.monotonic() - self.started, value))
            return improved


class _Offering(cp_model.CpSolverSolutionCallback):
    """Offers each roster the whole model finds to the search at once, so that the neighbourhoods of the
    other thread start from it rather than wait for the whole model's end."""

    def __init__(self, search: _Search, model: Neighbourhood, roster: Roster, seen: list[int]) -> None:
        super().__init__()
        self.search, self.model, self.roster, self.seen = search, model, roster, seen

    def on_solution_callback(self) -> None:
        everyone = range(self.search.ix.employees)
        self.search.offer(self.model.read(self, self.roster), everyone, self.seen)


def _whole(search: _Search, seed: int, say: Progress) -> None:
    """CP-SAT on the whole model from the current roster; an optimum ends the search."""
    ix = search.ix
    roster, seen = search.snapshot()
    everyone = {e: (0, ix.days) for e in range(ix.employees)}
    model = neighbourhood(ix, roster, everyone)
    solver = _solver(search.left() * WHOLE_MODEL_SHARE, 1, seed)
    status = solver.solve(model.model, _Offering(search, model, roster, seen))
    if status == cp_model.OPTIMAL:
        with search.lock:
            search.optimal = search.best == round(solver.objective_value) + ix.on_total
    say(f"whole model: {solver.status_name(status)}, best {search.best}")


def _neighbourhoods(search: _Search, seed: int) -> None:
    ix = search.ix
    rng = random.Random(seed)
    sizes = _Sizes(cells=dict.fromkeys(KINDS, float(START_CELLS)), weight=dict.fromkeys(KINDS, 1.0))
    while (left := search.left()) > 0.05:
        kind = sizes.pick(rng)
        roster, seen = search.snapshot()
        free = _choose(ix, roster, kind, sizes.cells[kind], rng)
        try:
            model = neighbourhood(ix, roster, free)
        except NoRoom:
            continue
        solver = _solver(min(STEP_SECONDS, left), 1, rng.randrange(1 << 30))
        status = solver.solve(model.model)
        improved = False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            improved = search.offer(model.read(solver, roster), free, seen)
        sizes.learn(kind, improved=improved, complete=status == cp_model.OPTIMAL)


def solve(
    instance: Instance,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    progress: Progress | None = None,
) -> Outcome:
    """The best roster found within ``time_limit`` seconds (the clock starts at the call).

    ``workers`` threads search at once, each running CP-SAT with one worker.
    """
    started = time.monotonic()
    say = progress or (lambda _: None)
    ix = index(instance)
    roster = construct(ix, seed=seed, budget=time_limit * CONSTRUCTION_SHARE)
    search = _Search(ix, roster, started, started + time_limit)
    say(f"{instance.name}: first roster {search.best} after {time.monotonic() - started:.1f} s")
    small = sum(len(a) for a in ix.allowed) * ix.days <= WHOLE_MODEL_CELLS
    threads = []
    for worker in range(max(workers, 1)):
        if worker == 0 and small:

            def run(seed: int = seed) -> None:
                _whole(search, seed, say)
                _neighbourhoods(search, seed)

        else:

            def run(seed: int = seed + 1 + worker) -> None:
                _neighbourhoods(search, seed)

        threads.append(threading.Thread(target=run, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    say(f"{instance.name}: {search.steps} neighbourhoods, {search.improvements} improvements, {search.best}")
    return Outcome(
        roster=search.roster,
        objective=search.best,
        seconds=time.monotonic() - started,
        optimal=search.optimal,
        steps=search.steps,
        improvements=search.improvements,
        history=search.history,
    )
