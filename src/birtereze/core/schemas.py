"""Base classes of API shapes: input models forbid extra fields; localised names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


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
