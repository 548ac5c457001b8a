"""The roster engine on the Curtois shift-scheduling benchmark (schedulingbenchmarks.org, Instances 1–24).

    python bench/roster_curtois.py --instances 1-11 --time-limit 60
    python bench/roster_curtois.py --instances 13,15,19 --time-limit 60 --out var/rosters
    python bench/roster_curtois.py --instances 1-24 --check var/rosters

Each instance is solved by the large-neighbourhood search (``birtereze.staffing.roster.lns``) within
``--time-limit`` seconds, counted from reading the file. Its roster is then re-checked by the independent
evaluator (``birtereze.staffing.roster.evaluate``): the reported objective is the evaluator's, a roster
that breaks a hard rule counts as not feasible, and a disagreement with the solver's own figure, or a
value below the instance's proven lower bound, stops the run with an error (either would be a bug).
``--out DIR`` writes each roster as ``DIR/InstanceN.csv`` (``employee,day,shift``, one row per worked
day); ``--check DIR`` evaluates such files instead of solving. One line per instance on stdout, progress
on stderr, and as the last line one JSON object:
``{"instances": [{"name", "objective", "best_known", "gap_pct", "seconds"}, ...], "feasible": n}``.
Cite: T. Curtois and R. Qu, "Computational results on new staff scheduling benchmark instances",
technical report, ASAP group, University of Nottingham (2014); schedulingbenchmarks.org.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from birtereze.staffing.roster.curtois import BestKnown, Instance, load_best_known, load_instance
from birtereze.staffing.roster.evaluate import Evaluation, evaluate, read_csv, write_csv
from birtereze.staffing.roster.lns import solve
from birtereze.staffing.roster.model import index, named

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "curtois-nrp"


def log(message: str) -> None:
    print(f"[roster {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def instance_numbers(text: str) -> list[int]:
    """``1,2,5-7`` → [1, 2, 5, 6, 7]."""
    numbers: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


def result(
    instance: Instance, evaluation: Evaluation, best: BestKnown | None, seconds: float
) -> dict[str, Any]:
    objective = evaluation.objective if evaluation.feasible else None
    gap = None
    if objective is not None and best is not None:
        gap = round(100 * (objective - best.upper) / best.upper, 2)
    return {
        "name": instance.name,
        "objective": objective,
        "best_known": best.upper if best else None,
        "gap_pct": gap,
        "seconds": round(seconds, 1),
        "feasible": evaluation.feasible,
    }


def sanity(instance: Instance, evaluation: Evaluation, best: BestKnown | None, claimed: int | None) -> None:
    """A value the evaluator disputes, or one below a proven bound, is a bug: stop loudly."""
    if not evaluation.feasible:
        log(f"{instance.name}: NOT FEASIBLE: {'; '.join(evaluation.violations[:5])}")
        return
    if claimed is not None and claimed != evaluation.objective:
        raise SystemExit(f"{instance.name}: the solver says {claimed}, the evaluator {evaluation.objective}")
    if best is not None:
        floor = best.upper if best.proven_optimal else best.lower
        if floor is not None and evaluation.objective < floor:
            raise SystemExit(f"{instance.name}: {evaluation.objective} is below the proven bound {floor}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of InstanceN.txt and best-known.csv"
    )
    parser.add_argument("--instances", default="1-24", help="e.g. 1,2,3 or 1-11 (default 1-24)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument(
        "--workers", type=int, default=2, help="search threads, one CP-SAT worker each (default 2)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write each roster as DIR/InstanceN.csv")
    parser.add_argument("--check", type=Path, help="evaluate the rosters in DIR instead of solving")
    args = parser.parse_args(argv)
    best_known = load_best_known(args.data / "best-known.csv")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for number in instance_numbers(args.instances):
        started = time.monotonic()
        instance = load_instance(args.data / f"Instance{number}.txt")
        best = best_known.get(instance.name)
        claimed: int | None = None
        if args.check:
            roster = read_csv(args.check / f"{instance.name}.csv", instance)
        else:
            outcome = solve(
                instance, time_limit=args.time_limit, workers=args.workers, seed=args.seed, progress=log
            )
            roster, claimed = named(index(instance), outcome.roster), outcome.objective
            if args.out:
                write_csv(args.out / f"{instance.name}.csv", instance, roster)
        seconds = time.monotonic() - started
        evaluation = evaluate(instance, roster)
        sanity(instance, evaluation, best, claimed)
        row = result(instance, evaluation, best, seconds)
        rows.append(row)
        print(
            f"{row['name']}: objective {row['objective']}, best known {row['best_known']}, "
            f"gap {row['gap_pct']} %, {row['seconds']} s, feasible {row['feasible']}",
            flush=True,
        )
    summary = {
        "instances": [{k: v for k, v in row.items() if k != "feasible"} for row in rows],
        "feasible": sum(1 for row in rows if row["feasible"]),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
