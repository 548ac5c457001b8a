"""What is known about a queue at the instant a ticket is issued: the input of every wait predictor.

A ``QueueState`` is built only from the past (events before the ticket, or the last snapshot before it),
so that a predictor fed with it is honest online. The same fields can be filled from the live queue's
events (``tracker.PoolTracker``), from a call-centre log or from a city office's minute snapshots; a
field a source cannot observe keeps its neutral default (``None``, ``0`` or an empty tuple) and the
predictors fall back on what is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_SERVICE_S = 600.0


@dataclass(frozen=True, slots=True)
class QueueState:
    """The state of a ticket's queue when it is issued, seen by the ticket.

    ``queue`` names the ticket's queue (or class of service): rolling accuracy is kept per queue, and the
    learned model may treat it as a category. ``ahead`` counts the tickets that will be called before
    this one if nobody else arrives (the calling rule decides, e.g. priority categories go first);
    ``waiting`` counts every ticket waiting for the same servers, ahead of this one or not.
    """

    queue: str
    at: datetime
    ahead: int
    servers: int
    waiting: int = 0
    # Tickets ahead that are of this very queue, where several queues share the servers (None: unknown).
    queue_ahead: int | None = None
    priority: bool = False
    # Servers free to call at once (open, not serving, not wrapping up). A ticket with fewer people ahead
    # than free servers is called at once.
    free_servers: int = 0
    # Servers serving now, or None where the source does not say.
    busy: int | None = None
    # Mean duration of the recently finished services (None: not enough of them yet).
    mean_service_s: float | None = None
    # Wait of the last ticket to be called (last to enter service), of any queue of the pool and of this
    # queue alone; mean wait of the last few called tickets.
    les_s: float | None = None
    queue_les_s: float | None = None
    recent_wait_s: float | None = None
    # How long the first ticket in line has been waiting (0 when nobody waits).
    hol_s: float = 0.0
    # Tickets issued and tickets called in the last 15 minutes, tickets given up in the last 30.
    arrivals_15min: int = 0
    calls_15min: int = 0
    abandons_30min: int = 0
    # Abandonment hazard: tickets given up per second spent waiting, over the recent past (0: none seen).
    abandon_rate_per_s: float = 0.0
    # Seconds since a server last began a service (None: not seen today).
    since_service_start_s: float | None = None
    # Elapsed time of each service in progress, and time since the last finish of each server that is
    # wrapping up (neither serving nor free); longest first.
    service_elapsed_s: tuple[float, ...] = ()
    wrap_up_elapsed_s: tuple[float, ...] = ()
    # Age of the observations the state was built from: 0 for a live queue, up to the polling interval
    # for a system known only by periodic snapshots.
    observed_age_s: float = 0.0

    @property
    def day_seconds(self) -> float:
        """Seconds since local midnight: the time of day at the centre."""
        return self.at.hour * 3600.0 + self.at.minute * 60.0 + self.at.second + self.at.microsecond / 1e6

    @property
    def weekday(self) -> int:
        """Monday is 0."""
        return self.at.weekday()

    def service_s(self, default: float = DEFAULT_SERVICE_S) -> float:
        """The mean service time to plan with: the recent mean, else ``default``."""
        if self.mean_service_s is None or self.mean_service_s <= 0:
            return default
        return self.mean_service_s

    @property
    def called_at_once(self) -> bool:
        """A free server will call this ticket as soon as it is issued."""
        return self.ahead < self.free_servers
