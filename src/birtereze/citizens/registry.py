"""The mobile citizens database (БМГ): which phone number a citizen registered for their IIN.

An adapter: ``MobileCitizens`` is what the sign-in asks; ``LocalMobileCitizens`` answers from the demo
citizens shipped with the package (``data/demo_citizens.json``), for tests and the demo. A real adapter asks
the state's mobile citizens database through the e-government gateway under an agreement with its operator;
it implements the same one method and is selected by configuration. Until one exists, SMS sign-in knows
only the demo citizens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DemoCitizen:
    iin: str
    name: str
    phone: str
    language: str


@lru_cache(maxsize=1)
def demo_citizens() -> tuple[DemoCitizen, ...]:
    text = resources.files("birtereze.citizens").joinpath("data/demo_citizens.json").read_text("utf-8")
    return tuple(DemoCitizen(**entry) for entry in json.loads(text)["citizens"])


class MobileCitizens(Protocol):
    async def phone_of(self, iin: str) -> str | None:
        """The phone number (``+77…``) registered for ``iin``, or None."""
        ...


class LocalMobileCitizens:
    """The seeded local fake of the mobile citizens database."""

    def __init__(self, entries: tuple[DemoCitizen, ...] | None = None) -> None:
        self._phones = {entry.iin: entry.phone for entry in (entries or demo_citizens())}

    async def phone_of(self, iin: str) -> str | None:
        return self._phones.get(iin)
