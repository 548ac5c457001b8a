"""Calls for help in the hall (accessibility, M5): raised by a kiosk's button, a hardware button or an
operator; answered once by a member of staff, possibly at an accessible window. The response time
(answered - raised) is kept, and each change is an event that the branch's live stream delivers at once.

A button pressed again while its call is still open is the same call: one alert, not a storm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch, Window
from birtereze.core import events
from birtereze.core.errors import Conflict, NotFound
from birtereze.core.i18n import _l
from birtereze.queue.models import AssistCall
from birtereze.staff import service as staff_service

SOURCES: Final = ("kiosk", "button", "operator")
# A press from the same device within this time of its open call is that call again.
REPEAT_WITHIN: Final = timedelta(minutes=5)
CALL: Final = _l("Accessibility call")


class AssistCallAnswered(Conflict):
    code = "assist_call_answered"
    message = _l("This call for help has already been answered.")


@dataclass(frozen=True, slots=True)
class CallView:
    """A call with the names the hall shows: who answered and at which window."""

    call: AssistCall
    staff_name: str | None
    window_number: int | None

    @property
    def response_s(self) -> float | None:
        return response_seconds(self.call)


@dataclass(frozen=True, slots=True)
class DayFigures:
    """The calls raised in an interval (a local day) and how fast they were answered."""

    raised: int
    answered: int
    open: int
    mean_response_s: float | None
    max_response_s: float | None


def response_seconds(call: AssistCall) -> float | None:
    if call.answered_at is None:
        return None
    return round((call.answered_at - call.raised_at).total_seconds(), 1)


def _called_payload(call: AssistCall) -> dict[str, Any]:
    return {
        "call_id": call.id,
        "source": call.source,
        "device": call.device,
        "zone_id": call.zone_id,
        "raised_at": call.raised_at.isoformat(),
    }


async def raise_call(
    session: AsyncSession,
    *,
    branch_id: int,
    source: str,
    device: str,
    zone_id: int | None = None,
    now: datetime,
) -> tuple[AssistCall, bool]:
    """The device's call for help: ``(call, True)`` when new, ``(call, False)`` when the device's call
    raised within ``REPEAT_WITHIN`` is still open (pressed again: no second alert)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    # Two presses at once from one device make one call: the branch's row is the lock (SQLite's
    # BEGIN IMMEDIATE serialises writers already).
    locked = await session.execute(select(Branch.id).where(Branch.id == branch_id).with_for_update())
    if locked.scalar_one_or_none() is None:
        raise NotFound("Branch")
    if zone_id is not None:
        await branches_service.get_zone(session, zone_id, branch_id=branch_id)
    open_call = (
        await session.execute(
            select(AssistCall)
            .where(
                AssistCall.branch_id == branch_id,
                AssistCall.device == device,
                AssistCall.answered_at.is_(None),
                AssistCall.raised_at >= now - REPEAT_WITHIN,
            )
            .order_by(AssistCall.raised_at.desc(), AssistCall.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if open_call is not None:
        return open_call, False
    call = AssistCall(branch_id=branch_id, zone_id=zone_id, source=source, device=device, raised_at=now)
    session.add(call)
    await session.flush()
    await events.append(
        session, branch_id=branch_id, at=now, type="assist.called", data=_called_payload(call)
    )
    return call, True


async def get_call(
    session: AsyncSession, call_id: int, *, visible: Callable[[int], bool], lock: bool = False
) -> AssistCall:
    """A call the caller may see (``visible`` tells by its branch); else not found."""
    statement = select(AssistCall).where(AssistCall.id == call_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    call = (await session.execute(statement)).scalar_one_or_none()
    if call is None or not visible(call.branch_id):
        raise NotFound(CALL)
    return call


async def answer_call(
    session: AsyncSession,
    *,
    call_id: int,
    staff_id: int,
    window_id: int | None = None,
    visible: Callable[[int], bool],
    now: datetime,
) -> CallView:
    """Answer a call, once: a second answer is a conflict. ``window_id``: the window that takes it."""
    call = await get_call(session, call_id, visible=visible, lock=True)
    window: Window | None = None
    if window_id is not None:
        window = await session.get(Window, window_id)
        if window is None or window.branch_id != call.branch_id:
            raise NotFound("Window")
    if call.answered_at is not None:
        raise AssistCallAnswered()
    staff = await staff_service.get(session, staff_id)
    call.answered_at = now
    call.answered_by = staff_id
    call.window_id = window_id
    await session.flush()
    view = CallView(call, staff.full_name, window.number if window is not None else None)
    await events.append(
        session,
        branch_id=call.branch_id,
        at=now,
        type="assist.answered",
        window_id=window_id,
        staff_id=staff_id,
        data={
            **_called_payload(call),
            "answered_at": now.isoformat(),
            "response_s": view.response_s,
            "staff_name": view.staff_name,
            "window_number": view.window_number,
        },
    )
    return view


async def list_views(session: AsyncSession, calls: Sequence[AssistCall]) -> list[CallView]:
    """The calls with the names the hall shows (who answered, the window's number)."""
    window_ids = {call.window_id for call in calls if call.window_id is not None}
    numbers: dict[int, int] = {}
    if window_ids:
        rows = await session.execute(select(Window.id, Window.number).where(Window.id.in_(window_ids)))
        numbers = {row.id: row.number for row in rows}
    names: dict[int, str] = {}
    for staff_id in {call.answered_by for call in calls if call.answered_by is not None}:
        try:
            names[staff_id] = (await staff_service.get(session, staff_id)).full_name
        except NotFound:
            continue
    return [
        CallView(
            call,
            names.get(call.answered_by) if call.answered_by is not None else None,
            numbers.get(call.window_id) if call.window_id is not None else None,
        )
        for call in calls
    ]


async def list_open(session: AsyncSession, *, branch_id: int) -> list[CallView]:
    """The branch's unanswered calls, the oldest first (the one waiting longest is answered first)."""
    statement = (
        select(AssistCall)
        .where(AssistCall.branch_id == branch_id, AssistCall.answered_at.is_(None))
        .order_by(AssistCall.raised_at, AssistCall.id)
    )
    return await list_views(session, (await session.execute(statement)).scalars().all())


async def list_recent(session: AsyncSession, *, branch_id: int, limit: int = 50) -> list[CallView]:
    """The branch's latest calls, answered or not, the newest first."""
    statement = (
        select(AssistCall)
        .where(AssistCall.branch_id == branch_id)
        .order_by(AssistCall.raised_at.desc(), AssistCall.id.desc())
        .limit(limit)
    )
    return await list_views(session, (await session.execute(statement)).scalars().all())


async def day_figures(session: AsyncSession, *, branch_id: int, start: datetime, end: datetime) -> DayFigures:
    """Calls raised in ``[start, end)``: how many, how many answered and still open, and the mean and
    longest response in seconds."""
    rows = (
        await session.execute(
            select(AssistCall.raised_at, AssistCall.answered_at).where(
                AssistCall.branch_id == branch_id,
                AssistCall.raised_at >= start,
                AssistCall.raised_at < end,
            )
        )
    ).all()
    responses = [(answered - raised).total_seconds() for raised, answered in rows if answered is not None]
    return DayFigures(
        raised=len(rows),
        answered=len(responses),
        open=len(rows) - len(responses),
        mean_response_s=round(sum(responses) / len(responses), 1) if responses else None,
        max_response_s=round(max(responses), 1) if responses else None,
    )


async def count_open(session: AsyncSession, *, branch_id: int) -> int:
    statement = select(func.count(AssistCall.id)).where(
        AssistCall.branch_id == branch_id, AssistCall.answered_at.is_(None)
    )
    return int((await session.execute(statement)).scalar_one())
