"""The learned predictor: gradient-boosted trees on the queue's state and the model-based estimates.

The trees see every field of ``QueueState`` that generalises (people ahead, servers, recent service and
waiting times, the services in progress, arrivals, the hour and weekday) and, as features, the
estimates of the queue-length and Erlang-A predictors and the wait at the line's recent pace of calls,
so that they learn how much to trust and correct the models rather than re-deriving queueing theory from
scratch. The queue itself is a category (only
the queues seen often enough in training; others count as unknown).

Waits are skewed (many short, a few very long), so the model averages trees fitted to the square root of
the wait with squared error (a compromise between the mean, best for RMSE, and the median, best for MAE),
trees fitted to the wait itself with absolute error, and trees fitted with absolute error to the log of
the wait's ratio to Erlang-A's estimate (the median factor by which the model is off), each with small
and with large leaves (``CONFIGS``). Given several configurations, ``fit`` chooses among them by a
time-ordered validation inside the training data — the last quarter of it, by time — and refits the
chosen one on all of it: nothing is tuned on the data a benchmark later scores.
"""

from __future__ import annotations

import gzip
import math
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingRegressor

from birtereze.queue.prediction.erlang import ErlangA
from birtereze.queue.prediction.simple import QueueLength
from birtereze.queue.prediction.state import QueueState

FloatArray = npt.NDArray[np.float64]
Target = Literal["sqrt", "absolute", "ratio"]

FEATURES: tuple[str, ...] = (
    "ahead",
    "waiting",
    "queue_ahead",
    "servers",
    "busy",
    "free_servers",
    "priority",
    "mean_service_s",
    "les_s",
    "queue_les_s",
    "recent_wait_s",
    "hol_s",
    "arrivals_15min",
    "calls_15min",
    "abandons_30min",
    "abandon_rate_per_h",
    "since_service_start_s",
    "hour",
    "weekday",
    "in_service",
    "elapsed_max_s",
    "elapsed_second_s",
    "elapsed_mean_s",
    "wrap_up",
    "wrap_up_min_s",
    "wrap_up_max_s",
    "observed_age_s",
    "queue_length_s",
    "erlang_a_s",
    "departures_s",
    "queue",
)
MAX_QUEUES = 250  # the trees' categorical features take at most 255 categories
# The "ratio" target: log((wait + offset) ÷ (Erlang-A's estimate + offset)), the offset keeping waits
# near zero from dominating; fitted with absolute error, it gives the median correction to the model.
RATIO_OFFSET_S = 30.0
MIN_QUEUE_TICKETS = 30
_QUEUE_LENGTH = QueueLength()
_ERLANG_A = ErlangA()


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _departures_s(state: QueueState) -> float:
    """The ticket's wait at the pace the line moved lately: its ahead + 1 departures at the rate of the
    last 15 minutes' calls (NaN: no call lately). The trees split on one feature at a time, and would
    learn this ratio of two of them only coarsely."""
    if state.calls_15min <= 0:
        return math.nan
    return (state.ahead + 1) * 900.0 / state.calls_15min


def feature_row(state: QueueState, vocabulary: dict[str, int]) -> list[float]:
    """The state as numbers in ``FEATURES`` order; NaN where unknown."""
    elapsed = state.service_elapsed_s
    wrapping = state.wrap_up_elapsed_s
    return [
        float(state.ahead),
        float(state.waiting),
        _nan(state.queue_ahead),
        float(state.servers),
        _nan(state.busy),
        float(state.free_servers),
        1.0 if state.priority else 0.0,
        _nan(state.mean_service_s),
        _nan(state.les_s),
        _nan(state.queue_les_s),
        _nan(state.recent_wait_s),
        state.hol_s,
        float(state.arrivals_15min),
        float(state.calls_15min),
        float(state.abandons_30min),
        state.abandon_rate_per_s * 3600.0,
        _nan(state.since_service_start_s),
        state.day_seconds / 3600.0,
        float(state.weekday),
        float(len(elapsed)),
        elapsed[0] if elapsed else math.nan,
        elapsed[1] if len(elapsed) > 1 else math.nan,
        sum(elapsed) / len(elapsed) if elapsed else math.nan,
        float(len(wrapping)),
        wrapping[-1] if wrapping else math.nan,
        wrapping[0] if wrapping else math.nan,
        state.observed_age_s,
        _QUEUE_LENGTH.predict(state),
        _ERLANG_A.predict(state),
        _departures_s(state),
        float(vocabulary[state.queue]) if state.queue in vocabulary else math.nan,
    ]


