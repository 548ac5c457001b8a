"""The live queue's predictor: its figures as a state, answers with and without history, learning."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from birtereze.queue.prediction.learned import Config, fit
from birtereze.queue.prediction.live import LivePredictor, QueueFigures, place_share, to_state

# A Friday morning in Turkestan, the centre's local time.
MORNING = datetime(2026, 11, 27, 10, 30, tzinfo=ZoneInfo("Asia/Almaty"))


def figures(**fields: object) -> QueueFigures:
    values: dict[str, object] = {"queue_id": 7, "at": MORNING, "ahead": 4, "windows": 2}
    values.update(fields)
    return QueueFigures(**values)  # type: ignore[arg-type]


def test_it_answers_with_no_history_from_people_ahead_the_default_service_and_windows() -> None:
    predictor = LivePredictor()
    # The ticket waits for 4 + 1 departures, 600 s each by default, from 2 windows.
    assert predictor.estimate(figures()) == 1500
    assert predictor.estimate(figures(windows=0)) == 3000  # no window staffed: planned as one
    assert predictor.estimate(figures(ahead=0, windows=3)) == 200
    # A free window calls the ticket at once; two free windows take the first two in line.
    assert predictor.estimate(figures(ahead=0, free_windows=1)) == 0
    assert predictor.estimate(figures(ahead=3, free_windows=2)) == 600  # (3 − 2 + 1) × 600 / 2
    assert predictor.forecast(figures()).chosen == "erlang_a"


def test_it_plans_with_the_queues_service_times_else_the_branchs() -> None:
    predictor = LivePredictor()
    four = (100.0, 200.0, 300.0, 400.0)
    assert predictor.estimate(figures(service_times_s=(*four, 500.0))) == 750  # 5 × 300 / 2
    assert predictor.estimate(figures(service_times_s=four, branch_service_s=120.0)) == 300  # too few
    assert predictor.estimate(figures(service_times_s=four)) == 1500


def test_it_maps_the_figures_onto_a_new_tickets_state() -> None:
    state = to_state(
        figures(
            ahead=1,
            line=6,
            free_windows=1,
            recent_waits_s=(50.0, 100.0, 200.0, 300.0, 400.0, 500.0),
            head_wait_s=900.0,
        )
    )
    assert (state.queue, state.ahead, state.waiting, state.queue_ahead) == ("7", 6, 6, 6)
    assert (state.servers, state.free_servers) == (2, 1)
    assert state.les_s == state.queue_les_s == 500.0
    assert state.recent_wait_s == 300.0  # the last five
    assert state.hol_s == 900.0
    assert (state.day_seconds, state.weekday) == (10.5 * 3600, 4)
    assert state.mean_service_s is None and state.abandon_rate_per_s == 0.0
    assert to_state(figures(ahead=0, head_wait_s=900.0)).hol_s == 0.0  # nobody waits: no head of line


def test_it_scales_a_new_tickets_wait_to_a_place_further_up_the_line() -> None:
    predictor = LivePredictor()
    last = predictor.estimate(figures(ahead=5, line=5))
    assert last == 1800  # 6 departures × 600 / 2
    assert predictor.estimate(figures(ahead=2, line=5)) == 900  # 3 departures: exact for queue length
    assert place_share(figures(ahead=2, line=5)) == pytest.approx(3 / 6)
    assert place_share(figures(ahead=0, line=5, free_windows=1)) == 0.0
    assert place_share(figures(ahead=9, line=5)) == 1.0  # the line is at least those ahead


def test_it_switches_a_queue_to_the_predictor_that_has_been_right_there() -> None:
    predictor = LivePredictor()
    busy = figures(ahead=6, windows=2, service_times_s=(300.0,) * 10, recent_waits_s=(240.0,))
    steady = figures(queue_id=8, ahead=6, windows=2, service_times_s=(300.0,) * 10, recent_waits_s=(240.0,))
    # Erlang-A says 7 × 300 / 2 = 1050 s; LES says 240 s. Queue 7 keeps being called after about 240 s,
    # queue 8 after about 1050 s.
    for i in range(40):
        jitter = (-1) ** i * 20.0
        predictor.observe(7, predictor.forecast(busy), 240.0 + jitter)
        predictor.observe(8, predictor.forecast(steady), 1050.0 + jitter)
    assert predictor.forecast(busy).chosen == "les"
    assert predictor.estimate(busy) == 240
    assert predictor.scores(7)["les"] < predictor.scores(7)["erlang_a"]
    assert predictor.forecast(steady).chosen == "erlang_a"
    assert predictor.estimate(steady) == 1050
    # Further up the line, the same choice, scaled to the place: 3 departures of the 7 that LES waited.
    assert predictor.estimate(figures(ahead=2, line=6, windows=2, recent_waits_s=(240.0,))) == round(
        240 * 3 / 7
    )


def test_it_learns_only_once_enough_calls_are_seen() -> None:
    predictor = LivePredictor()
    busy = figures(recent_waits_s=(240.0,))
    for _ in range(29):
        predictor.observe(7, predictor.forecast(busy), 240.0)
    assert predictor.scores(7) == {}
    assert predictor.forecast(busy).chosen == "erlang_a"


def test_it_learns_from_estimates_stored_with_the_ticket() -> None:
    stored = json.dumps(dict(LivePredictor().forecast(figures(recent_waits_s=(240.0,))).estimates))
    worker = LivePredictor()  # another process handles the calls
    for _ in range(30):
        worker.observe(7, json.loads(stored), 250.0)
    assert worker.forecast(figures(recent_waits_s=(240.0,))).chosen == "les"
    # Estimates of another set of predictors (a model installed since) teach nothing.
    for _ in range(30):
        worker.observe(9, {"learned": 250.0, "les": 250.0}, 250.0)
    assert worker.scores(9)["les"] == pytest.approx(10.0)  # the pooled errors: queue 9 has none


def test_it_answers_the_same_to_the_same_history() -> None:
    def replay() -> list[int]:
        predictor = LivePredictor()
        answers = []
        for i in range(60):
            current = figures(ahead=i % 7, recent_waits_s=(100.0 + 10 * i,), head_wait_s=float(i))
            answers.append(predictor.estimate(current))
            predictor.observe(7, predictor.forecast(current), 90.0 + 11 * i)
        return answers

    assert replay() == replay()


def test_it_is_cheap_on_the_request_path() -> None:
    predictor = LivePredictor()
    current = figures(service_times_s=(300.0,) * 30, recent_waits_s=(240.0,) * 10, head_wait_s=500.0)
    for i in range(200):  # a full window of errors: the most work a choice takes
        predictor.observe(7, predictor.forecast(current), 240.0 + i % 9)
    calls = 2000
    started = time.perf_counter()
    for _ in range(calls):
        predictor.estimate(current)
    per_call = (time.perf_counter() - started) / calls
    assert per_call < 1e-3  # tens of microseconds measured, even on a busy machine


def test_it_puts_a_configured_model_first(tmp_path: Path) -> None:
    history = []
    for i in range(300):
        current = figures(ahead=i % 9, at=MORNING + timedelta(minutes=i), service_times_s=(300.0,) * 5)
        history.append((to_state(current), (i % 9 + 1) * 150.0))
    model = fit(
        [s for s, _ in history],
        [w for _, w in history],
        configs=(Config(targets=("sqrt",), leaves=(20,), max_iter=40),),
    )
    path = tmp_path / "wait-model.pkl.gz"
    model.save(path)
    predictor = LivePredictor(model_path=path)
    assert predictor.combiner.names == ("learned", "erlang_a", "queue_length", "les", "hol")
    current = figures(ahead=8, service_times_s=(300.0,) * 5)
    forecast = predictor.forecast(current)
    assert forecast.chosen == "learned"
    assert forecast.wait_s == pytest.approx(model.predict(to_state(current)))
    assert 1000 < forecast.wait_s < 1700  # learned 9 × 150 = 1350, not Erlang-A's 9 × 300 / 2
