"""Calling rules, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from birtereze.queue.calling import Candidate, Profile, ProfileQueue, WindowContext, choose_next

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
PLAIN = WindowContext(accessible=False, accessible_window_open=False)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def ticket(visit_id: int, queue_id: int, waited_min: float, **extra: object) -> Candidate:
    return Candidate(visit_id=visit_id, queue_id=queue_id, line_at=ago(waited_min), **extra)  # type: ignore[arg-type]


def profile(rule: str, *queues: tuple[int, float], overdue: int | None = None) -> Profile:
    return Profile(
        rule=rule,  # type: ignore[arg-type]
        queues=tuple(ProfileQueue(queue_id=q, position=i, weight=w) for i, (q, w) in enumerate(queues)),
        overdue_after_s=overdue,
    )


def test_it_calls_the_longest_waiting_across_queues() -> None:
    chosen = choose_next(
        [ticket(1, 10, 3), ticket(2, 20, 7)], profile("longest_wait", (10, 1), (20, 1)), PLAIN, NOW
    )
    assert chosen is not None and chosen.visit_id == 2


def test_it_keeps_strict_queue_order() -> None:
    chosen = choose_next(
        [ticket(1, 10, 3), ticket(2, 20, 7)], profile("strict_order", (10, 1), (20, 1)), PLAIN, NOW
    )
    assert chosen is not None and chosen.visit_id == 1


def test_it_weighs_queues_by_weight_times_wait() -> None:
    rule = profile("weighted", (10, 3.0), (20, 1.0))
    assert choose_next([ticket(1, 10, 3), ticket(2, 20, 7)], rule, PLAIN, NOW).visit_id == 1  # type: ignore[union-attr]
    assert choose_next([ticket(1, 10, 2), ticket(2, 20, 7)], rule, PLAIN, NOW).visit_id == 2  # type: ignore[union-attr]


def test_it_calls_an_overdue_ticket_first_even_in_strict_order() -> None:
    rule = profile("strict_order", (10, 1), (20, 1), overdue=15 * 60)
    chosen = choose_next([ticket(1, 10, 3), ticket(2, 20, 16)], rule, PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 2


def test_it_serves_priority_categories_out_of_turn() -> None:
    chosen = choose_next(
        [ticket(1, 10, 9), ticket(2, 10, 1, priority_level=1)], profile("longest_wait", (10, 1)), PLAIN, NOW
    )
    assert chosen is not None and chosen.visit_id == 2


def test_it_puts_first_in_line_transfers_ahead() -> None:
    chosen = choose_next(
        [ticket(1, 10, 9), ticket(2, 10, 0, first_in_line=True)], profile("longest_wait", (10, 1)), PLAIN, NOW
    )
    assert chosen is not None and chosen.visit_id == 2


def test_it_takes_the_window_pool_before_the_staff_pool_and_queues() -> None:
    tickets = [ticket(1, 10, 30), ticket(2, 10, 1, pool="staff"), ticket(3, 10, 0, pool="window")]
    chosen = choose_next(tickets, profile("longest_wait", (10, 1)), PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 3


def test_it_ignores_queues_outside_the_profile() -> None:
    assert choose_next([ticket(1, 99, 30)], profile("longest_wait", (10, 1)), PLAIN, NOW) is None


def test_it_leaves_disability_tickets_to_the_open_accessible_window() -> None:
    tickets = [ticket(1, 10, 2, priority_level=3, prefers_accessible=True), ticket(2, 10, 1)]
    rule = profile("longest_wait", (10, 1))
    elsewhere = WindowContext(accessible=False, accessible_window_open=True, accessible_hold_s=600)
    assert choose_next(tickets, rule, elsewhere, NOW).visit_id == 2  # type: ignore[union-attr]
    accessible = WindowContext(accessible=True, accessible_window_open=True)
    assert choose_next(tickets, rule, accessible, NOW).visit_id == 1  # type: ignore[union-attr]


def test_it_lets_any_window_serve_a_disability_ticket_when_no_accessible_window_is_open() -> None:
    tickets = [ticket(1, 10, 2, priority_level=3, prefers_accessible=True), ticket(2, 10, 1)]
    chosen = choose_next(tickets, profile("longest_wait", (10, 1)), PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 1


def test_it_stops_holding_a_disability_ticket_after_the_hold_time() -> None:
    tickets = [ticket(1, 10, 11, priority_level=3, prefers_accessible=True), ticket(2, 10, 1)]
    elsewhere = WindowContext(accessible=False, accessible_window_open=True, accessible_hold_s=600)
    chosen = choose_next(tickets, profile("longest_wait", (10, 1)), elsewhere, NOW)
    assert chosen is not None and chosen.visit_id == 1
