"""The wait-prediction benchmark's data: each ticket's state at issue and its actual wait, from public logs.

Two formats (docs/science/wait-prediction.md describes both and how the waits are derived):

- ``anonymous-bank``: a bank call centre's call-by-call log (tab-separated, one call a row). Each call
  that joined the agents' queue is a ticket; its state is built by replaying the log, in time order,
  through ``PoolTracker`` (the calls that joined the queue, were taken by an agent, hung up, ended);
  its wait is ``q_time``. Calls that hung up are censored waits: they feed the abandonment rate and are
  never scored.
- ``warsaw``: minute snapshots of Warsaw city offices' ticket queues (gzip CSV). Ticket numbers are
  issued in order, so at each snapshot ``current ticket number + people waiting`` counts the tickets
  issued so far and the current number counts the tickets called; each ticket's issue and call times are
  interpolated between the snapshots where those counts pass its number.

A source is ``FILE`` or ``FILE@FROM..TO`` (ISO dates, both included) to take some days of a file only.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from birtereze.queue.prediction import PoolTracker, QueueState

Format = Literal["anonymous-bank", "warsaw"]
FORMATS: tuple[Format, ...] = ("anonymous-bank", "warsaw")
FloatArray = npt.NDArray[np.float64]

# Anonymous Bank: priority customers are called as if they had joined 90 s earlier. Measured on days 1–14
# only (the head start that leaves fewest calls of a type served out of that order: 9.7 % at 90 s, 11.9 %
# at 60 s and 12.1 % at 120 s), never on later days.
HEAD_START_S = 90.0
BANK_COLUMNS = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
WARSAW_COLUMNS = (
    "office",
    "time",
    "date",
    "status",
    "service_minutes",
    "list_position",
    "queue_id",
    "open_counters",
    "queue_group",
    "queue_letter",
    "waiting",
    "current_ticket",
    "source_row",
)
# Warsaw: a queue-day whose count of issued tickets falls back by more than this share of its tickets is
# not numbered in order (tickets of another queue, or called out of order) and is left out.
MAX_ISSUED_SETBACK = 0.10
# ... or shows numbers out of sequence in more than this share of its snapshots.
MAX_OUT_OF_SEQUENCE = 0.05
# A series ends where its count of called tickets leaps by more than the open counters could have served
# in the interval at MIN_SERVICE_S a ticket (and at least MIN_LEAP): a number from another range.
MIN_SERVICE_S = 30.0
MIN_LEAP = 20.0
SERVICE_LOOKBACK_S = 3600.0
LOOKBACK_S = 900.0
RECENT_CALLED = 5
_TICKET = re.compile(r"^(\D*)(\d+)$")
Clock = Callable[[float], float]


@dataclass(frozen=True, slots=True)
class Ticket:
    """One ticket: what it saw when issued, how long it waited, and whether that wait counts."""

    state: QueueState
    wait_s: float
    served: bool
    scored: bool

    @property
    def known_at(self) -> datetime:
        """When the wait became known: the call, or the moment the ticket gave up."""
        return self.state.at + timedelta(seconds=self.wait_s)


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    first: date | None = None
    last: date | None = None

    def includes(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


def parse_source(text: str) -> Source:
    """``FILE`` or ``FILE@YYYY-MM-DD..YYYY-MM-DD`` (either end may be left empty)."""
    path, _, days = text.partition("@")
    if not days:
        return Source(Path(path))
    first, separator, last = days.partition("..")
    if not separator:
        raise ValueError(f"a day range is FROM..TO, got {days!r}")
    return Source(
        Path(path),
        date.fromisoformat(first) if first else None,
        date.fromisoformat(last) if last else None,
    )


def load(format: Format, source: Source) -> list[Ticket]:
    """Every ticket of the source's days, ordered by issue time."""
    if format == "anonymous-bank":
        tickets = bank_tickets(read_bank(source))
    else:
        tickets = warsaw_tickets(read_warsaw(source))
    return sorted(tickets, key=lambda ticket: ticket.state.at)


# --- Anonymous Bank -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    key: str
    day: date
    type: str
    priority: int
    queued_at: int | None  # seconds after midnight; None when the call never joined the queue
    q_time: int
    outcome: str
    served_at: int | None
    ser_time: int
    server: str | None


def _yymmdd(value: str) -> date:
    year = int(value[:2])
    return date(1900 + year if year >= 50 else 2000 + year, int(value[2:4]), int(value[4:6]))


