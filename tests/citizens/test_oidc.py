"""Sign-in with Digital ID against the fake provider, through the ASGI app: the whole flow, and each
check of the flow refusing what it must (state, nonce, PKCE, signature, expiry)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from birtereze.citizens.errors import DigitalIdFailed
from birtereze.citizens.fake_idp import FakeIdentityProvider, s256
from birtereze.citizens.oidc import verify_id_token
from birtereze.core.clock import ManualClock
from tests.citizens.conftest import AIGERIM, TRANSACTION, VIKTOR, authorize
from tests.conftest import START

FAILED = "Sign-in with Digital ID did not succeed"


async def signed_in_as(client: httpx.AsyncClient) -> dict[str, Any] | None:
    me = await client.get("/api/v1/citizens/me")
    return me.json() if me.status_code == 200 else None


async def test_it_signs_a_citizen_in_through_the_provider(
    client: httpx.AsyncClient, idp: FakeIdentityProvider
) -> None:
    authorized = await authorize(client, VIKTOR.iin)
    assert authorized.callback.startswith("http://testserver/me/sign-in/digital-id/callback?")
    done = await client.get(authorized.callback)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/me?lang=en"
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("btz_citizen="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=604800" in cookie
    me = await signed_in_as(client)
    assert me is not None
    assert me["full_name"] == VIKTOR.name
    assert me["iin"] == "62••••••••09"
    assert me["signed_in_with"] == "digital_id"
    # The phone of the mobile citizens database, where the centre's SMS will go.
    assert me["phone"] is not None and me["phone"].endswith(VIKTOR.phone[-2:])
    page = await client.get("/me", params={"lang": "en"})
    assert page.status_code == 200 and VIKTOR.name in page.text and "Digital ID" in page.text


async def test_it_sends_a_pkce_challenge_state_and_nonce(client: httpx.AsyncClient) -> None:
    started = await client.get("/me/sign-in/digital-id")
    query = httpx.URL(started.headers["location"]).params
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["response_type"] == "code" and "openid" in query["scope"].split()
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert "code_verifier" not in query


async def test_it_refuses_a_callback_whose_state_is_not_this_browsers(client: httpx.AsyncClient) -> None:
    authorized = await authorize(client)
    forged = authorized.callback.replace(authorized.query["state"], "someone-elses-state")
    refused = await client.get(forged)
    assert refused.status_code == 400 and FAILED in refused.text
    assert await signed_in_as(client) is None
    # Without the browser's pending sign-in (another browser), the genuine state is refused too.
    client.cookies.clear()
    assert (await client.get(authorized.callback)).status_code == 400
    assert await signed_in_as(client) is None


async def test_it_refuses_a_code_exchanged_with_another_sign_ins_verifier(client: httpx.AsyncClient) -> None:
    first = await authorize(client)
    second = await authorize(client)  # this browser's pending sign-in is now the second one
    # The first sign-in's code with the second's state: the state matches, the PKCE verifier does not.
    mixed = f"/me/sign-in/digital-id/callback?code={first.query['code']}&state={second.query['state']}"
    refused = await client.get(mixed)
    assert refused.status_code == 400 and FAILED in refused.text
    assert await signed_in_as(client) is None


async def test_the_provider_checks_the_verifier_and_spends_a_code_once(
    client: httpx.AsyncClient, idp: FakeIdentityProvider, app: Any
) -> None:
    from birtereze.citizens.fake_idp import Grant, client_secret
    from birtereze.citizens.registry import demo_citizens

    verifier = "v" * 64
    grant = Grant(
        client_id="birtereze",
        redirect_uri="http://testserver/me/sign-in/digital-id/callback",
        code_challenge=s256(verifier),
        nonce="n",
        citizen=demo_citizens()[0],
        expires_at=START + timedelta(minutes=1),
    )
    auth = ("birtereze", client_secret(app.state.settings))
    form = {"grant_type": "authorization_code", "redirect_uri": grant.redirect_uri}
    code = idp.issue_code(grant)
    wrong = await client.post(
        "/fake-idp/token", data={**form, "code": code, "code_verifier": "w" * 64}, auth=auth
    )
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant"}
    spent = await client.post(
        "/fake-idp/token", data={**form, "code": code, "code_verifier": verifier}, auth=auth
    )
    assert spent.status_code == 400, "a code is spent by its first use, even a failed one"
    code = idp.issue_code(grant)
    bad_client = await client.post(
        "/fake-idp/token", data={**form, "code": code, "code_verifier": verifier}, auth=("birtereze", "guess")
    )
    assert bad_client.status_code == 401
    code = idp.issue_code(grant)
    right = await client.post(
        "/fake-idp/token", data={**form, "code": code, "code_verifier": verifier}, auth=auth
    )
    assert right.status_code == 200 and right.json()["token_type"] == "Bearer"


async def test_it_refuses_an_id_token_for_another_sign_in(
    client: httpx.AsyncClient, idp: FakeIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = FakeIdentityProvider.id_token_claims

    def replayed(self: FakeIdentityProvider, grant: Any, issuer: str) -> dict[str, Any]:
        return {**honest(self, grant, issuer), "nonce": "the-nonce-of-another-sign-in"}

    monkeypatch.setattr(FakeIdentityProvider, "id_token_claims", replayed)
    refused = await client.get((await authorize(client)).callback)
    assert refused.status_code == 400 and FAILED in refused.text
    assert await signed_in_as(client) is None


def _with_payload(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_it_refuses_an_id_token_whose_payload_was_changed(
    client: httpx.AsyncClient, idp: FakeIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = FakeIdentityProvider.sign

    def tampered(self: FakeIdentityProvider, claims: dict[str, Any]) -> str:
        return _with_payload(honest(self, claims), sub=VIKTOR.iin, iin=VIKTOR.iin)

    monkeypatch.setattr(FakeIdentityProvider, "sign", tampered)
    refused = await client.get((await authorize(client, AIGERIM.iin)).callback)
    assert refused.status_code == 400 and FAILED in refused.text
    assert await signed_in_as(client) is None


async def test_it_refuses_an_id_token_signed_by_another_key(
    client: httpx.AsyncClient, idp: FakeIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    impostor = RSAKey.generate_key(
        2048, parameters={"kid": idp.key.kid}
    )  # the provider's key id, not its key

    def signed_elsewhere(self: FakeIdentityProvider, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, impostor, algorithms=["RS256"])

    monkeypatch.setattr(FakeIdentityProvider, "sign", signed_elsewhere)
    refused = await client.get((await authorize(client)).callback)
    assert refused.status_code == 400 and FAILED in refused.text
    assert await signed_in_as(client) is None


async def test_it_refuses_an_expired_id_token(client: httpx.AsyncClient, idp: FakeIdentityProvider) -> None:
    idp.clock = ManualClock(START - timedelta(hours=1))  # a token issued an hour ago (or a provider adrift)
    refused = await client.get((await authorize(client)).callback)
    assert refused.status_code == 400 and FAILED in refused.text
    assert await signed_in_as(client) is None


async def test_it_says_so_when_the_citizen_cancels_at_the_provider(client: httpx.AsyncClient) -> None:
    cancelled = await client.get((await authorize(client, decision="deny")).callback)
    assert cancelled.status_code == 200 and "cancelled" in cancelled.text
    assert await signed_in_as(client) is None


async def test_the_provider_is_not_served_unless_enabled(client: httpx.AsyncClient, app: Any) -> None:
    app.state.settings = app.state.settings.model_copy(update={"fake_idp": False})
    assert (await client.get("/fake-idp/.well-known/openid-configuration")).status_code == 404
    assert (await client.post("/fake-idp/token", data={})).status_code == 404
    page = await client.get("/me/sign-in", params={"lang": "en"})
    assert "Sign in with Digital ID" not in page.text


def test_verification_checks_issuer_audience_nonce_and_algorithm() -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    keys = KeySet([key])
    now = START
    claims = {
        "iss": "https://idp.example",
        "aud": "birtereze",
        "sub": AIGERIM.iin,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 300,
        "nonce": "n1",
    }
    good = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key, algorithms=["RS256"])
    expected = {
        "keys": keys,
        "issuer": "https://idp.example",
        "client_id": "birtereze",
        "nonce": "n1",
        "now": now,
    }
    assert verify_id_token(good, **expected)["sub"] == AIGERIM.iin  # type: ignore[arg-type]
    for change in ({"issuer": "https://evil.example"}, {"client_id": "other"}, {"nonce": "n2"}):
        with pytest.raises(DigitalIdFailed):
            verify_id_token(good, **{**expected, **change})  # type: ignore[arg-type]
    with pytest.raises(DigitalIdFailed):
        verify_id_token(good, **{**expected, "now": now + timedelta(minutes=7)})  # type: ignore[arg-type]
    # "none" and HS256 (with the public key as the secret) are not accepted.
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    unsigned = f"{header}.{good.split('.')[1]}."
    with pytest.raises(DigitalIdFailed):
        verify_id_token(unsigned, **expected)  # type: ignore[arg-type]


async def test_it_returns_to_the_page_that_asked_for_the_sign_in(
    client: httpx.AsyncClient, idp: FakeIdentityProvider
) -> None:
    asked = await client.get("/me/appointments", params={"lang": "en"})
    assert asked.status_code == 303
    assert asked.headers["location"] == "/me/sign-in?lang=en&next=%2Fme%2Fappointments%3Flang%3Den"
    page = await client.get(asked.headers["location"])
    assert "next=%2Fme%2Fappointments%3Flang%3Den" in page.text  # carried to the Digital ID link
    started = await client.get("/me/sign-in/digital-id", params={"lang": "en", "next": "/me/appointments"})
    provider = await client.get(started.headers["location"])
    transaction = TRANSACTION.search(provider.text)
    assert transaction is not None
    consent = await client.post(
        "/fake-idp/authorize",
        data={"transaction": transaction.group(1), "iin": VIKTOR.iin, "decision": "allow"},
    )
    done = await client.get(consent.headers["location"])
    assert done.status_code == 303 and done.headers["location"] == "/me/appointments"


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example", "me", "/me\r\nX: 1"]
)
async def test_it_returns_only_to_a_page_of_this_site(client: httpx.AsyncClient, elsewhere: str) -> None:
    page = await client.get("/me/sign-in", params={"lang": "en", "next": elsewhere})
    assert page.status_code == 200 and 'name="next"' not in page.text