def feature_matrix(states: Sequence[QueueState], vocabulary: dict[str, int]) -> FloatArray:
    return np.array([feature_row(state, vocabulary) for state in states], dtype=np.float64).reshape(
        len(states), len(FEATURES)
    )


@dataclass(frozen=True, slots=True)
class Config:
    """One candidate: which targets to fit, with which smallest leaves, and the trees' size and learning
    rate. Every pair of a target and a leaf size is one model; the predictor averages them."""

    targets: tuple[Target, ...]
    leaves: tuple[int, ...] = (100,)
    learning_rate: float = 0.05
    max_iter: int = 250
    max_leaf_nodes: int = 31

    @property
    def members(self) -> tuple[tuple[Target, int], ...]:
        return tuple((target, leaf) for leaf in self.leaves for target in self.targets)

    @property
    def label(self) -> str:
        return f"{'+'.join(self.targets)}/leaf{'+'.join(map(str, self.leaves))}"


# The product's model: the square root of the wait with squared error, the wait with absolute error, and
# the wait's ratio to Erlang-A's estimate (in logs) with absolute error, each with leaves of at least 40
# and of at least 150 tickets, averaged; 150 trees each. The ratio's trees correct the model where it is
# wrong by a factor, which carries over to busier or quieter days than the training ones: adding them
# gained on the validation days of both data sets, Anonymous Bank 40.35 → 40.17 s and Warsaw 333.5 →
# 324.8 s for the learned model. Choosing one of
# these four (or of their pairs) on the last quarter of the training tickets picked a different one per
# data set and lost to their average on the validation days of both: Anonymous Bank 40.6 → 40.5 s, Warsaw
# 347.0 → 333.4 s. With 150 trees instead of 250, Anonymous Bank 40.3 s and Warsaw 333.5 s (100: 40.4 s;
# 400, or leaves of up to 63: 40.8 and 40.7 s).
CONFIGS: tuple[Config, ...] = (Config(targets=("sqrt", "absolute", "ratio"), leaves=(40, 150), max_iter=150),)


def used_columns(x: FloatArray) -> tuple[int, ...]:
    """The features a source observes at all: a column with no value (NaN throughout) is left out."""
    return tuple(int(i) for i in np.flatnonzero(~np.all(np.isnan(x), axis=0)))


def _regressor(
    config: Config, target: Target, leaf: int, columns: tuple[int, ...]
) -> HistGradientBoostingRegressor:
    queue = FEATURES.index("queue")
    return HistGradientBoostingRegressor(
        loss="squared_error" if target == "sqrt" else "absolute_error",
        learning_rate=config.learning_rate,
        max_iter=config.max_iter,
        max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=leaf,
        categorical_features=[column == queue for column in columns],
        early_stopping=False,
        random_state=0,
    )


def _fit_one(
    config: Config, target: Target, leaf: int, x: FloatArray, waits: FloatArray, columns: tuple[int, ...]
) -> Any:
    model = _regressor(config, target, leaf, columns)
    if target == "sqrt":
        y = np.sqrt(waits)
    elif target == "ratio":
        y = np.log((waits + RATIO_OFFSET_S) / (_model_estimate(x) + RATIO_OFFSET_S))
    else:
        y = waits
    model.fit(x[:, columns], y)
    return model


def _model_estimate(x: FloatArray) -> FloatArray:
    """Erlang-A's estimate, the base the "ratio" target corrects (never negative)."""
    return np.maximum(x[:, FEATURES.index("erlang_a_s")], 0.0)


def _predict_one(model: Any, target: Target, x: FloatArray, columns: tuple[int, ...]) -> FloatArray:
    raw = np.asarray(model.predict(x[:, columns]), dtype=np.float64)
    if target == "sqrt":
        return np.square(np.maximum(raw, 0.0))
    if target == "ratio":
        return np.maximum((_model_estimate(x) + RATIO_OFFSET_S) * np.exp(raw) - RATIO_OFFSET_S, 0.0)
    return np.maximum(raw, 0.0)


