"""Demand forecast on synthetic history with a known multiplicative pattern, and its backtest."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from birtereze.staffing.forecast import (
    SLOTS,
    Counts,
    backtest,
    baseline,
    counts_by_day,
    errors,
    fit,
    forecast_demand,
    slot_of,
)

FIRST = date(2025, 1, 6)  # a Monday
HOLIDAYS = frozenset({date(2025, 1, 7), date(2025, 2, 11), date(2025, 3, 4), date(2025, 3, 25)})
WEEKDAY_LEVEL = {0: 1.3, 1: 1.0, 2: 1.0, 3: 1.0, 4: 0.9, 5: 0.6}  # Sunday closed
MONTH_START, AFTER_HOLIDAY = 1.5, 1.4


def truth(day: date) -> Counts:
    """Expected arrivals per half hour: open 09:00–20:00 (Saturday until 14:00), a late-morning peak."""
    rate = np.zeros(SLOTS)
    if day.weekday() not in WEEKDAY_LEVEL or day in HOLIDAYS:
        return rate
    closes = 28 if day.weekday() == 5 else 40
    slots = np.arange(18, closes)
    rate[slots] = 6.0 + 14.0 * np.exp(-(((slots - 23) / 5.0) ** 2))
    level = WEEKDAY_LEVEL[day.weekday()]
    if day.day <= 3:
        level *= MONTH_START
    if day - timedelta(days=1) in HOLIDAYS:
        level *= AFTER_HOLIDAY
    return rate * level


def history(weeks: int, seed: int = 7) -> dict[date, Counts]:
    rng = np.random.default_rng(seed)
    days = [FIRST + timedelta(days=i) for i in range(7 * weeks)]
    return {d: rng.poisson(truth(d)).astype(np.float64) for d in days if truth(d).sum() > 0}


def test_it_recovers_a_known_multiplicative_pattern() -> None:
    past = history(12)
    model = fit(past, holidays=HOLIDAYS)
    wednesday = date(2025, 4, 16)
    normal = model.predict(wednesday)
    expected = truth(wednesday)
    open_slots = expected > 0
    assert normal.sum() == pytest.approx(expected.sum(), rel=0.05)
    # Pooling the weekdays' common profile comes nearer the truth than the Wednesdays' own mean.
    own_mean = baseline("mean_weekday_half_hour", past, wednesday)
    assert np.abs(normal - expected)[open_slots].mean() < np.abs(own_mean - expected)[open_slots].mean()
    assert normal[~open_slots].sum() == 0.0  # nobody at night: the history never saw anyone then
    month_start = model.predict(date(2025, 4, 2)).sum() / normal.sum()
    assert month_start == pytest.approx(MONTH_START, rel=0.12)
    after_holiday = model.predict(date(2025, 3, 26)).sum() / normal.sum()
    assert after_holiday == pytest.approx(AFTER_HOLIDAY, rel=0.15)
    saturday = model.predict(date(2025, 4, 19))
    assert saturday[28:].sum() == pytest.approx(0.0, abs=0.5) and saturday[18:28].sum() > 0
    # Closed in the history, so closed in the forecast: Sundays, and holidays (none had arrivals).
    assert model.predict(date(2025, 4, 20)).sum() == 0.0
    assert fit(history(12), holidays=HOLIDAYS | {date(2025, 4, 22)}).predict(date(2025, 4, 22)).sum() == 0.0


def test_a_single_month_does_not_invent_a_month_start_effect() -> None:
    # Three weeks inside one month: its first days are just its first week, so they must not count.
    january = {d: row for d, row in history(4).items() if d.month == 1}
    model = fit(january)
    assert model.used_features[0] == 0.0
    ratio = model.predict(date(2025, 3, 5)).sum() / model.predict(date(2025, 3, 12)).sum()
    assert ratio == pytest.approx(1.0, abs=1e-9)


def test_the_backtest_beats_the_naive_baselines_on_a_known_pattern() -> None:
    data = history(12, seed=11)
    origins = [FIRST + timedelta(days=7 * 9 + i) for i in range(21)]
    result = backtest({"A": data}, origins, holidays=HOLIDAYS)
    assert len(result.origins) == 17  # three Sundays and a holiday closed
    model = result.total["model"]
    for method in ("last_week", "mean_half_hour", "mean_weekday_half_hour"):
        assert model.mae < result.total[method].mae, method
    # Poisson noise alone costs about √(2λ/π) per half hour; the model should come near it.
    scored = [truth(d) for d in result.origins]
    floor = float(np.mean([np.sqrt(2 * r[r > 0] / np.pi).mean() for r in scored]))
    assert model.mae < 1.3 * floor
    assert abs(model.bias) < 0.5
    assert result.queues["A"]["model"] == model


def test_a_week_ahead_backtest_scores_the_day_a_week_after_each_origin() -> None:
    data = history(12)
    origins = [date(2025, 3, 10), date(2025, 3, 11)]  # a week on: a closed Sunday, then a Monday
    result = backtest({"A": data}, origins, horizon_days=7, holidays=HOLIDAYS)
    assert result.origins == [date(2025, 3, 17)]
    assert result.total["model"].half_hours == 22


def test_it_forecasts_each_queue_from_ticket_times() -> None:
    rng = np.random.default_rng(3)
    busy: list[datetime] = []
    quiet: list[datetime] = []
    days = [FIRST + timedelta(days=i) for i in range(7 * 6)]
    for day in days:
        for slot, expected in enumerate(truth(day)):
            start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=30 * slot)
            busy += [start + timedelta(seconds=float(s)) for s in rng.uniform(0, 1800, rng.poisson(expected))]
        if day.weekday() == 2 and truth(day).sum():
            quiet.append(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))
    target = date(2025, 2, 26)  # a Wednesday
    result = forecast_demand({(1, "A"): busy, (1, "B"): quiet}, [target, target + timedelta(days=4)])
    assert set(result) == {(1, "A"), (1, "B")}
    assert result[(1, "A")][target].sum() == pytest.approx(truth(target).sum(), rel=0.15)
    # B had one ticket every Wednesday at 10:00 and none on the other open days: those were zeros.
    assert result[(1, "B")][target][slot_of(datetime(2025, 2, 26, 10))] == pytest.approx(1.0, rel=0.3)
    assert result[(1, "B")][target + timedelta(days=4)].sum() < 0.2  # the Sunday after: closed


def test_counts_by_day_puts_each_ticket_in_its_half_hour() -> None:
    day = date(2025, 1, 6)
    counts = counts_by_day(
        [datetime(2025, 1, 6, 9, 0), datetime(2025, 1, 6, 9, 29, 59), datetime(2025, 1, 6, 9, 30)], [day]
    )
    assert counts[day][18] == 2 and counts[day][19] == 1 and counts[day].sum() == 3


def test_the_baselines_read_the_right_days() -> None:
    monday, tuesday = date(2025, 1, 6), date(2025, 1, 7)
    past = {
        monday: np.full(SLOTS, 2.0),
        tuesday: np.full(SLOTS, 4.0),
        monday + timedelta(days=7): np.full(SLOTS, 6.0),
    }
    target = monday + timedelta(days=14)
    assert baseline("last_week", past, target)[0] == 6.0
    assert baseline("mean_weekday_half_hour", past, target)[0] == 4.0
    assert baseline("mean_half_hour", past, target)[0] == 4.0
    assert baseline("mean_weekday_half_hour", past, tuesday + timedelta(days=7))[0] == 4.0


def test_errors_are_per_scored_half_hour() -> None:
    forecast, actual = np.array([1.0, 5.0, 9.0]), np.array([2.0, 5.0, 0.0])
    scored = errors([forecast], [actual], [np.array([True, True, False])])
    assert (scored.mae, scored.wape, scored.bias, scored.half_hours) == (0.5, 1 / 7, -0.5, 2)
