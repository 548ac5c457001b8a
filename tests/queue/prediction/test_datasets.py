"""The benchmark's dataset parsers on literal lines, the Warsaw wait derivation, and the real data."""

from __future__ import annotations

import gzip
import io
import json
import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from bench.wait_datasets import (
    Snapshot,
    bank_tickets,
    crossings,
    fixed_date,
    load,
    parse_bank_lines,
    parse_source,
    parse_warsaw_lines,
    read_warsaw,
    warsaw_tickets,
)
from bench.wait_predict import main, run

from birtereze.queue.prediction.learned import Config
from tests.conftest import need

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
BANK = DATA / "anonymous-bank" / "calls-1999-02-01-to-20.tsv"
WARSAW = DATA / "warsaw-queues" / "warsaw-queues.csv.gz"

BANK_LINES = """\
vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver\r
AA0101\t1\t0\t0\tPS\t990201\t9:00:00\t9:00:10\t10\t0:00:00\t0:00:00\t0\tAGENT\t9:00:10\t9:05:10\t300\tDORIT\r
AA0101\t2\t0\t2\tPS\t990201\t9:01:00\t9:01:10\t10\t9:01:10\t9:02:10\t60\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER\r
AA0101\t3\t0\t1\tNE\t990201\t9:02:00\t9:02:10\t10\t9:02:10\t9:05:10\t180\tAGENT\t9:05:10\t9:07:10\t120\tDORIT\r
AA0101\t4\t0\t0\tPS\t990201\t9:03:00\t9:03:10\t10\t9:03:20\t9:07:10\t230\tAGENT\t9:07:10\t9:08:00\t50\tNO_SERVER\r
AA0101\t5\t0\t0\tPS\t990201\t9:04:00\t9:04:10\t10\t0:00:00\t0:00:00\t0\tPHANTOM\t0:00:00\t0:00:00\t0\tNO_SERVER\r
"""


def test_it_reads_the_bank_log_and_drops_phantom_calls() -> None:
    calls = list(parse_bank_lines(io.StringIO(BANK_LINES, newline="")))
    assert [call.key for call in calls] == ["AA0101/1", "AA0101/2", "AA0101/3", "AA0101/4"]
    first, hung_up = calls[0], calls[1]
    assert first.day == date(1999, 2, 1) and first.queued_at is None and first.served_at == 9 * 3600 + 10
    assert first.server == "DORIT" and first.ser_time == 300
    assert hung_up.outcome == "HANG" and hung_up.queued_at == 9 * 3600 + 70 and hung_up.served_at is None
    assert calls[3].server is None  # NO_SERVER


def test_it_refuses_a_file_of_another_format() -> None:
    with pytest.raises(ValueError, match="Anonymous Bank"):
        list(parse_bank_lines(io.StringIO("a\tb\n1\t2\n")))


def test_it_replays_the_bank_log_into_tickets_with_their_state() -> None:
    tickets = bank_tickets(list(parse_bank_lines(io.StringIO(BANK_LINES, newline=""))))
    assert [(t.state.queue, t.wait_s, t.served, t.scored) for t in tickets] == [
        ("PS", 60.0, False, False),  # hung up: censored, never scored
        ("NE", 180.0, True, True),
        ("PS", 230.0, True, True),
    ]
    third = tickets[2].state
    assert third.at == datetime(1999, 2, 1, 9, 3, 20)
    # At 9:03:20 call 3 waits (call 2 has hung up); DORIT serves call 1, started 190 s ago.
    assert third.ahead == 1 and third.waiting == 1 and third.busy == 1 and third.servers == 1
    assert third.service_elapsed_s == (190.0,)
    assert third.abandons_30min == 1 and third.abandon_rate_per_s == pytest.approx(1 / (60 + 70))


