"""Backtest of the demand forecast on the Anonymous Bank call log (a queue per service type).

    python bench/demand_forecast.py
    python bench/demand_forecast.py --data ../shared/data/anonymous-bank/calls-1999-02-01-to-20.tsv \
        --first-origin 1999-02-08 --horizon 1

An arrival is a call asking for an agent: it joined the agent queue (``q_start``) or, when it went straight
to an agent, left the voice-response unit (``vru_exit``). Calls that ended in the voice-response unit and
PHANTOM rows are left out (``--arrival vru`` counts every call at ``vru_entry`` instead). Each service type
(``type``: PS, NW, NE, TT, IN, PE) is a queue; the total is the sum of the queues' forecasts.

For each origin day from ``--first-origin`` to the last day, the model is fitted on the days before it and
forecasts the day ``--horizon`` days on; the naive baselines use the same days. Errors are per half hour
(see ``birtereze.staffing.forecast.backtest``). Progress goes to stderr; the last stdout line is one JSON
object.

Data: Technion Service Enterprise Engineering Center (SEE Center), "Anonymous Bank" call-centre database,
collected by Avi Mandelbaum et al., Technion – Israel Institute of Technology.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from birtereze.staffing.forecast import METHODS, Backtest, backtest, counts_by_day

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "../shared/data/anonymous-bank/calls-1999-02-01-to-20.tsv"
NOT_HAPPENED = "0:00:00"


def _moment(day: str, clock: str) -> datetime:
    """``YYMMDD`` and ``H:MM:SS``: the centre's local clock, so a naive datetime, as the forecast expects."""
    year = int(day[:2])
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return datetime(  # noqa: DTZ001
        year + (1900 if year >= 50 else 2000), int(day[2:4]), int(day[4:6]), hours, minutes, seconds
    )


def load_arrivals(path: Path, arrival: str) -> dict[str, list[datetime]]:
    arrivals: dict[str, list[datetime]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["outcome"] == "PHANTOM":
                continue
            if arrival == "vru":
                clock = row["vru_entry"]
            elif row["q_start"] != NOT_HAPPENED:
                clock = row["q_start"]
            elif row["outcome"] == "AGENT":
                clock = row["vru_exit"]
            else:
                continue  # hung up in the voice-response unit: never asked for an agent
            arrivals[row["type"]].append(_moment(row["date"], clock))
    return dict(arrivals)


def _figures(result: Backtest[str]) -> dict[str, Any]:
    def block(errors: Any) -> dict[str, float]:
        return {"mae": round(errors.mae, 3), "wape": round(errors.wape, 4), "bias": round(errors.bias, 3)}

    return {
        "total": {m: block(result.total[m]) for m in METHODS},
        "queues": {k: {m: block(e) for m, e in by.items()} for k, by in sorted(result.queues.items())},
        "half_hours": result.total["model"].half_hours,
        "arrivals": result.total["model"].arrivals,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--first-origin", type=date.fromisoformat, default=date(1999, 2, 8))
    parser.add_argument("--horizon", type=int, default=1, help="days ahead (1 = the next day)")
    parser.add_argument("--arrival", choices=("queue", "vru"), default="queue")
    args = parser.parse_args()

    started = time.perf_counter()
    arrivals = load_arrivals(args.data, args.arrival)
    seen = sorted({t.date() for times in arrivals.values() for t in times})
    days = [seen[0] + timedelta(days=i) for i in range((seen[-1] - seen[0]).days + 1)]
    histories = {queue: counts_by_day(times, days) for queue, times in arrivals.items()}
    open_days = {d for d in days if any(h[d].sum() > 0 for h in histories.values())}
    histories = {q: {d: row for d, row in h.items() if d in open_days} for q, h in histories.items()}
    print(
        f"{sum(map(len, arrivals.values()))} arrivals in {len(arrivals)} queues, {len(open_days)} days",
        file=sys.stderr,
    )
    origins = [d for d in days if d >= args.first_origin and d + timedelta(days=args.horizon - 1) <= days[-1]]
    result = backtest(histories, origins, horizon_days=args.horizon)
    figures = _figures(result)
    for method, errors in figures["total"].items():
        print(f"total {method:>24}: MAE {errors['mae']:.2f}  WAPE {errors['wape']:.3f}", file=sys.stderr)
    print(
        json.dumps(
            {
                "data": args.data.name,
                "arrival": args.arrival,
                "horizon_days": args.horizon,
                "origins": [d.isoformat() for d in result.origins],
                **figures,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
