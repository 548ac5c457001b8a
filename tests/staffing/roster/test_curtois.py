"""The Curtois benchmark: the parser, the independent evaluator and the search on Instance1."""

from __future__ import annotations

from pathlib import Path

import pytest

from birtereze.staffing.roster.curtois import (
    InstanceFormatError,
    load_best_known,
    load_instance,
    parse_instance,
)
from birtereze.staffing.roster.evaluate import evaluate, read_csv, write_csv
from birtereze.staffing.roster.lns import solve
from birtereze.staffing.roster.model import index, named
from tests.conftest import need

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "curtois-nrp"

# A week from a Monday; N may not be followed by D. B may never work N, works at most 0 weekends.
SNIPPET = """\
# comment
SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=7|N=2,4320,1440,3,2,2,1
B,D=7|N=0,4320,960,3,2,2,0

SECTION_DAYS_OFF
B,3

SECTION_SHIFT_ON_REQUESTS
A,0,D,2
B,1,D,3
A,3,D,1

SECTION_SHIFT_OFF_REQUESTS
A,4,N,2
B,2,D,1

SECTION_COVER
0,D,2,100,1
1,D,2,100,1
2,D,1,100,1
4,N,1,100,1
5,N,0,100,1
6,D,1,100,1
"""


def roster(a: str, b: str) -> dict[str, list[str | None]]:
    """Rows from strings of D, N and - (off), one character a day."""
    return {name: [None if c == "-" else c for c in row] for name, row in (("A", a), ("B", b))}


def test_it_parses_every_section_of_a_snippet() -> None:
    instance = parse_instance(SNIPPET, name="snippet")
    assert instance.horizon == 7
    assert [(s.id, s.minutes, s.cannot_follow) for s in instance.shifts] == [
        ("D", 480, frozenset()),
        ("N", 600, frozenset({"D"})),
    ]
    a, b = instance.employees
    assert (a.id, dict(a.max_shifts), a.max_minutes, a.min_minutes) == ("A", {"D": 7, "N": 2}, 4320, 1440)
    assert (b.max_consecutive, b.min_consecutive, b.min_consecutive_off, b.max_weekends) == (3, 2, 2, 0)
    assert instance.days_off == {"B": frozenset({3})}
    assert [(r.employee, r.day, r.shift, r.weight) for r in instance.on_requests][1] == ("B", 1, "D", 3)
    assert instance.off_requests[0].weight == 2
    assert (instance.cover[3].day, instance.cover[3].shift, instance.cover[3].requirement) == (4, "N", 1)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (SNIPPET.replace("SECTION_COVER", "SECTION_NOTHING"), "missing sections"),
        (SNIPPET.replace("A,0,D,2", "A,0,X,2"), "unknown shift"),
        (SNIPPET.replace("B,3\n", "Q,3\n"), "unknown employee"),
        (SNIPPET.replace("N,600,D", "N,six hundred,D"), "not a whole number"),
        (SNIPPET.replace("A,D=7|N=2,", "A,D=7,"), "MaxShifts"),
    ],
)
def test_it_refuses_a_malformed_instance(broken: str, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=message):
        parse_instance(broken)


def test_it_computes_a_hand_checked_objective() -> None:
    instance = parse_instance(SNIPPET)
    result = evaluate(instance, roster("DD--NN-", "-DD----"))
    assert result.feasible, result.violations
    # On: A wanted D on day 3 (1). Off: A works N on day 4 (2), B works D on day 2 (1).
    # Cover: day 0 D has 1 of 2 (100), day 6 D has 0 of 1 (100), day 5 N has 1 of 0 (1).
    assert (result.on_requests, result.off_requests, result.under_cover, result.over_cover) == (1, 3, 200, 1)
    assert result.objective == 205


@pytest.mark.parametrize(
    ("a", "b", "rule"),
    [
        ("DD--NN-", "-DDD---", "works on a day off"),
        ("DD--NND", "-DD----", "may not follow"),
        ("NN--NN-", "-DD----", "shifts N, at most 2"),
        ("DD--NN-", "D------", "minutes, allowed"),
        ("DDDD--N", "-DD----", "in a row, at most 3"),
        ("DD--N--", "-DD----", "in a row, at least 2"),
        ("DD-NN--", "-DD----", "days off in a row, at least 2"),
        ("DD--NN-", "-DD--DD", "weekends worked, at most 0"),
    ],
)
def test_it_finds_each_broken_hard_rule(a: str, b: str, rule: str) -> None:
    result = evaluate(parse_instance(SNIPPET), roster(a, b))
    assert len(result.violations) == 1, result.violations
    assert rule in result.violations[0]


def test_runs_touching_the_horizon_are_exempt_from_the_minimums() -> None:
    # A one-day run of work at day 0, then one at the last day: both touch the horizon, both allowed.
    for row in ("D--DD--", "DD----N"):
        result = evaluate(parse_instance(SNIPPET), roster(row, "-DD----"))
        assert result.feasible, result.violations
    # The same one-day run inside the horizon is refused.
    assert not evaluate(parse_instance(SNIPPET), roster("-D--DD-", "-DD----")).feasible


def test_a_roster_survives_its_csv(tmp_path: Path) -> None:
    instance = parse_instance(SNIPPET)
    rows = roster("DD--NN-", "-DD----")
    write_csv(tmp_path / "r.csv", instance, rows)
    assert (tmp_path / "r.csv").read_text().splitlines()[:3] == ["employee,day,shift", "A,0,D", "A,1,D"]
    assert read_csv(tmp_path / "r.csv", instance) == rows


def test_every_instance_parses_with_the_published_counts() -> None:
    need("the Curtois data", DATA.is_dir())
    sizes = {1: (14, 8, 1), 8: (28, 30, 4), 13: (28, 120, 18), 19: (84, 40, 5), 24: (364, 150, 32)}
    for number in range(1, 25):
        instance = load_instance(DATA / f"Instance{number}.txt")
        if number in sizes:
            assert (instance.horizon, len(instance.employees), len(instance.shifts)) == sizes[number]
    best = load_best_known(DATA / "best-known.csv")
    assert best["Instance1"].upper == 607 and best["Instance1"].proven_optimal


def test_the_search_reaches_the_optimum_of_instance1() -> None:
    need("the Curtois data", DATA.is_dir())
    instance = load_instance(DATA / "Instance1.txt")
    outcome = solve(instance, time_limit=20, seed=1)
    result = evaluate(instance, named(index(instance), outcome.roster))
    assert result.feasible, result.violations
    assert result.objective == outcome.objective == 607
