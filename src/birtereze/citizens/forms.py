"""HTML forms read without python-multipart: ``application/x-www-form-urlencoded`` bodies only."""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from fastapi import Request

from birtereze.core.errors import InvalidInput

MAX_FORM_BYTES: Final = 8192


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (the first value of each); ``InvalidInput`` for another body or an oversized one."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidInput()
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInput()
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields
