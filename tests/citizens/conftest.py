"""The citizens' sign-in tests: the app with the fake Digital ID provider on, and codes kept in memory."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from birtereze.citizens.fake_idp import FakeIdentityProvider
from birtereze.citizens.otp import MemoryCodeSender
from birtereze.citizens.registry import demo_citizens
from birtereze.core.settings import Settings
from tests.conftest import Database
from tests.web.conftest import browser, live_server  # noqa: F401 - for the browser test

AIGERIM = demo_citizens()[0]
VIKTOR = demo_citizens()[2]
TRANSACTION = re.compile(r'name="transaction" value="([^"]+)"')


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
        fake_idp=True,
    )


@pytest.fixture
def sms(app: FastAPI) -> MemoryCodeSender:
    sender = MemoryCodeSender()
    app.state.citizen_code_sender = sender
    return sender


@pytest.fixture
async def idp(app: FastAPI, client: httpx.AsyncClient) -> FakeIdentityProvider:
    assert (await client.get("/fake-idp/jwks")).status_code == 200  # made at first use
    provider: FakeIdentityProvider = app.state.fake_idp
    return provider


@dataclass
class Authorized:
    """A sign-in that the provider has sent back: the callback address with the code and state."""

    callback: str

    @property
    def query(self) -> httpx.QueryParams:
        return httpx.URL(self.callback).params


async def authorize(client: httpx.AsyncClient, iin: str = AIGERIM.iin, decision: str = "allow") -> Authorized:
    """Start a Digital ID sign-in and consent at the fake provider, as the browser would."""
    started = await client.get("/me/sign-in/digital-id", params={"lang": "en"})
    assert started.status_code == 303, started.text
    page = await client.get(started.headers["location"])
    assert page.status_code == 200, page.text
    match = TRANSACTION.search(page.text)
    assert match is not None
    consent = await client.post(
        "/fake-idp/authorize", data={"transaction": match.group(1), "iin": iin, "decision": decision}
    )
    assert consent.status_code == 303, consent.text
    return Authorized(consent.headers["location"])


async def request_code(client: httpx.AsyncClient, iin: str, phone: str) -> httpx.Response:
    return await client.post("/api/v1/citizens/sign-in/sms", json={"iin": iin, "phone": phone})


async def sign_in_by_sms(
    client: httpx.AsyncClient, sms: MemoryCodeSender, iin: str, phone: str
) -> httpx.Response:
    sent = await request_code(client, iin, phone)
    assert sent.status_code == 202, sent.text
    verified = await client.post(
        "/api/v1/citizens/sign-in/sms/verify",
        json={"challenge_id": sent.json()["challenge_id"], "code": sms.last_code(phone)},
    )
    assert verified.status_code == 200, verified.text
    return verified
