"""The Erlang-A (M/M/s+M) model-based predictor.

In Erlang-A, ``s`` servers each finish a service at rate ``μ`` and every waiting customer gives up at
rate ``θ`` (exponential patience). A ticket with ``n`` people ahead moves up one place at rate
``sμ + kθ`` while ``k`` are still ahead of it (a departure from service, or one of them giving up), so its
expected wait until it is called, given that it stays, is

    E[W | n ahead] = Σ_{k=0}^{n} 1 / (sμ + kθ).

With θ = 0 this is ``(n + 1) / (sμ)``: the queue-length predictor. ``θ`` comes from the data (the
``abandon_rate_per_s`` of the state: abandonments per second spent waiting, the maximum-likelihood
estimate of an exponential patience from censored waits); where no one is seen to give up it is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from birtereze.queue.prediction.state import DEFAULT_SERVICE_S, QueueState


def erlang_a_wait(ahead: int, servers: int, service_s: float, abandon_rate_per_s: float = 0.0) -> float:
    """Expected wait until called of a ticket behind ``ahead`` others when every server is busy."""
    if ahead < 0:
        return 0.0
    service_rate = max(servers, 1) / max(service_s, 1e-9)
    theta = max(abandon_rate_per_s, 0.0)
    if theta == 0.0:
        return (ahead + 1) / service_rate
    return sum(1.0 / (service_rate + k * theta) for k in range(ahead + 1))


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Erlang-A's expected wait for the state's servers, service time and abandonment rate.

    ``max_abandon_rate_per_s`` caps an abandonment estimate made from a handful of tickets.
    """

    default_service_s: float = DEFAULT_SERVICE_S
    max_abandon_rate_per_s: float = 1 / 30

    @property
    def name(self) -> str:
        return "erlang_a"

    def predict(self, state: QueueState) -> float:
        if state.called_at_once:
            return 0.0
        theta = min(state.abandon_rate_per_s, self.max_abandon_rate_per_s)
        return erlang_a_wait(
            state.ahead - state.free_servers, state.servers, state.service_s(self.default_service_s), theta
        )
