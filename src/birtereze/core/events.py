"""The immutable event log: every change appends an event in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.sql import Db, Pending, Statement, Tx, session_live, transaction
from birtereze.core.types import BigId


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_branch_at", "branch_id", "at"),
        Index("ix_events_visit", "visit_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(40))
    visit_id: Mapped[int | None] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer)
    queue_id: Mapped[int | None] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """What subscribers of a branch receive once the change has committed."""

    id: int
    branch_id: int
    type: str
    at: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "branch_id": self.branch_id, "type": self.type, "at": self.at, **self.data}


_INSERT: Final = Statement(
    insert(Event)
    .values(
        branch_id=bindparam("branch_id"),
        at=bindparam("at", type_=UTCDateTime),
        type=bindparam("type"),
        visit_id=bindparam("visit_id"),
        window_id=bindparam("window_id"),
        queue_id=bindparam("queue_id"),
        staff_id=bindparam("staff_id"),
        data=bindparam("data", type_=JSON),
    )
    .returning(Event.id)
)


@dataclass(frozen=True, slots=True)
class _Draft:
    """A live event whose id the database gives when the transaction's statements are read."""

    inserted: Pending
    branch_id: int
    type: str
    at: str
    data: dict[str, Any]

    def event(self, event_id: int) -> LiveEvent:
        return LiveEvent(id=event_id, branch_id=self.branch_id, type=self.type, at=self.at, data=self.data)


async def append(
    db: Db,
    *,
    branch_id: int,
    at: datetime,
    type: str,
    visit_id: int | None = None,
    window_id: int | None = None,
    queue_id: int | None = None,
    staff_id: int | None = None,
    data: dict[str, Any] | None = None,
    live: dict[str, Any] | None = None,
) -> None:
    """Append an event; it is published to the branch's subscribers only after the commit."""
    tx = await transaction(db)
    data = data or {}
    params = {
        "branch_id": branch_id,
        "at": at,
        "type": type,
        "visit_id": visit_id,
        "window_id": window_id,
        "queue_id": queue_id,
        "staff_id": staff_id,
        "data": data,
    }
    inserted = await tx.submit(_INSERT, params)
    payload = {"visit_id": visit_id, "window_id": window_id, "queue_id": queue_id, **data, **(live or {})}
    tx.live.append(
        _Draft(
            inserted,
            branch_id,
            type,
            at.isoformat(),
            {key: value for key, value in payload.items() if value is not None},
        )
    )


async def committed(tx: Tx) -> list[LiveEvent]:
    """The live events of a committed lean transaction, for publication."""
    drafts: list[_Draft] = tx.live
    return [draft.event(int((await draft.inserted.rows())[0][0])) for draft in drafts]


def collect_live(session: AsyncSession) -> list[LiveEvent]:
    """The live events of a session's committed unit of work, in order, for publication."""
    drafts: list[_Draft] = session_live(session)
    return [draft.event(int(draft.inserted.ready()[0][0])) for draft in drafts]
