"""API shapes of the staff domain."""

from __future__ import annotations

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