def _clock(value: str) -> int:
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def parse_bank_lines(lines: Iterable[str]) -> Iterator[Call]:
    """Calls of a log in the Anonymous Bank format; virtual ``PHANTOM`` calls are dropped."""
    reader = csv.reader(lines, delimiter="\t")
    header = next(reader, None)
    if header is None or tuple(column.strip() for column in header) != BANK_COLUMNS:
        raise ValueError(f"not an Anonymous Bank log: header {header!r}")
    for row in reader:
        if not row:
            continue
        values = dict(zip(BANK_COLUMNS, (value.strip() for value in row), strict=True))
        if values["outcome"] == "PHANTOM":
            continue
        day = _yymmdd(values["date"])
        q_start, ser_start = _clock(values["q_start"]), _clock(values["ser_start"])
        served = values["outcome"] == "AGENT"
        yield Call(
            key=f"{values['vru+line']}/{values['call_id']}",
            day=day,
            type=values["type"],
            priority=int(values["priority"]),
            queued_at=q_start if q_start > 0 else None,
            q_time=int(values["q_time"]),
            outcome=values["outcome"],
            served_at=ser_start if served and ser_start > 0 else None,
            ser_time=int(values["ser_time"]),
            server=values["server"] if served and values["server"] != "NO_SERVER" else None,
        )


def read_bank(source: Source) -> list[Call]:
    with source.path.open(encoding="ascii", newline="") as file:
        return [call for call in parse_bank_lines(file) if source.includes(call.day)]


def bank_tickets(calls: Sequence[Call], *, head_start_s: float = HEAD_START_S) -> list[Ticket]:
    """Replay each day's calls through a tracker; a ticket for every call that joined the queue."""
    by_day: dict[date, list[Call]] = defaultdict(list)
    for call in calls:
        by_day[call.day].append(call)
    tickets: list[Ticket] = []
    for day in sorted(by_day):
        tickets.extend(_bank_day(day, by_day[day], head_start_s))
    return tickets


def _bank_day(day: date, calls: Sequence[Call], head_start_s: float) -> list[Ticket]:
    midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - the log's local clock
    # (second, order, index, kind): at one second, what ended before it is known first, then arrivals,
    # then what ended the same second it began (a zero wait or a zero-length service).
    events: list[tuple[int, int, int, str]] = []
    for index, call in enumerate(calls):
        if call.queued_at is not None:
            left = call.queued_at + call.q_time
            events.append((call.queued_at, 1, index, "join"))
            events.append((left, 0 if left > call.queued_at else 2, index, "leave"))
        if call.served_at is not None:
            start = call.queued_at + call.q_time if call.queued_at is not None else call.served_at
            end = start + call.ser_time
            if call.queued_at is None:
                events.append((start, 1, index, "leave"))
            events.append((end, 0 if end > start else 2, index, "end"))
    events.sort()
    tracker = PoolTracker(head_start_s=head_start_s)
    tickets: list[Ticket] = []
    for second, _, index, kind in events:
        call = calls[index]
        at = midnight + timedelta(seconds=second)
        if kind == "join":
            state = tracker.state(queue=call.type, at=at, priority=call.priority == 2)
            served = call.outcome == "AGENT"
            tickets.append(Ticket(state, float(call.q_time), served, served and call.q_time > 0))
            tracker.issue(call.key, queue=call.type, at=at, priority=call.priority == 2)
        elif kind == "leave":
            if call.served_at is not None:
                tracker.call(call.key, at=at, server=call.server)
            else:
                tracker.abandon(call.key, at=at)
        else:
            tracker.finish(call.key, at=at)
    return tickets


# --- Warsaw ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    office: str
    queue_id: str
    day: date
    second: int
    operating: bool
    open_counters: int
    waiting: int
    letter: str | None
    number: int | None


def fixed_date(recorded: str) -> date:
    """The collection day of a recorded date, with the dataset's two documented artefacts undone."""
    day = date.fromisoformat(recorded)
    if day.year == 2020 and day.month == 12 and day.day >= 30:
        return day.replace(year=2019)  # ISO week-year bug: 2020-12-3x is 2019-12-3x
    if day.year == 2012:
        return day + timedelta(days=2881)  # one office's clock, a constant offset
    return day


