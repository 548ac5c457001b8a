"""Live events to subscribers of a branch: in-process by default, Redis pub/sub across processes.

Across processes the hub also carries what a process's memo of the database must forget when another
process commits a configuration change (``RedisHub.attach``, ``core.sql.Memo``)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
import structlog

from birtereze.core.events import LiveEvent
from birtereze.core.metrics import EVENTS_PUBLISHED
from birtereze.core.sql import Memo

log = structlog.get_logger(__name__)

DEFAULT_CHANNEL_PREFIX = "birtereze:"
SUBSCRIBER_BUFFER = 2000
STOP_TIMEOUT_S = 5.0


class Payload(dict[str, Any]):
    """One event as its subscribers receive it: the same object for all of them, so that its event-stream
    frame is encoded once per event, not once per subscriber."""

    __slots__ = ("_frame", "_json")
    _frame: bytes
    _json: bytes

    @classmethod
    def decoded(cls, raw: bytes) -> Payload:
        """From its JSON encoding, which the frame then reuses as it is."""
        payload = cls(orjson.loads(raw))
        payload._json = raw
        return payload

    def frame(self) -> bytes:
        """The Server-Sent Events frame: ``id``, ``event`` (the type) and the JSON ``data``."""
        frame: bytes | None = getattr(self, "_frame", None)
        if frame is None:
            data: bytes | None = getattr(self, "_json", None)
            if data is None:
                data = orjson.dumps(self)
            frame = b"id: %d\nevent: %s\ndata: %s\n\n" % (int(self["id"]), str(self["type"]).encode(), data)
            self._frame = frame
        return frame


class Mailbox:
    """What one subscriber has yet to receive (``None`` ends its stream), and whether a heartbeat is due.

    The stream's reader waits for either. ``asyncio.Queue`` with a timeout around each ``get`` armed and
    cancelled a timer per event and per subscriber (ten subscribers per event in a centre); here one
    timer per subscriber ticks every ``heartbeat_s``, and one future wakes the reader.
    """

    __slots__ = ("_beat", "_heartbeat_s", "_items", "_loop", "_maxsize", "_waiter", "beat_due")

    def __init__(self, maxsize: int, heartbeat_s: float | None = None) -> None:
        self._items: deque[Payload | None] = deque()
        self._maxsize = maxsize
        self._loop = asyncio.get_running_loop()
        self._waiter: asyncio.Future[None] | None = None
        self._heartbeat_s = heartbeat_s
        self._beat = self._loop.call_later(heartbeat_s, self._tick) if heartbeat_s else None
        # Set by every tick; the reader clears it.
        self.beat_due = False

    def _tick(self) -> None:
        self.beat_due = True
        self._wake()
        assert self._heartbeat_s is not None
        self._beat = self._loop.call_later(self._heartbeat_s, self._tick)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None

    def put_nowait(self, item: Payload | None) -> None:
        if len(self._items) >= self._maxsize:
            raise asyncio.QueueFull
        self._items.append(item)
        self._wake()

    def get_nowait(self) -> Payload | None:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    async def ready(self) -> None:
        """Return once something waits to be read or a heartbeat is due."""
        while not self._items and not self.beat_due:
            waiter = self._waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                self._waiter = None

    async def get(self) -> Payload | None:
        """The next item, whatever heartbeats come meanwhile."""
        while not self._items:
            await self.ready()
            self.beat_due = False
        return self._items.popleft()


class Hub:
    """Fans committed events out to this process's subscribers."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[Mailbox]] = defaultdict(set)

    @property
    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values())

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.disconnect_all()

    def attach(self, memo: Memo) -> None:
        """Carry the changes of ``memo`` to the other processes: in-process, there is no one to tell (a
        memo without announcements keeps its entries for a short time only)."""
        return None

    def disconnect_all(self) -> None:
        """End every subscriber's stream; clients reconnect and replay what they missed from the log."""
        for queues in self._subscribers.values():
            for queue in queues:
                _end(queue)
        self._subscribers.clear()

    async def publish(self, items: Sequence[LiveEvent]) -> None:
        """Deliver committed events to this process's subscribers."""
        now = time.time()
        self.deliver([Payload(item.as_dict(), published_at=now) for item in items])
        EVENTS_PUBLISHED.inc(len(items))

    def deliver(self, payloads: Sequence[Payload]) -> None:
        for payload in payloads:
            for queue in list(self._subscribers.get(int(payload["branch_id"]), ())):
                try:
                    queue.put_nowait(payload)
                except asyncio.QueueFull:
                    # A subscriber this far behind is dropped: its stream ends, and the client reconnects
                    # with Last-Event-ID and replays what it missed from the event log.
                    self._subscribers[int(payload["branch_id"])].discard(queue)
                    _end(queue)
                    log.warning("live.subscriber_dropped", branch_id=payload["branch_id"])

    @contextlib.asynccontextmanager
    async def subscribe(self, branch_id: int, *, heartbeat_s: float | None = None) -> AsyncIterator[Mailbox]:
        """A subscriber's mailbox of the branch's events; with ``heartbeat_s``, a heartbeat falls due that
        often."""
        mailbox = Mailbox(SUBSCRIBER_BUFFER, heartbeat_s)
        self._subscribers[branch_id].add(mailbox)
        try:
            yield mailbox
        finally:
            mailbox.close()
            self._subscribers[branch_id].discard(mailbox)
            if not self._subscribers[branch_id]:
                del self._subscribers[branch_id]


