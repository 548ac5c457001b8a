"""The live event stream of a branch (Server-Sent Events), with replay after a reconnect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from birtereze.branches import service as branches_service
from birtereze.core.events import Event
from birtereze.core.live import Payload
from birtereze.core.schemas import PathId
from birtereze.web.deps import BranchRead, in_scope

router = APIRouter(prefix="/api/v1", tags=["live"])

HEARTBEAT_S = 15.0
REPLAY_PAGE = 500
REPLAY_MAX_PAGES = 20
RESET_FRAME = b"event: reset\ndata: {}\n\n"
BATCH_FRAMES = 64
# The largest event id a database holds (a signed 64-bit integer): a Last-Event-ID beyond it is refused
# before the stream starts, not met by the replay's query once the answer is under way.
LAST_ID = 2**63 - 1


async def _replay(app: Any, branch_id: PathId, *, after: int) -> AsyncIterator[bytes | int]:
    """The events after ``after``, page by page; yields frames, then the id of the last one sent.

    A client more than REPLAY_MAX_PAGES pages behind gets a ``reset`` event: it should reload its state.
    """
    for _page in range(REPLAY_MAX_PAGES):
        # Each page read in full and the connection given back before writing: a slow reader must not
        # hold it (on SQLite the pool has one).
        async with app.state.sessions() as session:
            missed = (
                (
                    await session.execute(
                        select(Event)
                        .where(Event.branch_id == branch_id, Event.id > after)
                        .order_by(Event.id)
                        .limit(REPLAY_PAGE)
                    )
                )
                .scalars()
                .all()
            )
        for event in missed:
            after = event.id
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
        yield after
        if len(missed) < REPLAY_PAGE:
            return
    yield RESET_FRAME


@router.get(
    "/branches/{branch_id}/events",
    operation_id="streamBranchEvents",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def stream_branch_events(
    branch_id: PathId,
    request: Request,
    principal: BranchRead,
    last_event_id: Annotated[int | None, Header(ge=0, le=LAST_ID)] = None,
) -> StreamingResponse:
    """Every committed change of the branch, as it happens; ``Last-Event-ID`` replays what was missed."""
    in_scope(principal, branch_id)
    app = request.app
    async with app.state.sessions() as session:
        await branches_service.get(session, branch_id)

    async def frames() -> AsyncIterator[bytes]:
        async with app.state.hub.subscribe(branch_id, heartbeat_s=HEARTBEAT_S) as mailbox:
            yield b": connected\n\n"
            last_sent = 0
            if last_event_id is not None:
                async for frame in _replay(app, branch_id, after=last_event_id):
                    if isinstance(frame, int):
                        last_sent = frame
                    else:
                        yield frame
            quiet = True  # nothing sent since the last heartbeat fell due
            while True:
                await mailbox.ready()
                if mailbox.beat_due:
                    mailbox.beat_due = False
                    if quiet:
                        if await request.is_disconnected():
                            return
                        yield b": heartbeat\n\n"
                    quiet = True
                    if mailbox.empty():
                        continue
                # Whatever is waiting goes out in one write.
                chunk: list[bytes] = []
                payload = mailbox.get_nowait()
                while payload is not None:
                    if int(payload["id"]) > last_sent:
                        chunk.append(payload.frame())
                    if mailbox.empty() or len(chunk) >= BATCH_FRAMES:
                        break
                    payload = mailbox.get_nowait()
                if chunk:
                    quiet = False
                    yield b"".join(chunk)
                if payload is None:
                    return

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