def parse_warsaw_lines(lines: Iterable[str]) -> Iterator[Snapshot]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != WARSAW_COLUMNS:
        raise ValueError(f"not a Warsaw queue snapshot file: header {header!r}")
    for row in reader:
        if not row:
            continue
        values = dict(zip(WARSAW_COLUMNS, row, strict=True))
        hours, minutes = values["time"].split(":")
        match = _TICKET.match(values["current_ticket"].strip())
        yield Snapshot(
            office=values["office"],
            queue_id=values["queue_id"],
            day=fixed_date(values["date"]),
            second=int(hours) * 3600 + int(minutes) * 60,
            operating=values["status"] != "0",
            open_counters=int(values["open_counters"] or 0),
            waiting=int(values["waiting"] or 0),
            letter=match.group(1) if match else None,
            number=int(match.group(2)) if match else None,
        )


def read_warsaw(source: Source) -> list[Snapshot]:
    raw = source.path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    lines = io.StringIO(raw.decode("utf-8"), newline="")
    return [snapshot for snapshot in parse_warsaw_lines(lines) if source.includes(snapshot.day)]


def warsaw_tickets(snapshots: Sequence[Snapshot]) -> list[Ticket]:
    """Derive every ticket of every queue-day that is numbered in order (see the module's docstring)."""
    series: dict[tuple[str, str, date], list[Snapshot]] = defaultdict(list)
    letters: dict[tuple[str, date, str], set[str]] = defaultdict(set)
    for snapshot in snapshots:
        series[(snapshot.office, snapshot.queue_id, snapshot.day)].append(snapshot)
        if snapshot.letter is not None:
            letters[(snapshot.office, snapshot.day, snapshot.letter)].add(snapshot.queue_id)
    # Queues whose tickets share a letter with another queue's that day may share its numbers.
    shared = {
        (office, queue_id, day)
        for (office, day, _), queue_ids in letters.items()
        if len(queue_ids) > 1
        for queue_id in queue_ids
    }
    tickets: list[Ticket] = []
    for key in sorted(series):
        if key not in shared:
            tickets.extend(_warsaw_queue_day(sorted(series[key], key=lambda s: s.second)))
    return tickets


def crossings(times: FloatArray, counts: FloatArray, numbers: FloatArray) -> FloatArray:
    """When a non-decreasing count observed at ``times`` reached each number (NaN: not in the series).

    The ``c₁ − c₀`` numbers that the count passed between two snapshots are spread evenly over that
    interval, each at the middle of its share.
    """
    after = np.searchsorted(counts, numbers, side="left")
    result = np.full(len(numbers), math.nan)
    inside = (after > 0) & (after < len(counts))
    j = after[inside]
    c0, c1 = counts[j - 1], counts[j]
    result[inside] = times[j - 1] + (numbers[inside] - c0 - 0.5) / (c1 - c0) * (times[j] - times[j - 1])
    return result


