"""The citizens' SMS (and web push) about their tickets: those linked to a signed-in citizen, remote
and booked ones.

Run every few seconds by the job ``queue.notify_citizens``:

- "you are N-th in line" once, when the ticket's place reaches the centre's ``remote_notify_position``;
  for a remote ticket not checked in yet, the message says to come now and check in;
- "go to window N" once, when the ticket is called;
- a remote ticket still not checked in ``remote_hold_s`` after its "N-th in line" message is cancelled
  (reason ``not_arrived``), and its holder told so. Where the centre sends no such message (N = 0), a
  remote ticket's holder is still told to come when first in line, and held from then, so that a
  ticket whose holder never comes does not stay at the head of the line all day.

Each message is claimed by setting its column with a conditional UPDATE in the same transaction as the
outbox row: it is sent once, even if two runs overlap. Only the visits linked to a citizen are read (a
partial index holds them), and the places of all of them come from one windowed statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import structlog
from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches.models import Branch, Window
from birtereze.citizens import service as citizens_service
from birtereze.core import events
from birtereze.core.errors import DomainError
from birtereze.notify import service as notify_service
from birtereze.queue.models import Visit
from birtereze.queue.service.tickets import waiting_order

log = structlog.get_logger(__name__)

BATCH: Final = 500
NOT_ARRIVED: Final = "not_arrived"

# The (centre, queue) pairs in which a citizen's waiting ticket has not had its "N-th in line" message.
_PENDING = (
    select(Visit.branch_id, Visit.queue_id)
    .where(Visit.citizen_id.is_not(None), Visit.status == "waiting", Visit.notified_position_at.is_(None))
    .distinct()
    .subquery()
)
# Every waiting ticket of those queues with its place in the queue's own order (people ahead + 1, as
# ``tickets.position_of`` counts them: a remote ticket not checked in keeps its place).
_LINE = (
    select(
        Visit.id,
        Visit.citizen_id,
        Visit.notified_position_at,
        Visit.available_at,
        func.row_number()
        .over(partition_by=Visit.queue_id, order_by=waiting_order())  # type: ignore[arg-type]
        .label("place"),
    )
    .join(_PENDING, and_(_PENDING.c.branch_id == Visit.branch_id, _PENDING.c.queue_id == Visit.queue_id))
    .where(Visit.status == "waiting", Visit.pool_window_id.is_(None), Visit.pool_staff_id.is_(None))
    .subquery()
)
# Notices due: a citizen's ticket not yet told, at a place the centre tells (a remote ticket not checked
# in: from first in line at least, for its hold).
_TOLD_FROM = case(
    (and_(Visit.channel == "remote", Visit.arrived_at.is_(None), Branch.remote_notify_position < 1), 1),
    else_=Branch.remote_notify_position,
)
_DUE_POSITION: Final = (
    select(
        Visit.id,
        Visit.number,
        Visit.language,
        Visit.citizen_id,
        Visit.branch_id,
        Visit.channel,
        Visit.arrived_at,
        _LINE.c.place,
        Branch.remote_notify_position,
    )
    .join(_LINE, _LINE.c.id == Visit.id)
    .join(Branch, Branch.id == Visit.branch_id)
    .where(
        _LINE.c.citizen_id.is_not(None),
        _LINE.c.notified_position_at.is_(None),
        _LINE.c.available_at <= bindparam("now"),
        _LINE.c.place <= _TOLD_FROM,
    )
    .order_by(Visit.id)
    .limit(BATCH)
)
# Called tickets of citizens not yet told, with the window's number.
_DUE_CALLED: Final = (
    select(
        Visit.id,
        Visit.number,
        Visit.language,
        Visit.citizen_id,
        Visit.branch_id,
        Window.number.label("window"),
    )
    .join(Window, Window.id == Visit.window_id)
    .where(Visit.citizen_id.is_not(None), Visit.status == "called", Visit.notified_called_at.is_(None))
    .order_by(Visit.id)
    .limit(BATCH)
)
# Remote tickets told to come and not checked in: cancelled once their hold has passed (checked in
# Python: the hold is each centre's).
_HELD: Final = (
    select(Visit.id, Visit.notified_position_at, Branch.remote_hold_s)
    .join(Branch, Branch.id == Visit.branch_id)
    .where(
        Visit.citizen_id.is_not(None),
        Visit.status == "waiting",
        Visit.channel == "remote",
        Visit.arrived_at.is_(None),
        Visit.notified_position_at.is_not(None),
    )
    .order_by(Visit.notified_position_at, Visit.id)  # the longest held first: those expire first
    .limit(BATCH)
)
_EXPIRE: Final = (
    update(Visit)
    .where(Visit.id == bindparam("visit_id"), Visit.status == "waiting", Visit.arrived_at.is_(None))
    .values(status="cancelled", ended_at=bindparam("now"))
    .returning(Visit.id, Visit.number, Visit.queue_id, Visit.branch_id, Visit.citizen_id, Visit.language)
    .execution_options(synchronize_session=False)
)


@dataclass(slots=True)
class Sent:
    position: int = 0
    called: int = 0
    cancelled: int = 0
    phones: dict[int, str | None] = field(default_factory=dict)
    centres: dict[int, Branch] = field(default_factory=dict)


async def _phone(session: AsyncSession, sent: Sent, citizen_id: int) -> str | None:
    if citizen_id not in sent.phones:
        citizen = await citizens_service.get(session, citizen_id)
        sent.phones[citizen_id] = citizen.phone if citizen is not None else None
    return sent.phones[citizen_id]


async def _centre(session: AsyncSession, sent: Sent, branch_id: int) -> Branch:
    if branch_id not in sent.centres:
        branch = await session.get(Branch, branch_id)
        assert branch is not None
        sent.centres[branch_id] = branch
    return sent.centres[branch_id]


async def _claim(session: AsyncSession, column: str, visit_id: int, now: datetime) -> bool:
    """Mark a visit's notice as sent, unless it already is: True when this run is the one to send it."""
    target = getattr(Visit, column)
    claimed = await session.execute(
        update(Visit)
        .where(Visit.id == visit_id, target.is_(None))
        .values({column: now})
        .returning(Visit.id)
        .execution_options(synchronize_session=False)
    )
    return claimed.first() is not None


