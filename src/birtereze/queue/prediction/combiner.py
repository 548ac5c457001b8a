"""Choosing or blending predictors per queue by their recent accuracy, online.

Every ticket gets each predictor's estimate when it is issued (a ``Forecast`` keeps them); when the ticket
is called and its true wait is known, ``observe`` adds each predictor's error to a rolling window kept
per queue and over all queues. A queue with enough errors of its own is judged on them, a young queue
on the pooled ones, and before any error is known the first predictor listed is trusted. In ``select``
mode another predictor replaces the first only where it is clearly better on the recent tickets; in
``blend`` mode each answers in proportion to 1 / MAE².

Nothing here needs a trained model: with the simple and Erlang-A predictors alone the combiner is the
live product's fallback.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from birtereze.queue.prediction.base import Predictor
from birtereze.queue.prediction.erlang import ErlangA
from birtereze.queue.prediction.simple import HeadOfLine, LastToEnterService, QueueLength
from birtereze.queue.prediction.state import QueueState

Mode = Literal["select", "blend"]
POOLED = "*"


@dataclass(frozen=True, slots=True)
class Forecast:
    """A ticket's predicted wait, who gave it, and every predictor's estimate (for ``observe``)."""

    queue: str
    wait_s: float
    chosen: str
    estimates: tuple[tuple[str, float], ...]


class Combiner:
    """Rolling accuracy per queue and per predictor; ``forecast`` at issue, ``observe`` at the call.

    In ``select`` mode the first predictor listed is the default, and a queue switches to another only
    on evidence: its rolling MAE must be lower by ``margin`` (relative) and the paired difference of the
    absolute errors, ticket by ticket, must exceed ``z`` standard errors. Waits of a queue come in
    correlated runs (one busy morning), so a plain "lowest recent MAE" rule switches on noise and on
    episodes that are over by the time their waits are known.
    """

    def __init__(
        self,
        predictors: Sequence[Predictor],
        *,
        window: int = 200,
        min_errors: int = 30,
        mode: Mode = "select",
        margin: float = 0.05,
        z: float = 2.0,
    ) -> None:
        if not predictors:
            raise ValueError("the combiner needs at least one predictor")
        names = [predictor.name for predictor in predictors]
        if len(set(names)) != len(names):
            raise ValueError(f"predictor names must be unique: {names}")
        self.predictors = tuple(predictors)
        self.names = tuple(names)
        self.window = window
        self.min_errors = min_errors
        self.mode: Mode = mode
        self.margin = margin
        self.z = z
        # Per queue (and POOLED): the absolute errors of the last ``window`` observed tickets.
        self._errors: dict[str, _Errors] = {}

    def forecast(self, state: QueueState) -> Forecast:
        """Ask every predictor, then combine their estimates by the queue's recent accuracy."""
        return self.combine(state.queue, {p.name: p.predict(state) for p in self.predictors})

    def combine(self, queue: str, estimates: Mapping[str, float]) -> Forecast:
        """Combine estimates already computed (a batch-predicted model, or a stored forecast)."""
        values = tuple((name, float(estimates[name])) for name in self.names)
        errors = self._evidence(queue)
        if errors is None:
            return Forecast(queue=queue, wait_s=values[0][1], chosen=values[0][0], estimates=values)
        if self.mode == "select":
            chosen = self._select(errors)
            name, wait = values[chosen]
            return Forecast(queue=queue, wait_s=wait, chosen=name, estimates=values)
        weights = [1.0 / max(mae, 1.0) ** 2 for mae in errors.maes()]
        wait = sum(w * value for w, (_, value) in zip(weights, values, strict=True)) / sum(weights)
        return Forecast(queue=queue, wait_s=wait, chosen="blend", estimates=values)

    def observe(self, forecast: Forecast, actual_wait_s: float) -> None:
        """The ticket was called after ``actual_wait_s``: record every predictor's error."""
        given = dict(forecast.estimates)
        if any(name not in given for name in self.names):
            return  # a forecast made by a combiner of other predictors
        row = tuple(abs(given[name] - actual_wait_s) for name in self.names)
        for key in (forecast.queue, POOLED):
            errors = self._errors.get(key)
            if errors is None:
                errors = self._errors[key] = _Errors(len(self.names), self.window)
            errors.append(row)

    def scores(self, queue: str) -> dict[str, float]:
        """Rolling MAE of each predictor as judged for ``queue`` (empty: too few errors seen yet)."""
        errors = self._evidence(queue)
        if errors is None:
            return {}
        return dict(zip(self.names, errors.maes(), strict=True))

    def _evidence(self, queue: str) -> _Errors | None:
        """The queue's own errors when there are enough, else the pooled ones, else None."""
        for key in (queue, POOLED):
            errors = self._errors.get(key)
            if errors is not None and len(errors) >= self.min_errors:
                return errors
        return None

    def _select(self, errors: _Errors) -> int:
        if errors.chosen is not None:
            return errors.chosen
        errors.chosen = self._choose(errors)
        return errors.chosen

    def _choose(self, errors: _Errors) -> int:
        maes = errors.maes()
        best = min(range(len(maes)), key=lambda i: (maes[i], i))
        if best == 0 or maes[best] > (1 - self.margin) * maes[0]:
            return 0
        rows = errors.rows
        n = len(rows)
        differences = [row[0] - row[best] for row in rows]
        mean = sum(differences) / n
        variance = sum((d - mean) ** 2 for d in differences) / max(n - 1, 1)
        return best if mean > self.z * math.sqrt(variance / n) else 0


class _Errors:
    """The rows of absolute errors of the last ``window`` tickets (one column per predictor), with their
    column sums kept as rows come and go: each forecast reads the MAEs, so they must not cost a pass over
    the window (summed afresh once per window's worth of rows, so that rounding cannot drift)."""

    __slots__ = ("_added", "chosen", "rows", "sums")

    def __init__(self, columns: int, window: int) -> None:
        self.rows: deque[tuple[float, ...]] = deque(maxlen=window)
        self.sums = [0.0] * columns
        self._added = 0
        # The predictor ``select`` mode chose on these rows (None: not chosen since the last row came).
        self.chosen: int | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, row: tuple[float, ...]) -> None:
        rows, sums = self.rows, self.sums
        leaving = rows[0] if len(rows) == rows.maxlen else None
        rows.append(row)
        self._added += 1
        self.chosen = None
        if self._added % (rows.maxlen or 1) == 0:
            self.sums = [math.fsum(column) for column in zip(*rows, strict=True)]
            return
        for i, value in enumerate(row):
            sums[i] += value if leaving is None else value - leaving[i]

    def maes(self) -> list[float]:
        n = len(self.rows)
        return [total / n for total in self.sums]


def simple_predictors() -> list[Predictor]:
    """The predictors that need no training, the model-based one first (trusted before any error)."""
    return [ErlangA(), QueueLength(), LastToEnterService(), HeadOfLine()]


def default_combiner(model: Predictor | None = None, *, mode: Mode = "select") -> Combiner:
    """The product's combiner: the learned model first when one is installed, else Erlang-A first."""
    predictors = simple_predictors()
    return Combiner([model, *predictors] if model is not None else predictors, mode=mode)
