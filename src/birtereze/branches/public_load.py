"""The public load of the centres, as other apps and the monitoring centre read it: computed at most once
a second per centre and process, and served as ready JSON bytes.

A busy phone app or dashboard reads the same centre's load many times a second. ``LoadCache`` computes a
centre's first answer while its first readers wait (one computation for all of them); from then on a
background refresher computes again, every ``FRESH_S``, the loads of all the centres read lately,
together (queue.load.branch_loads: six statements per batch of centres, not five per centre), and
readers get the last answer at once — they never wait. An answer is therefore at most ``FRESH_S`` plus
one refresh old; its ``at`` says when it was computed. A centre that does not exist is remembered as such,
so that probing unknown ids does not reach the database at every request. No personal data is in a
load.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import orjson
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from birtereze.branches.models import Branch
from birtereze.branches.schemas import BranchLoadRead, QueueLoadRead, ServiceLoadRead
from birtereze.queue import load as queue_load

log = structlog.get_logger(__name__)

FRESH_S: Final = 1.0
# Readers may keep a load as long as the server does.
CACHE_CONTROL: Final = "public, max-age=1"
# Centres computed together (six statements a batch, whatever its size). Small enough that a batch's
# Python work — a few milliseconds — does not hold up the readers the same process is answering.
BATCH: Final = 25
# Entries of centres nobody has read for this long are dropped at the next sweep.
FORGET_AFTER_S: Final = 300.0


def load_read(branch_id: int, code: str, load: queue_load.BranchLoad) -> BranchLoadRead:
    return BranchLoadRead(
        branch_id=branch_id,
        code=code,
        at=load.at.isoformat(),
        waiting=load.waiting,
        windows_open=load.windows_open,
        mean_wait_s=round(load.mean_wait_s),
        estimated_wait_s=load.estimated_wait_s,
        light=load.light,
        queues=[
            QueueLoadRead(
                queue_id=q.queue_id,
                waiting=q.waiting,
                windows=q.windows,
                mean_wait_s=round(q.mean_wait_s),
                longest_wait_s=round(q.longest_wait_s),
                estimated_wait_s=q.estimated_wait_s,
                light=queue_load.light(q.estimated_wait_s),
            )
            for q in sorted(load.queues.values(), key=lambda q: q.queue_id)
        ],
        services=[
            ServiceLoadRead(
                service_id=service_id,
                queue_id=queue_id,
                waiting=load.queues[queue_id].waiting,
                estimated_wait_s=load.queues[queue_id].estimated_wait_s,
                light=queue_load.light(load.queues[queue_id].estimated_wait_s),
            )
            for service_id, queue_id in sorted(load.services.items())
        ],
    )


class LoadCache:
    """Each centre's load as this process serves it (see the module's note)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        now: Callable[[], datetime],
        *,
        fresh_s: float = FRESH_S,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self._sessions = sessions
        self._now = now
        self._fresh_s = fresh_s
        self._monotonic = monotonic or asyncio.get_running_loop().time
        # branch id → bytes, or None for "no such centre"; and when each was last read
        self._entries: dict[int, bytes | None] = {}
        self._read: dict[int, float] = {}
        self._pending: dict[int, asyncio.Future[bytes | None]] = {}  # first computations under way
        self._ids: tuple[float, list[int]] | None = None
        self._refresher: asyncio.Task[None] | None = None

    async def get(self, branch_id: int) -> bytes | None:
        if self._fresh_s <= 0:  # no caching: every read computes (as the tests want)
            async with self._sessions() as session:
                return (await self._compute(session, [branch_id])).get(branch_id)
        self._read[branch_id] = self._monotonic()
        if branch_id in self._entries:
            return self._entries[branch_id]
        pending = self._pending.get(branch_id)
        if pending is None:
            pending = self._pending[branch_id] = asyncio.ensure_future(self._first(branch_id))
        return await asyncio.shield(pending)

    async def _first(self, branch_id: int) -> bytes | None:
        """A centre's first answer, computed while its readers wait; from then on, the refresher's."""
        try:
            async with self._sessions() as session:
                value = (await self._compute(session, [branch_id])).get(branch_id)
        finally:
            del self._pending[branch_id]
        self._entries[branch_id] = value
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.ensure_future(self._refresh())
        return value

    async def _compute(self, session: AsyncSession, branch_ids: list[int]) -> dict[int, bytes | None]:
        """The loads of these centres as JSON bytes (None for those that do not exist)."""
        codes = dict(
            (await session.execute(select(Branch.id, Branch.code).where(Branch.id.in_(branch_ids)))).all()
        )
        loads = await queue_load.branch_loads(session, branch_ids=list(codes), now=self._now())
        return {
            branch_id: orjson.dumps(
                load_read(branch_id, codes[branch_id], loads[branch_id]).model_dump(mode="json")
            )
            if branch_id in loads
            else None
            for branch_id in branch_ids
        }

    async def _refresh(self) -> None:
        """Every ``fresh_s`` (from the start of one round to the next), the loads of the centres read
        lately, computed again together in batches; a centre nobody has read for ``FORGET_AFTER_S`` is
        forgotten."""
        next_round = self._monotonic() + self._fresh_s
        while self._read:
            await asyncio.sleep(max(next_round - self._monotonic(), 0.0))
            started = self._monotonic()
            next_round = started + self._fresh_s
            for branch_id in [key for key, at in self._read.items() if started - at > FORGET_AFTER_S]:
                del self._read[branch_id]
                self._entries.pop(branch_id, None)
            due = list(self._read)
            for start in range(0, len(due), BATCH):
                batch = due[start : start + BATCH]
                try:
                    async with self._sessions() as session:
                        self._entries.update(await self._compute(session, batch))
                except Exception:
                    log.exception("public_load.refresh_failed", centres=len(batch))

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher

    async def every(self) -> bytes:
        """A JSON array of every centre's load, by id (the list of centres is kept as long as a load)."""
        clock = self._monotonic()
        if self._ids is None or clock - self._ids[0] >= max(self._fresh_s, 0.0):
            async with self._sessions() as session:
                ids = (await session.execute(select(Branch.id).order_by(Branch.id))).scalars().all()
            self._ids = (clock, list(ids))
        loads = [await self.get(branch_id) for branch_id in self._ids[1]]
        return b"[" + b",".join(load for load in loads if load is not None) + b"]"


class LoadFastPath:
    """``GET /api/v1/branches/{id}/load`` answered from the cache without FastAPI's routing: the same
    bytes and headers as the route (``branches.api.get_branch_load``), at a fraction of the CPU, for the
    many readers of the public load. What it does not answer — a centre not found, an id that is not a
    plain number — goes on to the route, which answers as documented."""

    PREFIX: Final = "/api/v1/branches/"
    SUFFIX: Final = "/load"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: BaseRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(self.PREFIX) and path.endswith(self.SUFFIX):
                key = path[len(self.PREFIX) : -len(self.SUFFIX)]
                if key.isascii() and key.isdigit() and len(key) <= 18:
                    application = scope["app"]
                    body = await application.state.load_cache.get(int(key))
                    if body is not None:
                        scope["route"] = self._route or self._find(application)  # for the metrics' label
                        await send({"type": "http.response.start", "status": 200, "headers": _headers(body)})
                        await send({"type": "http.response.body", "body": body})
                        return
        await self.app(scope, receive, send)

    def _find(self, application: Any) -> BaseRoute | None:
        self._route = next(
            (route for route in application.routes if getattr(route, "name", "") == "get_branch_load"), None
        )
        return self._route


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", CACHE_CONTROL.encode()),
    ]
