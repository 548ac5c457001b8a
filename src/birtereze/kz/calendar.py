"""Kazakhstan's working calendar: days off, working days and the deadlines of public-service terms.

Data: ``kz/data/holidays.csv`` (public holidays and decreed transfers, each row with its source; see
``kz/data/SOURCES.md``). The rules, in the order they apply:

1. The weekly days off: Saturday and Sunday in the 5-day week, Sunday in the 6-day week (Labour Code
   art. 84 p.2-3).
2. Holidays are days off. Two kinds: the *праздничные дни* of the Law "On holidays" (``carry_over=yes``)
   and the *выходные дни* of Labour Code art. 84 p.5 (Orthodox Christmas, the first day of Kurban Ait).
3. Carry-over (Law "On holidays" art. 5): a праздничный день that falls on a weekly day off of the regime
   makes the next working day of the same regime a day off. Several such holidays take the following
   working days in turn (Nauryz 2026: Sat 21 and Sun 22 -> Tue 24 and Wed 25, Mon 23 being Nauryz itself).
   Orthodox Christmas and Kurban Ait never carry over.
4. Decreed transfers (Labour Code art. 85 p.3): a working day made a day off and a weekend day made a
   working day. The decrees found are written for the 5-day week (one says so explicitly), so they apply
   to ``week=5`` only; in the 6-day week they are ignored.

Years outside the sourced data (:func:`covered_years`) are *projected*: the fixed-date holidays of the
nearest covered year, with carry-over, but no moving feasts (Kurban Ait) and no transfers. Deadlines that
run into such a year are therefore best effort until the data is updated.

Deadlines (:func:`deadline`) follow rule 5 of the reference data: the day of submission is not counted.
Public-service terms run on the 5-day week, and a working day's hours are those of the centres,
09:00-18:00 (Government for Citizens, zakon.kz 2025-12-30). What counts:

- The *acceptance day* is the submission's local date when that is a working day and the submission is
  before 18:00; otherwise (after hours, on a day off) the next working day - an application that arrives
  out of hours is registered on the next working day, as the service standards say.
- ``working_days``: the deadline is 18:00 on the N-th working day after the acceptance day (N = 0: 18:00
  on the acceptance day itself).
- ``calendar_days``: the N-th calendar day after the acceptance day; when that is a day off, the next
  working day (a term whose last day is a day off ends on the next working day). 18:00 on that day.
- ``working_hours``: counted from the submission moment through the working hours (09:00-18:00 of the
  working days); a submission out of hours starts counting at the next opening. The day of submission is
  counted here - an hours term is shorter than a day by nature.

Every deadline is therefore a *working moment*: within 09:00-18:00 (both ends included) of a working day,
never earlier than the submission. The result is timezone-aware, in UTC.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WORK_ENDS",
    "WORK_STARTS",
    "DayOff",
    "covered_years",
    "day_off_reason",
    "days_off",
    "deadline",
    "is_working_day",
    "is_working_moment",
    "public_days_off",
    "working_days_between",
]

Reason = Literal["holiday", "carry_over", "transfer", "weekend"]
UNITS: Final = ("working_days", "working_hours", "calendar_days")
WORK_STARTS: Final = time(9)
WORK_ENDS: Final = time(18)
_DAY_HOURS: Final = timedelta(hours=9)  # WORK_STARTS to WORK_ENDS
_MAX_AMOUNT: Final = 100_000  # a sanity bound: no public-service term is longer than a few hundred days


@dataclass(frozen=True, slots=True)
class _Row:
    day: date
    kind: str  # holiday | day_off_transfer | working_day_transfer
    carry_over: bool
    yearly: bool
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class DayOff:
    """A day off other than an ordinary weekend: why, and its name in kk/ru/en."""

    day: date
    reason: Reason
    names: dict[str, str]


@cache
def _rows() -> tuple[_Row, ...]:
    text = resources.files("birtereze.kz").joinpath("data/holidays.csv").read_text(encoding="utf-8")
    rows = []
    for raw in csv.DictReader(text.splitlines()):
        rows.append(
            _Row(
                day=date.fromisoformat(raw["date"]),
                kind=raw["kind"],
                carry_over=raw["carry_over"] == "yes",
                yearly=raw["yearly"] == "yes",
                names={"kk": raw["name_kk"], "ru": raw["name_ru"], "en": raw["name_en"]},
            )
        )
    return tuple(rows)


def covered_years() -> range:
    """The years the sourced data covers; days outside are projected (see the module's notes)."""
    years = [row.day.year for row in _rows()]
    return range(min(years), max(years) + 1)


def _check_week(week: int) -> None:
    if week not in (5, 6):
        raise ValueError(f"week must be 5 or 6, not {week!r}")


def _weekly_day_off(day: date, week: int) -> bool:
    return day.weekday() == 6 or (week == 5 and day.weekday() == 5)


def _rows_of(year: int) -> list[_Row]:
    """The rows of ``year``: sourced, or projected from the nearest covered year."""
    covered = covered_years()
    if year in covered:
        return [row for row in _rows() if row.day.year == year]
    source = covered.stop - 1 if year >= covered.stop else covered.start
    projected = []
    for row in _rows():
        if row.day.year != source or not row.yearly:
            continue
        projected.append(
            _Row(row.day.replace(year=year), row.kind, row.carry_over, row.yearly, dict(row.names))
        )
    return projected


@dataclass(frozen=True, slots=True)
class _Year:
    """The days off of one year and regime besides the weekly ones, and its weekend days made working."""

    off: dict[date, DayOff]
    worked: frozenset[date]


@cache
def _year(year: int, week: int) -> _Year:
    # The previous year's late holidays may carry over into this one (a holiday on Sat 31 December would).
    off: dict[date, DayOff] = {}
    worked: set[date] = set()
    rows = sorted(_rows_of(year - 1) + _rows_of(year), key=lambda r: r.day)
    for row in rows:
        if row.kind == "holiday":
            off[row.day] = DayOff(row.day, "holiday", row.names)
        elif week == 5 and row.kind == "working_day_transfer":
            worked.add(row.day)
        elif week == 5 and row.kind == "day_off_transfer":
            off[row.day] = DayOff(row.day, "transfer", row.names)

    def working(day: date) -> bool:
        return day not in off and (day in worked or not _weekly_day_off(day, week))

    for row in rows:
        if row.kind != "holiday" or not row.carry_over or not _weekly_day_off(row.day, week):
            continue
        moved = row.day + timedelta(days=1)
        while not working(moved):
            moved += timedelta(days=1)
        off[moved] = DayOff(moved, "carry_over", row.names)
    return _Year(
        off={d: v for d, v in off.items() if d.year == year},
        worked=frozenset(d for d in worked if d.year == year),
    )


def day_off_reason(day: date, *, week: int = 5) -> str | None:
    """Why ``day`` is a day off ("holiday", "carry_over", "transfer", "weekend"), or None: a working day."""
    _check_week(week)
    facts = _year(day.year, week)
    special = facts.off.get(day)
    if special is not None:
        return special.reason
    if day in facts.worked:
        return None
    return "weekend" if _weekly_day_off(day, week) else None


def is_working_day(day: date, *, week: int = 5) -> bool:
    """Whether ``day`` is a working day in the 5-day (Mon-Fri) or 6-day (Mon-Sat) week."""
    return day_off_reason(day, week=week) is None


def days_off(year: int, *, week: int = 5) -> list[DayOff]:
    """The days off of ``year`` other than ordinary weekends (holidays, carry-overs, transfers), in order."""
    _check_week(week)
    facts = _year(year, week)
    return [facts.off[d] for d in sorted(facts.off)]


def public_days_off(years: Iterable[int] | None = None, *, week: int = 5) -> frozenset[date]:
    """Every day off other than an ordinary weekend in ``years`` (default: the covered years)."""
    chosen = covered_years() if years is None else years
    return frozenset(off.day for year in chosen for off in days_off(year, week=week))


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def working_days_between(start: date, end: date, *, week: int = 5) -> int:
    """Working days after ``start`` up to and including ``end`` (``start`` itself is not counted, as the day
    of submission is not). Negative when ``end`` is before ``start``; 0 when they are the same day."""
    _check_week(week)
    if end < start:
        return -working_days_between(end, start, week=week)
    return sum(1 for day in _days(start + timedelta(days=1), end) if is_working_day(day, week=week))


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def is_working_moment(moment: datetime, *, timezone: str = "Asia/Almaty") -> bool:
    """Whether ``moment`` (aware) falls within 09:00-18:00, both included, of a working day (5-day week)."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    local = moment.astimezone(_zone(timezone))
    wall = local.time().replace(tzinfo=None)
    return is_working_day(local.date()) and WORK_STARTS <= wall <= WORK_ENDS


def deadline(submitted_at: datetime, amount: int, unit: str, *, timezone: str = "Asia/Almaty") -> datetime:
    """When a term of ``amount`` ``unit`` ("working_days" | "working_hours" | "calendar_days") from
    ``submitted_at`` (aware) ends: a working moment in UTC. See the module's notes for the rules."""
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be timezone-aware")
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= _MAX_AMOUNT:
        raise ValueError(f"amount must be a whole number from 0 to {_MAX_AMOUNT}, not {amount!r}")
    zone = _zone(timezone)
    local = submitted_at.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if unit == "working_hours":
        return _add_working_hours(local.date(), wall, timedelta(hours=amount), zone)
    accepted = local.date()
    if not is_working_day(accepted) or wall >= WORK_ENDS:
        accepted = _next_working_day(accepted)
    if unit == "working_days":
        last = accepted
        for _ in range(amount):
            last = _next_working_day(last)
    else:
        last = accepted + timedelta(days=amount)
        if not is_working_day(last):
            last = _next_working_day(last)
    return _at(last, WORK_ENDS, zone)


def _add_working_hours(day: date, wall: time, remaining: timedelta, zone: ZoneInfo) -> datetime:
    if is_working_day(day) and wall <= WORK_ENDS:
        opens = datetime.combine(day, max(wall, WORK_STARTS))
        closes = datetime.combine(day, WORK_ENDS)
        if remaining <= closes - opens:
            return (opens + remaining).replace(tzinfo=zone).astimezone(UTC)
        remaining -= closes - opens
    while True:
        day = _next_working_day(day)
        if remaining <= _DAY_HOURS:
            return (datetime.combine(day, WORK_STARTS) + remaining).replace(tzinfo=zone).astimezone(UTC)
        remaining -= _DAY_HOURS
