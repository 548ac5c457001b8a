"""Segmentation: the queue a new ticket goes to. Pure function over the branch's rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rule:
    position: int
    queue_id: int
    service_id: int | None = None
    priority_code: str | None = None
    appointment: bool | None = None
    language: str | None = None
    rule_id: int = 0

    @classmethod
    def of(cls, row: Any) -> Rule:
        """From a segmentation rule's row (the model or a row of its columns, ``id`` included)."""
        return cls(
            position=row.position,
            queue_id=row.queue_id,
            service_id=row.service_id,
            priority_code=row.priority_code,
            appointment=row.appointment,
            language=row.language,
            rule_id=row.id,
        )


@dataclass(frozen=True, slots=True)
class Request:
    service_id: int
    priority_code: str | None
    appointment: bool
    language: str


def matches(rule: Rule, request: Request) -> bool:
    return (
        (rule.service_id is None or rule.service_id == request.service_id)
        and (rule.priority_code is None or rule.priority_code == request.priority_code)
        and (rule.appointment is None or rule.appointment == request.appointment)
        and (rule.language is None or rule.language == request.language)
    )


def route(rules: Iterable[Rule], request: Request, default_queue_id: int) -> int:
    """The first matching rule by position decides; otherwise the service's own queue at the branch."""
    for rule in sorted(rules, key=lambda r: (r.position, r.rule_id)):
        if matches(rule, request):
            return rule.queue_id
    return default_queue_id
