"""A small centre for the roster tests: ten people, one week from a Monday, two zones, closed on Sunday."""

from __future__ import annotations

from birtereze.staffing.roster.centre import Centre, Staff

SLOTS = 22  # 09:00–20:00 in half hours


def _day(base: int, peak: int = 0, peak_slots: range = range(4, 8)) -> list[int]:
    return [base + (peak if slot in peak_slots else 0) for slot in range(SLOTS)]


def small_centre() -> Centre:
    both = frozenset({"reception", "issue"})
    reception = frozenset({"reception"})
    staff = (
        Staff("S01", both, frozenset({"id_card", "address", "pension"}), days_off=frozenset({2})),
        Staff("S02", reception, frozenset({"id_card", "address"})),
        Staff("S03", reception, frozenset({"id_card", "property"}), wishes_off=frozenset({4})),
        Staff("S04", both, frozenset({"pension", "property"})),
        Staff("S05", reception, frozenset({"address", "pension"}), avoids_evenings=True),
        Staff("S06", frozenset({"issue"}), frozenset({"id_card", "pension"})),
        Staff("S07", both, frozenset({"id_card", "address"}), days_per_week=6),
        Staff("S08", reception, frozenset({"property", "pension"}), days_per_week=6),
        Staff("S09", frozenset({"issue"}), frozenset({"address", "property"}), days_per_week=6),
        Staff("S10", both, frozenset({"id_card", "pension", "property"}), days_per_week=6),
    )
    weekday_reception, weekday_issue = _day(2, peak=1), _day(1)
    need = {
        "reception": [weekday_reception] * 5 + [_day(2), [0] * SLOTS],
        "issue": [weekday_issue] * 5 + [_day(1), [0] * SLOTS],
    }
    return Centre(staff=staff, need=need, windows={"reception": 4, "issue": 2}, days=7)


def large_centre() -> Centre:
    """Sixteen people, four zones, a week from a Monday closed on Sunday: more need than they can cover."""
    zones = ("reception", "issue", "consult", "business")
    skills = (
        frozenset({"reception", "issue"}),
        frozenset({"reception"}),
        frozenset({"issue", "consult"}),
        frozenset({"consult", "business"}),
        frozenset({"reception", "business"}),
        frozenset(zones),
    )
    staff = tuple(
        Staff(
            f"P{i:02d}",
            skills[i % len(skills)],
            frozenset({"id_card"}),
            days_per_week=6 if i % 3 == 0 else 5,
            days_off=frozenset({i % 6}) if i % 5 == 0 else frozenset(),
            wishes_off=frozenset({(i + 2) % 6}) if i % 4 == 1 else frozenset(),
            avoids_evenings=i % 7 == 3,
        )
        for i in range(16)
    )
    daily = {
        "reception": _day(3, peak=1),
        "issue": _day(2, peak=1, peak_slots=range(14, 20)),
        "consult": _day(1, peak=1, peak_slots=range(6, 12)),
        "business": _day(1),
    }
    need = {zone: [row] * 5 + [_day(1), [0] * SLOTS] for zone, row in daily.items()}
    return Centre(staff=staff, need=need, windows={"reception": 5, "issue": 4, "consult": 3, "business": 2})
