"""The slot grid as pure functions: opening hours, holidays, capacity, the horizon and the past."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from birtereze.appointments import slots

ALMATY = ZoneInfo("Asia/Almaty")
FRIDAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ALMATY)


def grid(
    day: date = FRIDAY, hours: tuple[time, time] | None = (time(9), time(20)), **kw: object
) -> list[slots.Slot]:
    values: dict[str, object] = {
        "day": day,
        "timezone": "Asia/Almaty",
        "hours": hours,
        "length": timedelta(minutes=15),
        "places": 2,
        "booked": {},
        "now": NOW,
        "horizon_days": 30,
    }
    values.update(kw)
    return slots.day_slots(**values)  # type: ignore[arg-type]


def test_it_cuts_the_day_into_whole_slots_from_opening_to_closing_and_only_after_now() -> None:
    tomorrow = grid(FRIDAY + timedelta(days=1))
    assert len(tomorrow) == 44
    assert tomorrow[0].start == datetime(2026, 11, 28, 9, 0, tzinfo=ALMATY)
    assert tomorrow[-1].end == datetime(2026, 11, 28, 20, 0, tzinfo=ALMATY)
    today = grid()
    assert today[0].start == datetime(2026, 11, 27, 10, 15, tzinfo=ALMATY)  # 10:00 is now: not offered
    assert len(today) == 39


def test_it_offers_nothing_on_a_closed_day_in_the_past_or_beyond_the_horizon() -> None:
    assert grid(hours=None) == []  # a holiday or a day off
    assert grid(FRIDAY - timedelta(days=1)) == []
    assert grid(FRIDAY + timedelta(days=30)) != []
    assert grid(FRIDAY + timedelta(days=31)) == []
    assert grid(places=0) == []  # no window serves the service


def test_it_counts_booked_places_against_each_slot() -> None:
    start = datetime(2026, 11, 27, 11, 0, tzinfo=ALMATY)
    found = slots.find(grid(booked={start: 2}), start)
    assert found is not None and found.free == 0 and found.capacity == 2
    assert slots.find(grid(), start + timedelta(minutes=5)) is None


def test_it_gives_bookings_a_share_of_the_windows_but_at_least_one() -> None:
    assert slots.capacity(0, 0.5) == 0
    assert slots.capacity(1, 0.5) == 1
    assert slots.capacity(3, 0.5) == 1
    assert slots.capacity(4, 0.5) == 2
    assert slots.capacity(4, 1.0) == 4


@given(windows=st.integers(0, 50), share=st.floats(0.01, 1.0))
def test_capacity_never_exceeds_the_windows_and_is_positive_when_any_serves(
    windows: int, share: float
) -> None:
    places = slots.capacity(windows, share)
    assert 0 <= places <= windows
    assert (places >= 1) == (windows >= 1)


@given(
    opens=st.integers(0, 23 * 4),
    duration=st.integers(0, 24 * 4),
    length_min=st.sampled_from([5, 10, 15, 20, 30, 45, 60]),
    offset_days=st.integers(-2, 35),
    now_min=st.integers(0, 24 * 60 - 1),
    booked=st.integers(0, 5),
    places=st.integers(0, 4),
)
def test_every_slot_lies_within_the_opening_hours_after_now_and_within_the_horizon(
    opens: int, duration: int, length_min: int, offset_days: int, now_min: int, booked: int, places: int
) -> None:
    start_min = opens * 15
    end_min = min(start_min + duration * 15, 24 * 60)
    hours = (
        time(start_min // 60, start_min % 60),
        time(0) if end_min == 24 * 60 else time(end_min // 60, end_min % 60),
    )
    now = datetime.combine(FRIDAY, time(now_min // 60, now_min % 60), tzinfo=ALMATY)
    day = FRIDAY + timedelta(days=offset_days)
    first = datetime.combine(day, hours[0], tzinfo=ALMATY)
    length = timedelta(minutes=length_min)
    every = slots.day_slots(
        day=day,
        timezone="Asia/Almaty",
        hours=hours,
        length=length,
        places=places,
        booked={first + length: booked},
        now=now,
        horizon_days=30,
    )
    all_day = hours[0] == hours[1]
    closes = (
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=ALMATY)
        if all_day or end_min == 24 * 60
        else (datetime.combine(day, hours[1], tzinfo=ALMATY))
    )
    if not 0 <= offset_days <= 30 or places == 0:
        assert every == []
    for slot in every:
        assert first <= slot.start and slot.end <= closes
        assert slot.end - slot.start == length
        assert slot.start > now
        assert (slot.start - first) % length == timedelta(0)
        assert slot.capacity == places and 0 <= slot.free <= slot.capacity
    assert len({slot.start for slot in every}) == len(every)
