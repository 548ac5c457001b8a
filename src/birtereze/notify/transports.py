"""What every channel's transport shares: the message handed to it, what it answers, and its errors."""

from __future__ import annotations

from dataclasses import dataclass


class TransportError(Exception):
    """Sending failed; ``permanent`` when trying again cannot help (a refused address)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Outgoing:
    notification_id: int
    recipient: str
    language: str
    subject: str
    text: str


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery report: the provider's id of a message (or of one of its parts) and its fate."""

    provider_id: str
    delivered: bool
    state: str  # the provider's word: DELIVRD, UNDELIV, EXPIRED…
    error: str = ""


# What a batch gave: per message, the provider's ids of its parts or the error; and the receipts read.
Outcomes = dict[int, "list[str] | TransportError"]


@dataclass(slots=True)
class BatchResult:
    outcomes: Outcomes
    receipts: list[Receipt]
