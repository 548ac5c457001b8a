"""Wait-prediction benchmark: train on one file, predict every ticket of a later one online, score.

    python bench/wait_predict.py --format anonymous-bank \\
        --train ../shared/data/anonymous-bank/calls-1999-02-01-to-20.tsv@1999-02-01..1999-02-14 \\
        --test ../shared/data/anonymous-bank/calls-1999-02-01-to-20.tsv@1999-02-15..1999-02-20
    python bench/wait_predict.py --format warsaw --train TRAIN.csv.gz --test TEST.csv.gz

A file may carry a day range, ``FILE@FROM..TO`` (ISO dates, both included), to split one file by days.
The learned model is fitted on the training tickets (its configuration chosen on the last quarter of
them by time); then the test tickets are replayed in issue order: each ticket is predicted when it is
issued, from its state alone, and each predictor's error on it reaches the combiner only once the ticket
is called. Scored tickets: Anonymous Bank calls that waited and were served; every derived Warsaw
ticket. docs/science/wait-prediction.md explains the method and the figures. Progress goes to stderr;
the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

if not __package__:  # run as a script: make the repository root importable, for bench.wait_datasets
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.wait_datasets import FORMATS, Format, Ticket, load, parse_source
from birtereze.queue.prediction import Combiner, Forecast, Predictor, QueueLength, simple_predictors
from birtereze.queue.prediction.combiner import Mode
from birtereze.queue.prediction.learned import CONFIGS, Config, FloatArray, LearnedPredictor, fit
from birtereze.queue.prediction.learned import load as load_model

WITHIN_S = 300.0
SIMPLE = ("queue_length", "queue_length_ahead", "les", "hol")


def log(message: str) -> None:
    print(f"[wait {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def figures(predicted: FloatArray, actual: FloatArray) -> dict[str, float]:
    error = predicted - actual
    return {
        "mae_s": round(float(np.mean(np.abs(error))), 1),
        "rmse_s": round(float(np.sqrt(np.mean(error * error))), 1),
        "within_5min": round(float(np.mean(np.abs(error) <= WITHIN_S)), 3),
    }


def estimates(tickets: Sequence[Ticket], predictors: Sequence[Predictor]) -> dict[str, FloatArray]:
    """Every predictor's estimate for every ticket, the learned model's in one batch."""
    states = [ticket.state for ticket in tickets]
    result: dict[str, FloatArray] = {}
    for predictor in predictors:
        if isinstance(predictor, LearnedPredictor):
            result[predictor.name] = predictor.predict_many(states)
        else:
            result[predictor.name] = np.array([predictor.predict(s) for s in states], dtype=np.float64)
    return result


def replay(tickets: Sequence[Ticket], combiner: Combiner, table: Mapping[str, FloatArray]) -> FloatArray:
    """The combiner's answer for each ticket, online: errors are learned only as tickets are called."""
    answers = np.zeros(len(tickets))
    pending: list[tuple[float, int]] = []
    forecasts: list[Forecast] = []
    for index, ticket in enumerate(tickets):
        now = ticket.state.at.timestamp()
        while pending and pending[0][0] <= now:
            _, done = heapq.heappop(pending)
            combiner.observe(forecasts[done], tickets[done].wait_s)
        forecast = combiner.combine(
            ticket.state.queue, {name: values[index] for name, values in table.items()}
        )
        forecasts.append(forecast)
        answers[index] = forecast.wait_s
        if ticket.served:
            heapq.heappush(pending, (ticket.known_at.timestamp(), index))
    return answers


def run(
    format: Format,
    train: str,
    test: str,
    *,
    mode: Mode = "select",
    model_out: Path | None = None,
    model_in: Path | None = None,
    use_model: bool = True,
    configs: Sequence[Config] = CONFIGS,
) -> dict[str, Any]:
    started = time.monotonic()
    training = load(format, parse_source(train))
    log(f"train: {len(training)} tickets, {sum(t.scored for t in training)} scored ({train})")
    testing = load(format, parse_source(test))
    scored = np.array([t.scored for t in testing])
    log(f"test: {len(testing)} tickets, {int(scored.sum())} scored ({test})")
    if not scored.any():
        raise SystemExit("no scored ticket in the test data")
    predictors: list[Predictor] = [*simple_predictors(), QueueLength(include_self=False)]
    model: LearnedPredictor | None = None
    if use_model and model_in is not None:
        model = load_model(model_in)
        log(f"learned model: {model.config.label}, read from {model_in}")
        predictors.insert(0, model)
    elif use_model:
        fitted = [t for t in training if t.scored]
        model = fit([t.state for t in fitted], [t.wait_s for t in fitted], configs=configs, progress=log)
        log(f"learned model: {model.config.label}, fitted in {time.monotonic() - started:.0f} s")
        if model_out is not None:
            model.save(model_out)
            log(f"model written to {model_out} ({model_out.stat().st_size} bytes)")
        predictors.insert(0, model)
    table = estimates(testing, predictors)
    actual = np.array([t.wait_s for t in testing])[scored]
    product_names = [p.name for p in predictors if p.name != "queue_length_ahead"]
    product = Combiner([p for p in predictors if p.name in product_names], mode=mode)
    fallback = Combiner(simple_predictors(), mode=mode)
    answers = replay(testing, product, {name: table[name] for name in product_names})
    fallback_answers = replay(testing, fallback, {p.name: table[p.name] for p in simple_predictors()})
    baselines = {name: figures(table[name][scored], actual) for name in SIMPLE}
    best = min(baselines, key=lambda name: baselines[name]["mae_s"])
    models = {"erlang_a": figures(table["erlang_a"][scored], actual)}
    if model is not None:
        models["learned"] = figures(table["learned"][scored], actual)
    models["combiner_without_model"] = figures(fallback_answers[scored], actual)
    result = figures(answers[scored], actual)
    log(f"done in {time.monotonic() - started:.0f} s")
    return {
        "format": format,
        "n": int(scored.sum()),
        **result,
        "baselines": baselines,
        "best_baseline": best,
        "mae_vs_best_baseline": round(result["mae_s"] / baselines[best]["mae_s"] - 1, 3),
        "models": models,
        "combiner_mode": mode,
        "learned_config": model.config.label if model is not None else None,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--train", required=True, help="FILE or FILE@FROM..TO (ISO dates, included)")
    parser.add_argument("--test", required=True, help="FILE or FILE@FROM..TO, later than the training days")
    parser.add_argument(
        "--mode", choices=("select", "blend"), default="select", help="how the combiner combines"
    )
    parser.add_argument("--model-out", type=Path, help="write the fitted model there (gzip pickle)")
    parser.add_argument(
        "--model",
        type=Path,
        help="a model written by --model-out on the same training data, instead of fitting",
    )
    parser.add_argument(
        "--no-model", action="store_true", help="no learned model: the fallback combiner alone"
    )
    args = parser.parse_args(argv)
    result = run(
        args.format,
        args.train,
        args.test,
        mode=args.mode,
        model_out=args.model_out,
        model_in=args.model,
        use_model=not args.no_model,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
