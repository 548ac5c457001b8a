"""The voice announcement of a call, as a WAV file for the hall's display board to play."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from birtereze.core.errors import InvalidInput
from birtereze.queue.announce import Announcer
from birtereze.web.deps import HallDevice

router = APIRouter(prefix="/api/v1", tags=["hall"])

TicketNumber = Annotated[
    str,
    Query(
        min_length=1,
        max_length=9,
        pattern=r"^[^\W\d_]{0,3}-?[0-9]{1,4}$",
        description="The ticket's number: a prefix of up to three letters, then up to four digits (A042)",
    ),
]
WindowNumber = Annotated[int, Query(ge=1, le=999, description="The window's number")]


@router.get(
    "/announcements/{lang}",
    operation_id="announceCall",
    response_class=Response,
    responses={
        200: {
            "description": "A chime, then the call said in the language (WAV, 22,050 Hz, mono)",
            "content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def announce_call(
    lang: Literal["kk", "ru"],
    ticket: TicketNumber,
    window: WindowNumber,
    request: Request,
    principal: HallDevice,
) -> Response:
    """The call "Талон А042 — үшінші терезе" / "Талон А042 — окно три", spoken offline."""
    announcer: Announcer = request.app.state.announcer
    # espeak-ng runs as a child process for a clip not yet kept: off the event loop.
    try:
        data = await asyncio.to_thread(announcer.announce, lang, ticket, window)
    except ValueError as error:  # a number the pattern lets through and the reading refuses
        raise InvalidInput() from error
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"})
