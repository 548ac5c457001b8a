"""The notifications service: messages written to the outbox in the caller's transaction, claimed by the
sender, retried with back-off, and followed to their delivery report.

Every module sends through ``enqueue``: the message is a row in the same unit of work as the change that
causes it, so a rolled-back change sends nothing, and a committed one is sent even if the process stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.core import ids
from birtereze.core.i18n import _l
from birtereze.core.ids import InvalidPhone
from birtereze.core.schemas import Names
from birtereze.notify import messages, push
from birtereze.notify.errors import InvalidRecipient, UnknownChannel
from birtereze.notify.models import Notification, NotificationPart, PushSubscription
from birtereze.notify.smtp import valid_address
from birtereze.notify.transports import Outgoing, Receipt, TransportError

CHANNELS: Final = ("sms", "email", "push")
STATUSES: Final = ("queued", "sending", "sent", "delivered", "failed")
STATUS_WORDS: Final = {
    "queued": _l("queued"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "failed": _l("failed"),
}
CHANNEL_WORDS: Final = {"sms": _l("SMS"), "email": _l("E-mail"), "push": _l("Push")}
MAX_ATTEMPTS: Final = 5
# The waits after the 1st, 2nd, 3rd and 4th failed try; the 5th failure is final.
BACKOFF: Final = (timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
# A claimed message is the claimer's this long; one whose sender stopped is tried again afterwards.
SENDING_LEASE: Final = timedelta(minutes=5)
# Without a transport configured, a message waits and is looked at again this often (no try counted).
UNCONFIGURED_RETRY: Final = timedelta(minutes=1)
# A sent SMS's receipt is looked for this often, for this long.
RECEIPT_POLL: Final = timedelta(minutes=1)
RECEIPT_WINDOW: Final = timedelta(days=2)
PAGE_SIZE: Final = 50

# Errors of our own, stored as message ids and translated on the staff page.
NO_SMSC: Final = _l("No SMSC is configured (BIRTEREZE_SMPP_HOST); the SMS waits.")
NO_SMTP: Final = _l("No SMTP server is configured (BIRTEREZE_SMTP_HOST); the e-mail waits.")
NO_SUBSCRIPTION: Final = _l(
    "The citizen has not turned on notifications on any phone; not deliverable by push."
)
LEASE_LOST: Final = _l("The sender stopped while sending; tried again.")

# A browser keeps one subscription; a citizen this many (phones, browsers), the oldest dropped beyond.
MAX_SUBSCRIPTIONS: Final = 10

PHONE_SEPARATORS = re.compile(r"[\s\-().]")
PUSH_RECIPIENT = re.compile(r"citizen:([1-9]\d{0,17})")
E164 = re.compile(r"\+[1-9]\d{7,14}")


def normalise_recipient(channel: str, to: str) -> str:
    """The address in the form the transports send to: ``+77011234567``, ``name@domain.kz``."""
    if channel not in CHANNELS:
        raise UnknownChannel(channel=channel)
    value = to.strip()
    if channel == "sms":
        try:
            return ids.normalise_phone(value)  # a Kazakhstan mobile, however it is written
        except InvalidPhone:
            digits = PHONE_SEPARATORS.sub("", value)
            if E164.fullmatch(digits):  # a number abroad, in its international form
                return digits
            raise InvalidRecipient(channel=channel) from None
    if channel == "email":
        if len(value) > 254 or not valid_address(value):
            raise InvalidRecipient(channel=channel)
        return value
    if not PUSH_RECIPIENT.fullmatch(value):  # push goes to every browser of one citizen: citizen:{id}
        raise InvalidRecipient(channel=channel)
    return value


def mask_recipient(channel: str, recipient: str) -> str:
    """What staff see of an address: ``+7 701 *** ** 67``, ``a***@mail.kz``."""
    if channel == "sms":
        if recipient.startswith("+7") and len(recipient) == 12:
            return f"+7 {recipient[2:5]} *** ** {recipient[-2:]}"
        return f"{recipient[:4]} *** {recipient[-2:]}"
    if channel == "email":
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    number = recipient.partition(":")[2]
    return f"citizen …{number[-2:]}" if len(number) > 2 else "citizen …"


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    to: str,
    template: str,
    language: str,
    params: dict[str, object],
    now: datetime,
    branch_id: int | None = None,
    visit_id: int | None = None,
) -> Notification:
    """Put a message in the outbox, in the caller's transaction: rendered now, in ``language``, and sent
    by the ``notify.send`` job once the caller commits."""
    recipient = normalise_recipient(channel, to)
    rendered = messages.render(template, language=language, params=params)
    notification = Notification(
        channel=channel,
        recipient=recipient,
        language=language,
        template=template,
        subject=rendered.subject,
        body=rendered.text,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        branch_id=branch_id,
        visit_id=visit_id,
    )
    session.add(notification)
    await session.flush()
    return notification


async def to_citizen(
    session: AsyncSession,
    *,
    citizen_id: int,
    phone: str | None,
    template: str,
    language: str,
    params: dict[str, object],
    now: datetime,
    branch_id: int | None = None,
    visit_id: int | None = None,
) -> list[Notification]:
    """A message for a citizen: by SMS to their phone, and by web push to the phones on which they turned
    notifications on (none: no push row, rather than a failed one for every message)."""
    sent = []
    if phone:
        sent.append(
            await enqueue(
                session,
                channel="sms",
                to=phone,
                template=template,
                language=language,
                params=params,
                now=now,
                branch_id=branch_id,
                visit_id=visit_id,
            )
        )
    subscribed = await session.scalar(
        select(PushSubscription.id).where(PushSubscription.citizen_id == citizen_id).limit(1)
    )
    if subscribed is not None:
        sent.append(
            await enqueue(
                session,
                channel="push",
                to=f"citizen:{citizen_id}",
                template=template,
                language=language,
                params=params,
                now=now,
                branch_id=branch_id,
                visit_id=visit_id,
            )
        )
    return sent


async def get(session: AsyncSession, notification_id: int) -> Notification | None:
    return await session.get(Notification, notification_id)


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Notification]:
    """Take the messages due now (queued ones whose time has come, and sending ones whose sender's lease
    ran out) for this sender: marked ``sending`` with a lease, one try counted. On PostgreSQL the rows are
    locked with SKIP LOCKED, so two senders never take the same message."""
    statement = (
        select(Notification)
        .where(Notification.status.in_(("queued", "sending")), Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = list((await session.execute(statement)).scalars())
    claimed = []
    for row in rows:
        if row.status == "sending" and row.attempts >= MAX_ATTEMPTS:
            _fail(row, str(LEASE_LOST), now)
            continue
        if row.status == "sending":
            row.last_error = str(LEASE_LOST)
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = now + SENDING_LEASE
        claimed.append(row)
    await session.flush()
    return claimed


def outgoing(notification: Notification) -> Outgoing:
    return Outgoing(
        notification_id=notification.id,
        recipient=notification.recipient,
        language=notification.language,
        subject=notification.subject,
        text=notification.body or "",
    )


async def awaiting_receipts(session: AsyncSession, *, now: datetime, limit: int) -> set[str]:
    """The provider ids of sent SMS parts whose receipts are due a look now; their next look is set."""
    statement = (
        select(Notification)
        .where(
            Notification.status == "sent",
            Notification.channel == "sms",
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    )
    rows = list((await session.execute(statement)).scalars())
    if not rows:
        return set()
    for row in rows:
        give_up = row.sent_at is None or now - row.sent_at >= RECEIPT_WINDOW
        row.next_attempt_at = None if give_up else now + RECEIPT_POLL
    parts = await session.execute(
        select(NotificationPart.provider_id).where(
            NotificationPart.notification_id.in_([row.id for row in rows]),
            NotificationPart.status == "sent",
        )
    )
    await session.flush()
    return set(parts.scalars())


def _forget_secret(notification: Notification) -> None:
    template = messages.TEMPLATES.get(notification.template)
    if template is not None and template.secret:
        notification.body = None


def _fail(notification: Notification, error: str, now: datetime) -> None:
    notification.status = "failed"
    notification.last_error = error
    notification.failed_at = now
    notification.next_attempt_at = None
    _forget_secret(notification)


async def _claimed(session: AsyncSession, notification_id: int) -> Notification | None:
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.status != "sending":
        return None  # the lease ran out and another sender took it: its outcome is the other's
    return notification


async def record_sent(
    session: AsyncSession, notification_id: int, *, provider_ids: list[str], now: datetime
) -> None:
    """The provider took the message: its ids are kept, and an SMS waits for its delivery receipt."""
    notification = await _claimed(session, notification_id)
    if notification is None:
        return
    notification.status = "sent"
    notification.sent_at = now
    notification.last_error = None
    notification.next_attempt_at = now + RECEIPT_POLL if notification.channel == "sms" else None
    _forget_secret(notification)
    for number, provider_id in enumerate(provider_ids, start=1):
        session.add(
            NotificationPart(
                notification_id=notification.id, part=number, provider_id=provider_id, status="sent"
            )
        )
    await session.flush()


async def record_failure(
    session: AsyncSession, notification_id: int, *, error: TransportError, now: datetime
) -> None:
    """A try failed: again after the back-off, or failed for good after the last try or a permanent
    refusal."""
    notification = await _claimed(session, notification_id)
    if notification is None:
        return
    if error.permanent or notification.attempts >= MAX_ATTEMPTS:
        _fail(notification, error.reason, now)
    else:
        notification.status = "queued"
        notification.last_error = error.reason
        notification.next_attempt_at = now + BACKOFF[min(notification.attempts, len(BACKOFF)) - 1]
    await session.flush()


async def record_unconfigured(
    session: AsyncSession, notification_id: int, *, reason: str, now: datetime
) -> None:
    """No transport is configured for the channel: the message waits, and the try does not count."""
    notification = await _claimed(session, notification_id)
    if notification is None:
        return
    notification.status = "queued"
    notification.attempts -= 1
    notification.last_error = reason
    notification.next_attempt_at = now + UNCONFIGURED_RETRY
    await session.flush()


async def apply_receipt(session: AsyncSession, receipt: Receipt, *, now: datetime) -> bool:
    """Record a delivery report: the message is delivered when every part is, failed when one part is.
    False when no sent part has that provider id (a receipt for an earlier, refused try)."""
    part = (
        await session.execute(
            select(NotificationPart)
            .join(Notification, Notification.id == NotificationPart.notification_id)
            .where(
                NotificationPart.provider_id == receipt.provider_id,
                NotificationPart.status == "sent",
                Notification.channel == "sms",
            )
            .limit(1)
        )
    ).scalar_one_or_none()
    if part is None:
        return False
    part.status = "delivered" if receipt.delivered else "failed"
    part.reported_at = now
    notification = await session.get(Notification, part.notification_id)
    assert notification is not None
    await session.flush()
    if notification.status != "sent":
        return True
    if not receipt.delivered:
        _fail(notification, f"SMSC: {receipt.error or receipt.state}", now)
    else:
        left = await session.scalar(
            select(func.count())
            .select_from(NotificationPart)
            .where(
                NotificationPart.notification_id == notification.id, NotificationPart.status != "delivered"
            )
        )
        if not left:
            notification.status = "delivered"
            notification.delivered_at = now
            notification.next_attempt_at = None
    await session.flush()
    return True


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Notification]
    total: int
    page: int
    pages: int


async def list_for_branch(
    session: AsyncSession, *, branch_id: int, status: str | None = None, page: int = 1
) -> Page:
    """The branch's messages, newest first, ``PAGE_SIZE`` a page (pages count from 1)."""
    condition = [Notification.branch_id == branch_id]
    if status is not None:
        condition.append(Notification.status == status)
    total = int(await session.scalar(select(func.count()).select_from(Notification).where(*condition)) or 0)
    rows = await session.execute(
        select(Notification)
        .where(*condition)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return Page(list(rows.scalars()), total, page, max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))


