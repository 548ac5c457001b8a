"""The live event stream of a branch (Server-Sent Events), with replay after a reconnect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from birtereze.branches import service as branches_service
from birtereze.core.events import Event
from birtereze.core.live import Payload
from birtereze.web.deps import BranchRead, in_scope

router = APIRouter(prefix="/api/v1", tags=["live"])

HEARTBEAT_S = 15.0
REPLAY_LIMIT = 500
BATCH_FRAMES = 64


@router.get(
    "/branches/{branch_id}/events",
    operation_id="streamBranchEvents",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def stream_branch_events(
    branch_id: int,
    request: Request,
    principal: BranchRead,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> StreamingResponse:
    """Every committed change of the branch, as it happens; ``Last-Event-ID`` replays what was missed."""
    in_scope(principal, branch_id)
    app = request.app
    async with app.state.sessions() as session:
        await branches_service.get(session, branch_id)

    async def frames() -> AsyncIterator[bytes]:
        async with app.state.hub.subscribe(branch_id) as queue:
            yield b": connected\n\n"
            last_sent = 0
            if last_event_id is not None:
                # Read in full and the connection given back before the first write: a slow reader must
                # not hold it (on SQLite the pool has one).
                async with app.state.sessions() as session:
                    missed = (
                        (
                            await session.execute(
                                select(Event)
                                .where(Event.branch_id == branch_id, Event.id > last_event_id)
                                .order_by(Event.id)
                                .limit(REPLAY_LIMIT)
                            )
                        )
                        .scalars()
                        .all()
                    )
                for event in missed:
                    last_sent = event.id
                    yield Payload(
                        {
                            "id": event.id,
                            "branch_id": event.branch_id,
                            "type": event.type,
                            "at": event.at.isoformat(),
                            "replayed": True,
                            "visit_id": event.visit_id,
                            "window_id": event.window_id,
                            "queue_id": event.queue_id,
                            **event.data,
                        }
                    ).frame()
            while True:
                try:
                    async with asyncio.timeout(HEARTBEAT_S):
                        payload = await queue.get()
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": heartbeat\n\n"
                    continue
                # Whatever else is already waiting goes out in the same write.
                chunk: list[bytes] = []
                while payload is not None:
                    if int(payload["id"]) > last_sent:
                        chunk.append(payload.frame())
                    if queue.empty() or len(chunk) >= BATCH_FRAMES:
                        break
                    payload = queue.get_nowait()
                if chunk:
                    yield b"".join(chunk)
                if payload is None:
                    return

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
