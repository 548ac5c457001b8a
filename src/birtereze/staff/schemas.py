"""API shapes of the staff domain."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from birtereze.core.schemas import Input, Output


class TokenRequest(Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="api", max_length=100, description="A label for the token")


class TokenIssued(Output):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class Me(Output):
    id: int
    username: str
    role: str
    branch_ids: list[int]


class StaffCreate(Input):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")
    full_name: str = Field(min_length=1, max_length=200)
    role: Literal["operator", "branch_manager", "admin", "kiosk"]
    password: str | None = Field(default=None, min_length=10, max_length=256)
    branch_ids: list[int] = Field(default_factory=list, max_length=500)


class StaffUpdate(Input):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=256)


class StaffRead(Output):
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    branch_ids: list[int]