class RedisHub(Hub):
    """Publishes to Redis; every process's listener delivers to its own subscribers."""

    def __init__(self, url: str, *, prefix: str = DEFAULT_CHANNEL_PREFIX) -> None:
        super().__init__()
        import redis.asyncio as redis

        # A branch's channel is "{prefix}branch:{id}"; what memos must forget goes on "{prefix}memo".
        self._channels = f"{prefix}branch:"
        self._changes = f"{prefix}memo"
        self._redis = redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._memos: list[Memo] = []
        self._announcing: set[asyncio.Task[None]] = set()
        # Committed events on their way to Redis, and the task that sends them (see ``publish``).
        self._outbox: list[tuple[str, bytes]] = []
        self._outbox_filled = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="live-redis-listener")
        self._sender = asyncio.create_task(self._send(), name="live-redis-sender")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    def attach(self, memo: Memo) -> None:
        """Have every process forget what ``memo.changed`` names, and this one what the others' name."""
        self._memos.append(memo)
        memo.announce = self._announce

    def _announce(self, kind: str, key: int | None) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a running loop: nobody to send it
            return
        task = loop.create_task(self._send_change(orjson.dumps({"kind": kind, "key": key})))
        self._announcing.add(task)
        task.add_done_callback(self._announcing.discard)

    async def _send_change(self, message: bytes) -> None:
        try:
            await self._redis.publish(self._changes, message)
        except Exception:
            # The other processes keep their entries until they expire (Memo's time to live).
            log.exception("live.change_not_announced")

    def _forget(self, message: bytes | None) -> None:
        """Another process's change (None: announcements may have been lost, so everything)."""
        change = orjson.loads(message) if message is not None else {"kind": None, "key": None}
        for memo in self._memos:
            memo.forget(change["kind"], change["key"])

    async def stop(self) -> None:
        for memo in self._memos:
            memo.announce = None
        if self._announcing:
            await asyncio.gather(*self._announcing, return_exceptions=True)
        if self._sender is not None:
            # What was published before the stop is still sent, unless Redis does not answer.
            self._outbox.append(_LAST)
            self._outbox_filled.set()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._sender, STOP_TIMEOUT_S)
        await super().stop()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def publish(self, items: Sequence[LiveEvent]) -> None:
        """Hand committed events to the sender, which publishes them in order, in the background.

        The request that committed them does not wait for Redis: what the units of work of one turn of
        the event loop (and of the sender's last round trip) published leaves in one pipeline. An event
        that cannot be sent is logged and lost to the live streams, never to the log, from which a
        subscriber that reconnects replays it.
        """
        now = time.time()
        self._outbox.extend(
            (f"{self._channels}{item.branch_id}", orjson.dumps({**item.as_dict(), "published_at": now}))
            for item in items
        )
        self._outbox_filled.set()

    async def _send(self) -> None:
        while True:
            await self._outbox_filled.wait()
            await asyncio.sleep(0)  # the rest of this turn's units of work
            self._outbox_filled.clear()
            messages, self._outbox = self._outbox, []
            last = messages[-1] is _LAST
            if last:
                messages.pop()
            if messages:
                await self._send_messages(messages)
            if last:
                return

    async def _send_messages(self, messages: list[tuple[str, bytes]]) -> None:
        try:
            if len(messages) == 1:  # one round trip without a pipeline's bookkeeping
                await self._redis.publish(*messages[0])
            else:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for channel, message in messages:
                        pipe.publish(channel, message)
                    await pipe.execute()
        except Exception:
            log.exception("live.publish_failed", events=len(messages))
            return
        EVENTS_PUBLISHED.inc(len(messages))

    async def _listen(self) -> None:
        listened_before = False
        while True:
            try:
                # Closed on the way out: a dropped connection that the client re-opened must not linger.
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self._channels}*")
                    await pubsub.subscribe(self._changes)
                    if listened_before:
                        # Whatever was published while the listener was away is lost to this process's
                        # subscribers: end their streams so that they reconnect and replay it; and the
                        # changes announced meanwhile, to its memos: they start afresh.
                        self.disconnect_all()
                        self._forget(None)
                    listened_before = True
                    self._ready.set()
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "pmessage":
                            self.deliver([Payload.decoded(message["data"])])
                        elif kind == "message":
                            self._forget(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live.redis_listener_failed")
                await asyncio.sleep(1)


_LAST: tuple[str, bytes] = ("", b"")  # the stop's marker in the outbox


def _end(queue: Mailbox) -> None:
    """Replace whatever a subscriber still has to read by the end-of-stream marker."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(None)


def create_hub(redis_url: str | None, *, prefix: str = DEFAULT_CHANNEL_PREFIX) -> Hub:
    return RedisHub(redis_url, prefix=prefix) if redis_url else Hub()
