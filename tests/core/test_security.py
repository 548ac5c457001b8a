"""Signed ticket tokens: genuine ones read back, forged, altered, expired or malformed ones refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from birtereze.core import security

SECRET = "a-secret-of-the-test"
NOW = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
DAY = 24 * 3600


@given(st.integers(min_value=1, max_value=2**62))
def test_a_token_reads_back_as_its_visit(visit_id: int) -> None:
    token = security.sign_ticket(SECRET, visit_id, NOW)
    assert security.read_ticket(SECRET, token, max_age_s=DAY, now=NOW) == visit_id


def test_a_token_is_short_enough_for_a_small_qr_code() -> None:
    assert len(security.sign_ticket(SECRET, 123_456_789, NOW)) <= 40


def test_a_token_of_another_secret_or_altered_is_refused() -> None:
    token = security.sign_ticket(SECRET, 42, NOW)
    assert security.read_ticket("another-secret", token, max_age_s=DAY, now=NOW) is None
    visit, stamp, mac = token.split(".")
    for altered in (f"43.{stamp}.{mac}", f"{visit}.{stamp}0.{mac}", f"{visit}.{stamp}.{mac[:-1]}A"):
        assert security.read_ticket(SECRET, altered, max_age_s=DAY, now=NOW) is None


def test_a_token_expires_by_the_domain_clock() -> None:
    token = security.sign_ticket(SECRET, 42, NOW)
    assert security.read_ticket(SECRET, token, max_age_s=DAY, now=NOW + timedelta(seconds=DAY)) == 42
    assert security.read_ticket(SECRET, token, max_age_s=DAY, now=NOW + timedelta(seconds=DAY + 1)) is None


@given(st.text(max_size=60))
def test_anything_else_is_refused_without_an_error(text: str) -> None:
    assert security.read_ticket(SECRET, text, max_age_s=DAY, now=NOW) is None
