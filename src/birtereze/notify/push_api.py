"""Web push subscriptions (JSON, problem+json): the server's VAPID public key, and a signed-in citizen's
browser turning notifications on and off. The pushes themselves go through the outbox
(``notify_service.enqueue(channel="push", to=f"citizen:{id}")``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from birtereze.citizens.deps import CitizenAction
from birtereze.notify import push, service
from birtereze.notify.schemas import PushKeyRead, PushSubscriptionIn, PushSubscriptionRead, PushUnsubscribe
from birtereze.web.deps import AppSettings, DbSession, Now

router = APIRouter(prefix="/api/v1/push", tags=["notifications"])


@router.get("/key", operation_id="getPushKey", response_model=PushKeyRead)
async def get_push_key(settings: AppSettings) -> PushKeyRead:
    """The VAPID public key a browser subscribes with (``applicationServerKey``), base64url."""
    return PushKeyRead(public_key=push.public_key(settings))


@router.post(
    "/subscriptions", operation_id="subscribePush", status_code=201, response_model=PushSubscriptionRead
)
async def subscribe_push(
    body: PushSubscriptionIn,
    request: Request,
    citizen: CitizenAction,
    session: DbSession,
    settings: AppSettings,
    now: Now,
) -> PushSubscriptionRead:
    """Turn notifications on for this browser: its ``PushSubscription`` (the push service's https
    address and the keys) is kept for the signed-in citizen. Needs the X-CSRF-Token header."""
    allow_private = settings.push_allow_private_endpoints
    checked = push.check_subscription(
        body.endpoint, body.keys.p256dh, body.keys.auth, allow_private=allow_private
    )
    if not allow_private:
        await push.check_resolves_publicly(checked.endpoint)
    row = await service.subscribe(
        session,
        citizen_id=citizen.citizen_id,
        subscription=checked,
        user_agent=request.headers.get("user-agent"),
        now=now,
    )
    return PushSubscriptionRead(id=row.id, created_at=row.created_at)


@router.delete("/subscriptions", operation_id="unsubscribePush", status_code=204)
async def unsubscribe_push(body: PushUnsubscribe, citizen: CitizenAction, session: DbSession) -> Response:
    """Turn notifications off for this browser (its endpoint); nothing to do when it was off."""
    await service.unsubscribe(session, citizen_id=citizen.citizen_id, endpoint=body.endpoint)
    return Response(status_code=204)
