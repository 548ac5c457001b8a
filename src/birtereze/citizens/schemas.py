"""API shapes of the citizens' sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SignInCodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iin: str = Field(min_length=1, max_length=32, description="The citizen's IIN (12 digits)")
    phone: str = Field(
        min_length=1, max_length=32, description="The phone registered for the IIN, e.g. +7 7XX XXX XX XX"
    )
    language: Literal["kk", "ru", "en"] | None = Field(
        default=None, description="The SMS's language; by default the request's"
    )


class SignInCodeSent(BaseModel):
    challenge_id: str = Field(description="Names this code when it is entered")
    phone: str = Field(description="Where the code went, masked")
    expires_at: datetime


class SignInCodeCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: str = Field(min_length=1, max_length=64)
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6 digits received by SMS")


class CitizenRead(BaseModel):
    iin: str = Field(description="Masked: the first two and last two digits")
    full_name: str | None
    phone: str | None = Field(description="Masked")
    language: str
    signed_in_with: Literal["digital_id", "sms"]
    csrf_token: str = Field(description="Send as X-CSRF-Token with this session's POST requests")
