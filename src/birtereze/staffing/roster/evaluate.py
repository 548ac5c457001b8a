"""An independent check of a Curtois roster: its objective and every broken hard rule.

Written apart from the CP-SAT model on purpose — it walks the roster day by day, reads the rules
straight from the instance and shares no code with the solver — so that a solver bug cannot hide behind
the same mistake twice. The benchmark reports only objectives this evaluator has recomputed.

Runs follow Curtois' model: a run of working days may never exceed MaxConsecutiveShifts, wherever it
lies; a run of working days shorter than MinConsecutiveShifts, or of days off shorter than
MinConsecutiveDaysOff, breaks the rule only when it lies wholly inside the horizon (a run touching day 0
or the last day may continue beyond it).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from birtereze.staffing.roster.curtois import Employee, Instance

# A roster: for each employee id, one entry per day, the shift id worked or None for a day off.
NamedRoster = Mapping[str, Sequence[str | None]]


@dataclass(frozen=True, slots=True)
class Evaluation:
    on_requests: int
    off_requests: int
    under_cover: int
    over_cover: int
    violations: tuple[str, ...]

    @property
    def objective(self) -> int:
        return self.on_requests + self.off_requests + self.under_cover + self.over_cover

    @property
    def feasible(self) -> bool:
        return not self.violations


def _runs(worked: Sequence[bool]) -> list[tuple[bool, int, int]]:
    """(working?, first day, length) for each maximal run of equal days."""
    runs: list[tuple[bool, int, int]] = []
    start = 0
    for day in range(1, len(worked) + 1):
        if day == len(worked) or worked[day] != worked[start]:
            runs.append((worked[start], start, day - start))
            start = day
    return runs


def _employee_violations(instance: Instance, employee: Employee, days: Sequence[str | None]) -> list[str]:
    who = f"employee {employee.id}"
    found: list[str] = []
    minutes = {shift.id: shift.minutes for shift in instance.shifts}
    forbidden_next = {shift.id: shift.cannot_follow for shift in instance.shifts}
    if len(days) != instance.horizon:
        return [f"{who}: {len(days)} days given, {instance.horizon} expected"]
    for day, shift in enumerate(days):
        if shift is not None and shift not in minutes:
            found.append(f"{who}, day {day}: unknown shift {shift}")
    if found:
        return found
    for day in sorted(instance.days_off.get(employee.id, frozenset())):
        if days[day] is not None:
            found.append(f"{who}, day {day}: works on a day off")
    for day in range(instance.horizon - 1):
        today, tomorrow = days[day], days[day + 1]
        if today is not None and tomorrow is not None and tomorrow in forbidden_next[today]:
            found.append(f"{who}, day {day + 1}: {tomorrow} may not follow {today}")
    counts = Counter(shift for shift in days if shift is not None)
    for shift_id, count in counts.items():
        if count > employee.max_shifts[shift_id]:
            found.append(f"{who}: {count} shifts {shift_id}, at most {employee.max_shifts[shift_id]}")
    total = sum(minutes[shift] for shift in days if shift is not None)
    if not employee.min_minutes <= total <= employee.max_minutes:
        found.append(f"{who}: {total} minutes, allowed {employee.min_minutes}–{employee.max_minutes}")
    last = instance.horizon - 1
    for working, first, length in _runs([shift is not None for shift in days]):
        inside = first > 0 and first + length - 1 < last
        if working and length > employee.max_consecutive:
            found.append(f"{who}, day {first}: {length} shifts in a row, at most {employee.max_consecutive}")
        if working and inside and length < employee.min_consecutive:
            found.append(f"{who}, day {first}: {length} shifts in a row, at least {employee.min_consecutive}")
        if not working and inside and length < employee.min_consecutive_off:
            found.append(
                f"{who}, day {first}: {length} days off in a row, at least {employee.min_consecutive_off}"
            )
    weekends = sum(
        1
        for saturday in range(5, instance.horizon, 7)
        if days[saturday] is not None or (saturday + 1 < instance.horizon and days[saturday + 1] is not None)
    )
    if weekends > employee.max_weekends:
        found.append(f"{who}: {weekends} weekends worked, at most {employee.max_weekends}")
    return found


def evaluate(instance: Instance, roster: NamedRoster) -> Evaluation:
    """The roster's penalty, part by part, and the hard rules it breaks (none for a feasible roster)."""
    violations: list[str] = []
    known = {employee.id for employee in instance.employees}
    violations.extend(f"employee {extra}: not in the instance" for extra in sorted(set(roster) - known))
    for employee in instance.employees:
        if employee.id not in roster:
            violations.append(f"employee {employee.id}: missing from the roster")
            continue
        violations.extend(_employee_violations(instance, employee, roster[employee.id]))
    if violations:
        return Evaluation(0, 0, 0, 0, tuple(violations))

    def works(employee: str, day: int, shift: str) -> bool:
        return roster[employee][day] == shift

    on = sum(r.weight for r in instance.on_requests if not works(r.employee, r.day, r.shift))
    off = sum(r.weight for r in instance.off_requests if works(r.employee, r.day, r.shift))
    assigned = Counter((day, shift) for days in roster.values() for day, shift in enumerate(days) if shift)
    under = over = 0
    for cover in instance.cover:
        staffed = assigned[cover.day, cover.shift]
        under += cover.weight_under * max(0, cover.requirement - staffed)
        over += cover.weight_over * max(0, staffed - cover.requirement)
    return Evaluation(on, off, under, over, ())


def write_csv(path: Path, instance: Instance, roster: NamedRoster) -> None:
    """The roster as ``employee,day,shift`` rows, one per worked day, day 0 first, ids as in the instance."""
    with path.open("w", encoding="ascii", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["employee", "day", "shift"])
        for day in range(instance.horizon):
            for employee in instance.employees:
                shift = roster[employee.id][day]
                if shift is not None:
                    writer.writerow([employee.id, day, shift])


def read_csv(path: Path, instance: Instance) -> dict[str, list[str | None]]:
    """A roster written by ``write_csv`` (or by anyone), ready for ``evaluate``. An unknown employee is
    kept (``evaluate`` reports it); a day out of range or given twice for one employee is refused."""
    roster: dict[str, list[str | None]] = {e.id: [None] * instance.horizon for e in instance.employees}
    with path.open(encoding="ascii", newline="") as handle:
        for row in csv.DictReader(handle):
            days = roster.setdefault(row["employee"], [None] * instance.horizon)
            day = int(row["day"])
            if not 0 <= day < instance.horizon or days[day] is not None:
                raise ValueError(
                    f"{path.name}: day {day} of {row['employee']} is out of range or given twice"
                )
            days[day] = row["shift"]
    return roster
