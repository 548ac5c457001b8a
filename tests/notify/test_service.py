"""The outbox: messages written in the caller's transaction, addresses checked and masked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from birtereze.core.clock import ManualClock
from birtereze.notify import service
from birtereze.notify.errors import InvalidRecipient, UnknownChannel
from birtereze.notify.models import Notification
from tests.conftest import Database

CALLED = {"number": "A-001", "window": 3}


async def _count(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Notification)) or 0)


async def test_it_sends_nothing_when_the_caller_rolls_back(db: Database, clock: ManualClock) -> None:
    async with db.sessions() as session:
        await service.enqueue(
            session, channel="sms", to="+77011234567", template="ticket_called", language="kk",
            params=CALLED, now=clock.now(),
        )  # fmt: skip
        await session.rollback()
    assert await _count(db) == 0
    async with db.sessions() as session:
        queued = await service.enqueue(
            session, channel="sms", to="8 (701) 123-45-67", template="ticket_called", language="ru",
            params=CALLED, now=clock.now(),
        )  # fmt: skip
        await session.commit()
    assert await _count(db) == 1
    assert queued.status == "queued" and queued.attempts == 0
    assert queued.recipient == "+77011234567"
    assert queued.body == "Талон A-001: пройдите к окну 3."
    assert queued.next_attempt_at == clock.now()


@pytest.mark.parametrize(
    ("channel", "given", "stored"),
    [
        ("sms", "+7 701 123 45 67", "+77011234567"),
        ("sms", "87011234567", "+77011234567"),
        ("sms", "77011234567", "+77011234567"),
        ("sms", "+998901234567", "+998901234567"),
        ("email", " aigerim@mail.kz ", "aigerim@mail.kz"),
    ],
)
def test_it_normalises_addresses(channel: str, given: str, stored: str) -> None:
    assert service.normalise_recipient(channel, given) == stored


@pytest.mark.parametrize(
    ("channel", "given"),
    [("sms", "12345"), ("sms", "+7 701 abc"), ("email", "not-an-address"), ("email", "a@b"), ("push", "")],
)
def test_it_refuses_an_address_the_channel_cannot_use(channel: str, given: str) -> None:
    with pytest.raises(InvalidRecipient):
        service.normalise_recipient(channel, given)


def test_it_refuses_an_unknown_channel() -> None:
    with pytest.raises(UnknownChannel):
        service.normalise_recipient("fax", "+77011234567")


def test_it_masks_recipients_for_staff() -> None:
    assert service.mask_recipient("sms", "+77011234567") == "+7 701 *** ** 67"
    assert service.mask_recipient("email", "aigerim@mail.kz") == "a***@mail.kz"
    assert service.mask_recipient("push", "citizen:1234") == "citizen …34"
