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
        # Per queue (and POOLED): one row of absolute errors per observed ticket, in ``names`` order.
        self._errors: dict[str, deque[tuple[float, ...]]] = {}

    def forecast(self, state: QueueState) -> Forecast:
        """Ask every predictor, then combine their estimates by the queue's recent accuracy."""
        return self.combine(state.queue, {p.name: p.predict(state) for p in self.predictors})

    def combine(self, queue: str, estimates: Mapping[str, float]) -> Forecast:
        """Combine estimates already computed (a batch-predicted model, or a stored forecast)."""
        values = tuple((name, float(estimates[name])) for name in self.names)
        rows = self._evidence(queue)
        if rows is None:
            return Forecast(queue=queue, wait_s=values[0][1], chosen=values[0][0], estimates=values)
        if self.mode == "select":
            chosen = self._select(rows)
            name, wait = values[chosen]
            return Forecast(queue=queue, wait_s=wait, chosen=name, estimates=values)
        maes = [sum(row[i] for row in rows) / len(rows) for i in range(len(self.names))]
        weights = [1.0 / max(mae, 1.0) ** 2 for mae in maes]
        wait = sum(w * value for w, (_, value) in zip(weights, values, strict=True)) / sum(weights)
        return Forecast(queue=queue, wait_s=wait, chosen="blend", estimates=values)

    def observe(self, forecast: Forecast, actual_wait_s: float) -> None:
        """The ticket was called after ``actual_wait_s``: record every predictor's error."""
        given = dict(forecast.estimates)
        if any(name not in given for name in self.names):
            return  # a forecast made by a combiner of other predictors
        row = tuple(abs(given[name] - actual_wait_s) for name in self.names)
        for key in (forecast.queue, POOLED):
            self._errors.setdefault(key, deque(maxlen=self.window)).append(row)

    def scores(self, queue: str) -> dict[str, float]:
        """Rolling MAE of each predictor as judged for ``queue`` (empty: too few errors seen yet)."""
        rows = self._evidence(queue)
        if rows is None:
            return {}
        return {name: sum(row[i] for row in rows) / len(rows) for i, name in enumerate(self.names)}

    def _evidence(self, queue: str) -> deque[tuple[float, ...]] | None:
        """The queue's own errors when there are enough, else the pooled ones, else None."""
        for key in (queue, POOLED):
            rows = self._errors.get(key)
            if rows is not None and len(rows) >= self.min_errors:
                return rows
        return None

    def _select(self, rows: deque[tuple[float, ...]]) -> int:
        n = len(rows)
        maes = [sum(row[i] for row in rows) / n for i in range(len(self.names))]
        best = min(range(len(maes)), key=lambda i: (maes[i], i))
        if best == 0 or maes[best] > (1 - self.margin) * maes[0]:
            return 0
        differences = [row[0] - row[best] for row in rows]
        mean = sum(differences) / n
        variance = sum((d - mean) ** 2 for d in differences) / max(n - 1, 1)
        return best if mean > self.z * math.sqrt(variance / n) else 0


def simple_predictors() -> list[Predictor]:
    """The predictors that need no training, the model-based one first (trusted before any error)."""
    return [ErlangA(), QueueLength(), LastToEnterService(), HeadOfLine()]


def default_combiner(model: Predictor | None = None, *, mode: Mode = "select") -> Combiner:
    """The product's combiner: the learned model first when one is installed, else Erlang-A first."""
    predictors = simple_predictors()
    return Combiner([model, *predictors] if model is not None else predictors, mode=mode)
