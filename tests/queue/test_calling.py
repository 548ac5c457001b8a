"""Calling rules, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

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


# --- booked (appointment) tickets ---------------------------------------------------------------------


def test_it_calls_a_booked_ticket_whose_time_has_come_before_overdue_walk_ins_and_priorities() -> None:
    tickets = [
        ticket(1, 10, 40),  # a walk-in, overdue
        ticket(2, 20, 5, priority_level=3),
        ticket(3, 10, 1, appointment=True),  # booked, its slot a minute ago
    ]
    chosen = choose_next(tickets, profile("longest_wait", (10, 1), (20, 1), overdue=15 * 60), PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 3


def test_it_calls_the_earliest_booked_ticket_first() -> None:
    tickets = [ticket(1, 10, 2, appointment=True), ticket(2, 20, 6, appointment=True), ticket(3, 10, 30)]
    chosen = choose_next(tickets, profile("strict_order", (10, 1), (20, 1)), PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 2


def test_it_lets_a_booked_ticket_checked_in_early_wait_for_its_slot() -> None:
    early = ticket(1, 10, -10, appointment=True)  # checked in ten minutes before the slot
    chosen = choose_next([early, ticket(2, 10, 3)], profile("longest_wait", (10, 1)), PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 2
    later = NOW + timedelta(minutes=10)
    assert choose_next([early, ticket(2, 10, 3)], profile("longest_wait", (10, 1)), PLAIN, later) == early


def test_it_takes_pools_before_booked_tickets() -> None:
    tickets = [ticket(1, 10, 5, appointment=True), ticket(2, 10, 1, pool="window")]
    chosen = choose_next(tickets, profile("longest_wait", (10, 1)), PLAIN, NOW)
    assert chosen is not None and chosen.visit_id == 2


def line_of(candidate: Candidate) -> tuple[object, ...]:
    """The lines of calls._WAITING: only the head of each is read from the database."""
    return (
        candidate.queue_id,
        candidate.priority_level,
        candidate.prefers_accessible,
        candidate.first_in_line,
        candidate.appointment,
        candidate.pool,
    )


@st.composite
def waiting_tickets(draw: st.DrawFn) -> list[Candidate]:
    count = draw(st.integers(min_value=1, max_value=12))
    return [
        Candidate(
            visit_id=n,
            queue_id=draw(st.sampled_from((10, 20, 30))),
            line_at=ago(draw(st.integers(min_value=-20, max_value=60))),
            first_in_line=draw(st.booleans()),
            priority_level=draw(st.sampled_from((0, 0, 1, 3))),
            prefers_accessible=draw(st.booleans()),
            pool=draw(st.sampled_from((None, None, None, "window", "staff"))),
            appointment=draw(st.booleans()),
        )
        for n in range(1, count + 1)
    ]


@given(
    tickets=waiting_tickets(),
    rule=st.sampled_from(("longest_wait", "strict_order", "weighted")),
    overdue=st.sampled_from((None, 900)),
    accessible=st.booleans(),
    accessible_open=st.booleans(),
)
def test_it_chooses_among_the_heads_of_the_lines_as_among_all_tickets(
    tickets: list[Candidate], rule: str, overdue: int | None, accessible: bool, accessible_open: bool
) -> None:
    """The database hands the rules the head of each line only (calls._WAITING): the choice must be the
    one made among every waiting ticket, and a booked ticket whose time has come goes before any other
    ticket of the queues."""
    rules = profile(rule, (10, 1.0), (20, 2.0), (30, 0.5), overdue=overdue)
    window = WindowContext(accessible=accessible, accessible_window_open=accessible_open)
    heads: dict[tuple[object, ...], Candidate] = {}
    for candidate in tickets:
        head = heads.get(line_of(candidate))
        if head is None or (candidate.line_at, candidate.visit_id) < (head.line_at, head.visit_id):
            heads[line_of(candidate)] = candidate
    chosen = choose_next(tickets, rules, window, NOW)
    assert chosen == choose_next(list(heads.values()), rules, window, NOW)
    if chosen is not None and chosen.pool is None:
        due = [c for c in tickets if c.pool is None and c.appointment and c.line_at <= NOW]
        if due and not window.accessible and not window.accessible_window_open:
            assert chosen.appointment and chosen.line_at == min(c.line_at for c in due)
