"""Tables of the catalogue domain."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base
from birtereze.core.types import BigId


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    life_situation: Mapped[str] = mapped_column(String(64), default="")
    # The service standard's norms at the centre (the branch's norm applies when null).
    max_wait_s: Mapped[int | None] = mapped_column(Integer)
    max_service_s: Mapped[int | None] = mapped_column(Integer)
    outcome_required: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Outcome(Base):
    """A typed result of a delivered service; ``service_id`` null means any service."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