WARSAW_LINES = """\
office,time,date,status,service_minutes,list_position,queue_id,open_counters,queue_group,queue_letter,waiting,current_ticket,source_row
UD_X,08:00,2020-01-07,1,10,1,7,2,"A: DOWODY, ZAMELDOWANIA",A,0,A001,1
UD_X,08:05,2020-01-07,1,10,1,7,2,"A: DOWODY, ZAMELDOWANIA",A,2,A001,2
UD_X,08:10,2020-01-07,1,10,1,7,2,"A: DOWODY, ZAMELDOWANIA",A,0,A003,3
USC_Y,09:00,2020-12-30,,0,,5,1,Kasa,K,1,,4
UD_Z,09:00,2012-02-26,,0,,9,1,Kasa,K,0,,5
"""


def test_it_reads_snapshots_and_undoes_the_date_artefacts() -> None:
    snapshots = list(parse_warsaw_lines(io.StringIO(WARSAW_LINES)))
    assert len(snapshots) == 5
    first = snapshots[0]
    assert (first.office, first.queue_id, first.second, first.letter, first.number) == (
        "UD_X",
        "7",
        8 * 3600,
        "A",
        1,
    )
    assert snapshots[3].day == date(2019, 12, 30) and snapshots[3].number is None
    assert snapshots[3].operating  # no status: operating unless it says 0
    assert snapshots[4].day == date(2020, 1, 16)
    assert fixed_date("2020-01-08") == date(2020, 1, 8)


def test_it_derives_each_tickets_wait_from_the_snapshots() -> None:
    snapshots = list(parse_warsaw_lines(io.StringIO(WARSAW_LINES)))[:3]
    tickets = warsaw_tickets(snapshots)
    # Tickets 2 and 3 were issued between 8:00 and 8:05 (at 8:01:15 and 8:03:45) and called between
    # 8:05 and 8:10 (at 8:06:15 and 8:08:45): each waited 5 minutes.
    assert [t.state.at.strftime("%H:%M:%S") for t in tickets] == ["08:01:15", "08:03:45"]
    assert [t.wait_s for t in tickets] == [300.0, 300.0]
    assert [t.state.ahead for t in tickets] == [0, 1]
    assert all(t.state.queue == "UD_X/7" and t.state.servers == 2 and t.scored for t in tickets)
    assert [t.state.observed_age_s for t in tickets] == [75.0, 225.0]


def test_it_leaves_out_queues_that_share_their_ticket_letter() -> None:
    snapshots = list(parse_warsaw_lines(io.StringIO(WARSAW_LINES)))[:3]
    other = [Snapshot("UD_X", "8", s.day, s.second, True, 1, 0, "A", 50 + i) for i, s in enumerate(snapshots)]
    assert warsaw_tickets(snapshots + other) == []


def test_it_ignores_a_number_out_of_sequence() -> None:
    snapshots = list(parse_warsaw_lines(io.StringIO(WARSAW_LINES)))[:3]
    day = snapshots[0].day
    quiet = [Snapshot("UD_X", "7", day, 8 * 3600 + 600 + 300 * i, True, 2, 0, "A", 3) for i in range(1, 21)]
    spike = Snapshot("UD_X", "7", day, 8 * 3600 + 120, True, 2, 1, "A", 902)  # an appointment's number
    tickets = warsaw_tickets([*snapshots[:1], spike, *snapshots[1:], *quiet])
    # Read as number 1 (the lowest shown from then on) with one waiting at 8:02: ticket 2 was issued in
    # (8:00, 8:02], at 8:01:00, ticket 3 in (8:02, 8:05], at 8:03:30; both called as before.
    assert [(t.state.ahead, t.wait_s) for t in tickets] == [(0, 315.0), (1, 315.0)]
    # Out of sequence too often, the day is not trusted at all.
    assert warsaw_tickets([*snapshots[:1], spike, *snapshots[1:]]) == []


def test_it_interpolates_crossings_at_the_middle_of_each_share() -> None:
    times = np.array([0.0, 100.0, 200.0])
    counts = np.array([0.0, 2.0, 2.0])
    result = crossings(times, counts, np.array([1.0, 2.0, 3.0]))
    assert result[:2] == pytest.approx([25.0, 75.0])
    assert math.isnan(result[2])


