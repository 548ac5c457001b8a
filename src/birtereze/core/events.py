"""The immutable event log: every change appends an event in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
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


async def append(
    session: AsyncSession,
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
) -> Event:
    """Append an event; it is published to the branch's subscribers only after the commit."""
    event = Event(
        branch_id=branch_id,
        at=at,
        type=type,
        visit_id=visit_id,
        window_id=window_id,
        queue_id=queue_id,
        staff_id=staff_id,
        data=data or {},
    )
    session.add(event)
    session.info.setdefault("pending_events", []).append((event, live or {}))
    return event


def collect_live(session: AsyncSession) -> list[LiveEvent]:
    """The committed unit of work's events, in order, for publication."""
    pending: list[tuple[Event, dict[str, Any]]] = session.info.pop("pending_events", [])
    result = []
    for event, live in pending:
        payload = {
            "visit_id": event.visit_id,
            "window_id": event.window_id,
            "queue_id": event.queue_id,
            **event.data,
            **live,
        }
        result.append(
            LiveEvent(
                id=event.id,
                branch_id=event.branch_id,
                type=event.type,
                at=event.at.isoformat(),
                data={key: value for key, value in payload.items() if value is not None},
            )
        )
    return result
