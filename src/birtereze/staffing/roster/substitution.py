"""The workplace substitution scheme (M26): each person's window, and who replaces whom.

From a roster: each shift gets a window of its zone (the lowest-numbered window free for the whole
shift, so a person keeps one window all day); each seated person gets a ranked list of replacements for
an absence — people qualified for the zone who share the most of their services, those off that day
first (calling them in opens no gap elsewhere) — and, for each lunch, the colleague on duty in the
same zone who can serve the most of the absent person's services during that hour (None when nobody can:
the cover, computed with lunches, allows the window to close for the hour).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from birtereze.staffing.roster.centre import SLOT, Centre, Shift, Staff


@dataclass(frozen=True, slots=True)
class Seat:
    shift: Shift
    window: int  # 1-based within the zone; 0 when every window is taken at some time of the shift


@dataclass(frozen=True, slots=True)
class Replacement:
    day: int
    zone: str
    window: int
    absent: str
    replacements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LunchRelief:
    day: int
    zone: str
    window: int
    staff: str
    lunch: tuple[int, int]
    relief: str | None


@dataclass(frozen=True, slots=True)
class Scheme:
    seats: tuple[Seat, ...]
    replacements: tuple[Replacement, ...]
    reliefs: tuple[LunchRelief, ...]


def seat(centre: Centre, shifts: Iterable[Shift]) -> list[Seat]:
    """Each shift's window: the lowest-numbered one not held by an overlapping shift."""
    seats: list[Seat] = []
    groups: dict[tuple[int, str], list[Shift]] = defaultdict(list)
    for shift in shifts:
        groups[shift.day, shift.zone].append(shift)
    for (_, zone), group in sorted(groups.items()):
        held: dict[int, int] = {}  # window → minute it becomes free
        for shift in sorted(group, key=lambda s: (s.start, s.end, s.staff)):
            free = [w for w in range(1, centre.windows[zone] + 1) if held.get(w, 0) <= shift.start]
            window = free[0] if free else 0
            if window:
                held[window] = shift.end
            seats.append(Seat(shift, window))
    return seats


def _overlap(absent: Staff, other: Staff) -> int:
    return len(absent.services & other.services)


def _replacements(centre: Centre, seat: Seat, on_duty: set[str], limit: int) -> tuple[str, ...]:
    shift = seat.shift
    absent = next(p for p in centre.staff if p.id == shift.staff)
    able = [
        p
        for p in centre.staff
        if p.id != absent.id and shift.zone in p.zones and shift.day not in p.days_off and _overlap(absent, p)
    ]
    able.sort(key=lambda p: (-_overlap(absent, p), p.id in on_duty, p.id))
    return tuple(p.id for p in able[:limit])


def _relief(centre: Centre, seat: Seat, same_zone: Sequence[Shift]) -> str | None:
    shift = seat.shift
    assert shift.lunch is not None
    absent = next(p for p in centre.staff if p.id == shift.staff)
    start, end = shift.lunch
    staff = {p.id: p for p in centre.staff}
    candidates = [
        other
        for other in same_zone
        if other.staff != shift.staff
        and all(other.present(minute) for minute in range(start, end, SLOT))
        and _overlap(absent, staff[other.staff])
    ]
    candidates.sort(key=lambda o: (-_overlap(absent, staff[o.staff]), o.staff))
    return candidates[0].staff if candidates else None


def scheme(centre: Centre, shifts: Iterable[Shift], *, replacements: int = 3) -> Scheme:
    shifts = list(shifts)
    seats = seat(centre, shifts)
    on_duty: dict[int, set[str]] = defaultdict(set)
    for shift in shifts:
        on_duty[shift.day].add(shift.staff)
    found: list[Replacement] = []
    reliefs: list[LunchRelief] = []
    for place in seats:
        shift = place.shift
        found.append(
            Replacement(
                shift.day,
                shift.zone,
                place.window,
                shift.staff,
                _replacements(centre, place, on_duty[shift.day], replacements),
            )
        )
        if shift.lunch is not None:
            same_zone = [s for s in shifts if s.day == shift.day and s.zone == shift.zone]
            relief = _relief(centre, place, same_zone)
            reliefs.append(LunchRelief(shift.day, shift.zone, place.window, shift.staff, shift.lunch, relief))
    return Scheme(tuple(seats), tuple(found), tuple(reliefs))