def test_it_reads_a_day_range() -> None:
    source = parse_source("calls.tsv@1999-02-01..1999-02-14")
    assert source.path == Path("calls.tsv") and source.includes(date(1999, 2, 14))
    assert not source.includes(date(1999, 2, 15))
    assert parse_source("calls.tsv").includes(date(2000, 1, 1))
    assert parse_source("calls.tsv@..1999-02-03").includes(date(1990, 1, 1))
    with pytest.raises(ValueError, match=r"FROM\.\.TO"):
        parse_source("calls.tsv@1999-02-01")


TINY = (Config(targets=("sqrt",), leaves=(20,), max_iter=30),)


@pytest.fixture(scope="module")
def bank_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The header and two days (1 and 2 February) of the bank log: reading all 20 days took a second."""
    need("the Anonymous Bank data", BANK.exists())
    with BANK.open(encoding="ascii", newline="") as file:
        lines = [next(file), *(line for line in file if line.split("\t")[5] in {"990201", "990202"})]
    path = tmp_path_factory.mktemp("bank") / BANK.name
    path.write_text("".join(lines), encoding="ascii", newline="")
    return path


def test_it_runs_the_benchmark_on_real_bank_days(bank_days: Path) -> None:
    result = run(
        "anonymous-bank", f"{bank_days}@1999-02-01..1999-02-01", f"{bank_days}@1999-02-02..", configs=TINY
    )
    assert result["n"] > 800
    assert set(result["baselines"]) == {"queue_length", "queue_length_ahead", "les", "hol"}
    best = min(b["mae_s"] for b in result["baselines"].values())
    assert 0 < result["mae_s"] < 1.3 * best
    assert 0 < result["within_5min"] <= 1


def test_it_prints_the_json_line_last(bank_days: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "--format",
            "anonymous-bank",
            "--train",
            f"{bank_days}@..1999-02-01",
            "--test",
            f"{bank_days}@1999-02-02..1999-02-02",
            "--no-model",
        ]
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert {"n", "mae_s", "rmse_s", "within_5min", "baselines"} <= set(json.loads(last))


def test_it_reads_a_gzip_snapshot_file_for_the_days_asked(tmp_path: Path) -> None:
    path = tmp_path / "snapshots.csv.gz"
    path.write_bytes(gzip.compress(WARSAW_LINES.encode()))
    days = {s.day for s in read_warsaw(parse_source(f"{path}@2020-01-16..2020-01-16"))}
    assert days == {date(2020, 1, 16)}  # the 2012 row, its clock offset undone
    assert len(read_warsaw(parse_source(str(path)))) == 5
    assert [t.wait_s for t in load("warsaw", parse_source(f"{path}@2020-01-07..2020-01-07"))] == [300.0] * 2


def one_warsaw_day(day: date) -> list[str]:
    """The header and the rows of one collection day; reading every day's rows took seconds."""
    days: dict[str, date] = {}  # recorded date -> collection day, each worked out once

    def collected_on(row: str) -> date:
        recorded = row.split(",", 3)[2]
        if recorded not in days:
            days[recorded] = fixed_date(recorded)
        return days[recorded]

    with gzip.open(WARSAW, "rt", encoding="utf-8", newline="") as file:
        header = next(file)
        return [header, *(row for row in file if collected_on(row) == day)]


def test_it_derives_plausible_warsaw_waits() -> None:
    need("the Warsaw queue data", WARSAW.exists())
    tickets = warsaw_tickets(list(parse_warsaw_lines(one_warsaw_day(date(2020, 1, 7)))))
    assert len(tickets) > 3000
    waits = np.array([t.wait_s for t in tickets])
    assert np.all(waits >= 0) and 60 < np.median(waits) < 3600
    assert all(t.state.at.date() == date(2020, 1, 7) for t in tickets)
    assert max(t.state.ahead for t in tickets) < 500
