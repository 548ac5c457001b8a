"""The predictor interface: a name and a pure function from a queue's state to a wait in seconds."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from birtereze.queue.prediction.state import QueueState


@runtime_checkable
class Predictor(Protocol):
    """Predicts the wait, in seconds, of a ticket issued in ``state`` until it is called.

    A predictor is pure: the same state gives the same answer, and it keeps no memory of the tickets it
    has seen (online learning of which predictor to trust lives in ``combiner.Combiner``).
    """

    @property
    def name(self) -> str: ...

    def predict(self, state: QueueState) -> float: ...
