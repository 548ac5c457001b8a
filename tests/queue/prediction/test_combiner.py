"""The combiner: prior choice, switching on evidence per queue, blending, and the online tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birtereze.queue.prediction import Combiner, PoolTracker, QueueState, default_combiner

NOON = datetime(2026, 11, 27, 12, 0)


@dataclass(frozen=True)
class Constant:
    name: str
    value: float

    def predict(self, state: QueueState) -> float:
        return self.value


def state(queue: str = "A") -> QueueState:
    return QueueState(queue=queue, at=NOON, ahead=2, servers=1, mean_service_s=120.0)


def test_it_trusts_the_first_predictor_before_any_error_is_known() -> None:
    combiner = Combiner([Constant("model", 100.0), Constant("other", 300.0)], min_errors=5)
    forecast = combiner.forecast(state())
    assert (forecast.chosen, forecast.wait_s) == ("model", 100.0)
    assert dict(forecast.estimates) == {"model": 100.0, "other": 300.0}


def test_it_switches_a_queue_to_a_predictor_that_is_clearly_better_there() -> None:
    combiner = Combiner([Constant("model", 100.0), Constant("other", 300.0)], min_errors=5)
    for actual in (290.0, 310.0, 305.0, 295.0, 300.0, 302.0):
        combiner.observe(combiner.forecast(state("A")), actual)
    assert combiner.forecast(state("A")).chosen == "other"
    assert combiner.scores("A")["model"] == pytest.approx(200.3, abs=0.1)


def test_it_judges_a_young_queue_on_the_pooled_errors() -> None:
    combiner = Combiner([Constant("model", 100.0), Constant("other", 300.0)], min_errors=5)
    for _ in range(6):
        combiner.observe(combiner.forecast(state("A")), 300.0)
    # Queue B has no error of its own yet: the pooled ones say "other".
    assert combiner.forecast(state("B")).chosen == "other"


def test_it_keeps_the_first_predictor_when_the_evidence_is_noise() -> None:
    combiner = Combiner([Constant("model", 100.0), Constant("other", 110.0)], min_errors=5)
    # "other" is slightly better on average, but the paired differences are mostly noise.
    for actual in (300.0, -80.0, 260.0, -60.0, 200.0, 0.0, 240.0, -40.0):
        combiner.observe(combiner.forecast(state()), actual)
    assert combiner.forecast(state()).chosen == "model"


def test_it_blends_by_inverse_squared_error() -> None:
    combiner = Combiner([Constant("a", 100.0), Constant("b", 200.0)], min_errors=2, mode="blend")
    for _ in range(2):
        combiner.observe(combiner.forecast(state()), 110.0)  # errors 10 and 90
    forecast = combiner.forecast(state())
    weight_a, weight_b = 1 / 10**2, 1 / 90**2
    assert forecast.chosen == "blend"
    assert forecast.wait_s == pytest.approx((100 * weight_a + 200 * weight_b) / (weight_a + weight_b))


def test_it_works_without_a_trained_model() -> None:
    combiner = default_combiner()
    assert combiner.names == ("erlang_a", "queue_length", "les", "hol")
    assert combiner.forecast(state()).wait_s == pytest.approx(360.0)  # (2 + 1) × 120 / 1
    assert default_combiner(Constant("learned", 1.0)).names[0] == "learned"


@settings(max_examples=60, deadline=None)
@given(
    waits=st.lists(st.floats(min_value=0, max_value=7200, allow_nan=False), min_size=1, max_size=120),
    window=st.integers(min_value=1, max_value=25),
)
def test_the_rolling_errors_are_those_of_the_window_however_rows_come_and_go(
    waits: list[float], window: int
) -> None:
    # The MAEs are kept as running sums: they must equal the window's errors summed afresh.
    combiner = Combiner([Constant("model", 100.0), Constant("other", 300.0)], window=window, min_errors=1)
    for actual in waits:
        combiner.observe(combiner.forecast(state("A")), actual)
    last = waits[-window:]
    expected = {
        "model": sum(abs(100.0 - w) for w in last) / len(last),
        "other": sum(abs(300.0 - w) for w in last) / len(last),
    }
    assert combiner.scores("A") == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_it_refuses_predictors_with_the_same_name() -> None:
    with pytest.raises(ValueError, match="unique"):
        Combiner([Constant("a", 1.0), Constant("a", 2.0)])


def at(seconds: float) -> datetime:
    return NOON + timedelta(seconds=seconds)


def test_it_tracks_a_line_and_its_servers_from_events() -> None:
    tracker = PoolTracker(head_start_s=60.0)
    tracker.issue("t1", queue="A", at=at(0))
    tracker.issue("t2", queue="B", at=at(10))
    tracker.issue("p1", queue="A", at=at(50), priority=True)  # called as if issued at -10
    assert tracker.call("t1", at=at(100), server="w1") == 100.0
    tracker.finish("t1", at=at(220))
    tracker.abandon("t2", at=at(230))
    assert tracker.call("d1", at=at(225), server="w2") is None  # served without queueing
    seen = tracker.state(queue="A", at=at(240))
    assert seen.ahead == 1 and seen.waiting == 1 and seen.queue_ahead == 1
    assert seen.les_s == 100.0 and seen.queue_les_s == 100.0
    assert seen.hol_s == 190.0
    assert seen.mean_service_s == 120.0
    assert seen.busy == 1 and seen.servers == 2
    assert seen.service_elapsed_s == (15.0,)
    assert seen.wrap_up_elapsed_s == (20.0,)
    assert seen.arrivals_15min == 3 and seen.calls_15min == 1 and seen.abandons_30min == 1
    # One give-up over 100 (t1) + 220 (t2) + 190 (p1, still waiting) seconds of waiting.
    assert seen.abandon_rate_per_s == pytest.approx(1 / 510)
    assert seen.since_service_start_s == 15.0
    # A priority ticket issued now would be called before the waiting one (head start 60 s > 190 s? no).
    assert tracker.state(queue="A", at=at(240), priority=True).ahead == 1
    assert tracker.state(queue="A", at=at(100), priority=True).ahead >= 0
