"""The Curtois employee shift-scheduling benchmark: its instances, read from their text format.

The instances (schedulingbenchmarks.org, Instance1 … Instance24) are the public yardstick of the roster
engine: the same CP-SAT model and large-neighbourhood search that staff a centre are measured on them
against the best-known values. Day 0 is a Monday; a weekend is days 5 and 6 of each week.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


class InstanceFormatError(ValueError):
    """The text is not a well-formed instance: the message names the line."""


@dataclass(frozen=True, slots=True)
class Shift:
    id: str
    minutes: int
    # Shifts that may not be worked on the day after this one.
    cannot_follow: frozenset[str]


@dataclass(frozen=True, slots=True)
class Employee:
    id: str
    # The most shifts of each type over the horizon; 0 means the employee never works that type.
    max_shifts: Mapping[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_consecutive_off: int
    max_weekends: int


@dataclass(frozen=True, slots=True)
class Request:
    """An on-request (wants ``shift`` on ``day``) or an off-request (does not want it)."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True, slots=True)
class Cover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    horizon: int
    shifts: tuple[Shift, ...]
    employees: tuple[Employee, ...]
    days_off: Mapping[str, frozenset[int]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]
    _shift_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_shift_index", {shift.id: i for i, shift in enumerate(self.shifts)})

    def shift_index(self, shift_id: str) -> int:
        return self._shift_index[shift_id]

    @property
    def weeks(self) -> int:
        return self.horizon // 7


@dataclass(frozen=True, slots=True)
class BestKnown:
    """One row of best-known.csv: the best objective found, and the proven lower bound where known."""

    upper: int
    lower: int | None
    proven_optimal: bool


def _sections(text: str) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """Yield (header, [(line number, record)]) for each section, comments and blank lines dropped."""
    header: str | None = None
    records: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if header is not None:
                yield header, records
            header, records = line, []
        elif header is None:
            raise InstanceFormatError(f"line {number}: a record before any SECTION_ header")
        else:
            records.append((number, line))
    if header is not None:
        yield header, records


def _int(value: str, number: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise InstanceFormatError(f"line {number}: {value!r} is not a whole number") from None


def _fields(record: str, number: int, count: int) -> list[str]:
    parts = [part.strip() for part in record.split(",")]
    if len(parts) != count:
        raise InstanceFormatError(f"line {number}: {count} fields expected, {len(parts)} found")
    return parts


def _shift(record: str, number: int) -> Shift:
    shift_id, minutes, cannot_follow = _fields(record, number, 3)
    return Shift(shift_id, _int(minutes, number), frozenset(s for s in cannot_follow.split("|") if s))


def _employee(record: str, number: int) -> Employee:
    parts = _fields(record, number, 8)
    limits: dict[str, int] = {}
    for item in parts[1].split("|"):
        shift_id, _, most = item.partition("=")
        limits[shift_id] = _int(most, number)
    values = [_int(value, number) for value in parts[2:]]
    return Employee(parts[0], limits, *values)


def _request(record: str, number: int) -> Request:
    employee, day, shift, weight = _fields(record, number, 4)
    return Request(employee, _int(day, number), shift, _int(weight, number))


def _cover(record: str, number: int) -> Cover:
    day, shift, requirement, under, over = _fields(record, number, 5)
    return Cover(_int(day, number), shift, *(_int(v, number) for v in (requirement, under, over)))


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Read an instance from its text; every section must be present and every id must be known."""
    found = dict(_sections(text))
    missing = [section for section in SECTIONS if section not in found]
    if missing:
        raise InstanceFormatError(f"missing sections: {', '.join(missing)}")
    horizon_records = found["SECTION_HORIZON"]
    if len(horizon_records) != 1:
        raise InstanceFormatError("SECTION_HORIZON holds exactly one number")
    horizon_line, horizon_text = horizon_records[0]
    horizon = _int(horizon_text, horizon_line)
    shifts = tuple(_shift(record, number) for number, record in found["SECTION_SHIFTS"])
    employees = tuple(_employee(record, number) for number, record in found["SECTION_STAFF"])
    days_off: dict[str, frozenset[int]] = {}
    for number, record in found["SECTION_DAYS_OFF"]:
        employee, *days = (part.strip() for part in record.split(","))
        days_off[employee] = days_off.get(employee, frozenset()) | {_int(d, number) for d in days if d}
    instance = Instance(
        name=name,
        horizon=horizon,
        shifts=shifts,
        employees=employees,
        days_off=days_off,
        on_requests=tuple(_request(r, n) for n, r in found["SECTION_SHIFT_ON_REQUESTS"]),
        off_requests=tuple(_request(r, n) for n, r in found["SECTION_SHIFT_OFF_REQUESTS"]),
        cover=tuple(_cover(r, n) for n, r in found["SECTION_COVER"]),
    )
    _check_references(instance)
    return instance


def _check_references(instance: Instance) -> None:
    shift_ids = {shift.id for shift in instance.shifts}
    employee_ids = {employee.id for employee in instance.employees}
    for shift in instance.shifts:
        if not shift.cannot_follow <= shift_ids:
            raise InstanceFormatError(f"shift {shift.id}: unknown shifts in its rotation rule")
    for employee in instance.employees:
        if set(employee.max_shifts) != shift_ids:
            raise InstanceFormatError(f"employee {employee.id}: MaxShifts must name every shift once")
    days = range(instance.horizon)
    for employee_id, off in instance.days_off.items():
        if employee_id not in employee_ids or not off <= set(days):
            raise InstanceFormatError(f"days off of {employee_id}: unknown employee or day")
    for request in (*instance.on_requests, *instance.off_requests):
        if request.employee not in employee_ids:
            raise InstanceFormatError(f"{request}: unknown employee")
    items: list[Request | Cover] = [*instance.on_requests, *instance.off_requests, *instance.cover]
    for item in items:
        if item.shift not in shift_ids or item.day not in days:
            raise InstanceFormatError(f"{item}: unknown shift or day")


def load_instance(path: Path) -> Instance:
    return parse_instance(path.read_text(encoding="ascii"), name=path.stem)


def load_best_known(path: Path) -> dict[str, BestKnown]:
    """best-known.csv by instance name (``Instance8``)."""
    with path.open(encoding="ascii", newline="") as handle:
        return {
            row["instance"]: BestKnown(
                upper=int(row["best_known_ub"]),
                lower=int(row["lower_bound"]) if row["lower_bound"] else None,
                proven_optimal=row["proven_optimal"] == "true",
            )
            for row in csv.DictReader(handle)
        }
