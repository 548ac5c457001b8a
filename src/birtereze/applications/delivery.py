"""Delivery of applications to their authorised bodies: a transactional outbox.

``enqueue`` writes the delivery in the caller's unit of work (the application's submission), so a
rolled-back submission sends nothing and a committed one is delivered even if the process stops. The job
``applications.deliver`` (``delivery_jobs``) claims due deliveries with a lease (``FOR UPDATE SKIP LOCKED``
on PostgreSQL, so that two workers never take the same one), POSTs them, and records the outcome: the
body's acknowledgement (the application is then ``delivered``), or a failed try, again after an
exponential back-off, until the last try makes it a dead letter (an alert: a live event to the centre, a
log line and a metric). A body that polls takes its deliveries from its inbox and acknowledges each.

Every try of one delivery carries the same idempotency key, so a body keeps one application however
often it is sent: nothing is lost, and nothing is delivered twice.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications.delivery_models import Delivery
from birtereze.applications.models import Application
from birtereze.applications.states import WITH_THE_BODY
from birtereze.core import events
from birtereze.core.errors import Conflict, NotFound
from birtereze.core.i18n import _l
from birtereze.core.settings import Settings

log = structlog.get_logger(__name__)

STATUSES: Final = ("queued", "sending", "delivered", "dead", "superseded")
# Not finished: a newer submission of the application supersedes these.
UNFINISHED: Final = ("queued", "sending", "dead")
STATUS_WORDS: Final = {
    "queued": _l("queued"),
    "sending": _l("being delivered"),
    "delivered": _l("delivered"),
    "dead": _l("not delivered (dead letter)"),
    "superseded": _l("replaced by a later submission"),
}
LEASE_LOST: Final = "the worker stopped while delivering; tried again with the same key"
NOT_DEAD: Final = _l("Only a delivery that was given up (a dead letter) can be queued again.")
NOT_CURRENT: Final = _l(
    "This delivery cannot be queued again: the application was submitted again since, or it is no "
    "longer with the body."
)

SUBJECTS = [_l("Delivery")]


class NotDeadLetter(Conflict):
    code = "delivery_not_dead"
    message = NOT_DEAD


class NotCurrentDelivery(Conflict):
    code = "delivery_not_current"
    message = NOT_CURRENT


@dataclass(frozen=True, slots=True)
class Policy:
    """How deliveries are retried: the waits double from ``backoff`` up to ``backoff_max``; the
    ``max_attempts``-th failed try is the last; a claim is its worker's for ``lease``."""

    backoff: timedelta = timedelta(seconds=10)
    backoff_max: timedelta = timedelta(hours=1)
    max_attempts: int = 12
    lease: timedelta = timedelta(minutes=2)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            backoff=timedelta(seconds=settings.delivery_backoff_s),
            backoff_max=timedelta(seconds=settings.delivery_backoff_max_s),
            max_attempts=settings.delivery_max_attempts,
            lease=timedelta(seconds=settings.delivery_lease_s),
        )

    def wait_after(self, delivery_id: int, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed try: doubling, capped, and spread by up to +20 %
        (fixed per delivery) so that what a body's outage held back does not come back all at once."""
        doubled: timedelta = self.backoff * 2 ** min(max(attempts - 1, 0), 30)
        spread = 1 + ((delivery_id * 2654435761) % 1000) / 5000
        capped: timedelta = min(doubled, self.backoff_max)
        return capped * spread


def applications_service() -> Any:
    """The applications service (``mark_delivered``, ``record_body_answer``): it imports this module
    (its submission enqueues), so it is imported when first needed."""
    return importlib.import_module("birtereze.applications.service")


async def _mark_delivered(session: AsyncSession, application_id: int, now: datetime) -> None:
    await applications_service().mark_delivered(session, application_id, now=now)


async def enqueue(
    session: AsyncSession,
    *,
    application_id: int,
    authority_code: str,
    payload: dict[str, Any],
    now: datetime,
    branch_id: int | None = None,
    idempotency_key: str | None = None,
) -> Delivery:
    """Put an application in the outbox for its body, in the caller's transaction: delivered by the
    ``applications.deliver`` job (or taken from the body's inbox) once the caller commits. The
    application's earlier deliveries not finished (queued, being sent, dead letters) are superseded:
    never tried again, and a late acknowledgement of one changes nothing."""
    await _supersede(session, application_id, now)
    delivery = Delivery(
        application_id=application_id,
        branch_id=branch_id,
        authority_code=authority_code,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        payload=payload,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery


async def _supersede(session: AsyncSession, application_id: int, now: datetime) -> None:
    rows = await session.scalars(
        select(Delivery)
        .where(Delivery.application_id == application_id, Delivery.status.in_(UNFINISHED))
        .order_by(Delivery.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for row in list(rows):
        previous = row.status
        row.status = "superseded"
        row.next_attempt_at = None
        await _event(session, row, "application.delivery_superseded", now, previous=previous)
    await session.flush()


async def _latest(session: AsyncSession, application_ids: Collection[int]) -> set[int]:
    """The ids of these applications' latest deliveries (those of their current submission)."""
    if not application_ids:
        return set()
    rows = await session.execute(
        select(func.max(Delivery.id))
        .where(Delivery.application_id.in_(sorted(set(application_ids))))
        .group_by(Delivery.application_id)
    )
    return {int(found) for found in rows.scalars()}


async def get(session: AsyncSession, delivery_id: int) -> Delivery:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("Delivery")
    return delivery


async def of_application(session: AsyncSession, application_id: int) -> list[Delivery]:
    rows = await session.execute(
        select(Delivery).where(Delivery.application_id == application_id).order_by(Delivery.id)
    )
    return list(rows.scalars())


async def sent_to(session: AsyncSession, *, application_id: int, authority_code: str) -> bool:
    """Whether the application was handed to this body (its callbacks are refused otherwise)."""
    found = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.application_id == application_id,
            Delivery.authority_code == authority_code,
            Delivery.status.in_(("sending", "delivered", "dead", "superseded")),
        )
        .limit(1)
    )
    return found is not None


async def _event(session: AsyncSession, delivery: Delivery, type: str, now: datetime, **data: Any) -> None:
    if delivery.branch_id is None:
        return
    await events.append(
        session,
        branch_id=delivery.branch_id,
        at=now,
        type=type,
        data={
            "delivery_id": delivery.id,
            "application_id": delivery.application_id,
            "authority": delivery.authority_code,
            "attempts": delivery.attempts,
            **data,
        },
    )


async def _claim(
    session: AsyncSession, *, where: list[Any], now: datetime, limit: int, policy: Policy
) -> list[Delivery]:
    statement = (
        select(Delivery)
        .where(Delivery.status.in_(("queued", "sending")), Delivery.next_attempt_at <= now, *where)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = list((await session.execute(statement)).scalars())
    claimed = []
    for row in rows:
        if row.status == "sending":  # the lease ran out: the worker (or polling body) stopped
            row.last_error = LEASE_LOST
            if row.attempts >= policy.max_attempts:
                await _die(session, row, LEASE_LOST, now)
                continue
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = now + policy.lease
        claimed.append(row)
    await session.flush()
    return claimed


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, authorities: Collection[str], policy: Policy
) -> list[Delivery]:
    """Take the deliveries due now to the bodies named (those delivered by POST): queued ones whose
    time has come and sending ones whose lease ran out, marked ``sending`` with a lease, one try
    counted. The caller commits before sending, so no lock is held while a body answers."""
    if not authorities:
        return []
    return await _claim(
        session,
        where=[Delivery.authority_code.in_(list(authorities))],
        now=now,
        limit=limit,
        policy=policy,
    )


async def take_from_inbox(
    session: AsyncSession, *, authority_code: str, now: datetime, limit: int, policy: Policy
) -> list[Delivery]:
    """A polling body takes its due deliveries: each is its for the lease, and offered again after it
    unless acknowledged (with the same key: the body keeps one)."""
    return await _claim(
        session, where=[Delivery.authority_code == authority_code], now=now, limit=limit, policy=policy
    )


async def _lock_applications(session: AsyncSession, delivery_ids: Collection[int]) -> None:
    """Lock the applications of these deliveries, in id order, before any delivery row: the one lock
    order of every transaction that changes both (a submission locks its application, then supersedes
    its deliveries), so that an acknowledgement and a resubmission of the same application never wait
    on each other in a cycle."""
    application_ids = select(Delivery.application_id).where(Delivery.id.in_(list(delivery_ids)))
    await session.execute(
        select(Application.id)
        .where(Application.id.in_(application_ids))
        .order_by(Application.id)
        .with_for_update()
    )


async def _claimed(session: AsyncSession, delivery_id: int) -> Delivery | None:
    # Read again (the claim's copy is from before the request), and locked: another worker may have
    # taken it after the lease ran out.
    delivery = await session.get(Delivery, delivery_id, populate_existing=True, with_for_update=True)
    if delivery is None or delivery.status != "sending":
        return None  # acknowledged meanwhile, or the lease ran out and another worker took it
    return delivery


async def _acknowledge(session: AsyncSession, delivery: Delivery, reference: str, now: datetime) -> None:
    delivery.status = "delivered"
    delivery.acknowledgement = reference[:200]
    delivery.delivered_at = now
    delivery.next_attempt_at = None
    delivery.last_error = None
    await session.flush()
    if delivery.id in await _latest(session, [delivery.application_id]):  # not an earlier round's
        await _mark_delivered(session, delivery.application_id, now)
    await _event(
        session, delivery, "application.delivery_acknowledged", now, reference=delivery.acknowledgement
    )


async def record_acknowledged(
    session: AsyncSession, delivery_id: int, *, reference: str, now: datetime
) -> bool:
    """The body acknowledged the delivery: recorded, and the application is delivered. False when the
    row is no longer this worker's (already acknowledged, or re-claimed after its lease ran out)."""
    await _lock_applications(session, [delivery_id])
    delivery = await _claimed(session, delivery_id)
    if delivery is None:
        return False
    await _acknowledge(session, delivery, reference, now)
    return True


async def record_acknowledged_many(
    session: AsyncSession, references: dict[int, str], *, now: datetime
) -> list[str]:
    """A round's acknowledgements at once: the deliveries still this round's (``sending``) are
    delivered in one statement, then their applications marked delivered in one more
    (``mark_delivered_many``). Returns the authority codes of those recorded, one per delivery."""
    if not references:
        return []
    await _lock_applications(session, list(references))
    rows = list(
        (
            await session.execute(
                select(Delivery)
                .where(Delivery.id.in_(list(references)), Delivery.status == "sending")
                .order_by(Delivery.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    for row in rows:
        row.status = "delivered"
        row.acknowledgement = references[row.id][:200]
        row.delivered_at = now
        row.next_attempt_at = None
        row.last_error = None
    await session.flush()
    latest = await _latest(session, [row.application_id for row in rows])
    await applications_service().mark_delivered_many(
        session, [row.application_id for row in rows if row.id in latest], now=now
    )
    for row in rows:
        await _event(session, row, "application.delivery_acknowledged", now, reference=row.acknowledgement)
    return [row.authority_code for row in rows]


async def _die(session: AsyncSession, delivery: Delivery, reason: str, now: datetime) -> None:
    delivery.status = "dead"
    delivery.last_error = reason
    delivery.dead_at = now
    delivery.next_attempt_at = None
    log.error(
        "applications.delivery_dead",
        delivery=delivery.id,
        application=delivery.application_id,
        authority=delivery.authority_code,
        attempts=delivery.attempts,
        reason=reason,
    )
    await _event(session, delivery, "application.delivery_dead", now, reason=reason[:200])


async def record_failure(
    session: AsyncSession,
    delivery_id: int,
    *,
    reason: str,
    permanent: bool,
    now: datetime,
    policy: Policy,
) -> str | None:
    """A try failed: again after the back-off, or a dead letter after the last try or a permanent
    refusal. Returns the new status (None when the row is no longer this worker's)."""
    delivery = await _claimed(session, delivery_id)
    if delivery is None:
        return None
    if permanent or delivery.attempts >= policy.max_attempts:
        await _die(session, delivery, reason, now)
    else:
        delivery.status = "queued"
        delivery.last_error = reason
        delivery.next_attempt_at = now + policy.wait_after(delivery.id, delivery.attempts)
    await session.flush()
    return delivery.status


async def acknowledge_from_inbox(
    session: AsyncSession, *, authority_code: str, delivery_id: int, reference: str, now: datetime
) -> Delivery:
    """A polling body acknowledges a delivery it took; again: nothing more happens. A dead letter
    that the body took after all is delivered too."""
    await _lock_applications(session, [delivery_id])
    delivery = await session.get(Delivery, delivery_id, populate_existing=True, with_for_update=True)
    if delivery is None or delivery.authority_code != authority_code:
        raise NotFound("Delivery")
    if delivery.status in ("sending", "dead"):
        await _acknowledge(session, delivery, reference, now)
    return delivery


async def requeue(session: AsyncSession, delivery_id: int, *, now: datetime) -> Delivery:
    """Staff queue a dead letter again (the body's address or secret fixed): a fresh set of tries, the
    same key. Only the application's latest delivery, while the application is with the body (not one of
    an earlier submission, nor of an application refused, returned or answered meanwhile)."""
    await _lock_applications(session, [delivery_id])  # the one lock order, then the delivery itself
    delivery = await session.get(Delivery, delivery_id, populate_existing=True, with_for_update=True)
    if delivery is None:
        raise NotFound("Delivery")
    if delivery.status != "dead":
        raise NotDeadLetter()
    application = await applications_service().get(session, delivery.application_id)
    if (
        delivery.id not in await _latest(session, [delivery.application_id])
        or application.status not in WITH_THE_BODY
    ):
        raise NotCurrentDelivery()
    delivery.status = "queued"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.dead_at = None
    await session.flush()
    await _event(session, delivery, "application.delivery_requeued", now)
    return delivery


async def counts(session: AsyncSession) -> dict[str, int]:
    """Deliveries by status, every status present."""
    rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    found = {status: 0 for status in STATUSES}
    found.update({status: int(count) for status, count in rows.all()})
    return found


async def dead_letters(session: AsyncSession, *, limit: int = 100) -> list[Delivery]:
    rows = await session.execute(
        select(Delivery).where(Delivery.status == "dead").order_by(Delivery.dead_at.desc()).limit(limit)
    )
    return list(rows.scalars())
