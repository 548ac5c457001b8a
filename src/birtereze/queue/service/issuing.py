"""What issuing a ticket and calling one read of a centre's configuration, kept by each process until it
changes (or for a short while).

A kiosk's ticket needs the centre's services and their queues, its segmentation rules, the priority
categories, its time zone and its opening hours: five reads that change a few times a year, on every ticket.
Each process keeps them per centre (``core.sql.Memo``), and likewise each work profile's calling rule and
queues (``PROFILES_MEMO``, read by every call). A configuration change committed through an ORM session
drops the entries of the centres it touched (the session listeners below): at once in its own process, and
in every other process where a Redis hub carries the announcement (``Memo.changed``). Entries then live
for ``COHERENT_CONFIGURATION_TTL``, which bounds how long a change made without a hub (from the command
line) takes to reach the servers; without a hub between the servers, ``CONFIGURATION_TTL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch, OpeningHours, SpecialDay
from birtereze.core.sql import Memo, Statement, Tx, memo_of
from birtereze.queue import routing
from birtereze.queue.models import (
    BranchService,
    PriorityCategory,
    Queue,
    SegmentationRule,
    WorkProfile,
    WorkProfileQueue,
)

CONFIGURATION_TTL: Final = timedelta(seconds=10)
COHERENT_CONFIGURATION_TTL: Final = timedelta(seconds=60)
_KIND: Final = "issuing"
# Work profiles, keyed by profile: forgotten whole on any configuration change.
PROFILES_MEMO: Final = "profiles"
# Tables whose rows make up a centre's issuing configuration (and the work profiles, read by calling).
_CONFIGURATION: Final = (
    Branch,
    OpeningHours,
    SpecialDay,
    BranchService,
    Queue,
    SegmentationRule,
    PriorityCategory,
    WorkProfile,
    WorkProfileQueue,
)


@dataclass(frozen=True, slots=True)
class Hours:
    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    kind: str
    opens: time | None
    closes: time | None


@dataclass(frozen=True, slots=True)
class Issuing:
    branch_id: int
    active: bool
    timezone: str
    offered: dict[int, int]  # service id -> its queue at the centre
    prefixes: dict[int, str]  # queue id -> number prefix
    rules: tuple[routing.Rule, ...]
    categories: dict[str, tuple[int, bool]]  # priority code -> level, prefers the accessible window
    hours: tuple[Hours, ...]
    special_days: tuple[Day, ...]

    def next_opening(self, now: datetime) -> datetime | None:
        """When the centre next opens after ``now`` (local time), if within a fortnight."""
        local = now.astimezone(ZoneInfo(self.timezone))
        for offset in range(15):
            day = local.date() + timedelta(days=offset)
            hours = branches_service.hours_on(day, self.hours, self.special_days)
            if hours is not None:
                start = datetime.combine(day, hours[0], tzinfo=local.tzinfo)
                if start > local:
                    return start
        return None

    def is_open(self, now: datetime) -> bool:
        return branches_service.is_open(self.timezone, now, self.hours, self.special_days)


_BRANCH: Final = Statement(select(Branch.active, Branch.timezone).where(Branch.id == bindparam("branch_id")))
_OFFERED: Final = Statement(
    select(BranchService.service_id, BranchService.queue_id, Queue.prefix)
    .join(Queue, Queue.id == BranchService.queue_id)
    .where(BranchService.branch_id == bindparam("branch_id"))
)
_RULES: Final = Statement(
    select(
        SegmentationRule.id,
        SegmentationRule.position,
        SegmentationRule.queue_id,
        SegmentationRule.service_id,
        SegmentationRule.priority_code,
        SegmentationRule.appointment,
        SegmentationRule.language,
        Queue.prefix,
    )
    .join(Queue, Queue.id == SegmentationRule.queue_id)
    .where(SegmentationRule.branch_id == bindparam("branch_id"))
)
_CATEGORIES: Final = Statement(
    select(PriorityCategory.code, PriorityCategory.level, PriorityCategory.prefers_accessible)
)
_HOURS: Final = Statement(
    select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes).where(
        OpeningHours.branch_id == bindparam("branch_id")
    )
)
_SPECIAL_DAYS: Final = Statement(
    select(SpecialDay.day, SpecialDay.kind, SpecialDay.opens, SpecialDay.closes).where(
        SpecialDay.branch_id == bindparam("branch_id"), SpecialDay.day >= bindparam("since")
    )
)


def configuration_ttl(memo: Memo) -> timedelta:
    """How long a process keeps what it read of a centre's configuration (see the module's docstring)."""
    return COHERENT_CONFIGURATION_TTL if memo.coherent else CONFIGURATION_TTL


async def issuing(tx: Tx, branch_id: int, now: datetime) -> Issuing | None:
    """The centre's issuing configuration (None: no such centre), from the process's memo if fresh."""
    found: Issuing | None = tx.memo.get(_KIND, branch_id, now, configuration_ttl(tx.memo))
    if found is not None:
        return found
    version = tx.memo.version
    params = {"branch_id": branch_id}
    branch = await tx.first(_BRANCH, params)
    if branch is None:
        return None
    prefixes: dict[int, str] = {}
    offered: dict[int, int] = {}
    for row in await tx.rows(_OFFERED, params):
        offered[row.service_id] = row.queue_id
        prefixes[row.queue_id] = row.prefix
    rules = []
    for r in await tx.rows(_RULES, params):
        prefixes[r.queue_id] = r.prefix
        rules.append(routing.Rule.of(r))
    # Special days from yesterday on: enough for any local "today" and the fortnight ahead.
    since = branches_service.service_day(branch.timezone, now) - timedelta(days=1)
    found = Issuing(
        branch_id=branch_id,
        active=bool(branch.active),
        timezone=branch.timezone,
        offered=offered,
        prefixes=prefixes,
        rules=tuple(sorted(rules, key=lambda r: (r.position, r.rule_id))),
        categories={c.code: (int(c.level), bool(c.prefers_accessible)) for c in await tx.rows(_CATEGORIES)},
        hours=tuple(Hours(h.weekday, h.opens, h.closes) for h in await tx.rows(_HOURS, params)),
        special_days=tuple(
            Day(d.day, d.kind, d.opens, d.closes)
            for d in await tx.rows(_SPECIAL_DAYS, {**params, "since": since})
        ),
    )
    tx.memo.put(_KIND, branch_id, now, found, version=version)
    return found


# --- forgetting what a committed configuration change touched ------------------------------------

_TOUCHED: Final = "birtereze.configuration_touched"
_EVERY_BRANCH: Final = -1


def _branch_of(instance: Any) -> int:
    if isinstance(instance, Branch):
        return int(instance.id)
    branch_id = getattr(instance, "branch_id", None)
    # Priority categories belong to every centre.
    return _EVERY_BRANCH if branch_id is None else int(branch_id)


@event.listens_for(Session, "after_flush")
def _note_touched(session: Session, _context: Any) -> None:
    touched = {
        _branch_of(instance)
        for instance in chain(session.new, session.dirty, session.deleted)
        if isinstance(instance, _CONFIGURATION)
    }
    if touched:
        # Forgotten at once, for the rest of this unit of work, and again at its commit, for what other
        # requests of this process may have read meanwhile.
        session.info.setdefault(_TOUCHED, set()).update(touched)
        _forget(session, touched, committed=False)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_change(state: Any) -> None:
    # A bulk UPDATE or DELETE of configuration rows (replacing a week's hours): every centre's entry.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ in _CONFIGURATION for mapper in state.all_mappers
    ):
        state.session.info.setdefault(_TOUCHED, set()).add(_EVERY_BRANCH)
        _forget(state.session, {_EVERY_BRANCH}, committed=False)


@event.listens_for(Session, "after_commit")
def _forget_touched(session: Session) -> None:
    touched: set[int] | None = session.info.pop(_TOUCHED, None)
    if touched:
        _forget(session, touched, committed=True)


def _forget(session: Session, touched: set[int], *, committed: bool) -> None:
    """Drop what the change touched; once it is committed, have the other processes drop it too."""
    bind = session.get_bind()
    memo = memo_of(getattr(bind, "engine", bind))
    drop = memo.changed if committed else memo.forget
    drop(PROFILES_MEMO)
    if _EVERY_BRANCH in touched:
        drop(_KIND)
        return
    for branch_id in touched:
        drop(_KIND, branch_id)


@event.listens_for(Session, "after_rollback")
def _drop_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
