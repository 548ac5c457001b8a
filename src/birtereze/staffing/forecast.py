"""Demand forecast per queue and half hour, and its rolling-origin backtest. Pure functions, no database.

The model is a regularised Poisson regression with a log link, so its effects multiply: a weekday level,
a half-hour profile, the profile's deviation on each weekday, the first and the last days of a month,
and the working days next to a public holiday (a centre closed on a holiday meets the demand it did not
serve the day after). Each weekday's deviation from the common profile is smooth (the penalty falls on its
changes from one half hour to the next) and shrinks towards a constant shift, so a few weeks of history
do not copy last week's noise. The month and holiday effects enter only once the history can tell them
apart from the weekday level (``identifiable``): a single month's first days are just its first week.
Recent days weigh more (a half-life of four weeks) so that the level follows a drift in demand.

What the history cannot tell is not guessed: the half hours outside a weekday's busy span in the
history, a weekday never open in it, and a holiday when no holiday in the history had arrivals are
forecast as zero (closed). The Kazakh working calendar (holidays and transferred days) comes in as
``holidays``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import PoissonRegressor
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # scikit-learn's own dependency

SLOT_MINUTES: Final = 30
SLOTS: Final = 24 * 60 // SLOT_MINUTES
MONTH_EDGE_DAYS: Final = 3
HALF_LIFE_DAYS: Final = 28.0
# The penalty on the steps of a weekday's profile is (1 / INTERACTION_SCALE)² times the main effects'.
INTERACTION_SCALE: Final = 0.3
DEFAULT_ALPHA: Final = 1e-3

Counts = npt.NDArray[np.float64]
Key = TypeVar("Key", bound=Hashable)
Baseline = Literal["model", "last_week", "mean_half_hour", "mean_weekday_half_hour"]
METHODS: Final[tuple[Baseline, ...]] = ("model", "last_week", "mean_half_hour", "mean_weekday_half_hour")


def slot_of(moment: datetime) -> int:
    return (moment.hour * 60 + moment.minute) // SLOT_MINUTES


def counts_by_day(arrivals: Iterable[datetime], days: Iterable[date]) -> dict[date, Counts]:
    """Arrivals per half hour of each of ``days`` (local times); arrivals on other days are ignored."""
    counts = {day: np.zeros(SLOTS) for day in days}
    for moment in arrivals:
        row = counts.get(moment.date())
        if row is not None:
            row[slot_of(moment)] += 1.0
    return counts


@dataclass(frozen=True, slots=True)
class Calendar:
    """The days' features that do not depend on the queue."""

    holidays: Set[date] = frozenset()

    def month_start(self, day: date) -> bool:
        return day.day <= MONTH_EDGE_DAYS

    def month_end(self, day: date) -> bool:
        return day.day > calendar.monthrange(day.year, day.month)[1] - MONTH_EDGE_DAYS

    def after_holiday(self, day: date) -> bool:
        return day not in self.holidays and day - timedelta(days=1) in self.holidays

    def before_holiday(self, day: date) -> bool:
        return day not in self.holidays and day + timedelta(days=1) in self.holidays

    def day_features(self, day: date) -> list[float]:
        return [
            float(self.month_start(day)),
            float(self.month_end(day)),
            float(day in self.holidays),
            float(self.after_holiday(day)),
            float(self.before_holiday(day)),
        ]


@dataclass(frozen=True, slots=True)
class DemandModel:
    """A fitted forecast for one queue; ``predict`` gives the expected arrivals of each half hour."""

    calendar: Calendar
    active_slots: npt.NDArray[np.int64]
    # Each weekday's hours as the history shows them: from its first to its last busy half hour.
    hours: Mapping[int, tuple[int, int]]
    holidays_seen_open: bool
    regression: PoissonRegressor | None
    used_features: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(5))

    def predict(self, day: date) -> Counts:
        closed = day.weekday() not in self.hours or (
            day in self.calendar.holidays and not self.holidays_seen_open
        )
        if closed or self.active_slots.size == 0:
            return np.zeros(SLOTS)
        if self.regression is None:
            return np.zeros(SLOTS)
        forecast = np.zeros(SLOTS)
        design = _design([day], self.active_slots, self.calendar, self.used_features)
        forecast[self.active_slots] = self.regression.predict(design)
        first, last = self.hours[day.weekday()]
        forecast[:first] = 0.0
        forecast[last + 1 :] = 0.0
        return forecast


