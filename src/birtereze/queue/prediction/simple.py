"""The simple predictors: queue length × service time, last to enter service, head of line.

They need no training and serve as the baselines every other predictor is measured against, and as the
fallback of the combiner when no trained model is installed (see docs/science/wait-prediction.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from birtereze.queue.prediction.state import DEFAULT_SERVICE_S, QueueState


@dataclass(frozen=True, slots=True)
class QueueLength:
    """People ahead × mean service time ÷ servers.

    With ``include_self`` the ticket waits for ``ahead + 1`` departures, as a ticket that finds every
    server busy must (Whitt's QL predictor); without it, for ``ahead`` (the formula branch load published
    first). A ticket that a free server calls at once waits 0.
    """

    include_self: bool = True
    default_service_s: float = DEFAULT_SERVICE_S

    @property
    def name(self) -> str:
        return "queue_length" if self.include_self else "queue_length_ahead"

    def predict(self, state: QueueState) -> float:
        if state.called_at_once:
            return 0.0
        departures = state.ahead - state.free_servers + (1 if self.include_self else 0)
        return max(departures, 0) * state.service_s(self.default_service_s) / max(state.servers, 1)


@dataclass(frozen=True, slots=True)
class LastToEnterService:
    """The wait of the last ticket called: recent experience stands for the next ticket's.

    Before anyone has been called it falls back on queue length (nothing else is known yet).
    """

    fallback: QueueLength = QueueLength()

    @property
    def name(self) -> str:
        return "les"

    def predict(self, state: QueueState) -> float:
        if state.called_at_once:
            return 0.0
        return state.les_s if state.les_s is not None else self.fallback.predict(state)


@dataclass(frozen=True, slots=True)
class HeadOfLine:
    """How long the first ticket in line has waited so far; an empty line falls back on queue length."""

    fallback: QueueLength = QueueLength()

    @property
    def name(self) -> str:
        return "hol"

    def predict(self, state: QueueState) -> float:
        if state.called_at_once:
            return 0.0
        return state.hol_s if state.hol_s > 0 else self.fallback.predict(state)
