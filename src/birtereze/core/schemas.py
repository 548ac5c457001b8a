"""Base classes of API shapes: input models forbid extra fields and coercions; localised names; days and
local times as the document states them."""

from __future__ import annotations

import re
from datetime import date, time
from functools import cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, data: Any) -> Any:
        """A JSON ``true`` or ``"12"`` is not a number, nor ``1`` a boolean: pydantic's lax mode would
        silently read them as 1, 12 and true."""
        if not isinstance(data, dict):
            return data
        for key, kind in _json_kinds(cls).items():
            value = data.get(key)
            wrong = (
                (kind == "number" and isinstance(value, bool | str))
                or (
                    kind == "numbers"
                    and isinstance(value, list)
                    and any(isinstance(v, bool | str) for v in value)
                )
                or (kind == "boolean" and value is not None and not isinstance(value, bool))
            )
            if wrong:
                raise ValueError(f"{key} must be {JSON_KINDS[kind]}")
        return data


JSON_KINDS = {"number": "a JSON number", "numbers": "a list of JSON numbers", "boolean": "a JSON boolean"}


@cache
def _json_kinds(model: type[BaseModel]) -> dict[str, str]:
    """The fields of a model that hold a number, a list of numbers or a boolean, by their JSON name."""
    kinds = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if get_origin(annotation) in (Union, UnionType):
            choices = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = choices[0] if len(choices) == 1 else None
        if annotation is bool:
            kinds[field.alias or name] = "boolean"
        elif annotation in (int, float):
            kinds[field.alias or name] = "number"
        elif get_origin(annotation) is list and get_args(annotation)[0] in (int, float):
            kinds[field.alias or name] = "numbers"
    return kinds


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


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    # A number (or numeric text) would pass pydantic's lax parsing as a Unix time; a day is YYYY-MM-DD.
    if isinstance(value, date) or (isinstance(value, str) and ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("a day is written YYYY-MM-DD")


# A calendar day, as the document's "date" format says: YYYY-MM-DD and nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_day)]


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


class NamesIn(Input):
    """A text in Kazakh, Russian and English, as input."""

    kk: str = Field(min_length=1, max_length=300)
    ru: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)

    def columns(self, field: str = "name") -> dict[str, str]:
        """The per-locale columns of a table: ``{"name_kk": ..., "name_ru": ..., "name_en": ...}``."""
        return {f"{field}_{lang}": getattr(self, lang) for lang in ("kk", "ru", "en")}


def _digits_only(value: Any) -> Any:
    """A path id is digits: pydantic's lax mode would read ``"5\t"`` or ``" 5"`` as 5."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value) is None:
        raise ValueError("must be a whole number written in digits")
    return value


# A row id in a URL path.
PathId = Annotated[int, BeforeValidator(_digits_only), Path()]
