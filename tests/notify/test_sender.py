"""The sender (job ``notify.send``) against the fake SMSC over TCP and the SMTP sink: texts arrive
intact in UCS-2 or GSM 7-bit, long ones in parts, delivery receipts are applied, failed tries are
retried with back-off and given up after the last, and no message is sent twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from birtereze.core.clock import ManualClock
from birtereze.core.db import unit_of_work
from birtereze.core.settings import Settings
from birtereze.notify import jobs, service
from birtereze.notify.fake_smsc import FakeSmsc
from birtereze.notify.models import Notification, NotificationPart
from birtereze.notify.smpp import parse_receipt
from birtereze.notify.smtp_sink import SmtpSink
from tests.conftest import Database
from tests.notify.conftest import SendOnce, closed_port, pointing_at, sender

PHONE = "+77011234567"
KAZAKH_LETTERS = "әғқңөұүһі ӘҒҚҢӨҰҮҺІ"


async def _enqueue(db: Database, clock: ManualClock, **fields: object) -> int:
    values: dict[str, object] = {
        "channel": "sms",
        "to": PHONE,
        "template": "ticket_called",
        "language": "en",
        "params": {"number": "A-001", "window": 3},
    }
    values.update(fields)
    async with db.sessions() as session:
        notification = await service.enqueue(session, now=clock.now(), **values)  # type: ignore[arg-type]
        await session.commit()
        return notification.id


async def _get(db: Database, notification_id: int) -> Notification:
    async with db.sessions() as session:
        notification = await session.get(Notification, notification_id)
        assert notification is not None
        return notification


async def _parts(db: Database, notification_id: int) -> list[NotificationPart]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(NotificationPart)
            .where(NotificationPart.notification_id == notification_id)
            .order_by(NotificationPart.part)
        )
        return list(rows.scalars())


async def test_it_sends_kazakh_in_ucs2_intact_and_marks_it_delivered_by_the_receipt(
    db: Database, clock: ManualClock, smsc: FakeSmsc, send_once: SendOnce
) -> None:
    sent = await _enqueue(
        db, clock, template="ticket_near", language="kk",
        params={"number": "A-017", "ahead": 2, "centre": KAZAKH_LETTERS},
    )  # fmt: skip
    await send_once()
    [message] = smsc.messages
    assert message.text == "A-017 талоныңыз: әғқңөұүһі ӘҒҚҢӨҰҮҺІ — алдыңызда 2 адам бар. Залға келіңіз."
    assert message.data_coding == 0x08
    assert message.destination == "77011234567" and message.source == "Birtereze"
    notification = await _get(db, sent)
    assert notification.status == "delivered"
    assert notification.attempts == 1
    assert notification.sent_at == clock.now() and notification.delivered_at == clock.now()
    assert [p.provider_id for p in await _parts(db, sent)] == list(message.message_ids)


async def test_it_sends_latin_text_in_the_gsm_alphabet(
    db: Database, clock: ManualClock, smsc: FakeSmsc, send_once: SendOnce
) -> None:
    await _enqueue(db, clock)
    await send_once()
    [message] = smsc.messages
    assert message.text == "Ticket A-001: please go to window 3."
    assert message.data_coding == 0x00


async def test_it_sends_a_long_russian_text_in_parts_that_are_reassembled(
    db: Database, clock: ManualClock, smsc: FakeSmsc, send_once: SendOnce
) -> None:
    params = {
        "centre": "ЦОН Туркестанской области, г. Туркестан, проспект Тауке хана, 1",
        "date": "28.11.2026",
        "time": "10:30",
        "service": "Регистрация по месту жительства граждан Республики Казахстан",
        "code": "K7Q2-9XZ4",
    }
    sent = await _enqueue(db, clock, template="appointment_reminder", language="ru", params=params)
    await send_once()
    [message] = smsc.messages
    body = (await _get(db, sent)).body
    assert message.text == body and len(message.message_ids) >= 2
    assert all(part.concatenation is not None and part.data_coding == 0x08 for part in smsc.parts)
    assert len({part.concatenation[0] for part in smsc.parts if part.concatenation}) == 1
    parts = await _parts(db, sent)
    assert [p.provider_id for p in parts] == list(message.message_ids)
    assert all(p.status == "delivered" for p in parts)
    assert (await _get(db, sent)).status == "delivered"


async def test_it_reads_a_late_receipt_at_the_next_bind(
    db: Database, clock: ManualClock, smsc: FakeSmsc, notify_settings: Settings
) -> None:
    smsc.receipt_delay_s = 0.3
    send_once = sender(db, clock, notify_settings.model_copy(update={"smpp_receipt_wait_s": 0.0}))
    sent = await _enqueue(db, clock)
    await send_once()
    assert (await _get(db, sent)).status == "sent"
    await asyncio.sleep(0.5)  # the receipt is ready; the SMSC keeps it until the sender binds again
    assert smsc.pending_receipts("birtereze") == 1
    await send_once()  # not yet time to look for receipts
    assert (await _get(db, sent)).status == "sent"
    clock.advance(service.RECEIPT_POLL)
    await send_once()
    notification = await _get(db, sent)
    assert notification.status == "delivered" and notification.delivered_at == clock.now()
    assert len(smsc.messages) == 1


async def test_it_marks_a_message_failed_when_the_receipt_says_undelivered(
    db: Database, clock: ManualClock, smsc: FakeSmsc, send_once: SendOnce
) -> None:
    smsc.undeliverable.add("77011234567")
    sent = await _enqueue(db, clock)
    await send_once()
    notification = await _get(db, sent)
    assert notification.status == "failed"
    assert notification.last_error == "SMSC: UNDELIV err:001"


async def test_it_retries_with_back_off_while_the_smsc_is_down_and_then_fails(
    db: Database, clock: ManualClock, settings: Settings
) -> None:
    send_once = sender(db, clock, pointing_at(settings, smpp_port=closed_port(), smtp_port=None))
    sent = await _enqueue(db, clock)
    waits = [*service.BACKOFF]
    for attempt, wait in enumerate(waits, start=1):
        await send_once()
        notification = await _get(db, sent)
        assert (notification.status, notification.attempts) == ("queued", attempt)
        assert notification.next_attempt_at == clock.now() + wait
        assert "cannot be reached" in (notification.last_error or "")
        clock.advance(wait - timedelta(seconds=1))
        await send_once()  # not due yet: no try
        assert (await _get(db, sent)).attempts == attempt
        clock.advance(timedelta(seconds=1))
    await send_once()
    notification = await _get(db, sent)
    assert (notification.status, notification.attempts) == ("failed", service.MAX_ATTEMPTS)
    assert notification.failed_at == clock.now() and notification.next_attempt_at is None


async def test_it_sends_after_the_smsc_comes_back(
    db: Database, clock: ManualClock, smsc: FakeSmsc, notify_settings: Settings, settings: Settings
) -> None:
    sent = await _enqueue(db, clock)
    await sender(db, clock, pointing_at(settings, smpp_port=closed_port(), smtp_port=None))()
    clock.advance(service.BACKOFF[0])
    await sender(db, clock, notify_settings)()
    notification = await _get(db, sent)
    assert (notification.status, notification.attempts) == ("delivered", 2)
    assert notification.last_error is None
    assert len(smsc.messages) == 1


async def test_it_gives_up_at_once_when_the_smsc_refuses_the_address(
    db: Database, clock: ManualClock, smsc: FakeSmsc, send_once: SendOnce
) -> None:
    smsc.submit_status = 0x0B  # ESME_RINVDSTADR
    sent = await _enqueue(db, clock)
    await send_once()
    notification = await _get(db, sent)
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert "0x0000000B" in (notification.last_error or "")


async def test_it_keeps_sms_waiting_without_an_smsc_and_fails_push_to_a_citizen_without_subscriptions(
    db: Database, clock: ManualClock, settings: Settings
) -> None:
    sms = await _enqueue(db, clock)
    push = await _enqueue(db, clock, channel="push", to="citizen:1")
    await sender(db, clock, settings)()
    waiting = await _get(db, sms)
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    assert waiting.last_error == str(service.NO_SMSC)
    assert waiting.next_attempt_at == clock.now() + service.UNCONFIGURED_RETRY
    failed = await _get(db, push)
    assert (failed.status, failed.last_error) == ("failed", str(service.NO_SUBSCRIPTION))


async def test_it_forgets_a_one_time_code_once_sent(
    db: Database, clock: ManualClock, smsc: FakeSmsc, send_once: SendOnce
) -> None:
    sent = await _enqueue(db, clock, template="otp", language="ru", params={"code": "482913", "minutes": 5})
    await send_once()
    assert smsc.messages[0].text == "Код Birtereze: 482913. Никому не сообщайте. Действует 5 мин."
    assert (await _get(db, sent)).body is None


async def test_it_sends_e_mail_to_the_smtp_server(
    db: Database, clock: ManualClock, sink: SmtpSink, send_once: SendOnce
) -> None:
    sent = await _enqueue(
        db, clock, channel="email", to="aigerim@mail.kz", template="appointment_booked", language="kk",
        params={"centre": "Түркістан ХҚО", "date": "28.11.2026", "time": "10:30", "service": "Анықтама",
                "code": "K7Q2"},
    )  # fmt: skip
    await send_once()
    [mail] = sink.messages
    assert mail.recipients == ("aigerim@mail.kz",)
    assert mail.subject == "Сіз қабылдауға жазылдыңыз"
    assert mail.text == "Жазылдыңыз: Түркістан ХҚО, 28.11.2026 10:30: Анықтама. Жазылу коды K7Q2."
    assert mail.message["Content-Language"] == "kk"
    notification = await _get(db, sent)
    assert notification.status == "sent" and notification.next_attempt_at is None
    [part] = await _parts(db, sent)
    assert part.provider_id == mail.message["Message-ID"]


async def test_it_retries_e_mail_while_the_smtp_server_is_down(
    db: Database, clock: ManualClock, settings: Settings
) -> None:
    sent = await _enqueue(db, clock, channel="email", to="aigerim@mail.kz")
    await sender(db, clock, pointing_at(settings, smpp_port=None, smtp_port=closed_port()))()
    notification = await _get(db, sent)
    assert (notification.status, notification.attempts) == ("queued", 1)
    assert "SMTP" in (notification.last_error or "")


async def test_it_sends_each_message_once_with_two_senders_at_work(
    db: Database, clock: ManualClock, smsc: FakeSmsc, notify_settings: Settings
) -> None:
    ids = [await _enqueue(db, clock, params={"number": f"A-{n:03}", "window": 1}) for n in range(12)]
    settings = notify_settings.model_copy(update={"notify_batch_size": 5})

    async def worker() -> None:
        for _ in range(4):
            async with unit_of_work(db.sessions) as session:
                await jobs.send(session, clock, settings)

    await asyncio.gather(worker(), worker())
    numbers = sorted(m.text.split(":")[0] for m in smsc.messages)
    assert numbers == sorted(f"Ticket A-{n:03}" for n in range(12))
    for notification_id in ids:
        assert (await _get(db, notification_id)).attempts == 1


# Row locks with SKIP LOCKED are PostgreSQL's; SQLite serialises every writer.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_it_skips_rows_another_sender_has_locked(
    db: Database, clock: ManualClock, smsc: FakeSmsc
) -> None:
    for n in range(3):
        await _enqueue(db, clock, params={"number": f"A-{n:03}", "window": 1})
    async with db.sessions() as first, db.sessions() as second:
        taken = await service.claim_due(first, now=clock.now(), limit=2)
        others = await service.claim_due(second, now=clock.now(), limit=10)
        assert len(taken) == 2 and len(others) == 1
        assert {n.id for n in taken}.isdisjoint(n.id for n in others)
        await first.commit()
        await second.commit()


def test_it_reads_receipts_by_text_and_by_tlv() -> None:
    text = "id:0A1B sub:001 dlvrd:001 submit date:2611271000 done date:2611271000 stat:DELIVRD err:000 text:"
    receipt = parse_receipt(text)
    assert receipt is not None and receipt.provider_id == "0A1B" and receipt.delivered
    failed = parse_receipt("id:77 stat:UNDELIV err:034", receipted_id="0000004D", state=5)
    assert failed is not None and failed.provider_id == "0000004D" and not failed.delivered
    assert parse_receipt("id:77 stat:ENROUTE err:000") is None