# ----- web push: the citizens' subscriptions, and what a push message carries


async def subscribe(
    session: AsyncSession,
    *,
    citizen_id: int,
    subscription: push.Subscription,
    user_agent: str | None,
    now: datetime,
) -> PushSubscription:
    """Keep a browser's subscription for the citizen. A browser subscribing again (the same endpoint)
    replaces its row, whoever had it: the browser's notifications follow whoever signed in on it last.
    Beyond ``MAX_SUBSCRIPTIONS`` the citizen's oldest are dropped."""
    same_endpoint = select(PushSubscription).where(PushSubscription.endpoint == subscription.endpoint)
    row = (await session.execute(same_endpoint)).scalar_one_or_none()
    if row is None:
        # Two tabs of one browser subscribing at once: the second finds the first's row.
        try:
            async with session.begin_nested():
                row = PushSubscription(
                    endpoint=subscription.endpoint,
                    citizen_id=citizen_id,
                    p256dh=subscription.p256dh,
                    auth=subscription.auth,
                    created_at=now,
                    failures=0,
                )
                session.add(row)
                await session.flush()
        except IntegrityError:
            row = (await session.execute(same_endpoint)).scalar_one()
    row.citizen_id = citizen_id
    row.p256dh = subscription.p256dh
    row.auth = subscription.auth
    row.user_agent = (user_agent or "")[:200] or None
    row.failures = 0
    await session.flush()
    kept = select(PushSubscription.id).where(PushSubscription.citizen_id == citizen_id)
    stale = list(
        (
            await session.execute(
                kept.order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc()).offset(
                    MAX_SUBSCRIPTIONS
                )
            )
        ).scalars()
    )
    if stale:
        await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(stale)))
        await session.flush()
    return row


