"""The shapes of the GovStack Registration Building Block API (0.1.1 and its statistics API 1.0), as the
facade (``applications.govstack``) reads and writes them. Field names are the standard's (camelCase).

Where the standard types a map's values as objects (``formData.data``, ``additionalData.data``), a form's
answers go out wrapped as ``{"value": answer}``; requests may send either the wrapped or the bare answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class GovStackModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Property(GovStackModel):
    code: str
    value: str


class Service(GovStackModel):
    id: str
    name: str
    version: str
    type: Literal["None", "Private", "Public"] = "Public"
    isExecutable: bool | None = None
    isClosed: bool | None = None
    description: str | None = None
    serviceBody: list[Property] | None = None


class EFormListItem(GovStackModel):
    eFormId: str
    name: str
    description: str | None = None
    version: str
    latest: bool


class EForm(EFormListItem):
    schema_: dict[str, Any] = Field(serialization_alias="schema")


class FormData(GovStackModel):
    data: dict[str, Any] | None = None
    eFormId: str | None = Field(default=None, max_length=200)


class ApplicationFileSubmit(GovStackModel):
    applicantId: str = Field(max_length=64, description="The applicant's IIN")
    applicationName: str | None = Field(default=None, max_length=200)
    created: datetime | None = None
    formData: FormData | None = None
    documentUrls: list[str] | None = Field(default=None, max_length=20)


class StatusModel(GovStackModel):
    code: Literal["PENDING", "APPROVED", "SENDBACK", "REJECTED"]
    title: str


class ApplicationFileResponse(GovStackModel):
    fileId: str
    registered: datetime | None = None
    serviceId: str
    serviceName: str | None = None
    status: StatusModel
    ended: bool
    applicationData: dict[str, Any]
    applicantId: str


class ApplicationListItem(GovStackModel):
    fileId: str
    mainTaskId: str | None = None
    taskTitle: str | None = None
    roleName: str | None = None
    assigneeId: str | None = None
    status: StatusModel
    applicantId: str
    created: datetime
    registered: datetime | None = None
    description: str | None = None
    serviceName: str | None = None
    serviceId: str
    eformId: str | None = None
    documentUrls: list[str] = Field(default_factory=list)


class UploadResponse(GovStackModel):
    code: int
    type: str
    message: str
    url: str


class AdditionalData(GovStackModel):
    data: dict[str, Any] | None = None


class UserTask(GovStackModel):
    taskId: str
    mainTaskId: str
    name: str
    roleId: str | None = None
    created: datetime
    description: str | None = None
    serviceId: str
    serviceName: str | None = None
    fileId: str
    eFormId: str | None = None
    status: StatusModel


class DataUserTask(GovStackModel):
    taskId: str
    taskName: str
    roleId: str | None = None
    created: datetime
    description: str | None = None
    fileId: str
    serviceId: str
    serviceName: str | None = None
    eFormId: str | None = None
    formVariables: dict[str, dict[str, Any]] = Field(default_factory=dict)
    status: StatusModel
    data: dict[str, dict[str, Any]] = Field(default_factory=dict)


class CompletedTask(GovStackModel):
    taskId: str
    fileId: str
    serviceId: str
    status: StatusModel
    variables: dict[str, AdditionalData] = Field(default_factory=dict)


class StatisticsReferences(GovStackModel):
    startDate: str | None = None
    endDate: str | None = None
    registrationName: str | None = None
    operator: str | None = None
    role: str | None = None
    timeframeDay: bool = False
    timeframeWeek: bool = False
    timeframeMonth: bool = False
    timeframeYear: bool = False


class Statistics(GovStackModel):
    processed: int
    approved: int
    sentBack: int
    rejected: int
    references: StatisticsReferences
