"""The sender (periodic job ``notify.send``): claims the due messages, hands them to their channel's
transport, records each outcome, and applies the delivery receipts read meanwhile.

The claim is committed before anything is sent, so no database lock is held while an SMSC or an SMTP
server answers; the claim's lease makes a message whose sender stopped mid-send due again later.
A push is read with its citizen's subscriptions at the claim, and goes to each of them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.clock import Clock
from birtereze.core.settings import Settings
from birtereze.notify import push, service
from birtereze.notify.smpp import SmppConfig, SmppTransport
from birtereze.notify.smtp import SmtpConfig, SmtpTransport
from birtereze.notify.transports import Outgoing, Receipt, TransportError

log = structlog.get_logger(__name__)

# Per message: the provider's ids, a failed try, or the reason it waits (no transport configured).
Outcome = list[str] | TransportError | str


async def send(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    now = clock.now()
    claimed = await service.claim_due(session, now=now, limit=settings.notify_batch_size)
    awaiting = await service.awaiting_receipts(session, now=now, limit=settings.notify_batch_size)
    if not claimed and not awaiting:
        return
    messages: dict[str, list[Outgoing]] = defaultdict(list)
    pushes: list[push.PushMessage] = []
    for notification in claimed:
        if notification.channel == "push":
            pushes.append(await service.push_message(session, notification))
        else:
            messages[notification.channel].append(service.outgoing(notification))
    await session.commit()  # the claim is ours; nothing is locked while the providers answer

    outcomes: dict[int, Outcome] = {}
    receipts: list[Receipt] = []
    await _send_sms(messages["sms"], awaiting, settings, outcomes, receipts)
    await _send_email(messages["email"], settings, now, outcomes)
    answers = await _send_push(pushes, settings, outcomes)

    now = clock.now()
    await service.record_push_answers(session, answers, now=now)
    for notification_id, outcome in outcomes.items():
        if isinstance(outcome, list):
            await service.record_sent(session, notification_id, provider_ids=outcome, now=now)
        elif isinstance(outcome, TransportError):
            log.warning("notify.send_failed", notification=notification_id, reason=outcome.reason)
            await service.record_failure(session, notification_id, error=outcome, now=now)
        else:
            await service.record_unconfigured(session, notification_id, reason=outcome, now=now)
    for receipt in receipts:
        await service.apply_receipt(session, receipt, now=now)


async def _send_sms(
    messages: list[Outgoing],
    awaiting: set[str],
    settings: Settings,
    outcomes: dict[int, Outcome],
    receipts: list[Receipt],
) -> None:
    if not messages and not awaiting:
        return
    config = SmppConfig.from_settings(settings)
    if config is None:
        outcomes.update({m.notification_id: str(service.NO_SMSC) for m in messages})
        return
    batch = await SmppTransport(config).exchange(messages, awaiting=awaiting)
    outcomes.update(batch.outcomes)
    receipts.extend(batch.receipts)


async def _send_email(
    messages: list[Outgoing], settings: Settings, now: datetime, outcomes: dict[int, Outcome]
) -> None:
    if not messages:
        return
    config = SmtpConfig.from_settings(settings)
    if config is None:
        outcomes.update({m.notification_id: str(service.NO_SMTP) for m in messages})
        return
    transport = SmtpTransport(config)
    for message in messages:
        try:
            outcomes[message.notification_id] = await transport.send(message, now=now)
        except TransportError as error:
            outcomes[message.notification_id] = error


async def _send_push(
    messages: list[push.PushMessage], settings: Settings, outcomes: dict[int, Outcome]
) -> list[push.Answer]:
    """Each push to its citizen's browsers; one with none is not deliverable (failed at once)."""
    if not messages:
        return []
    targeted = [message for message in messages if message.targets]
    answered = await push.PushTransport(settings).send(targeted) if targeted else {}
    every: list[push.Answer] = []
    for message in messages:
        answers = answered.get(message.notification_id, [])
        outcomes[message.notification_id] = service.push_outcome(answers)
        every.extend(answers)
    return every
