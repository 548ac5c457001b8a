"""The slot grid: which times of a centre's day can be booked for a service. Pure functions, no database.

A day's slots run from the opening time, one slot length after another, as long as a whole slot ends by
the closing time (equal opening and closing times mean open all day). Each slot has the same capacity:
the share of the windows serving the service's queue kept for bookings, at least one while any window
serves it. A slot is offered only when it starts after "now" and its day is within the booking horizon;
its free places are its capacity less the places already booked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def capacity(windows: int, share: float) -> int:
    """Places per slot given to bookings: ``share`` of the windows, rounded down, but at least one."""
    if windows <= 0:
        return 0
    return max(1, math.floor(windows * share + 1e-9))


def bookable_days(today: date, horizon_days: int) -> tuple[date, date]:
    """The first and last local day that can be booked: today and ``horizon_days`` after it."""
    return today, today + timedelta(days=horizon_days)


def day_slots(
    *,
    day: date,
    timezone: str,
    hours: tuple[time, time] | None,
    length: timedelta,
    places: int,
    booked: Mapping[datetime, int],
    now: datetime,
    horizon_days: int,
) -> list[Slot]:
    """The slots of ``day`` still to come, with their free places; none on a closed day, outside the
    horizon or without a window serving the service."""
    zone = ZoneInfo(timezone)
    first, last = bookable_days(now.astimezone(zone).date(), horizon_days)
    if hours is None or places <= 0 or not first <= day <= last or length <= timedelta(0):
        return []
    opens, closes = hours
    start = datetime.combine(day, opens.replace(tzinfo=None), tzinfo=zone)
    if opens == closes:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        end = datetime.combine(day, closes.replace(tzinfo=None), tzinfo=zone)
    start_utc, end_utc = start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))
    slots = []
    moment = start_utc
    while moment + length <= end_utc:
        if moment > now:
            slots.append(
                Slot(start=moment, end=moment + length, capacity=places, booked=booked.get(moment, 0))
            )
        moment += length
    return slots


def find(slots: list[Slot], start: datetime) -> Slot | None:
    """The slot starting at ``start``, if it is among ``slots``."""
    for slot in slots:
        if slot.start == start:
            return slot
    return None
