"""The job ``applications.deliver``: claims the due deliveries, POSTs each to its body (signed, with its
idempotency key, many at once), and records each outcome.

The claim is committed before anything is sent, so no database lock is held while the bodies answer; the
claim's lease makes a delivery whose worker stopped mid-request due again later, with the same key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp
import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import adapters, delivery
from birtereze.applications.adapters import Acknowledged, Failed, HttpJsonAdapter, Outcome
from birtereze.applications.delivery_models import Delivery
from birtereze.core.clock import Clock
from birtereze.core.metrics import REGISTRY
from birtereze.core.settings import Settings

log = structlog.get_logger(__name__)

# Alerting on dead letters: increase(birtereze_application_deliveries_total{outcome="dead"}[10m]) > 0.
DELIVERIES = Counter(
    "birtereze_application_deliveries",
    "Tries of delivering applications to the authorised bodies, by outcome",
    ["authority", "outcome"],
    registry=REGISTRY,
)


def _document(row: Delivery, settings: Settings) -> dict[str, Any]:
    return adapters.envelope(
        delivery_id=row.id,
        application_id=row.application_id,
        authority_code=row.authority_code,
        idempotency_key=row.idempotency_key,
        payload=row.payload,
        callback_url=settings.body_callback_url,
    )


async def send_all(
    rows: Sequence[Delivery],
    bodies: dict[str, adapters.BodyEndpoint],
    settings: Settings,
    clock: Clock,
    client: aiohttp.ClientSession,
) -> dict[int, Outcome]:
    """Each claimed delivery to its body, ``delivery_concurrency`` at a time."""
    limit = asyncio.Semaphore(settings.delivery_concurrency)
    adapters_by_code = {code: HttpJsonAdapter(body, client) for code, body in bodies.items()}

    async def one(row: Delivery, document: dict[str, Any]) -> tuple[int, Outcome]:
        async with limit:
            adapter = adapters_by_code[row.authority_code]
            try:
                return row.id, await adapter.send(document, key=row.idempotency_key, now=clock.now())
            except Exception as error:  # one delivery's surprise must not lose the round's other outcomes
                log.exception("applications.delivery_failed", delivery_id=row.id)
                return row.id, adapters.Failed(f"unexpected: {type(error).__name__}")

    documents = [(row, _document(row, settings)) for row in rows]
    return dict(await asyncio.gather(*(one(row, document) for row, document in documents)))


async def deliver(
    session: AsyncSession, clock: Clock, settings: Settings, *, client: aiohttp.ClientSession | None = None
) -> int:
    """One round: returns how many deliveries were tried."""
    bodies = {code: body for code, body in adapters.endpoints(settings).items() if body.mode == "http"}
    if not bodies:
        return 0
    policy = delivery.Policy.from_settings(settings)
    claimed = await delivery.claim_due(
        session,
        now=clock.now(),
        limit=settings.delivery_batch_size,
        authorities=list(bodies),
        policy=policy,
    )
    await session.commit()  # the claim is ours; nothing is locked while the bodies answer
    if not claimed:
        return 0
    if client is None:
        async with adapters.client_session(settings) as own:
            outcomes = await send_all(claimed, bodies, settings, clock, own)
    else:
        outcomes = await send_all(claimed, bodies, settings, clock, client)

    now = clock.now()
    authority = {row.id: row.authority_code for row in claimed}
    acknowledged = {
        delivery_id: outcome.reference
        for delivery_id, outcome in outcomes.items()
        if isinstance(outcome, Acknowledged)
    }
    for code in await delivery.record_acknowledged_many(session, acknowledged, now=now):
        DELIVERIES.labels(code, "acknowledged").inc()
    for delivery_id, outcome in outcomes.items():
        if not isinstance(outcome, Failed):
            continue
        log.warning(
            "applications.delivery_failed",
            delivery=delivery_id,
            authority=authority[delivery_id],
            reason=outcome.reason,
        )
        status = await delivery.record_failure(
            session,
            delivery_id,
            reason=outcome.reason,
            permanent=outcome.permanent,
            now=now,
            policy=policy,
        )
        DELIVERIES.labels(authority[delivery_id], "dead" if status == "dead" else "failed").inc()
    return len(claimed)


async def run(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """The periodic job: one round."""
    await deliver(session, clock, settings)
