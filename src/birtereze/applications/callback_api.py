"""The authorised bodies' API: their answers about the applications they received (accepted, refused,
result ready…), and the inbox of the bodies that poll for applications instead of receiving them by POST.
Every request is signed by the body (``applications.adapters``: HMAC-SHA256 over the timestamp, method,
path with its query string and raw body; a replayed signature is refused); answers are idempotent per
application and kind. Staff see the outbox and queue a dead letter again."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response

from birtereze.applications import adapters, delivery
from birtereze.applications.delivery_schemas import (
    Acknowledgement,
    BodyAnswer,
    BodyAnswerRecorded,
    DeliveryList,
    DeliveryRead,
    InboxItem,
    InboxRead,
)
from birtereze.applications.documents import DocumentStore
from birtereze.core.errors import InvalidInput, NotFound
from birtereze.core.i18n import _l
from birtereze.core.schemas import PathId
from birtereze.web.deps import AdminOnly, AppSettings, DbSession, Now
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["bodies"])

SIGNED: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "Not signed by the body with this authority code, or the signature is out of date"},
}
SUBJECTS = [_l("Application"), _l("Delivery")]


class BadDocument(InvalidInput):
    code = "bad_document"
    message = _l("A document's content is not valid base64.")


def _replays(request: Request) -> adapters.ReplayGuard:
    """The app's guard against replayed signed requests (in this process's memory)."""
    guard = getattr(request.app.state, "body_replays", None)
    if not isinstance(guard, adapters.ReplayGuard):
        guard = adapters.ReplayGuard()
        request.app.state.body_replays = guard
    return guard


async def _signed_by(
    request: Request, authority_code: str, settings: AppSettings, now: Now
) -> adapters.BodyEndpoint:
    body = adapters.endpoint(settings, authority_code)
    if body is None:
        raise adapters.BadSignature()
    adapters.verify(
        body.secret,
        timestamp=request.headers.get(adapters.TIMESTAMP_HEADER),
        signed=request.headers.get(adapters.SIGNATURE_HEADER),
        method=request.method,
        path=adapters.request_target(request),
        body=await request.body(),
        now=now,
        tolerance_s=settings.body_signature_tolerance_s,
        replays=_replays(request),
    )
    return body


def _decoded(answer: BodyAnswer) -> list[bytes] | None:
    if answer.documents is None:
        return None
    try:
        return [base64.b64decode(document.content_base64, validate=True) for document in answer.documents]
    except (binascii.Error, ValueError):
        raise BadDocument() from None


@router.post(
    "/bodies/{authority_code}/answers",
    operation_id="recordBodyAnswer",
    response_model=BodyAnswerRecorded,
    responses=SIGNED,
)
async def record_answer(
    authority_code: Annotated[str, adapters.AuthorityCode],
    answer: BodyAnswer,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
) -> Response:
    """A body's answer about an application it received; the same answer again changes nothing."""
    await _signed_by(request, authority_code, settings, now)
    if not await delivery.sent_to(
        session, application_id=answer.application_id, authority_code=authority_code
    ):
        raise NotFound("Application")
    documents = _decoded(answer)
    applications_service: Any = delivery.applications_service()
    await applications_service.record_body_answer(
        session,
        answer.application_id,
        kind=answer.kind,
        now=now,
        grounds=answer.grounds,
        result=answer.result,
        documents=documents,
        store=DocumentStore.from_settings(settings),
    )
    return model_response(BodyAnswerRecorded(application_id=answer.application_id, kind=answer.kind))


@router.get(
    "/bodies/{authority_code}/inbox",
    operation_id="takeBodyInbox",
    response_model=InboxRead,
    responses=SIGNED,
)
async def take_inbox(
    authority_code: Annotated[str, adapters.AuthorityCode],
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """A polling body takes its applications: each is offered again after the lease unless the body
    acknowledges it (with the same idempotency key)."""
    await _signed_by(request, authority_code, settings, now)
    rows = await delivery.take_from_inbox(
        session,
        authority_code=authority_code,
        now=now,
        limit=limit,
        policy=delivery.Policy.from_settings(settings),
    )
    items = [
        InboxItem.model_validate(
            adapters.envelope(
                delivery_id=row.id,
                application_id=row.application_id,
                authority_code=row.authority_code,
                idempotency_key=row.idempotency_key,
                payload=row.payload,
                callback_url=settings.body_callback_url,
            )
        )
        for row in rows
    ]
    return model_response(InboxRead(items=items))


@router.post(
    "/bodies/{authority_code}/inbox/{delivery_id}/ack",
    operation_id="acknowledgeBodyDelivery",
    response_model=DeliveryRead,
    responses=SIGNED,
)
async def acknowledge(
    authority_code: Annotated[str, adapters.AuthorityCode],
    delivery_id: PathId,
    body: Acknowledgement,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
) -> Response:
    """A polling body acknowledges an application it took, with its own reference; again: no change."""
    await _signed_by(request, authority_code, settings, now)
    row = await delivery.acknowledge_from_inbox(
        session, authority_code=authority_code, delivery_id=delivery_id, reference=body.reference, now=now
    )
    return model_response(DeliveryRead.of(row))


@router.get("/deliveries", operation_id="listDeliveries", response_model=DeliveryList)
async def list_deliveries(session: DbSession, principal: AdminOnly) -> Response:
    """The outbox's counts by status and its dead letters, latest first."""
    rows = await delivery.dead_letters(session)
    counts = await delivery.counts(session)
    return model_response(DeliveryList(counts=counts, items=[DeliveryRead.of(row) for row in rows]))


@router.post("/deliveries/{delivery_id}/requeue", operation_id="requeueDelivery", response_model=DeliveryRead)
async def requeue(delivery_id: PathId, session: DbSession, principal: AdminOnly, now: Now) -> Response:
    """Queue a dead letter again (its body's address or secret fixed): a fresh set of tries, same key."""
    return model_response(DeliveryRead.of(await delivery.requeue(session, delivery_id, now=now)))
