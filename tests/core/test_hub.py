"""The in-process hub's mailboxes: events in order, heartbeats that fall due, a bounded buffer."""

from __future__ import annotations

import asyncio

import pytest

from birtereze.core.events import LiveEvent
from birtereze.core.live import Hub, Mailbox, Payload


def payload(event_id: int) -> Payload:
    return Payload(id=event_id, branch_id=7, type="test.ping")


async def test_a_reader_waits_for_the_next_item_and_gets_them_in_order() -> None:
    mailbox = Mailbox(10)
    reader = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    mailbox.put_nowait(payload(1))
    mailbox.put_nowait(payload(2))
    assert (await reader)["id"] == 1
    assert mailbox.qsize() == 1 and mailbox.get_nowait() == payload(2)
    assert mailbox.empty()
    with pytest.raises(asyncio.QueueEmpty):
        mailbox.get_nowait()


async def test_a_full_mailbox_refuses_more() -> None:
    mailbox = Mailbox(2)
    mailbox.put_nowait(payload(1))
    mailbox.put_nowait(None)
    with pytest.raises(asyncio.QueueFull):
        mailbox.put_nowait(payload(2))


async def test_heartbeats_fall_due_and_wake_a_waiting_reader_until_closed() -> None:
    mailbox = Mailbox(10, heartbeat_s=0.05)
    await asyncio.wait_for(mailbox.ready(), 1)  # nothing came: the heartbeat woke it
    assert mailbox.beat_due and mailbox.empty()
    mailbox.beat_due = False
    await asyncio.wait_for(mailbox.ready(), 1)
    assert mailbox.beat_due  # and it ticks again
    # get() waits through heartbeats for an item.
    reader = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0.12)
    assert not reader.done()
    mailbox.put_nowait(payload(3))
    assert (await reader)["id"] == 3
    mailbox.close()
    mailbox.beat_due = False
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(mailbox.ready(), 0.15)


async def test_the_hub_delivers_to_its_branchs_subscribers_and_forgets_those_who_leave() -> None:
    hub = Hub()
    async with hub.subscribe(7) as here, hub.subscribe(8) as elsewhere:
        assert hub.subscriber_count == 2
        await hub.publish([LiveEvent(id=1, branch_id=7, type="ticket.issued", at="")])
        assert (await asyncio.wait_for(here.get(), 1))["id"] == 1
        assert elsewhere.empty()
    assert hub.subscriber_count == 0
