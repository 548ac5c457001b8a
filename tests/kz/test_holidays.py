"""The calendar in use: a branch closed on the public days off, the ``birtereze holidays`` command, and
the staffing forecast's holidays."""

from __future__ import annotations

import asyncio
from datetime import date

from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.cli import main
from birtereze.core.settings import get_settings
from birtereze.kz import calendar
from birtereze.staffing import service as staffing_service
from tests.builders import World
from tests.conftest import Database


def invoke(*args: str, url: str | None = None) -> Result:
    get_settings.cache_clear()
    try:
        env = {"BIRTEREZE_DATABASE_URL": url} if url else None
        return CliRunner().invoke(main, list(args), env=env)
    finally:
        get_settings.cache_clear()


def test_the_command_prints_the_days_off() -> None:
    result = invoke("holidays", "--year", "2026")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2026-03-25  Wed  carry_over  Nauryz (Nowruz) holiday" in lines
    assert "2026-05-27  Wed  holiday     Kurban Ait (Eid al-Adha), first day" in lines
    assert len(lines) == len(calendar.days_off(2026))
    kazakh = invoke("holidays", "--year", "2025", "--lang", "kk")
    assert "2025-01-03  Fri  transfer    Демалыс күні (05.01.2025 бастап ауыстырылды)" in kazakh.output
    six = invoke("holidays", "--year", "2026", "--week", "6")
    assert "2026-03-25" not in six.output
    projected = invoke("holidays", "--year", "2030")
    assert projected.output.startswith("# 2030 is not in the sourced data")
    assert invoke("holidays", "--year", "2026", "--week", "7").exit_code != 0


async def test_a_branch_is_closed_on_the_public_days_off(session: AsyncSession, world: World) -> None:
    branch_id = world.branch.id
    await branches_service.add_special_day(
        session, branch_id=branch_id, day=date(2026, 3, 24), kind="exception"
    )
    added = await branches_service.add_public_holidays(session, branch_id=branch_id, year=2026)
    assert len(added) == len(calendar.days_off(2026)) - 1  # the branch's own exception day is kept
    specials = {s.day: s for s in await branches_service.list_special_days(session, branch_id=branch_id)}
    assert specials[date(2026, 3, 24)].kind == "exception"
    assert specials[date(2026, 3, 25)].kind == "holiday"
    assert specials[date(2026, 3, 25)].note == "Наурыз мейрамы"  # the same in Kazakh and Russian
    assert specials[date(2026, 12, 16)].note == "Тәуелсіздік күні / День Независимости"
    hours = await branches_service.list_hours(session, branch_id=branch_id)
    assert branches_service.hours_on(date(2026, 12, 16), hours, list(specials.values())) is None
    assert await branches_service.add_public_holidays(session, branch_id=branch_id, year=2026) == []


async def test_the_command_loads_a_branch(db: Database, world: World) -> None:
    result = await asyncio.to_thread(
        invoke, "holidays", "--year", "2027", "--branch", world.branch.code, url=db.url
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[-1]
        == f"{len(calendar.days_off(2027))} days added to branch {world.branch.code}"
    )
    async with db.sessions() as session:
        days = {s.day for s in await branches_service.list_special_days(session, branch_id=world.branch.id)}
    assert calendar.public_days_off([2027]) <= days
    missing = await asyncio.to_thread(invoke, "holidays", "--year", "2027", "--branch", "NOPE", url=db.url)
    assert missing.exit_code != 0
    assert "no branch" in missing.output


async def test_the_staffing_forecast_knows_the_public_holidays(session: AsyncSession, world: World) -> None:
    setup = await staffing_service.load_setup(session, branch_id=world.branch.id)
    assert {date(2026, 12, 16), date(2026, 3, 25), date(2027, 1, 4), date(2025, 1, 3)} <= setup.holidays
    assert date(2026, 11, 28) not in setup.holidays  # an ordinary Saturday
