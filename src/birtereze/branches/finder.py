"""The least crowded centre near a citizen: the time to get there and the wait on arrival, together.

A citizen cares about when they will be served, not about the queue alone nor the distance alone: the
nearest centre with a long queue can lose to one a little further with none. For each candidate the
finder adds the travel time (the straight-line distance at a town's mean door-to-door speed, plus the
minutes of setting off and finding the door) to the centre's estimated wait for the service (the public
load), drops the centres that will be closed on arrival, and recommends the smallest total — saying why,
and by how much it beats the nearest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from birtereze.core.i18n import _l

EARTH_RADIUS_KM: Final = 6371.0088
# Door to door in a Kazakh town (bus or car, with the walks and waits of the journey), and the minutes of
# setting off and of finding the door, added to every trip. Straight lines understate roads: the speed
# is meant for them.
TRAVEL_KMH: Final = 20.0
TRAVEL_OVERHEAD_S: Final = 5 * 60
# Farther than this, a centre is not "near": it is not offered.
NEAR_KM: Final = 60.0

BEST: Final = _l("{name}: about {travel} min to get there and {wait} min of waiting — {total} min in all.")
BEATS_NEAREST: Final = _l(
    "That is {minutes} min sooner than the nearest centre, {nearest}, where the queue is longer."
)
IS_NEAREST: Final = _l("It is also the nearest centre.")


@dataclass(frozen=True, slots=True)
class Centre:
    branch_id: int
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Option:
    """A centre as the finder weighs it."""

    centre: Centre
    distance_km: float
    travel_s: int
    wait_s: int

    @property
    def total_s(self) -> int:
        return self.travel_s + self.wait_s


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_s(km: float) -> int:
    return round(km / TRAVEL_KMH * 3600) + TRAVEL_OVERHEAD_S


def nearest(latitude: float, longitude: float, centres: Sequence[Centre], *, limit: int) -> list[Option]:
    """The ``limit`` nearest centres within ``NEAR_KM``, nearest first, without their waits yet."""
    options = []
    for centre in centres:
        km = distance_km(latitude, longitude, centre.latitude, centre.longitude)
        if km <= NEAR_KM:
            options.append(Option(centre, km, travel_s(km), 0))
    return sorted(options, key=lambda option: option.distance_km)[:limit]


def best(options: Sequence[Option]) -> Option | None:
    """The smallest total time; of equal totals, the nearer."""
    return min(options, key=lambda option: (option.total_s, option.distance_km), default=None)


def reason(chosen: Option, options: Sequence[Option], locale: str) -> str:
    """Why ``chosen``: its travel, wait and total, and what it saves against the nearest centre."""
    minutes = {
        "travel": math.ceil(chosen.travel_s / 60),
        "wait": math.ceil(chosen.wait_s / 60),
        "total": math.ceil(chosen.total_s / 60),
    }
    text = BEST.render(locale, name=chosen.centre.name, **minutes)
    closest = min(options, key=lambda option: option.distance_km)
    if closest.centre.branch_id == chosen.centre.branch_id:
        return f"{text} {IS_NEAREST.render(locale)}"
    saved = math.floor((closest.total_s - chosen.total_s) / 60)
    if saved <= 0:
        return text
    return f"{text} {BEATS_NEAREST.render(locale, minutes=saved, nearest=closest.centre.name)}"
