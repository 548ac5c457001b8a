"""The state of a pool of servers and its waiting line, kept online from the queue's events.

A ``PoolTracker`` is fed, in time order, the events of one line served by one pool of servers (windows
or agents): a ticket joins the line, is called to a server, gives up, or its service ends. At any instant
it answers ``state()``: the ``QueueState`` a ticket issued now would see, built from the past alone. The
benchmark replays a call centre's log through it; the live queue can feed it its own events, or fill a
``QueueState`` from its tables directly and pass what it knows better (people ahead by its calling
rules, windows open and free) as overrides.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from birtereze.queue.prediction.state import QueueState

ARRIVALS_WINDOW_S = 15 * 60.0
ABANDONS_WINDOW_S = 30 * 60.0
PATIENCE_WINDOW_S = 2 * 3600.0


@dataclass(slots=True)
class _Waiting:
    queue: str
    joined: datetime
    rank: datetime  # the calling order: joined, less a head start for priority tickets


@dataclass(slots=True)
class _Service:
    server: str | None
    started: datetime


class PoolTracker:
    """One line and its pool of servers, from events in time order.

    - ``head_start_s``: a priority ticket is called as if it had joined that much earlier (a call centre's
      "head start"); 0 means first come, first served.
    - a server is counted on duty while it serves, and for ``on_duty_s`` after its last service ended;
      one that ended a service less than ``wrap_up_s`` ago and has not started another is wrapping up.
    - ``service_memory`` services and ``wait_memory`` waits are remembered for the recent means.
    """

    def __init__(
        self,
        *,
        head_start_s: float = 0.0,
        on_duty_s: float = 600.0,
        wrap_up_s: float = 300.0,
        service_memory: int = 50,
        wait_memory: int = 10,
    ) -> None:
        self.head_start_s = head_start_s
        self.on_duty_s = on_duty_s
        self.wrap_up_s = wrap_up_s
        self._waiting: dict[Hashable, _Waiting] = {}
        self._serving: dict[Hashable, _Service] = {}
        self._last_end: dict[str, datetime] = {}
        self._busy_servers: dict[str, int] = {}
        self._services: deque[float] = deque(maxlen=service_memory)
        self._waits: deque[float] = deque(maxlen=wait_memory)
        self._les: float | None = None
        self._last_start: datetime | None = None
        self._queue_les: dict[str, float] = {}
        self._arrivals: deque[datetime] = deque()
        self._calls: deque[datetime] = deque()
        self._abandons: deque[datetime] = deque()
        # (left the line at, seconds waited, gave up) for the abandonment rate.
        self._exits: deque[tuple[datetime, float, bool]] = deque()

    # --- events -----------------------------------------------------------------------------------

    def issue(self, ticket: Hashable, *, queue: str, at: datetime, priority: bool = False) -> None:
        """A ticket joins the line."""
        rank = at - _seconds(self.head_start_s) if priority else at
        self._waiting[ticket] = _Waiting(queue=queue, joined=at, rank=rank)
        self._arrivals.append(at)

    def call(self, ticket: Hashable, *, at: datetime, server: str | None = None) -> float | None:
        """A server takes the ticket; returns its wait, or None for a ticket served without queueing."""
        waiting = self._waiting.pop(ticket, None)
        self._serving[ticket] = _Service(server=server, started=at)
        self._last_start = at
        if server is not None:
            self._busy_servers[server] = self._busy_servers.get(server, 0) + 1
        if waiting is None:
            return None
        wait = max((at - waiting.joined).total_seconds(), 0.0)
        self._les = wait
        self._queue_les[waiting.queue] = wait
        self._waits.append(wait)
        self._calls.append(at)
        self._exits.append((at, wait, False))
        return wait

    def abandon(self, ticket: Hashable, *, at: datetime) -> None:
        """A waiting ticket gives up (hangs up, leaves, is removed as a no-show before its call)."""
        waiting = self._waiting.pop(ticket, None)
        if waiting is None:
            return
        self._abandons.append(at)
        self._exits.append((at, max((at - waiting.joined).total_seconds(), 0.0), True))

    def finish(self, ticket: Hashable, *, at: datetime) -> None:
        """The service of a called ticket ends."""
        service = self._serving.pop(ticket, None)
        if service is None:
            return
        self._services.append(max((at - service.started).total_seconds(), 0.0))
        if service.server is not None:
            left = self._busy_servers.get(service.server, 1) - 1
            if left > 0:
                self._busy_servers[service.server] = left
            else:
                self._busy_servers.pop(service.server, None)
            self._last_end[service.server] = at

    # --- the state --------------------------------------------------------------------------------

    def state(
        self,
        *,
        queue: str,
        at: datetime,
        priority: bool = False,
        ahead: int | None = None,
        servers: int | None = None,
        free_servers: int = 0,
    ) -> QueueState:
        """What a ticket of ``queue`` issued at ``at`` sees (call it before ``issue`` for that ticket)."""
        self._forget(at)
        rank = at - _seconds(self.head_start_s) if priority else at
        before = [waiting for waiting in self._waiting.values() if waiting.rank <= rank]
        if ahead is None:
            ahead = len(before)
        elapsed = sorted(((at - s.started).total_seconds() for s in self._serving.values()), reverse=True)
        wrapping = sorted(
            (
                (at - ended).total_seconds()
                for server, ended in self._last_end.items()
                if server not in self._busy_servers and (at - ended).total_seconds() <= self.wrap_up_s
            ),
            reverse=True,
        )
        on_duty = len(self._busy_servers) + sum(
            1
            for server, ended in self._last_end.items()
            if server not in self._busy_servers and (at - ended).total_seconds() <= self.on_duty_s
        )
        unnamed = sum(1 for s in self._serving.values() if s.server is None)
        exposure = sum(wait for _, wait, _ in self._exits) + sum(
            (at - w.joined).total_seconds() for w in self._waiting.values()
        )
        gave_up = sum(1 for _, _, abandoned in self._exits if abandoned)
        return QueueState(
            queue=queue,
            at=at,
            ahead=ahead,
            servers=servers if servers is not None else on_duty + unnamed,
            waiting=len(self._waiting),
            queue_ahead=sum(1 for waiting in before if waiting.queue == queue),
            priority=priority,
            free_servers=free_servers,
            busy=len(self._serving),
            mean_service_s=sum(self._services) / len(self._services) if self._services else None,
            les_s=self._les,
            queue_les_s=self._queue_les.get(queue),
            recent_wait_s=sum(self._waits) / len(self._waits) if self._waits else None,
            hol_s=max(((at - w.joined).total_seconds() for w in self._waiting.values()), default=0.0),
            arrivals_15min=len(self._arrivals),
            calls_15min=len(self._calls),
            abandons_30min=len(self._abandons),
            abandon_rate_per_s=gave_up / exposure if exposure > 0 else 0.0,
            since_service_start_s=(at - self._last_start).total_seconds() if self._last_start else None,
            service_elapsed_s=tuple(elapsed),
            wrap_up_elapsed_s=tuple(wrapping),
        )

    def _forget(self, now: datetime) -> None:
        for events, window in (
            (self._arrivals, ARRIVALS_WINDOW_S),
            (self._calls, ARRIVALS_WINDOW_S),
            (self._abandons, ABANDONS_WINDOW_S),
        ):
            while events and (now - events[0]).total_seconds() > window:
                events.popleft()
        while self._exits and (now - self._exits[0][0]).total_seconds() > PATIENCE_WINDOW_S:
            self._exits.popleft()


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
