"""The simple, Erlang-A and learned predictors on small cases whose answers are known."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from birtereze.queue.prediction import (
    ErlangA,
    HeadOfLine,
    LastToEnterService,
    QueueLength,
    QueueState,
    erlang_a_wait,
)
from birtereze.queue.prediction.learned import FEATURES, Config, feature_row, fit, load

NOON = datetime(2026, 11, 27, 12, 0)


def state(**fields: object) -> QueueState:
    values: dict[str, object] = {"queue": "A", "at": NOON, "ahead": 3, "servers": 2, "mean_service_s": 300.0}
    values.update(fields)
    return QueueState(**values)  # type: ignore[arg-type]


def test_it_estimates_queue_length_times_service_over_servers() -> None:
    # 3 ahead and the ticket itself, 2 windows, 5 minutes each: 4 × 300 / 2.
    assert QueueLength().predict(state()) == 600.0
    assert QueueLength(include_self=False).predict(state()) == 450.0


def test_it_predicts_no_wait_when_a_free_window_calls_at_once() -> None:
    free = state(ahead=1, free_servers=2)
    for predictor in (QueueLength(), LastToEnterService(), HeadOfLine(), ErlangA()):
        assert predictor.predict(free) == 0.0


def test_it_plans_with_the_default_service_time_before_any_service_ended() -> None:
    assert QueueLength(default_service_s=600.0).predict(state(mean_service_s=None)) == 1200.0


def test_it_answers_the_last_wait_and_the_head_of_line_wait() -> None:
    assert LastToEnterService().predict(state(les_s=123.0)) == 123.0
    assert HeadOfLine().predict(state(hol_s=77.0)) == 77.0
    # Nothing observed yet: both fall back on queue length.
    assert LastToEnterService().predict(state()) == 600.0
    assert HeadOfLine().predict(state(hol_s=0.0)) == 600.0


def test_it_reduces_erlang_a_to_queue_length_without_abandonment() -> None:
    assert erlang_a_wait(3, 2, 300.0) == pytest.approx(600.0)
    assert ErlangA().predict(state()) == pytest.approx(QueueLength().predict(state()))


def test_it_shortens_the_erlang_a_wait_by_those_who_give_up_ahead() -> None:
    # Two servers at 1/300 each, θ = 1/600: Σ_{k=0}^{3} 1 / (2/300 + k/600).
    expected = sum(1.0 / (2 / 300 + k / 600) for k in range(4))
    assert erlang_a_wait(3, 2, 300.0, 1 / 600) == pytest.approx(expected)
    assert ErlangA().predict(state(abandon_rate_per_s=1 / 600)) == pytest.approx(expected)
    assert expected < 600.0


def test_it_matches_a_simulated_erlang_a_queue() -> None:
    """Simulate the line behind 5 people, each with a patience of their own, and 3 busy servers.

    The formula is the wait until called of a ticket that stays (its own patience plays no part).
    """
    rng = random.Random(7)
    servers, mu, theta, ahead = 3, 1 / 200, 1 / 400, 5
    waits = []
    for _ in range(20000):
        patience = [rng.expovariate(theta) for _ in range(ahead)]  # the line, first in line first
        free_at = [rng.expovariate(mu) for _ in range(servers)]
        while True:
            server = min(range(servers), key=free_at.__getitem__)
            now = free_at[server]
            patience = [p for p in patience if p > now]  # those who gave up before this server freed
            if not patience:
                waits.append(now)
                break
            patience.pop(0)
            free_at[server] = now + rng.expovariate(mu)
    assert np.mean(waits) == pytest.approx(erlang_a_wait(ahead, servers, 1 / mu, theta), rel=0.03)


def _synthetic(count: int, seed: int) -> tuple[list[QueueState], list[float]]:
    """Waits that follow (ahead + 1) × service / servers, with noise, over a few days."""
    rng = random.Random(seed)
    states, waits = [], []
    for i in range(count):
        ahead, servers, service = rng.randint(0, 10), rng.randint(1, 4), rng.choice([120.0, 300.0])
        s = QueueState(
            queue=rng.choice(["A", "B"]),
            at=NOON + timedelta(minutes=i),
            ahead=ahead,
            servers=servers,
            mean_service_s=service,
        )
        states.append(s)
        waits.append((ahead + 1) * service / servers * rng.uniform(0.8, 1.2))
    return states, waits


def test_it_learns_waits_better_than_a_constant(tmp_path: Path) -> None:
    states, waits = _synthetic(1500, seed=1)
    configs = (Config(targets=("sqrt",), leaves=(20,), max_iter=100),)
    model = fit(states, waits, configs=configs)
    test_states, test_waits = _synthetic(300, seed=2)
    predicted = model.predict_many(test_states)
    actual = np.array(test_waits)
    error = float(np.mean(np.abs(predicted - actual)))
    assert error < 0.15 * float(np.mean(np.abs(actual - np.mean(actual))))
    assert model.predict(test_states[0]) == pytest.approx(predicted[0])
    # Saved and loaded, it answers the same.
    path = tmp_path / "model.pkl.gz"
    model.save(path)
    assert load(path).predict_many(test_states[:10]) == pytest.approx(predicted[:10])
    # A model fitted on another version's features is refused, not fed the wrong columns.
    model.features = model.features[:-1]
    model.save(path)
    with pytest.raises(ValueError, match="another version"):
        load(path)


def test_a_configuration_of_several_leaf_sizes_averages_one_model_per_target_and_leaf() -> None:
    states, waits = _synthetic(800, seed=3)
    ensemble = Config(targets=("sqrt", "absolute"), leaves=(20, 60), max_iter=30)
    assert ensemble.members == (("sqrt", 20), ("absolute", 20), ("sqrt", 60), ("absolute", 60))
    assert ensemble.label == "sqrt+absolute/leaf20+60"
    model = fit(states, waits, configs=(ensemble,))
    assert len(model.models) == 4
    test_states, _ = _synthetic(50, seed=4)
    alone = [
        fit(states, waits, configs=(Config(targets=(target,), leaves=(leaf,), max_iter=30),))
        for target, leaf in ensemble.members
    ]
    expected = np.mean([member.predict_many(test_states) for member in alone], axis=0)
    assert model.predict_many(test_states) == pytest.approx(expected)


def test_it_chooses_a_configuration_on_the_latest_quarter() -> None:
    states, waits = _synthetic(800, seed=3)
    configs = (
        Config(targets=("absolute",), leaves=(20,), max_iter=60),
        Config(targets=("sqrt",), leaves=(400,), max_iter=2, learning_rate=0.01),
    )
    model = fit(states, waits, configs=configs)
    assert set(model.validation) == {config.label for config in configs}
    assert model.config == configs[0]  # two tiny trees on huge leaves cannot compete
    assert all(not math.isnan(v["mae_s"]) for v in model.validation.values())


def test_it_ignores_a_feature_no_state_observes() -> None:
    states, waits = _synthetic(300, seed=4)
    assert all(s.busy is None for s in states)
    model = fit(states, waits, configs=(Config(targets=("sqrt",), leaves=(20,), max_iter=20),))
    assert FEATURES.index("busy") not in model.columns
    assert model.predict(states[0]) > 0


def test_the_trees_see_the_wait_at_the_lines_recent_pace() -> None:
    column = FEATURES.index("departures_s")
    # Six ahead, 30 calls in the last 15 minutes: the seventh departure comes after 7 × 30 s.
    paced = QueueState(queue="A", at=NOON, ahead=6, servers=2, calls_15min=30)
    assert feature_row(paced, {})[column] == pytest.approx(210.0)
    # No call lately: unknown, not infinite.
    assert math.isnan(feature_row(QueueState(queue="A", at=NOON, ahead=6, servers=2), {})[column])


def test_the_ratio_to_erlang_a_carries_over_to_a_busier_day() -> None:
    """Trees on the wait itself cannot answer beyond the waits they saw; trees on its ratio to the
    model's estimate learn the factor by which the model is off, which holds on a busier day too."""
    rng = np.random.default_rng(7)

    def day(low: int, high: int, count: int) -> tuple[list[QueueState], list[float]]:
        states, waits = [], []
        for i in range(count):
            ahead, servers = int(rng.integers(low, high)), int(rng.integers(2, 5))
            state = QueueState(
                queue="A", at=NOON + timedelta(seconds=i), ahead=ahead, servers=servers, mean_service_s=120.0
            )
            states.append(state)
            waits.append(1.3 * (ahead + 1) * 120.0 / servers * rng.uniform(0.9, 1.1))
        return states, waits

    quiet, quiet_waits = day(0, 10, 1500)
    busy, busy_waits = day(20, 30, 300)
    actual = np.array(busy_waits)
    errors = {}
    for target in ("sqrt", "ratio"):
        model = fit(quiet, quiet_waits, configs=(Config(targets=(target,), leaves=(20,), max_iter=100),))
        errors[target] = float(np.mean(np.abs(model.predict_many(busy) - actual)))
    assert errors["ratio"] < 0.1 * float(np.mean(actual))
    assert errors["ratio"] < 0.3 * errors["sqrt"]
