"""The web push API: the public VAPID key; a signed-in citizen's browser subscribing (CSRF and a session
required; private endpoints refused unless allowed) and unsubscribing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from itsdangerous import Signer
from sqlalchemy import select

from birtereze.citizens import service as citizens_service
from birtereze.citizens.deps import SESSION_COOKIE, csrf_token_for
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.notify import push
from birtereze.notify.models import PushSubscription
from tests.conftest import Database
from tests.notify.fake_push import Browser

URL = "/api/v1/push/subscriptions"


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(
        database_url=db.url,
        redis_url=None,
        secret_key="test-secret",
        log_json=True,
        log_level="WARNING",
        embedded_worker=False,
        token_cache_ttl_s=0.0,
        push_allow_private_endpoints=True,
    )


async def sign_in(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings, iin: str = "900101300017"
) -> tuple[int, dict[str, str]]:
    """A citizen with a live session on ``client``; the CSRF header returned."""
    async with db.sessions() as session:
        citizen = await citizens_service.remember(
            session, iin=iin, full_name="Aigerim", phone=None, language="kk", now=clock.now()
        )
        token = await citizens_service.open_session(
            session,
            citizen=citizen,
            method="sms",
            policy=citizens_service.Policy.from_settings(settings),
            now=clock.now(),
        )
        await session.commit()
        citizen_id = citizen.id
    signed = Signer(settings.secret_key, salt="birtereze.citizen-session").sign(token).decode()
    client.cookies.set(SESSION_COOKIE, signed)
    return citizen_id, {"X-CSRF-Token": csrf_token_for(settings.secret_key, token)}


def subscription(endpoint: str = "http://127.0.0.1:9/push/phone") -> dict[str, Any]:
    return Browser(endpoint=endpoint).subscription_json()


async def stored(db: Database) -> list[PushSubscription]:
    async with db.sessions() as session:
        return list((await session.execute(select(PushSubscription).order_by(PushSubscription.id))).scalars())


async def test_the_key_is_public_and_is_the_servers_vapid_key(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    answer = await client.get("/api/v1/push/key")
    assert answer.status_code == 200
    assert answer.json() == {"public_key": push.public_key(settings)}


async def test_a_signed_in_citizen_subscribes_and_unsubscribes(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    citizen_id, csrf = await sign_in(db, client, clock, settings)
    body = subscription()
    answer = await client.post(URL, json=body, headers={**csrf, "User-Agent": "Phone/1.0"})
    assert answer.status_code == 201, answer.text
    [row] = await stored(db)
    assert (row.citizen_id, row.endpoint, row.p256dh, row.user_agent) == (
        citizen_id, body["endpoint"], body["keys"]["p256dh"], "Phone/1.0",
    )  # fmt: skip
    again = await client.post(URL, json=body, headers=csrf)  # the page tells it again on each visit
    assert again.status_code == 201 and len(await stored(db)) == 1
    gone = await client.request("DELETE", URL, json={"endpoint": body["endpoint"]}, headers=csrf)
    assert gone.status_code == 204
    assert await stored(db) == []
    twice = await client.request("DELETE", URL, json={"endpoint": body["endpoint"]}, headers=csrf)
    assert twice.status_code == 204


async def test_a_browser_follows_the_citizen_signed_in_on_it_last(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    body = subscription()
    _first, csrf = await sign_in(db, client, clock, settings)
    assert (await client.post(URL, json=body, headers=csrf)).status_code == 201
    second, csrf = await sign_in(db, client, clock, settings, iin="850615400021")
    assert (await client.post(URL, json=body, headers=csrf)).status_code == 201
    [row] = await stored(db)
    assert row.citizen_id == second


async def test_a_citizen_removes_only_their_own_subscription(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    body = subscription()
    _first, csrf = await sign_in(db, client, clock, settings)
    assert (await client.post(URL, json=body, headers=csrf)).status_code == 201
    _second, other = await sign_in(db, client, clock, settings, iin="850615400021")
    assert (
        await client.request("DELETE", URL, json={"endpoint": body["endpoint"]}, headers=other)
    ).status_code == 204
    assert len(await stored(db)) == 1


async def test_without_a_session_or_csrf_token_it_is_refused(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    signed_out = await client.post(URL, json=subscription())
    assert signed_out.status_code == 401
    assert signed_out.headers["content-type"].startswith("application/problem+json")
    _citizen, csrf = await sign_in(db, client, clock, settings)
    assert (await client.post(URL, json=subscription())).status_code == 403
    assert (
        await client.post(URL, json=subscription(), headers={"X-CSRF-Token": "0" * 32})
    ).status_code == 403
    cross_site = await client.post(
        URL, json=subscription(), headers={**csrf, "Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    assert (await client.request("DELETE", URL, json={"endpoint": "x"})).status_code == 403
    assert await stored(db) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9/push/phone",
        "https://127.0.0.1/push/phone",
        "https://10.0.0.5/push/phone",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/push/phone",
    ],
)
async def test_private_endpoints_are_refused_by_default(
    db: Database,
    app: FastAPI,
    client: httpx.AsyncClient,
    clock: ManualClock,
    settings: Settings,
    endpoint: str,
) -> None:
    app.state.settings = settings.model_copy(update={"push_allow_private_endpoints": False})
    _citizen, csrf = await sign_in(db, client, clock, settings)
    answer = await client.post(URL, json=subscription(endpoint), headers={**csrf, "Accept-Language": "ru"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "invalid_push_subscription"
    assert await stored(db) == []


async def test_malformed_subscriptions_are_refused_clearly(
    db: Database, client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    _citizen, csrf = await sign_in(db, client, clock, settings)
    body = subscription()
    bad_keys = {**body, "keys": {"p256dh": "AAAA", "auth": body["keys"]["auth"]}}
    assert (await client.post(URL, json=bad_keys, headers=csrf)).status_code == 400
    no_keys = {"endpoint": body["endpoint"]}
    assert (await client.post(URL, json=no_keys, headers=csrf)).status_code == 422
    assert await stored(db) == []
