"""Tables of the catalogue domain: services, their outcomes, the authorised bodies and the versioned
service standards (one row per version: a new version is a new row, nothing is ever overwritten, so the
history of who changed what and when is the table itself)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId

CHANNELS = ("centre", "portal", "app", "video", "bank")
TERM_UNITS = ("working_days", "working_hours", "calendar_days")
FORMS = ("electronic", "paper")
FEE_KINDS = ("free", "mrp", "kzt")
REGISTRIES = ("population", "vehicle", "real_estate", "civil")


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


class Authority(Base):
    """A government body that renders services (the "authorised body" applications are delivered to)."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, locale: str) -> str:
        return str(getattr(self, f"name_{locale}", self.name_en))


class ServiceStandard(Base):
    """One version of a service's standard. The current standard is the highest version."""

    __tablename__ = "service_standards"
    __table_args__ = (UniqueConstraint("service_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    term_amount: Mapped[int] = mapped_column(Integer)
    term_unit: Mapped[str] = mapped_column(String(16))
    form: Mapped[str] = mapped_column(String(12))
    result_kk: Mapped[str] = mapped_column(String(1000))
    result_ru: Mapped[str] = mapped_column(String(1000))
    result_en: Mapped[str] = mapped_column(String(1000))
    fee_kind: Mapped[str] = mapped_column(String(8))
    fee_mrp: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    fee_kzt: Mapped[int | None] = mapped_column(Integer)
    fee_payment_kk: Mapped[str] = mapped_column(String(1000), default="")
    fee_payment_ru: Mapped[str] = mapped_column(String(1000), default="")
    fee_payment_en: Mapped[str] = mapped_column(String(1000), default="")
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    refusal_grounds: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    hours_kk: Mapped[str] = mapped_column(String(500), default="")
    hours_ru: Mapped[str] = mapped_column(String(500), default="")
    hours_en: Mapped[str] = mapped_column(String(500), default="")
    extraterritorial: Mapped[bool] = mapped_column(Boolean, default=False)
    form_schema: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def text(self, field: str, locale: str) -> str:
        """A per-locale text field (``result``, ``fee_payment``, ``hours``) in ``locale``."""
        return str(getattr(self, f"{field}_{locale}", None) or getattr(self, f"{field}_en"))
