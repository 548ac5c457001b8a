"""Base classes of API shapes: input models forbid extra fields; localised names."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, WithJsonSchema


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Names(Output):
    kk: str
    ru: str
    en: str

    @classmethod
    def of(cls, row: Any, field: str = "name") -> Names:
        return cls(
            kk=getattr(row, f"{field}_kk"), ru=getattr(row, f"{field}_ru"), en=getattr(row, f"{field}_en")
        )


def _text_or_time(value: object) -> object:
    # Seconds since midnight as a bare number would pass pydantic's lax parsing; a time is written as text.
    if not isinstance(value, str | time):
        raise ValueError("a local time is written HH:MM or HH:MM:SS")
    return value


def _without_offset(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local time has no UTC offset")
    return value


# A wall-clock time in the branch's own time zone. JSON Schema's "time" format (RFC 3339) requires an
# offset, which a local time has not, so the document states the accepted shape as a pattern.
LocalTime = Annotated[
    time,
    BeforeValidator(_text_or_time),
    AfterValidator(_without_offset),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.,][0-9]{1,6})?)?$",
            "description": "Local time of the branch, HH:MM or HH:MM:SS",
            "examples": ["09:00"],
        }
    ),
]
