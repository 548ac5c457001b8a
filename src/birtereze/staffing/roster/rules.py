"""The roster rule checker: a centre's roster against the labour rules and the cover, without the model.

A roster may come from the solver, from a manager's edit or from an import; this module re-reads it
shift by shift, minute by minute, and names every broken rule, so an edit is refused for the right reason
and a solver bug is caught. It shares no code with the CP-SAT model beyond the data types.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from birtereze.staffing.roster.centre import SLOT, Centre, Shift

RULES = (
    "unknown_staff",
    "one_shift_a_day",
    "opening_hours",
    "day_hours",
    "week_hours",
    "days_a_week",
    "rest",
    "day_off",
    "lunch",
    "zone",
    "cover",
    "windows",
)


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    day: int
    staff: str | None
    detail: str


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _shift_rules(centre: Centre, shift: Shift) -> Iterable[Violation]:
    rules = centre.rules
    person = next((p for p in centre.staff if p.id == shift.staff), None)
    if person is None:
        yield Violation("unknown_staff", shift.day, shift.staff, "not on the centre's staff")
        return
    if (
        not centre.is_open(shift.day)
        or shift.start < rules.opens
        or shift.end > rules.closes
        or shift.start >= shift.end
    ):
        yield Violation(
            "opening_hours",
            shift.day,
            shift.staff,
            f"{_clock(shift.start)}–{_clock(shift.end)} outside opening",
        )
    if shift.work_minutes > rules.max_day_minutes:
        yield Violation("day_hours", shift.day, shift.staff, f"{shift.work_minutes} min of work in a day")
    if shift.day in person.days_off:
        yield Violation("day_off", shift.day, shift.staff, "works on a day off")
    if shift.zone not in person.zones:
        yield Violation("zone", shift.day, shift.staff, f"not qualified for zone {shift.zone}")
    lunch = shift.lunch
    if shift.work_minutes > rules.lunch_after and lunch is None:
        yield Violation("lunch", shift.day, shift.staff, "no lunch in a long shift")
    elif lunch is not None and not (
        shift.start + rules.lunch_margin <= lunch[0]
        and lunch[1] - lunch[0] >= rules.lunch_minutes
        and lunch[1] <= shift.end - rules.lunch_margin
    ):
        yield Violation(
            "lunch",
            shift.day,
            shift.staff,
            f"lunch {_clock(lunch[0])}–{_clock(lunch[1])} too short or misplaced",
        )


def _person_rules(centre: Centre, shifts: list[Shift]) -> Iterable[Violation]:
    rules = centre.rules
    person = next((p for p in centre.staff if p.id == shifts[0].staff), None)
    if person is None:
        return
    by_day: dict[int, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_day[shift.day].append(shift)
    for day, same in sorted(by_day.items()):
        if len(same) > 1:
            yield Violation("one_shift_a_day", day, person.id, f"{len(same)} shifts")
    ordered = sorted(shifts, key=lambda s: (s.day, s.start))
    for before, after in itertools.pairwise(ordered):
        rest = (after.day - before.day) * 24 * 60 + after.start - before.end
        if after.day != before.day and rest < rules.min_rest_minutes:
            yield Violation("rest", after.day, person.id, f"{rest / 60:.1f} h of rest after the last shift")
    weeks: dict[int, list[Shift]] = defaultdict(list)
    for shift in shifts:
        weeks[centre.week_of(shift.day)].append(shift)
    for week_shifts in weeks.values():
        day = min(s.day for s in week_shifts)
        minutes = sum(s.work_minutes for s in week_shifts)
        if minutes > min(rules.max_week_minutes, person.week_minutes):
            yield Violation("week_hours", day, person.id, f"{minutes / 60:.1f} h in a week")
        worked = len({s.day for s in week_shifts})
        if worked > person.days_per_week:
            yield Violation(
                "days_a_week", day, person.id, f"{worked} days in a week, contract {person.days_per_week}"
            )


def _cover_rules(centre: Centre, shifts: list[Shift]) -> Iterable[Violation]:
    rules = centre.rules
    for zone, days in centre.need.items():
        for day in range(centre.days):
            here = [s for s in shifts if s.day == day and s.zone == zone]
            for slot in range(centre.slots):
                minute = rules.opens + slot * SLOT
                present = sum(1 for s in here if s.present(minute))
                if present < days[day][slot]:
                    yield Violation(
                        "cover",
                        day,
                        None,
                        f"{zone} at {_clock(minute)}: {present} of {days[day][slot]} needed",
                    )
                if present > centre.windows[zone]:
                    yield Violation(
                        "windows",
                        day,
                        None,
                        f"{zone} at {_clock(minute)}: {present} people, {centre.windows[zone]} windows",
                    )


def check(centre: Centre, shifts: Iterable[Shift]) -> list[Violation]:
    """Every broken rule of the roster; an empty list means it may be published."""
    shifts = list(shifts)
    found: list[Violation] = []
    for shift in shifts:
        found.extend(_shift_rules(centre, shift))
    by_person: dict[str, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_person[shift.staff].append(shift)
    for person_shifts in by_person.values():
        found.extend(_person_rules(centre, person_shifts))
    found.extend(_cover_rules(centre, shifts))
    return found
