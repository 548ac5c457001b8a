"""Operational routes: health and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from birtereze.core.metrics import (
    LIVE_SUBSCRIBERS,
    OPEN_ALERTS,
    QUEUE_LENGTH,
    QUEUE_LONGEST_WAIT,
    QUEUE_MEAN_WAIT,
    REGISTRY,
)
from birtereze.queue.models import Alert, Visit

router = APIRouter(tags=["ops"])


@router.get("/healthz", operation_id="health", include_in_schema=True)
async def health(request: Request) -> JSONResponse:
    """Liveness and database reachability."""
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "fail", "database": str(type(exc).__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", operation_id="metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    now = request.app.state.clock.now()
    async with request.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(Visit.branch_id, Visit.queue_id, Visit.queued_at).where(
                    Visit.status == "waiting", Visit.available_at <= now
                )
            )
        ).all()
        alerts = (
            await session.execute(
                select(Alert.branch_id, Alert.kind, func.count())
                .where(Alert.cleared_at.is_(None))
                .group_by(Alert.branch_id, Alert.kind)
            )
        ).all()
    waits: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        waits.setdefault((str(row.branch_id), str(row.queue_id)), []).append(
            (now - row.queued_at).total_seconds()
        )
    for gauge in (QUEUE_LENGTH, QUEUE_LONGEST_WAIT, QUEUE_MEAN_WAIT, OPEN_ALERTS):
        gauge.clear()
    for (branch, queue), values in waits.items():
        QUEUE_LENGTH.labels(branch, queue).set(len(values))
        QUEUE_LONGEST_WAIT.labels(branch, queue).set(max(values))
        QUEUE_MEAN_WAIT.labels(branch, queue).set(sum(values) / len(values))
    for branch_id, kind, count in alerts:
        OPEN_ALERTS.labels(str(branch_id), kind).set(count)
    LIVE_SUBSCRIBERS.set(request.app.state.hub.subscriber_count)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