def _warsaw_queue_day(day: Sequence[Snapshot]) -> list[Ticket]:
    first = next((i for i, s in enumerate(day) if s.number is not None), None)
    if first is None:
        return []
    day = day[first:]
    times = np.array([s.second for s in day], dtype=np.float64)
    shown = _forward_fill(np.array([np.nan if s.number is None else s.number for s in day], dtype=np.float64))
    # A number above a later one is out of sequence (an appointment's 9xx, a glitch): the count of
    # tickets called is the lowest number shown from then on.
    called = np.minimum.accumulate(shown[::-1])[::-1]
    if np.mean(shown > called) > MAX_OUT_OF_SEQUENCE:
        return []
    end = _first_implausible_step(day, times, called)
    day, times, called = day[:end], times[:end], called[:end]
    raw_issued = called + np.array([s.waiting for s in day], dtype=np.float64)
    issued = np.maximum.accumulate(raw_issued)
    setback = float(-np.minimum(np.diff(raw_issued), 0).sum())
    first_ticket, last_called = int(issued[0]) + 1, int(called[-1])
    if last_called < first_ticket or setback > MAX_ISSUED_SETBACK * (issued[-1] - issued[0] + 1):
        return []
    ticket_numbers = np.arange(first_ticket - 1, int(issued[-1]) + 2, dtype=np.float64)
    issue_times = crossings(times, issued, ticket_numbers)
    call_times = crossings(times, called, ticket_numbers)

    def issued_at(number: float) -> float:
        index = int(number) - (first_ticket - 1)
        return issue_times[index] if 0 <= index < len(issue_times) and number >= first_ticket else math.nan

    def called_at(number: float) -> float:
        index = int(number) - (first_ticket - 1)
        return call_times[index] if 0 <= index < len(call_times) and number >= first_ticket else math.nan

    midnight = datetime(day[0].day.year, day[0].day.month, day[0].day.day)  # noqa: DTZ001 - local clock
    queue = f"{day[0].office}/{day[0].queue_id}"
    tickets: list[Ticket] = []
    for number in range(first_ticket, last_called + 1):
        issue, call = issued_at(number), called_at(number)
        if math.isnan(issue) or math.isnan(call):
            continue
        i = int(np.searchsorted(times, issue, side="left")) - 1  # the last snapshot before the ticket
        if i < 0 or not day[i].operating or day[i].open_counters <= 0:
            continue
        snapshot = day[i]
        state = QueueState(
            queue=queue,
            at=midnight + timedelta(seconds=issue),
            ahead=int(number - 1 - called[i]),
            servers=snapshot.open_counters,
            waiting=int(issued[i] - called[i]),
            queue_ahead=int(number - 1 - called[i]),
            mean_service_s=_mean_service(day, times, issued, called, i),
            les_s=_nan_none(called_at(called[i]) - issued_at(called[i])),
            queue_les_s=_nan_none(called_at(called[i]) - issued_at(called[i])),
            recent_wait_s=_recent_wait(called[i], issued_at, called_at),
            hol_s=_head_of_line(issue, called[i], issued[i], issued_at, times[0]),
            arrivals_15min=int(issued[i] - _count_before(times, issued, times[i] - LOOKBACK_S)),
            calls_15min=int(called[i] - _count_before(times, called, times[i] - LOOKBACK_S)),
            observed_age_s=issue - times[i],
        )
        tickets.append(Ticket(state, max(call - issue, 0.0), served=True, scored=True))
    return tickets


def _first_implausible_step(day: Sequence[Snapshot], times: FloatArray, called: FloatArray) -> int:
    """Where the count of tickets called leaps more than the open counters could serve (≥ 30 s each)."""
    for j in range(1, len(day)):
        plausible = max(MIN_LEAP, day[j - 1].open_counters * (times[j] - times[j - 1]) / MIN_SERVICE_S)
        if called[j] - called[j - 1] > plausible:
            return j
    return len(day)


def _forward_fill(values: FloatArray) -> FloatArray:
    result = values.copy()
    for i in range(1, len(result)):
        if math.isnan(result[i]):
            result[i] = result[i - 1]
    return result


def _nan_none(value: float) -> float | None:
    return None if math.isnan(value) else max(value, 0.0)


def _count_before(times: FloatArray, counts: FloatArray, moment: float) -> float:
    """The count at the last snapshot at or before ``moment`` (the first snapshot's if none)."""
    index = max(int(np.searchsorted(times, moment, side="right")) - 1, 0)
    return float(counts[index])


def _mean_service(
    day: Sequence[Snapshot], times: FloatArray, issued: FloatArray, called: FloatArray, i: int
) -> float | None:
    """Counter-seconds open while someone waited, per ticket called, over the last hour (≥ 3 calls)."""
    start = int(np.searchsorted(times, times[i] - SERVICE_LOOKBACK_S, side="left"))
    calls = called[i] - called[start]
    if calls < 3:
        return None
    busy = sum(
        (times[j + 1] - times[j]) * day[j].open_counters for j in range(start, i) if issued[j] > called[j]
    )
    return float(busy / calls) if busy > 0 else None


def _head_of_line(issue: float, called: float, issued: float, issued_at: Clock, opened: float) -> float:
    """How long the first ticket in line has waited when this one is issued (0 when nobody waits).

    A first ticket issued before the first snapshot has waited at least since that snapshot.
    """
    if called + 1 > issued:
        return 0.0
    joined = issued_at(called + 1)
    return max(issue - (opened if math.isnan(joined) else joined), 0.0)


def _recent_wait(last: float, issued_at: Clock, called_at: Clock) -> float | None:
    waits = [called_at(n) - issued_at(n) for n in np.arange(last - RECENT_CALLED + 1, last + 1)]
    known = [w for w in waits if not math.isnan(w)]
    return max(sum(known) / len(known), 0.0) if known else None
