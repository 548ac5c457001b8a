"""API shapes of the hall's calls for help (accessibility, M5)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from birtereze.core.schemas import Input, Output
from birtereze.queue.service.assist import CallView


class AssistCallCreate(Input):
    source: Literal["kiosk", "button", "operator"] = Field(
        description="kiosk: the kiosk's button; button: a hardware button; operator: raised at a window"
    )
    device: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="Which device: a hardware button's id; the caller's user name when left out",
    )
    zone_id: int | None = Field(default=None, gt=0, description="The zone the call comes from")


class AssistCallAnswer(Input):
    window_id: int | None = Field(default=None, gt=0, description="The (accessible) window that takes it")


class AssistCallRead(Output):
    id: int
    branch_id: int
    zone_id: int | None
    source: str
    device: str
    raised_at: datetime
    answered_at: datetime | None
    answered_by: int | None = Field(description="The staff user who answered")
    staff_name: str | None = Field(description="Their name")
    window_id: int | None
    window_number: int | None
    response_s: float | None = Field(description="answered_at - raised_at, in seconds")
    open: bool

    @classmethod
    def of(cls, view: CallView) -> AssistCallRead:
        call = view.call
        return cls(
            id=call.id,
            branch_id=call.branch_id,
            zone_id=call.zone_id,
            source=call.source,
            device=call.device,
            raised_at=call.raised_at,
            answered_at=call.answered_at,
            answered_by=call.answered_by,
            staff_name=view.staff_name,
            window_id=call.window_id,
            window_number=view.window_number,
            response_s=view.response_s,
            open=call.answered_at is None,
        )
