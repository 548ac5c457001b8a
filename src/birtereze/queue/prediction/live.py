"""The live queue's wait estimate: the figures it has at hand in, seconds out, and learning at each call.

The live queue asks three questions, all answered here without a database, a clock or a model fit:

- **issuing a ticket** and **the branch load**: how long will a ticket issued now wait? ``forecast``
  answers with a ``Forecast`` (the chosen wait and every predictor's estimate); the live queue shows
  ``round(forecast.wait_s)`` and stores ``dict(forecast.estimates)`` with the ticket;
- **a ticket's status**: how much longer will this waiting ticket wait? ``estimate`` answers in seconds;
- **calling a ticket**: ``observe(queue_id, stored_estimates, actual_wait_s)`` adds every predictor's
  error on that ticket to the queue's rolling accuracy, so that the choice per queue follows it.

**What goes in** is ``QueueFigures``: people ahead, the tickets waiting in the queue, windows serving it
and free, the queue's service times of the last two hours, the waits of its last called tickets (LES),
the wait so far of its head of line (HOL), and the branch's local time (time of day and weekday).
``to_state`` maps them onto ``QueueState``, the predictors' input; what the live queue does not know
cheaply (abandonments, services in progress, arrivals of the last minutes) keeps the neutral value.

**The question the predictors answer** is always a new ticket's wait, behind the whole line: the
delay-history predictors (LES, HOL) and a learned model only mean that. A ticket already in line with
``ahead`` people before it gets the new ticket's forecast scaled by its share of the departures the new
ticket waits for, ``(ahead − free + 1) / (line − free + 1)``: exact for the queue-length and Erlang-A
(without abandonment) predictors, whose estimate is departures × service ÷ windows, and the same reading
of the others. A ticket that a free window calls at once waits 0.

**With no history** (no service finished in the last two hours, nobody called yet) every predictor
falls back on queue length with the default service time: ``(ahead − free + 1) × 600 s ÷ max(windows,
1)``, the first branch-load formula counting the ticket's own turn (which the benchmark measured more
accurate: docs/science/wait-prediction.md).

**Several worker processes.** Each process holds one ``LivePredictor``; nothing is shared between them.
The estimates of a ticket travel with the ticket (stored at issue), so whichever worker handles its call
can ``observe`` them: each worker learns from the calls it handles, a random share of all calls, and
judges each queue on that share. A worker therefore needs more calls before it switches a queue away
from the first predictor (30 errors of the queue, or of all its queues pooled), and two workers may
answer differently for a while; both answers are defensible ones, and the evidence rule of the combiner
(a clearly lower error, not noise) keeps a worker from flapping. A new or restarted worker starts from
the first predictor, the one trusted before any error is known — it may replay the last called tickets'
stored estimates through ``observe`` to start warm. Estimates are never recomputed at the call: the
state then is not the one the ticket saw, and the errors would flatter the predictors. Without stored
estimates nothing is learned and the first predictor answers (Erlang-A, or the learned model when one
is configured): the product still works.

A ``LivePredictor`` is not thread-safe: one per process, used from its event loop.

**Cost.** Without a model, ``forecast`` and ``estimate`` take tens of microseconds and ``observe`` a few
(tests/queue/prediction/test_live.py measures it). A learned model adds its own prediction, several
milliseconds with scikit-learn per call; it must have been trained on states built by ``to_state`` from
the live queue's own history (``learned.fit``), and its file is a pickle: configure only your own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from birtereze.queue.prediction.base import Predictor
from birtereze.queue.prediction.combiner import Combiner, Forecast, default_combiner
from birtereze.queue.prediction.state import QueueState

# As in the first branch-load formula: a queue's own mean service time needs this many services in the
# last two hours, else the branch's mean is used, else the predictors' default (600 s).
MIN_SERVICE_SAMPLES = 5
# The mean wait of the last few called tickets (``recent_wait_s``) is over at most this many.
RECENT_WAITS = 5


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """What the live queue knows cheaply about one queue when it estimates a ticket's wait.

    - ``queue_id``: the queue; accuracy is kept per queue.
    - ``at``: now, in the branch's local time (the time of day and weekday are read from it).
    - ``ahead``: tickets that will be called before the ticket asked about, by the calling rules (for a
      new ticket and the branch load: the tickets waiting in the queue).
    - ``windows``: windows serving the queue now (staffed: open, calling, serving or wrapping up; not on
      a break). None staffed is planned as one.
    - ``line``: tickets waiting in the queue now, the ``ahead`` of a ticket issued now; ``None`` means
      ``ahead`` (the ticket asked about is the last in line, or is being issued).
    - ``free_windows``: windows of the queue open and idle now, ready to call: a ticket with fewer people
      ahead is called at once. 0 when unknown.
    - ``service_times_s``: durations of the queue's services finished in the last two hours.
    - ``branch_service_s``: the branch's mean service time over the same hours, used while the queue has
      fewer than ``MIN_SERVICE_SAMPLES`` services of its own (``None``: the default, 600 s).
    - ``recent_waits_s``: waits of the last tickets called from the queue, oldest first (the last one is
      LES, last to enter service).
    - ``head_wait_s``: how long the first ticket waiting in the queue has waited so far (HOL; 0 when
      nobody waits).
    """

    queue_id: int
    at: datetime
    ahead: int
    windows: int
    line: int | None = None
    free_windows: int = 0
    service_times_s: Sequence[float] = ()
    branch_service_s: float | None = None
    recent_waits_s: Sequence[float] = ()
    head_wait_s: float = 0.0

    @property
    def waiting(self) -> int:
        """The tickets waiting in the queue: at least those ahead of the ticket asked about."""
        return max(self.line if self.line is not None else self.ahead, self.ahead, 0)


def queue_key(queue_id: int) -> str:
    """The queue's name in ``QueueState`` and the combiner (a learned model's category)."""
    return str(queue_id)


def mean_service_s(figures: QueueFigures) -> float | None:
    """The queue's recent mean service time, else the branch's, else None (the predictors' default)."""
    samples = [s for s in figures.service_times_s if s >= 0]
    if len(samples) >= MIN_SERVICE_SAMPLES:
        return sum(samples) / len(samples)
    if figures.branch_service_s is not None and figures.branch_service_s > 0:
        return figures.branch_service_s
    return None


def to_state(figures: QueueFigures) -> QueueState:
    """The state a ticket issued now into the queue sees: every predictor's input.

    It is the new ticket's state even when the figures are asked about a ticket further up the line
    (``estimate`` scales the answer to that ticket's place).
    """
    waits = [w for w in figures.recent_waits_s if w >= 0]
    last = waits[-1] if waits else None
    recent = waits[-RECENT_WAITS:]
    waiting = figures.waiting
    return QueueState(
        queue=queue_key(figures.queue_id),
        at=figures.at,
        ahead=waiting,
        servers=max(figures.windows, 0),
        waiting=waiting,
        queue_ahead=waiting,
        free_servers=max(figures.free_windows, 0),
        mean_service_s=mean_service_s(figures),
        les_s=last,
        queue_les_s=last,
        recent_wait_s=sum(recent) / len(recent) if recent else None,
        hol_s=max(figures.head_wait_s, 0.0) if waiting > 0 else 0.0,
    )


def place_share(figures: QueueFigures) -> float:
    """The share of a new ticket's wait that the ticket asked about still has to wait.

    A new ticket waits for ``line − free + 1`` departures (it is called when the window freed by the
    last of them calls); the ticket asked about, for ``ahead − free + 1`` of them.
    """
    free = max(figures.free_windows, 0)
    ahead = max(figures.ahead, 0)
    if ahead < free:
        return 0.0
    return (ahead - free + 1) / (figures.waiting - free + 1)


class LivePredictor:
    """One process's wait predictor: the product's combiner, fed by the calls this process sees.

    ``model`` (or ``model_path``, a file written by ``LearnedPredictor.save``) puts a learned model
    first; with neither, the combiner of the simple and Erlang-A predictors answers
    (``default_combiner``), which is the product's default.
    """

    def __init__(self, *, model: Predictor | None = None, model_path: Path | None = None) -> None:
        if model is None and model_path is not None:
            from birtereze.queue.prediction.learned import load  # scikit-learn only when configured

            model = load(model_path)
        if model is not None:
            # The first prediction starts scikit-learn's thread pool (a tenth of a second): not on a request.
            model.predict(QueueState(queue="", at=datetime(2026, 1, 5, 12, tzinfo=UTC), ahead=0, servers=1))
        self.combiner: Combiner = default_combiner(model)

    def forecast(self, figures: QueueFigures) -> Forecast:
        """A new ticket's wait, and every predictor's estimate: store ``dict(estimates)`` with it."""
        return self.combiner.forecast(to_state(figures))

    def estimate(self, figures: QueueFigures, forecast: Forecast | None = None) -> int:
        """Seconds left to wait for the ticket with ``figures.ahead`` people ahead of it (``forecast``:
        this figures' ``forecast``, when the caller has made it already)."""
        share = place_share(figures)
        if share == 0.0:
            return 0
        return round((forecast or self.forecast(figures)).wait_s * share)

    def observe(self, queue_id: int, forecast: Forecast | Mapping[str, float], actual_wait_s: float) -> None:
        """A ticket of the queue was called after ``actual_wait_s``: learn from its issue-time estimates.

        ``forecast`` is the ``Forecast`` made when the ticket was issued, or its stored estimates
        (``dict(forecast.estimates)``). Estimates made by another set of predictors (a model installed
        since) are ignored.
        """
        if not isinstance(forecast, Forecast):
            forecast = Forecast(
                queue=queue_key(queue_id),
                wait_s=0.0,
                chosen="",
                estimates=tuple((name, float(value)) for name, value in forecast.items()),
            )
        elif forecast.queue != queue_key(queue_id):
            forecast = Forecast(
                queue=queue_key(queue_id),
                wait_s=forecast.wait_s,
                chosen=forecast.chosen,
                estimates=forecast.estimates,
            )
        self.combiner.observe(forecast, max(actual_wait_s, 0.0))

    def scores(self, queue_id: int) -> dict[str, float]:
        """Each predictor's rolling MAE as judged for the queue (empty until enough calls are seen)."""
        return self.combiner.scores(queue_key(queue_id))