def _design(
    days: Sequence[date], slots: npt.NDArray[np.int64], cal: Calendar, used: npt.NDArray[np.float64]
) -> Counts:
    """One row per (day, active slot): weekday, slot, the weekday's profile steps, and the day's features.

    A weekday's deviation from the common profile is coded as a sum of steps (column ``i`` is 1 from slot
    ``i`` on), so the ridge penalty falls on the changes between neighbouring half hours: the deviation
    is smooth, and shrinks to a constant shift rather than to noise.
    """
    width = slots.size
    local = np.arange(width)
    steps = np.tril(np.ones((width, width))) * INTERACTION_SCALE
    interactions = 7 + width
    features = 7 + 8 * width
    design = np.zeros((len(days) * width, features + len(used)))
    for d, day in enumerate(days):
        rows = d * width + local
        weekday = day.weekday()
        design[rows, weekday] = 1.0
        design[rows, 7 + local] = 1.0
        block = interactions + weekday * width
        design[rows[0] : rows[-1] + 1, block : block + width] = steps
        design[rows, features:] = np.asarray(cal.day_features(day)) * used
    return design


def identifiable(days: Sequence[date], cal: Calendar) -> npt.NDArray[np.float64]:
    """Which day features the history can tell apart (1.0) from the weekday level and the drift (0.0).

    A month's first or last days count only when the history holds them in two months at least: in a
    single month they are just that month's first or last week. A holiday counts when the history has a
    holiday with arrivals; the days next to one when it has such a day.
    """
    months_start = {(d.year, d.month) for d in days if cal.month_start(d)}
    months_end = {(d.year, d.month) for d in days if cal.month_end(d)}
    return np.array(
        [
            float(len(months_start) >= 2),
            float(len(months_end) >= 2),
            float(any(d in cal.holidays for d in days)),
            float(any(cal.after_holiday(d) for d in days)),
            float(any(cal.before_holiday(d) for d in days)),
        ]
    )


def fit(
    history: Mapping[date, Counts],
    *,
    holidays: Set[date] = frozenset(),
    open_days: Set[date] | None = None,
    alpha: float = DEFAULT_ALPHA,
) -> DemandModel:
    """Fit one queue's model on its counts per day (``SLOTS`` half hours each).

    ``open_days``: the days the centre was open; by default those with at least one arrival in this queue.
    Pass the centre's own (any queue busy) so that a quiet queue's zero days count as zeros, not closures.
    """
    cal = Calendar(frozenset(holidays))
    days = sorted(d for d, row in history.items() if (row.sum() > 0 if open_days is None else d in open_days))
    if not days:
        return DemandModel(cal, np.zeros(0, dtype=np.int64), {}, False, None)
    counts = np.stack([np.asarray(history[d], dtype=np.float64) for d in days])
    active = np.flatnonzero(counts.sum(axis=0) > 0).astype(np.int64)
    weekdays = {}
    for weekday in {d.weekday() for d in days}:
        busy = np.flatnonzero(counts[[d.weekday() == weekday for d in days]].sum(axis=0) > 0)
        weekdays[weekday] = (int(busy[0]), int(busy[-1])) if busy.size else (SLOTS, SLOTS)
    holidays_open = any(d in cal.holidays and history[d].sum() > 0 for d in days)
    if active.size == 0:
        return DemandModel(cal, active, weekdays, holidays_open, None)
    last = days[-1]
    age = np.array([(last - d).days for d in days], dtype=np.float64)
    weights = np.repeat(0.5 ** (age / HALF_LIFE_DAYS), active.size)
    target = counts[:, active].reshape(-1)
    regression = PoissonRegressor(alpha=alpha, solver="newton-cholesky", max_iter=200)
    used = identifiable(days, cal)
    # A few hundred columns: threads cost more than they bring, ten times more on a busy machine.
    with threadpool_limits(limits=1):
        regression.fit(_design(days, active, cal, used), target, sample_weight=weights / weights.mean())
    return DemandModel(cal, active, weekdays, holidays_open, regression, used)


def forecast_demand(
    arrivals: Mapping[Key, Iterable[datetime]],
    days: Sequence[date],
    *,
    history_days: Sequence[date] | None = None,
    holidays: Set[date] = frozenset(),
    alpha: float = DEFAULT_ALPHA,
) -> dict[Key, dict[date, Counts]]:
    """Expected arrivals per half hour of ``days`` for each queue (key: e.g. ``(branch_id, queue_id)``).

    ``arrivals``: each queue's ticket times in the centre's local time. ``history_days``: the days the
    history covers (default: from the first to the last arrival); the centre counts as open on a day when
    any of its queues had an arrival.
    """
    materialised = {key: list(times) for key, times in arrivals.items()}
    if history_days is None:
        seen = [t.date() for times in materialised.values() for t in times]
        if not seen:
            return {key: {day: np.zeros(SLOTS) for day in days} for key in materialised}
        first, last = min(seen), max(seen)
        history_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    per_queue = {key: counts_by_day(times, history_days) for key, times in materialised.items()}
    open_days = frozenset(d for d in history_days if any(rows[d].sum() > 0 for rows in per_queue.values()))
    result: dict[Key, dict[date, Counts]] = {}
    for key, history in per_queue.items():
        model = fit(history, holidays=holidays, open_days=open_days, alpha=alpha)
        result[key] = {day: model.predict(day) for day in days}
    return result


