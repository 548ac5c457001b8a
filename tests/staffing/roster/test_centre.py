"""The centre's roster: the rule checker (each rule broken once), the substitution scheme, the solver."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from birtereze.staffing.roster.centre import SLOT, Centre, Rules, Shift, Staff, solve_centre
from birtereze.staffing.roster.rules import Violation, check
from birtereze.staffing.roster.substitution import scheme
from tests.staffing.roster.centres import SLOTS, large_centre, small_centre


def h(hours: float) -> int:
    return round(hours * 60)


def tiny_centre() -> Centre:
    """Open Monday and Tuesday, one zone needing one person all day, three windows."""
    staff = (
        Staff("A", frozenset({"reception"}), frozenset({"id_card", "address"})),
        Staff("B", frozenset({"reception"}), frozenset({"id_card", "pension"}), days_per_week=6),
    )
    open_day, closed = [1] * SLOTS, [0] * SLOTS
    return Centre(
        staff=staff, need={"reception": [open_day, open_day] + [closed] * 5}, windows={"reception": 3}
    )


def valid_roster() -> list[Shift]:
    """A 09:00–18:00 (lunch 12–13) and B 11:00–20:00 (lunch 14–15) on both days: always one present."""
    return [
        shift
        for day in (0, 1)
        for shift in (
            Shift("A", day, "reception", h(9), h(18), (h(12), h(13))),
            Shift("B", day, "reception", h(11), h(20), (h(14), h(15))),
        )
    ]


def replace_shift(shifts: list[Shift], index: int, **changes: object) -> list[Shift]:
    changed = list(shifts)
    changed[index] = dataclasses.replace(changed[index], **changes)  # type: ignore[arg-type]
    return changed


def with_staff(centre: Centre, name: str, **changes: object) -> Centre:
    staff = tuple(dataclasses.replace(p, **changes) if p.id == name else p for p in centre.staff)  # type: ignore[arg-type]
    return dataclasses.replace(centre, staff=staff)


def test_the_valid_roster_breaks_no_rule() -> None:
    assert check(tiny_centre(), valid_roster()) == []


@pytest.mark.parametrize(
    ("rule", "centre", "shifts"),
    [
        ("day_hours", tiny_centre(), replace_shift(valid_roster(), 0, end=h(19))),
        ("opening_hours", tiny_centre(), replace_shift(valid_roster(), 0, start=h(8), end=h(17))),
        ("lunch", tiny_centre(), replace_shift(valid_roster(), 0, lunch=(h(15.5), h(16.5)))),
        ("lunch", tiny_centre(), replace_shift(valid_roster(), 0, end=h(17), lunch=None)),
        ("cover", tiny_centre(), valid_roster()[:3]),
        ("one_shift_a_day", tiny_centre(), [*valid_roster(), valid_roster()[0]]),
        (
            "unknown_staff",
            tiny_centre(),
            [*valid_roster(), dataclasses.replace(valid_roster()[0], staff="Z")],
        ),
        ("windows", dataclasses.replace(tiny_centre(), windows={"reception": 1}), valid_roster()),
        (
            "week_hours",
            dataclasses.replace(tiny_centre(), rules=Rules(max_week_minutes=h(15))),
            valid_roster(),
        ),
        ("days_a_week", with_staff(tiny_centre(), "A", days_per_week=1), valid_roster()),
        ("rest", dataclasses.replace(tiny_centre(), rules=Rules(min_rest_minutes=h(15.5))), valid_roster()),
        ("day_off", with_staff(tiny_centre(), "A", days_off=frozenset({1})), valid_roster()),
        ("zone", with_staff(tiny_centre(), "A", zones=frozenset({"issue"})), valid_roster()),
    ],
)
def test_the_checker_finds_each_broken_rule(rule: str, centre: Centre, shifts: list[Shift]) -> None:
    found = {violation.rule for violation in check(centre, shifts)}
    assert found == {rule}


def test_the_scheme_seats_everyone_and_names_replacements() -> None:
    centre = tiny_centre()
    result = scheme(centre, valid_roster())
    assert {(seat.shift.staff, seat.shift.day, seat.window) for seat in result.seats} == {
        ("A", 0, 1),
        ("B", 0, 2),
        ("A", 1, 1),
        ("B", 1, 2),
    }
    # A and B share id_card: each replaces the other, and relieves the other's lunch.
    assert all(r.replacements == ({"A": "B", "B": "A"}[r.absent],) for r in result.replacements)
    assert {(r.staff, r.relief) for r in result.reliefs} == {("A", "B"), ("B", "A")}


def test_nobody_relieves_a_lunch_without_a_shared_service() -> None:
    centre = with_staff(tiny_centre(), "B", services=frozenset({"pension"}))
    result = scheme(centre, valid_roster())
    assert all(r.relief is None for r in result.reliefs)
    assert all(r.replacements == () for r in result.replacements)


def test_a_small_centre_gets_a_roster_that_the_checker_accepts() -> None:
    centre = small_centre()
    roster = solve_centre(centre, time_limit=5, seed=1)
    assert roster.shortfall == 0
    assert check(centre, roster.shifts) == []
    contracts = {p.id: p.days_per_week for p in centre.staff}
    assert {s.staff for s in roster.shifts} <= set(contracts)


def broken_labour_rules(centre: Centre, shifts: Sequence[Shift]) -> list[Violation]:
    return [v for v in check(centre, shifts) if v.rule != "cover"]


def cover_missing(centre: Centre, shifts: Sequence[Shift]) -> int:
    """Person-half-hours below the need, counted from the shifts (not from the solver's report)."""
    missing = 0
    for zone, days in centre.need.items():
        for day in range(centre.days):
            for slot, needed in enumerate(days[day]):
                minute = centre.rules.opens + slot * SLOT
                here = sum(1 for s in shifts if s.day == day and s.zone == zone and s.present(minute))
                missing += max(0, needed - here)
    return missing


def test_sixteen_operators_get_a_rule_abiding_roster_within_five_seconds() -> None:
    centre = large_centre()
    roster = solve_centre(centre, time_limit=5, seed=1)
    assert roster.shifts
    assert broken_labour_rules(centre, roster.shifts) == []
    assert roster.shortfall == cover_missing(centre, roster.shifts)
    needed = sum(sum(row) for days in centre.need.values() for row in days)
    assert roster.shortfall < needed // 40


def test_the_first_roster_comes_even_without_time_for_the_search() -> None:
    """A tiny time limit still gives every operator a week within the rules: never "no roster"."""
    centre = large_centre()
    roster = solve_centre(centre, time_limit=0.1)
    assert broken_labour_rules(centre, roster.shifts) == []
    assert len({s.staff for s in roster.shifts}) == len(centre.staff)


def test_the_first_roster_keeps_a_long_rest_rule() -> None:
    """With 14 h of rest, an evening shift cannot be followed by an opening one: the rule must bind."""
    centre = dataclasses.replace(large_centre(), rules=Rules(min_rest_minutes=h(14)))
    roster = solve_centre(centre, time_limit=1)
    assert roster.shifts
    assert broken_labour_rules(centre, roster.shifts) == []
