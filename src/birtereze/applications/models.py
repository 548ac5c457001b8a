"""Tables of the applications domain: the one window's applications, their documents and the authorised
bodies' answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId


class Application(Base):
    """One application for one public service, from intake to the issue of its result.

    ``number`` is the public number the citizen is told; ``status`` follows ``applications.states``.
    ``deadline_at`` is set at submission from the standard's term (``birtereze.kz.calendar.deadline``).
    """

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_status_deadline_at", "status", "deadline_at"),
        Index("ix_applications_intake_branch_id_created_at", "intake_branch_id", "created_at"),
        Index("ix_applications_issuing_branch_id_status", "issuing_branch_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    standard_version: Mapped[int | None] = mapped_column(Integer)
    authority_code: Mapped[str] = mapped_column(String(32), default="")
    applicant_iin: Mapped[str] = mapped_column(String(12), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(12))  # "operator", "kiosk", "portal"
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    intake_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="RESTRICT"))
    issuing_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    language: Mapped[str] = mapped_column(String(2))
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Refusal grounds, or what to correct when returned.
    grounds: Mapped[list[str] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The issue zone: the storage cell holding the result, and the receipt.
    storage_cell: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    issued_to_iin: Mapped[str | None] = mapped_column(String(12))
    # How many times the application was submitted: the body's answers are kept per submission round.
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    # Deadline alerts, each sent once (reset when the application is submitted again).
    alerted_near_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alerted_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApplicationDocument(Base):
    """A document of an application: uploaded at intake, fetched from a registry, or the body's result.
    The content is stored once by its SHA-256 (``applications.documents``); a registry's answer is kept
    as JSON in ``data``."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # the standard's document code, or "result"
    source: Mapped[str] = mapped_column(String(12))  # "upload", "registry", "body"
    registry_name: Mapped[str | None] = mapped_column(String(16))  # population, vehicle, …
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the sweep of unused files looks up by it
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BodyAnswer(Base):
    """An answer of the authorised body, recorded once per (application, submission round, kind): a
    repeated callback changes nothing, and an application submitted again after its return gets the
    body's answers anew."""

    __tablename__ = "application_body_answers"
    __table_args__ = (UniqueConstraint("application_id", "submission", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    # The application's submission round answered (``Application.submissions`` when it was received).
    submission: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