async def unsubscribe(session: AsyncSession, *, citizen_id: int, endpoint: str) -> bool:
    """Forget the citizen's subscription at ``endpoint``; False when the citizen has none there."""
    result = await session.execute(
        delete(PushSubscription).where(
            PushSubscription.citizen_id == citizen_id, PushSubscription.endpoint == endpoint.strip()
        )
    )
    await session.flush()
    return bool(getattr(result, "rowcount", 0))


async def subscriptions_of(session: AsyncSession, citizen_id: int) -> list[PushSubscription]:
    rows = await session.execute(
        select(PushSubscription)
        .where(PushSubscription.citizen_id == citizen_id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    )
    return list(rows.scalars())


async def _push_title(session: AsyncSession, notification: Notification) -> str:
    if notification.branch_id is None:
        return "Birtereze"
    branch = await branches_service.get(session, notification.branch_id)
    return str(getattr(Names.of(branch), notification.language, "")) or "Birtereze"


async def push_message(session: AsyncSession, notification: Notification) -> push.PushMessage:
    """The push of a claimed message for each of its citizen's browsers (none: no subscription): the
    title is the centre's name (or Birtereze), the text the message's, and a tap leads to the page of
    the message's family (the tickets, the appointments, the citizen's home)."""
    citizen_id = int(notification.recipient.partition(":")[2])
    targets = [
        push.Target(row.id, row.endpoint, row.p256dh, row.auth)
        for row in await subscriptions_of(session, citizen_id)
    ]
    tag = f"visit-{notification.visit_id}" if notification.visit_id else f"message-{notification.id}"
    body = push.payload(
        title=await _push_title(session, notification),
        body=notification.body or "",
        url=push.link_for(notification.template),
        tag=tag,
    )
    return push.PushMessage(
        notification_id=notification.id,
        payload=body,
        ttl=push.ttl_for(notification.template),
        urgency=push.urgency_for(notification.template),
        targets=targets,
    )


def push_outcome(answers: list[push.Answer]) -> list[str] | TransportError:
    """One message's fate from its push services' answers: sent when one took it; tried again when one
    may take it later; failed (not deliverable) when none is left to take it."""
    accepted = [answer.detail for answer in answers if answer.verdict == "accepted"]
    if accepted:
        return accepted
    later = [answer.detail for answer in answers if answer.verdict == "later"]
    if later:
        return TransportError(later[0])
    refused = [answer.detail for answer in answers if answer.verdict == "refused"]
    if refused:
        return TransportError(refused[0], permanent=True)
    return TransportError(str(NO_SUBSCRIPTION), permanent=True)


async def record_push_answers(session: AsyncSession, answers: list[push.Answer], *, now: datetime) -> None:
    """Keep what the push services said of each subscription: a success resets its failures, a 404/410
    deletes it, a refusal counts (``push.MAX_FAILURES`` in a row delete it)."""
    gone = {answer.subscription_id for answer in answers if answer.verdict == "gone"}
    for answer in answers:
        if answer.verdict not in ("accepted", "refused") or answer.subscription_id in gone:
            continue
        row = await session.get(PushSubscription, answer.subscription_id)
        if row is None:
            continue
        if answer.verdict == "accepted":
            row.last_success_at = now
            row.failures = 0
        else:
            row.failures += 1
            if row.failures >= push.MAX_FAILURES:
                gone.add(row.id)
    if gone:
        await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    await session.flush()
