"""API shapes of the applications domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from birtereze.applications.models import Application, ApplicationDocument
from birtereze.applications.states import STATUS_WORDS
from birtereze.core.events import Event
from birtereze.core.ids import mask_iin
from birtereze.core.schemas import Input, Output

Language = Literal["kk", "ru", "en"]


class ApplicationCreate(Input):
    service_id: int = Field(gt=0)
    branch_id: int = Field(gt=0, description="The intake centre")
    applicant_iin: str = Field(min_length=1, max_length=20, description="The applicant's IIN (12 digits)")
    language: Language = "ru"
    form: dict[str, Any] = Field(default_factory=dict, description="Answers to the service's form")
    citizen_id: int | None = Field(default=None, gt=0, description="The applicant's citizen account")
    visit_id: int | None = Field(default=None, gt=0, description="The ticket it is taken at")
    issuing_branch_id: int | None = Field(
        default=None, gt=0, description="Where the result is collected; the intake centre by default"
    )
    channel: Literal["operator", "kiosk"] = "operator"


class ApplicationUpdate(Input):
    form: dict[str, Any] = Field(description="Answers to the service's form (all of them)")


class MyApplicationCreate(Input):
    service_id: int = Field(gt=0)
    branch_id: int = Field(gt=0, description="The centre the application is filed with (and issued at)")
    language: Language | None = None
    form: dict[str, Any] = Field(default_factory=dict)


class IssuingBranchChange(Input):
    branch_id: int = Field(gt=0)


class ResultReceipt(Input):
    storage_cell: str = Field(min_length=1, max_length=16, description="The issue zone's storage cell")


class IssueRequest(Input):
    presented_iin: str = Field(
        min_length=1, max_length=20, description="The IIN of the identity document presented at issue"
    )


class DocumentRead(Output):
    id: int
    code: str
    source: str
    registry: str | None
    sha256: str
    content_type: str
    size: int
    created_at: datetime

    @classmethod
    def of(cls, document: ApplicationDocument) -> DocumentRead:
        return cls(
            id=document.id,
            code=document.code,
            source=document.source,
            registry=document.registry_name,
            sha256=document.sha256,
            content_type=document.content_type,
            size=document.size,
            created_at=document.created_at,
        )


class ApplicationRead(Output):
    id: int
    number: str
    service_id: int
    standard_version: int | None
    authority_code: str
    applicant_iin: str
    citizen_id: int | None
    visit_id: int | None
    channel: str
    intake_branch_id: int
    issuing_branch_id: int
    status: str
    status_text: str
    language: str
    form: dict[str, Any]
    grounds: list[str] | None
    result: dict[str, Any] | None
    created_at: datetime
    changed_at: datetime
    submitted_at: datetime | None
    deadline_at: datetime | None
    overdue: bool
    storage_cell: str | None
    issued_at: datetime | None
    documents: list[DocumentRead] | None = None

    @classmethod
    def of(
        cls,
        application: Application,
        *,
        now: datetime,
        locale: str,
        documents: list[ApplicationDocument] | None = None,
        masked: bool = False,
    ) -> ApplicationRead:
        word = STATUS_WORDS.get(application.status)
        return cls(
            id=application.id,
            number=application.number,
            service_id=application.service_id,
            standard_version=application.standard_version,
            authority_code=application.authority_code,
            applicant_iin=mask_iin(application.applicant_iin) if masked else application.applicant_iin,
            citizen_id=application.citizen_id,
            visit_id=application.visit_id,
            channel=application.channel,
            intake_branch_id=application.intake_branch_id,
            issuing_branch_id=application.issuing_branch_id,
            status=application.status,
            status_text=word.render(locale) if word else application.status,
            language=application.language,
            form=application.form_data,
            grounds=application.grounds,
            result=application.result,
            created_at=application.created_at,
            changed_at=application.changed_at,
            submitted_at=application.submitted_at,
            deadline_at=application.deadline_at,
            overdue=application.deadline_at is not None
            and application.deadline_at <= now
            and application.status in ("submitted", "delivered", "accepted", "in_progress"),
            storage_cell=application.storage_cell,
            issued_at=application.issued_at,
            documents=None if documents is None else [DocumentRead.of(d) for d in documents],
        )


class ApplicationList(Output):
    items: list[ApplicationRead]
    total: int


class TimelineEntry(Output):
    at: datetime
    type: str
    status: str | None
    staff_id: int | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> TimelineEntry:
        data = dict(event.data or {})
        return cls(
            at=event.at, type=event.type, status=data.get("status"), staff_id=event.staff_id, data=data
        )


class Timeline(Output):
    items: list[TimelineEntry]