# --- backtest -------------------------------------------------------------------------------------


def baseline(method: Baseline, history: Mapping[date, Counts], day: date) -> Counts:
    """The naive forecasts the model must beat, from the open days of ``history`` before ``day``."""
    past = [d for d in sorted(history) if d < day]
    if not past:
        return np.zeros(SLOTS)
    if method == "last_week":
        week_ago = day - timedelta(days=7)
        return np.asarray(history[week_ago], dtype=np.float64) if week_ago in history else np.zeros(SLOTS)
    same = [d for d in past if d.weekday() == day.weekday()] if method == "mean_weekday_half_hour" else past
    same = same or past
    return np.asarray(np.mean([history[d] for d in same], axis=0), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Errors:
    """Errors per half hour over the evaluated half hours: MAE in arrivals, WAPE = Σ|error| / Σ actual."""

    mae: float
    wape: float
    bias: float
    half_hours: int
    arrivals: float


@dataclass(slots=True)
class Backtest(Generic[Key]):
    origins: list[date]
    queues: dict[Key, dict[Baseline, Errors]]
    total: dict[Baseline, Errors]


def errors(
    forecasts: Sequence[Counts], actuals: Sequence[Counts], mask: Sequence[npt.NDArray[np.bool_]]
) -> Errors:
    if not forecasts:
        return Errors(math.nan, math.nan, math.nan, 0, 0.0)
    f = np.concatenate([row[m] for row, m in zip(forecasts, mask, strict=True)])
    a = np.concatenate([row[m] for row, m in zip(actuals, mask, strict=True)])
    total = float(a.sum())
    return Errors(
        mae=float(np.abs(f - a).mean()) if a.size else math.nan,
        wape=float(np.abs(f - a).sum() / total) if total else math.nan,
        bias=float((f - a).mean()) if a.size else math.nan,
        half_hours=int(a.size),
        arrivals=total,
    )


def backtest(
    histories: Mapping[Key, Mapping[date, Counts]],
    origins: Sequence[date],
    *,
    horizon_days: int = 1,
    holidays: Set[date] = frozenset(),
    alpha: float = DEFAULT_ALPHA,
) -> Backtest[Key]:
    """Rolling origin: for each origin, fit on the open days before it and forecast ``horizon_days`` on.

    ``histories`` holds every queue's counts on the centre's open days (the same days for every queue).
    A target day absent from the histories (closed) is skipped. The half hours scored are those in which
    the training history or the day itself had an arrival, so that the night's zeros do not flatter MAE.
    """
    keys = list(histories)
    scored: list[date] = []
    forecasts: dict[Key, dict[Baseline, list[Counts]]] = {k: {m: [] for m in METHODS} for k in keys}
    actuals: dict[Key, list[Counts]] = {k: [] for k in keys}
    masks: dict[Key, list[npt.NDArray[np.bool_]]] = {k: [] for k in keys}
    total_masks: list[npt.NDArray[np.bool_]] = []
    for origin in origins:
        target = origin + timedelta(days=horizon_days - 1)
        if any(target not in histories[k] for k in keys):
            continue
        scored.append(target)
        open_all = np.zeros(SLOTS, dtype=bool)
        for key in keys:
            history = histories[key]
            train = {d: row for d, row in history.items() if d < origin}
            model = fit(train, holidays=holidays, open_days=frozenset(train), alpha=alpha)
            actual = np.asarray(history[target], dtype=np.float64)
            seen = np.zeros(SLOTS, dtype=bool)
            if train:
                seen = np.stack(list(train.values())).sum(axis=0) > 0
            mask = seen | (actual > 0)
            open_all |= mask
            forecasts[key]["model"].append(model.predict(target))
            for method in METHODS[1:]:
                forecasts[key][method].append(baseline(method, train, target))
            actuals[key].append(actual)
            masks[key].append(mask)
        total_masks.append(open_all)
    per_queue = {k: {m: errors(forecasts[k][m], actuals[k], masks[k]) for m in METHODS} for k in keys}
    total: dict[Baseline, Errors] = {}
    for method in METHODS:
        summed = [sum((forecasts[k][method][i] for k in keys), np.zeros(SLOTS)) for i in range(len(scored))]
        summed_actual = [sum((actuals[k][i] for k in keys), np.zeros(SLOTS)) for i in range(len(scored))]
        total[method] = errors(summed, summed_actual, total_masks)
    return Backtest(origins=scored, queues=per_queue, total=total)
