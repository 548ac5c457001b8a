"""Calling rules: which waiting ticket a window calls next. Pure functions, no database.

Precedence, in order:
1. the window's own pool, then its operator's staff pool (tickets transferred there by name);
2. booked (appointment) tickets whose time has come (``line_at``, the slot time or the later arrival, is
   past), earliest first: a booked visitor on time is served at the booked time even when the walk-in
   line is long and overdue — that is what booking is for, and the slots are few (a share of capacity);
3. with an "overdue" limit on the profile, any ticket waiting at least that long, longest first;
4. the highest priority category present (disability, pregnancy, elderly... are served out of turn);
5. the profile's rule among what is left:
   - ``longest_wait``: the ticket that has waited longest across the profile's queues;
   - ``strict_order``: the first of the profile's queues, in its order, that has a ticket;
   - ``weighted``: the queue whose head has the largest ``weight × seconds waited``.
Within a queue, tickets moved "first in line" go first, then by the time they joined the line.

A remote ticket (taken on the phone) whose holder has not checked in yet is never a candidate: it keeps
its place in the line (others count it ahead of them) but the window calls the next one.

Accessibility (M5): while an accessible window is open, other windows leave tickets of categories that
prefer it to that window, unless such a ticket has waited ``accessible_hold_s`` already; an accessible
window takes those tickets first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Rule = Literal["longest_wait", "strict_order", "weighted"]
RULES: tuple[Rule, ...] = ("longest_wait", "strict_order", "weighted")


@dataclass(frozen=True, slots=True)
class Candidate:
    visit_id: int
    queue_id: int
    line_at: datetime
    first_in_line: bool = False
    priority_level: int = 0
    prefers_accessible: bool = False
    pool: Literal["window", "staff"] | None = None
    appointment: bool = False


@dataclass(frozen=True, slots=True)
class ProfileQueue:
    queue_id: int
    position: int = 0
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Profile:
    rule: Rule
    queues: tuple[ProfileQueue, ...]
    overdue_after_s: int | None = None


@dataclass(frozen=True, slots=True)
class WindowContext:
    accessible: bool
    accessible_window_open: bool
    accessible_hold_s: int = 600


def line_key(candidate: Candidate) -> tuple[bool, datetime, int]:
    return (not candidate.first_in_line, candidate.line_at, candidate.visit_id)


def waited(candidate: Candidate, now: datetime) -> float:
    return (now - candidate.line_at).total_seconds()


def choose_next(
    candidates: Iterable[Candidate], profile: Profile, window: WindowContext, now: datetime
) -> Candidate | None:
    candidates = list(candidates)
    pooled = [c for c in candidates if c.pool is not None]
    if pooled:
        return min(pooled, key=lambda c: (c.pool != "window", *line_key(c)))

    served = {q.queue_id for q in profile.queues}
    eligible = [c for c in candidates if c.queue_id in served]
    if not window.accessible and window.accessible_window_open:
        eligible = [
            c for c in eligible if not c.prefers_accessible or waited(c, now) >= window.accessible_hold_s
        ]
    if not eligible:
        return None
    if window.accessible:
        preferring = [c for c in eligible if c.prefers_accessible]
        eligible = preferring or eligible

    due = [c for c in eligible if c.appointment and c.line_at <= now]
    if due:
        return min(due, key=lambda c: (c.line_at, c.visit_id))

    if profile.overdue_after_s is not None:
        overdue = [c for c in eligible if waited(c, now) >= profile.overdue_after_s]
        if overdue:
            return min(overdue, key=lambda c: (c.line_at, c.visit_id))

    top = max(c.priority_level for c in eligible)
    eligible = [c for c in eligible if c.priority_level == top]
    return _by_rule(eligible, profile, now)


def _by_rule(eligible: Sequence[Candidate], profile: Profile, now: datetime) -> Candidate:
    if profile.rule == "longest_wait":
        return min(eligible, key=line_key)
    heads: dict[int, Candidate] = {}
    for candidate in eligible:
        head = heads.get(candidate.queue_id)
        if head is None or line_key(candidate) < line_key(head):
            heads[candidate.queue_id] = candidate
    ordered = sorted(profile.queues, key=lambda q: (q.position, q.queue_id))
    if profile.rule == "strict_order":
        return next(heads[q.queue_id] for q in ordered if q.queue_id in heads)
    # weighted: tickets moved first in line still go first.
    firsts = [h for h in heads.values() if h.first_in_line]
    if firsts:
        return min(firsts, key=line_key)
    weights = {q.queue_id: q.weight for q in ordered}
    return max(
        heads.values(),
        key=lambda h: (weights[h.queue_id] * max(waited(h, now), 0.0), -h.line_at.timestamp(), -h.visit_id),
    )
