"""Branch domain logic: the only writer of branches, zones, windows and their hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch, OpeningHours, SpecialDay, Window, Zone
from birtereze.core.db import refuse_duplicate
from birtereze.core.errors import NotFound
from birtereze.kz import calendar as kz_calendar


async def get(session: AsyncSession, branch_id: int) -> Branch:
    branch = await session.get(Branch, branch_id)
    if branch is None:
        raise NotFound("Branch")
    return branch


async def get_by_code(session: AsyncSession, code: str) -> Branch | None:
    return (await session.execute(select(Branch).where(Branch.code == code))).scalar_one_or_none()


async def find_active(session: AsyncSession, branch_id: int) -> Branch | None:
    """An active centre by id; None when there is none (a citizen's choice from an address)."""
    branch = await session.get(Branch, branch_id)
    return branch if branch is not None and branch.active else None


async def list_branches(session: AsyncSession, *, ids: Sequence[int] | None = None) -> Sequence[Branch]:
    statement = select(Branch).where(Branch.active.is_(True)).order_by(Branch.code)
    if ids is not None:
        statement = statement.where(Branch.id.in_(ids))
    return (await session.execute(statement)).scalars().all()


async def get_window(session: AsyncSession, window_id: int) -> Window:
    window = await session.get(Window, window_id)
    if window is None:
        raise NotFound("Window")
    return window


async def list_zones(session: AsyncSession, *, branch_id: int) -> Sequence[Zone]:
    return (
        (await session.execute(select(Zone).where(Zone.branch_id == branch_id).order_by(Zone.id)))
        .scalars()
        .all()
    )


async def list_windows(session: AsyncSession, *, branch_id: int) -> Sequence[Window]:
    statement = select(Window).where(Window.branch_id == branch_id).order_by(Window.number)
    return (await session.execute(statement)).scalars().all()


async def list_hours(session: AsyncSession, *, branch_id: int) -> Sequence[OpeningHours]:
    statement = select(OpeningHours).where(OpeningHours.branch_id == branch_id).order_by(OpeningHours.weekday)
    return (await session.execute(statement)).scalars().all()


async def list_special_days(
    session: AsyncSession, *, branch_id: int, since: date | None = None
) -> Sequence[SpecialDay]:
    statement = select(SpecialDay).where(SpecialDay.branch_id == branch_id).order_by(SpecialDay.day)
    if since is not None:
        statement = statement.where(SpecialDay.day >= since)
    return (await session.execute(statement)).scalars().all()


def local_now(branch: Branch, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(branch.timezone))


def service_day(timezone: str, now: datetime) -> date:
    """The branch's local calendar day: ticket numbers restart at local midnight."""
    return now.astimezone(ZoneInfo(timezone)).date()


class WeeklyHours(Protocol):
    @property
    def weekday(self) -> int: ...
    @property
    def opens(self) -> time: ...
    @property
    def closes(self) -> time: ...


class DayHours(Protocol):
    @property
    def day(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def opens(self) -> time | None: ...
    @property
    def closes(self) -> time | None: ...


def hours_on(
    day: date, hours: Sequence[WeeklyHours], special_days: Sequence[DayHours]
) -> tuple[time, time] | None:
    """Opening and closing time on ``day``, or None when the branch is closed that day."""
    for special in special_days:
        if special.day == day:
            if special.kind == "holiday" or special.opens is None or special.closes is None:
                return None
            return special.opens, special.closes
    for regular in hours:
        if regular.weekday == day.isoweekday():
            return regular.opens, regular.closes
    return None


def within(moment: time, opens: time, closes: time) -> bool:
    """Whether a local time falls in opening hours; equal opening and closing times mean all day."""
    moment = moment.replace(tzinfo=None)
    return opens == closes or opens <= moment < closes


def is_open(
    timezone: str, now: datetime, hours: Sequence[WeeklyHours], special_days: Sequence[DayHours]
) -> bool:
    """Whether a branch with these hours, in this time zone, is open at ``now``."""
    local = now.astimezone(ZoneInfo(timezone))
    today = hours_on(local.date(), hours, special_days)
    return today is not None and within(local.time(), *today)


async def create(session: AsyncSession, **fields: object) -> Branch:
    await refuse_duplicate(session, Branch, "Branch", code=fields["code"])
    branch = Branch(**fields)
    session.add(branch)
    await session.flush()
    return branch


async def create_zone(session: AsyncSession, *, branch_id: int, code: str, names: dict[str, str]) -> Zone:
    await refuse_duplicate(session, Zone, "Zone", branch_id=branch_id, code=code)
    zone = Zone(branch_id=branch_id, code=code, name_kk=names["kk"], name_ru=names["ru"], name_en=names["en"])
    session.add(zone)
    await session.flush()
    return zone


async def create_window(
    session: AsyncSession, *, branch_id: int, zone_id: int, number: int, accessible: bool = False
) -> Window:
    await refuse_duplicate(session, Window, "Window", branch_id=branch_id, number=number)
    window = Window(branch_id=branch_id, zone_id=zone_id, number=number, accessible=accessible)
    session.add(window)
    await session.flush()
    return window


async def set_hours(session: AsyncSession, *, branch_id: int, weekly: dict[int, tuple[time, time]]) -> None:
    for weekday, (opens, closes) in weekly.items():
        session.add(OpeningHours(branch_id=branch_id, weekday=weekday, opens=opens, closes=closes))
    await session.flush()


async def add_special_day(
    session: AsyncSession,
    *,
    branch_id: int,
    day: date,
    kind: str,
    opens: time | None = None,
    closes: time | None = None,
    note: str = "",
) -> SpecialDay:
    await refuse_duplicate(session, SpecialDay, "Special day", branch_id=branch_id, day=day)
    special = SpecialDay(branch_id=branch_id, day=day, kind=kind, opens=opens, closes=closes, note=note)
    session.add(special)
    await session.flush()
    return special


async def add_public_holidays(
    session: AsyncSession, *, branch_id: int, year: int, week: int = 5
) -> list[SpecialDay]:
    """Close the branch on Kazakhstan's days off of ``year`` (holidays, carry-overs, decreed transfers;
    ``birtereze.kz.calendar``) as special days; days the branch already has are left as they are."""
    existing = {s.day for s in await list_special_days(session, branch_id=branch_id)}
    added = []
    for off in kz_calendar.days_off(year, week=week):
        if off.day in existing:
            continue
        special = SpecialDay(
            branch_id=branch_id,
            day=off.day,
            kind="holiday",
            opens=None,
            closes=None,
            # The hall's stand shows it in Kazakh and Russian, the languages of the hall.
            note=" / ".join(dict.fromkeys((off.names["kk"], off.names["ru"]))),
        )
        session.add(special)
        added.append(special)
    await session.flush()
    return added


async def update(session: AsyncSession, branch: Branch, **fields: object) -> Branch:
    for name, value in fields.items():
        setattr(branch, name, value)
    await session.flush()
    return branch


async def replace_hours(
    session: AsyncSession, *, branch_id: int, weekly: dict[int, tuple[time, time]]
) -> None:
    await session.execute(delete(OpeningHours).where(OpeningHours.branch_id == branch_id))
    await set_hours(session, branch_id=branch_id, weekly=weekly)


async def remove_special_day(session: AsyncSession, *, branch_id: int, day: date) -> None:
    result = await session.execute(
        delete(SpecialDay).where(SpecialDay.branch_id == branch_id, SpecialDay.day == day)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Special day")


async def get_zone(session: AsyncSession, zone_id: int, *, branch_id: int) -> Zone:
    zone = await session.get(Zone, zone_id)
    if zone is None or zone.branch_id != branch_id:
        raise NotFound("Zone")
    return zone


async def update_window(
    session: AsyncSession, window: Window, *, zone_id: int | None = None, accessible: bool | None = None
) -> Window:
    if zone_id is not None:
        window.zone_id = (await get_zone(session, zone_id, branch_id=window.branch_id)).id
    if accessible is not None:
        window.accessible = accessible
    await session.flush()
    return window
