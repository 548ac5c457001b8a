"""Kazakhstan's working calendar: days off, carry-overs, transfers, the 6-day week and deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birtereze.kz import calendar

ALMATY = ZoneInfo("Asia/Almaty")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ALMATY).replace(tzinfo=None)


# The reference data's table of expected carry-over days (5-day week): holiday on a weekend -> day off.
CARRY_OVERS = [
    (date(2024, 3, 23), [date(2024, 3, 25)]),
    (date(2024, 7, 6), [date(2024, 7, 8)]),
    (date(2025, 3, 8), [date(2025, 3, 10)]),
    (date(2025, 3, 22), [date(2025, 3, 24), date(2025, 3, 25)]),
    (date(2025, 7, 6), [date(2025, 7, 7)]),
    (date(2025, 8, 30), [date(2025, 9, 1)]),
    (date(2025, 10, 25), [date(2025, 10, 27)]),
    (date(2026, 3, 8), [date(2026, 3, 9)]),
    (date(2026, 3, 21), [date(2026, 3, 24), date(2026, 3, 25)]),
    (date(2026, 5, 9), [date(2026, 5, 11)]),
    (date(2026, 10, 25), [date(2026, 10, 26)]),
    (date(2027, 1, 2), [date(2027, 1, 4)]),
    (date(2027, 3, 21), [date(2027, 3, 24)]),
    (date(2027, 5, 1), [date(2027, 5, 3)]),
    (date(2027, 5, 9), [date(2027, 5, 10)]),
]


@pytest.mark.parametrize(("holiday", "moved_to"), CARRY_OVERS, ids=[str(h) for h, _ in CARRY_OVERS])
def test_every_carry_over_day_of_the_reference_table(holiday: date, moved_to: list[date]) -> None:
    assert calendar.day_off_reason(holiday) == "holiday"
    for day in moved_to:
        assert calendar.day_off_reason(day) == "carry_over"
        assert not calendar.is_working_day(day)
    # the day after the last carried-over day is a working one again (all these are followed by one)
    assert calendar.is_working_day(moved_to[-1] + timedelta(days=1))


def test_the_carry_over_days_are_exactly_those_of_the_table() -> None:
    expected = sorted(d for _, days in CARRY_OVERS for d in days)
    computed = sorted(
        off.day
        for year in (2024, 2025, 2026, 2027)
        for off in calendar.days_off(year)
        if off.reason == "carry_over"
    )
    assert computed == expected


def test_orthodox_christmas_and_kurban_ait_do_not_carry_over() -> None:
    assert calendar.day_off_reason(date(2024, 1, 7)) == "holiday"  # a Sunday
    assert calendar.is_working_day(date(2024, 1, 8))
    assert calendar.day_off_reason(date(2024, 6, 16)) == "holiday"  # Kurban Ait on a Sunday
    assert calendar.is_working_day(date(2024, 6, 17))
    assert calendar.day_off_reason(date(2026, 5, 27)) == "holiday"  # Kurban Ait 2026, a Wednesday
    assert calendar.day_off_reason(date(2026, 1, 7)) == "holiday"


def test_no_constitution_day_in_2026_and_15_march_from_2027() -> None:
    assert calendar.day_off_reason(date(2026, 8, 30)) == "weekend"  # a Sunday, no longer a holiday
    assert calendar.is_working_day(date(2026, 8, 31))  # the pre-referendum "31.08" does not apply
    assert calendar.day_off_reason(date(2025, 8, 30)) == "holiday"
    assert calendar.day_off_reason(date(2027, 3, 15)) == "holiday"
    assert calendar.day_off_reason(date(2027, 8, 30)) is None  # a Monday, working


def test_the_2024_and_2025_transfers() -> None:
    # 2024: Saturday 4 May worked, Wednesday 8 May off
    assert calendar.is_working_day(date(2024, 5, 4))
    assert calendar.day_off_reason(date(2024, 5, 8)) == "transfer"
    # 2025: Sunday 5 January worked, Friday 3 January off
    assert calendar.is_working_day(date(2025, 1, 5))
    assert calendar.day_off_reason(date(2025, 1, 3)) == "transfer"
    # the 6-day week keeps its own days: Sunday is off, the Wednesday works
    assert calendar.day_off_reason(date(2025, 1, 5), week=6) == "weekend"
    assert calendar.is_working_day(date(2024, 5, 8), week=6)


def test_the_six_day_week_carries_over_differently() -> None:
    # Nauryz 2026: the 5-day week rests 21-25 March, the 6-day week 21-24 (Saturday is its working day)
    five = [d for d in (date(2026, 3, day) for day in range(20, 27)) if not calendar.is_working_day(d)]
    six = [d for d in (date(2026, 3, day) for day in range(20, 27)) if not calendar.is_working_day(d, week=6)]
    assert five == [date(2026, 3, day) for day in range(21, 26)]
    assert six == [date(2026, 3, day) for day in range(21, 25)]
    # a Saturday holiday does not carry over in the 6-day week
    assert calendar.day_off_reason(date(2026, 5, 9), week=6) == "holiday"
    assert calendar.is_working_day(date(2026, 5, 11), week=6)
    # Saturday is an ordinary working day there (3 January 2026 was worked)
    assert calendar.is_working_day(date(2026, 1, 3), week=6)
    assert calendar.day_off_reason(date(2026, 1, 3)) == "weekend"
    # a Sunday holiday carries over to Monday in both
    assert calendar.day_off_reason(date(2026, 10, 26), week=6) == "carry_over"


def test_weekends_and_ordinary_days() -> None:
    assert calendar.day_off_reason(date(2026, 11, 28)) == "weekend"  # Saturday
    assert calendar.day_off_reason(date(2026, 11, 29)) == "weekend"  # Sunday
    assert calendar.day_off_reason(date(2026, 11, 27)) is None  # Friday
    assert calendar.is_working_day(date(2026, 11, 28), week=6)
    assert not calendar.is_working_day(date(2026, 11, 29), week=6)


def test_year_ends() -> None:
    # 2026 into 2027: 31 Dec (Thu) works, 1-2 Jan off, 2 Jan a Saturday carried to Monday 4 Jan
    assert calendar.is_working_day(date(2026, 12, 31))
    assert [calendar.day_off_reason(date(2027, 1, d)) for d in range(1, 6)] == [
        "holiday",
        "holiday",
        "weekend",
        "carry_over",
        None,
    ]
    # 2024 into 2025: the decreed bridge Friday 3 January, worked Sunday 5 January
    assert [calendar.is_working_day(date(2025, 1, d)) for d in range(1, 8)] == [
        False,
        False,
        False,
        False,
        True,
        True,
        False,
    ]


def test_working_days_in_2026_match_the_published_count() -> None:
    # 247 working days in 2026 on the 5-day week (the reference data's published figure)
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 247


def test_working_days_between_excludes_the_first_day() -> None:
    friday, monday = date(2026, 11, 27), date(2026, 11, 30)
    assert calendar.working_days_between(friday, friday) == 0
    assert calendar.working_days_between(friday, monday) == 1
    assert calendar.working_days_between(monday, friday) == -1
    assert calendar.working_days_between(friday, monday, week=6) == 2  # Saturday works
    # across Nauryz 2026: Fri 20 -> Thu 26 has one working day (Thu 26)
    assert calendar.working_days_between(date(2026, 3, 20), date(2026, 3, 26)) == 1


def test_days_off_lists_names_in_three_languages() -> None:
    offs = {off.day: off for off in calendar.days_off(2026)}
    assert offs[date(2026, 3, 24)].names == {
        "kk": "Наурыз мейрамы",
        "ru": "Наурыз мейрамы",
        "en": "Nauryz (Nowruz) holiday",
    }
    assert offs[date(2026, 12, 16)].reason == "holiday"
    assert all(off.reason != "weekend" for off in offs.values())
    assert calendar.public_days_off([2026]) == frozenset(offs)


def test_years_outside_the_data_are_projected_from_fixed_dates() -> None:
    assert list(calendar.covered_years()) == [2024, 2025, 2026, 2027]
    # 2028: New Year on Sat/Sun carries to Mon 3 and Tue 4 January; no Kurban Ait, no transfers
    assert [calendar.day_off_reason(date(2028, 1, d)) for d in range(1, 6)] == [
        "holiday",
        "holiday",
        "carry_over",
        "carry_over",
        None,
    ]
    assert calendar.day_off_reason(date(2028, 3, 15)) == "holiday"
    assert calendar.day_off_reason(date(2023, 3, 21)) == "holiday"


@pytest.mark.parametrize("week", [0, 4, 7])
def test_bad_week_is_refused(week: int) -> None:
    with pytest.raises(ValueError, match="week"):
        calendar.is_working_day(date(2026, 1, 1), week=week)


# --- deadlines -------------------------------------------------------------------------------------


def test_working_days_do_not_count_the_day_of_submission() -> None:
    # Monday 10:00 + 1 working day -> Tuesday 18:00
    assert local(calendar.deadline(at(2026, 11, 23), 1, "working_days")) == datetime(2026, 11, 24, 18)
    # Friday + 1 -> Monday; + 5 -> the next Friday
    assert local(calendar.deadline(at(2026, 11, 27), 1, "working_days")) == datetime(2026, 11, 30, 18)
    assert local(calendar.deadline(at(2026, 11, 27), 5, "working_days")) == datetime(2026, 12, 4, 18)
    # zero: the end of the acceptance day
    assert local(calendar.deadline(at(2026, 11, 27), 0, "working_days")) == datetime(2026, 11, 27, 18)


def test_out_of_hours_submission_is_accepted_the_next_working_day() -> None:
    # Friday 18:30 and Saturday count as accepted on Monday: + 1 working day -> Tuesday
    assert local(calendar.deadline(at(2026, 11, 27, 18, 30), 1, "working_days")) == datetime(2026, 12, 1, 18)
    assert local(calendar.deadline(at(2026, 11, 28, 11), 1, "working_days")) == datetime(2026, 12, 1, 18)
    # before the opening still counts as that day
    assert local(calendar.deadline(at(2026, 11, 27, 7), 1, "working_days")) == datetime(2026, 11, 30, 18)


def test_deadline_across_nauryz() -> None:
    # Thursday 19 March 2026 + 3 working days: Fri 20, (21-25 off), Thu 26, Fri 27
    assert local(calendar.deadline(at(2026, 3, 19), 3, "working_days")) == datetime(2026, 3, 27, 18)
    # 2025: Thursday 20 March + 1 -> (21-25 off) Wednesday 26
    assert local(calendar.deadline(at(2025, 3, 20), 1, "working_days")) == datetime(2025, 3, 26, 18)


def test_deadline_across_new_year() -> None:
    # Wednesday 30 December 2026 + 2 working days: Thu 31, (1-4 off) Tue 5 January 2027
    assert local(calendar.deadline(at(2026, 12, 30), 2, "working_days")) == datetime(2027, 1, 5, 18)
    # 31 December 2024 + 1: (1, 2, 3 off, 4 Saturday) Sunday 5 January 2025 is a decreed working day
    assert local(calendar.deadline(at(2024, 12, 31), 1, "working_days")) == datetime(2025, 1, 5, 18)
    # Monday 28 December 2026 + 10 calendar days = 7 January 2027, Orthodox Christmas -> Friday 8
    assert local(calendar.deadline(at(2026, 12, 28), 10, "calendar_days")) == datetime(2027, 1, 8, 18)


def test_calendar_days_ending_on_a_day_off_move_to_the_next_working_day() -> None:
    # Monday 23 November 2026 + 5 calendar days = Saturday 28 -> Monday 30
    assert local(calendar.deadline(at(2026, 11, 23), 5, "calendar_days")) == datetime(2026, 11, 30, 18)
    # + 3 = Thursday 26, a working day
    assert local(calendar.deadline(at(2026, 11, 23), 3, "calendar_days")) == datetime(2026, 11, 26, 18)
    # 15 March 2026 (Sunday, accepted Monday 16) + 8 = Tuesday 24, carried-over Nauryz -> Thursday 26
    assert local(calendar.deadline(at(2026, 3, 15), 8, "calendar_days")) == datetime(2026, 3, 26, 18)


def test_working_hours_over_a_weekend() -> None:
    # Friday 16:00 + 4 working hours: 2 on Friday, 2 on Monday from 09:00
    assert local(calendar.deadline(at(2026, 11, 27, 16), 4, "working_hours")) == datetime(2026, 11, 30, 11)
    # within the day
    assert local(calendar.deadline(at(2026, 11, 27, 10), 2, "working_hours")) == datetime(2026, 11, 27, 12)
    # exactly to the closing time
    assert local(calendar.deadline(at(2026, 11, 27, 10), 8, "working_hours")) == datetime(2026, 11, 27, 18)
    # Saturday: counting starts at Monday's opening
    assert local(calendar.deadline(at(2026, 11, 28, 12), 3, "working_hours")) == datetime(2026, 11, 30, 12)
    # a long term: 20 hours from Friday 17:00 = 1 + 9 (Mon) + 9 (Tue) + 1 (Wed)
    assert local(calendar.deadline(at(2026, 11, 27, 17), 20, "working_hours")) == datetime(2026, 12, 2, 10)
    # over the New Year 2027: Thursday 31 December 17:00 + 2 -> Tuesday 5 January 10:00
    assert local(calendar.deadline(at(2026, 12, 31, 17), 2, "working_hours")) == datetime(2027, 1, 5, 10)


def test_zero_working_hours_is_the_next_working_moment() -> None:
    assert local(calendar.deadline(at(2026, 11, 27, 10, 30), 0, "working_hours")) == datetime(
        2026, 11, 27, 10, 30
    )
    assert local(calendar.deadline(at(2026, 11, 27, 6), 0, "working_hours")) == datetime(2026, 11, 27, 9)
    assert local(calendar.deadline(at(2026, 11, 27, 19), 0, "working_hours")) == datetime(2026, 11, 30, 9)


def test_deadline_is_utc_and_honours_the_time_zone() -> None:
    result = calendar.deadline(at(2026, 11, 23), 1, "working_days")
    assert result.tzinfo is UTC
    assert result == datetime(2026, 11, 24, 13, tzinfo=UTC)  # 18:00 in UTC+5
    # a submission given in UTC is read in the centre's zone: 20:00 UTC Sunday is 01:00 Monday in Almaty
    sunday_night = datetime(2026, 11, 29, 20, tzinfo=UTC)
    assert local(calendar.deadline(sunday_night, 1, "working_days")) == datetime(2026, 12, 1, 18)
    # another zone: 18:00 in Moscow
    moscow = calendar.deadline(at(2026, 11, 23), 1, "working_days", timezone="Europe/Moscow")
    assert moscow == datetime(2026, 11, 24, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("submitted", "amount", "unit", "message"),
    [
        (datetime(2026, 11, 27, 10), 1, "working_days", "aware"),
        (at(2026, 11, 27), 1, "weeks", "unit"),
        (at(2026, 11, 27), -1, "working_days", "amount"),
        (at(2026, 11, 27), True, "working_days", "amount"),
        (at(2026, 11, 27), 10**9, "working_hours", "amount"),
    ],
)
def test_bad_deadline_input_is_refused(submitted: datetime, amount: int, unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calendar.deadline(submitted, amount, unit)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        calendar.deadline(at(2026, 11, 27), 1, "working_days", timezone="Mars/Olympus")


submissions = st.datetimes(
    min_value=datetime(2023, 6, 1), max_value=datetime(2028, 6, 1), timezones=st.just(ALMATY)
)


@settings(max_examples=300, deadline=None)
@given(submitted=submissions, amount=st.integers(0, 60), unit=st.sampled_from(calendar.UNITS))
def test_a_deadline_is_a_working_moment_never_before_the_submission(
    submitted: datetime, amount: int, unit: str
) -> None:
    result = calendar.deadline(submitted, amount, unit)
    assert result.tzinfo is not None
    assert result >= submitted
    assert calendar.is_working_moment(result)
    wall = result.astimezone(ALMATY)
    assert calendar.is_working_day(wall.date())
    assert calendar.WORK_STARTS <= wall.time().replace(tzinfo=None) <= calendar.WORK_ENDS


@settings(max_examples=200, deadline=None)
@given(submitted=submissions, amount=st.integers(1, 40))
def test_working_days_deadline_is_amount_working_days_after_acceptance(
    submitted: datetime, amount: int
) -> None:
    result = calendar.deadline(submitted, amount, "working_days").astimezone(ALMATY)
    assert result.time() == time(18)
    counted = calendar.working_days_between(submitted.date(), result.date())
    accepted_same_day = calendar.is_working_day(submitted.date()) and submitted.time() < time(18)
    assert counted == (amount if accepted_same_day else amount + 1)
    # and one more unit is never earlier
    assert calendar.deadline(submitted, amount + 1, "working_days") > result


@settings(max_examples=200, deadline=None)
@given(submitted=submissions, amount=st.integers(0, 100))
def test_more_working_hours_is_never_earlier(submitted: datetime, amount: int) -> None:
    one = calendar.deadline(submitted, amount, "working_hours")
    two = calendar.deadline(submitted, amount + 1, "working_hours")
    assert two - one >= timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31)), week=st.sampled_from([5, 6]))
def test_reason_and_working_day_agree(day: date, week: int) -> None:
    reason = calendar.day_off_reason(day, week=week)
    assert reason in (None, "holiday", "carry_over", "transfer", "weekend")
    assert calendar.is_working_day(day, week=week) == (reason is None)
    if day.weekday() == 6:  # Sunday is always a day off except by decree (5-day week)
        assert reason is not None or (week == 5 and day == date(2025, 1, 5))