async def _tell(
    session: AsyncSession,
    sent: Sent,
    *,
    citizen_id: int,
    branch_id: int,
    visit_id: int,
    template: str,
    language: str,
    params: dict[str, object],
    now: datetime,
) -> bool:
    try:
        queued = await notify_service.to_citizen(
            session,
            citizen_id=citizen_id,
            phone=await _phone(session, sent, citizen_id),
            template=template,
            language=language,
            params=params,
            now=now,
            branch_id=branch_id,
            visit_id=visit_id,
        )
    except DomainError:
        # A phone the outbox refuses must not hold up every other citizen's notice, round after round.
        log.warning("queue.citizen_not_notified", visit_id=visit_id, reason="recipient refused")
        return False
    if not queued:
        log.info("queue.citizen_not_notified", visit_id=visit_id, reason="no phone, no push")
    return bool(queued)


async def _positions(session: AsyncSession, sent: Sent, now: datetime) -> None:
    for row in (await session.execute(_DUE_POSITION, {"now": now})).all():
        if not await _claim(session, "notified_position_at", row.id, now):
            continue
        remote_waiting = row.channel == "remote" and row.arrived_at is None
        if row.remote_notify_position <= 0 and not remote_waiting:
            continue  # the centre sends no such message; a remote ticket's holder is told to come regardless
        branch = await _centre(session, sent, row.branch_id)
        params: dict[str, object] = {
            "number": row.number,
            "place": row.place,
            "centre": getattr(branch, f"name_{row.language}"),
        }
        if remote_waiting:
            params["minutes"] = max(1, branch.remote_hold_s // 60)
        if await _tell(
            session,
            sent,
            citizen_id=row.citizen_id,
            branch_id=row.branch_id,
            visit_id=row.id,
            template="ticket_position_remote" if remote_waiting else "ticket_position",
            language=row.language,
            params=params,
            now=now,
        ):
            sent.position += 1


async def _calls(session: AsyncSession, sent: Sent, now: datetime) -> None:
    for row in (await session.execute(_DUE_CALLED)).all():
        if not await _claim(session, "notified_called_at", row.id, now):
            continue
        if await _tell(
            session,
            sent,
            citizen_id=row.citizen_id,
            branch_id=row.branch_id,
            visit_id=row.id,
            template="ticket_called",
            language=row.language,
            params={"number": row.number, "window": row.window},
            now=now,
        ):
            sent.called += 1


async def _holds(session: AsyncSession, sent: Sent, now: datetime) -> None:
    for row in (await session.execute(_HELD)).all():
        if row.notified_position_at + timedelta(seconds=row.remote_hold_s) > now:
            continue
        # Not called (a ticket not checked in cannot be), so no window is involved; the condition makes
        # a check-in committed meanwhile win.
        expired = (await session.execute(_EXPIRE, {"visit_id": row.id, "now": now})).first()
        if expired is None:
            continue
        await events.append(
            session,
            branch_id=expired.branch_id,
            at=now,
            type="ticket.cancelled",
            visit_id=expired.id,
            queue_id=expired.queue_id,
            data={"number": expired.number, "reason": NOT_ARRIVED},
        )
        sent.cancelled += 1
        branch = await _centre(session, sent, expired.branch_id)
        await _tell(
            session,
            sent,
            citizen_id=expired.citizen_id,
            branch_id=expired.branch_id,
            visit_id=expired.id,
            template="ticket_not_arrived",
            language=expired.language,
            params={"number": expired.number, "centre": getattr(branch, f"name_{expired.language}")},
            now=now,
        )


async def notify_citizens(session: AsyncSession, *, now: datetime) -> Sent:
    """One round: expired holds first (a cancelled ticket is not told its place), then places, then
    calls. Returns what was done."""
    sent = Sent()
    await _holds(session, sent, now)
    await _positions(session, sent, now)
    await _calls(session, sent, now)
    return sent