@dataclass(slots=True)
class LearnedPredictor:
    """Trained trees; ``predict`` for one state, ``predict_many`` for a batch (much faster per state)."""

    config: Config
    vocabulary: dict[str, int]
    columns: tuple[int, ...]
    models: list[Any]
    validation: dict[str, dict[str, float]] = field(default_factory=dict)
    # The features it was fitted on, in order: a model of another version's features is refused at load.
    features: tuple[str, ...] = FEATURES

    @property
    def name(self) -> str:
        return "learned"

    def predict(self, state: QueueState) -> float:
        return float(self.predict_many([state])[0])

    def predict_many(self, states: Sequence[QueueState]) -> FloatArray:
        if not states:
            return np.zeros(0)
        x = feature_matrix(states, self.vocabulary)
        pairs = zip(self.models, self.config.members, strict=True)
        predictions = [_predict_one(model, target, x, self.columns) for model, (target, _) in pairs]
        result: FloatArray = np.mean(predictions, axis=0)
        return result

    def save(self, path: Path) -> None:
        """Write the model as a gzip-compressed pickle (load only files you made yourself)."""
        with gzip.open(path, "wb") as file:
            pickle.dump(self, file, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path) -> LearnedPredictor:
    """Read a model written by ``LearnedPredictor.save`` (a pickle: only from a trusted file)."""
    with gzip.open(path, "rb") as file:
        model = pickle.load(file)  # noqa: S301 - the model is the project's own file, as documented
    if not isinstance(model, LearnedPredictor):
        raise TypeError(f"{path} does not hold a LearnedPredictor")
    if getattr(model, "features", None) != FEATURES or not hasattr(model.config, "leaves"):
        raise ValueError(f"{path} was fitted by another version (its features or models): fit it again")
    return model


def vocabulary_of(states: Sequence[QueueState]) -> dict[str, int]:
    """The queues frequent enough in training to be learned as categories, most frequent first."""
    counts = Counter(state.queue for state in states)
    frequent = [queue for queue, count in counts.most_common(MAX_QUEUES) if count >= MIN_QUEUE_TICKETS]
    return {queue: code for code, queue in enumerate(sorted(frequent))}


def score(predicted: FloatArray, actual: FloatArray) -> dict[str, float]:
    """MAE and RMSE in seconds."""
    error = predicted - actual
    return {
        "mae_s": float(np.mean(np.abs(error))),
        "rmse_s": float(np.sqrt(np.mean(error * error))),
    }


def fit_config(config: Config, states: Sequence[QueueState], waits: FloatArray) -> LearnedPredictor:
    vocabulary = vocabulary_of(states)
    x = feature_matrix(states, vocabulary)
    columns = used_columns(x)
    models = [_fit_one(config, target, leaf, x, waits, columns) for target, leaf in config.members]
    return LearnedPredictor(config=config, vocabulary=vocabulary, columns=columns, models=models)


def fit(
    states: Sequence[QueueState],
    waits: Sequence[float],
    *,
    configs: Sequence[Config] = CONFIGS,
    validation_share: float = 0.25,
    progress: Callable[[str], None] | None = None,
) -> LearnedPredictor:
    """Choose a configuration on the last ``validation_share`` of the tickets by time, then refit on all.

    The score of a configuration is validation MAE + RMSE: both are targets, and neither alone should
    buy its gain with the other.
    """
    if len(states) != len(waits):
        raise ValueError("one wait per state")
    order = sorted(range(len(states)), key=lambda i: states[i].at)
    ordered = [states[i] for i in order]
    y = np.asarray([waits[i] for i in order], dtype=np.float64)
    cut = int(len(ordered) * (1 - validation_share))
    results: dict[str, dict[str, float]] = {}
    best: Config | None = None
    if len(configs) > 1 and 0 < cut < len(ordered):
        train, valid = ordered[:cut], ordered[cut:]
        vocabulary = vocabulary_of(train)
        x_train, x_valid = feature_matrix(train, vocabulary), feature_matrix(valid, vocabulary)
        columns = used_columns(x_train)
        fitted: dict[Config, FloatArray] = {}  # each member's validation predictions, fitted once
        best_score = math.inf
        for config in configs:
            predictions = []
            for target, leaf in config.members:
                key = replace(config, targets=(target,), leaves=(leaf,))
                if key not in fitted:
                    model = _fit_one(config, target, leaf, x_train, y[:cut], columns)
                    fitted[key] = _predict_one(model, target, x_valid, columns)
                predictions.append(fitted[key])
            results[config.label] = score(np.mean(predictions, axis=0), y[cut:])
            total = results[config.label]["mae_s"] + results[config.label]["rmse_s"]
            if progress is not None:
                progress(f"validation {config.label}: {results[config.label]}")
            if total < best_score:
                best, best_score = config, total
    chosen = best or configs[0]
    model = fit_config(chosen, ordered, y)
    model.validation = results
    return model
