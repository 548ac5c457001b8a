"""Sign-in with the national Digital ID through OpenID Connect: the authorization code flow with PKCE.

The flow (OpenID Connect Core 1.0 §3.1, RFC 7636): ``/me/sign-in/digital-id`` draws a ``state``, a
``nonce`` and a PKCE ``code_verifier``, keeps them in a short-lived signed cookie, and sends the browser to
the provider's authorization endpoint with the verifier's S256 challenge. The provider sends the browser
back to the callback with a code; the code is exchanged at the token endpoint (Authlib's OAuth 2 client:
client secret by HTTP Basic, the verifier, the redirect URI) for an ID token, which is verified here with
joserfc (Authlib's JOSE successor): RS256 only, the signature against the provider's JWKS (fetched again
once when a key id is unknown, for key rotation), then ``iss``, ``aud``, ``exp``/``iat`` (one minute's
leeway, on the domain's clock) and the ``nonce``. The citizen's IIN is the ``iin`` claim, else ``sub``.

Settings: ``BIRTEREZE_OIDC_ISSUER`` (the provider's issuer URL; its ``/.well-known/openid-configuration``
is read and its ``issuer`` must match), ``BIRTEREZE_OIDC_CLIENT_ID``, ``BIRTEREZE_OIDC_CLIENT_SECRET``,
``BIRTEREZE_OIDC_REDIRECT_URL`` (the callback registered with the provider; by default this site's
``/me/sign-in/digital-id/callback``).

The real adapter is this same client pointed at the national provider: register the callback address
with its operator, set the four settings, and nothing else changes. Without an issuer and with
``BIRTEREZE_FAKE_IDP=true``, the client signs in through the local fake provider (``citizens.fake_idp``)
on this site, reaching its discovery, JWKS and token endpoints in-process.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import authlib.deprecate  # noqa: F401 - first: it installs a warning filter that ours must follow
import httpx
import structlog
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from birtereze.citizens.errors import DigitalIdFailed, DigitalIdUnavailable
from birtereze.core.ids import InvalidIIN, parse_iin

with warnings.catch_warnings():
    # Authlib 1.9 warns that it would rather drive httpx2; plain httpx is what this project uses.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

log = structlog.get_logger(__name__)

ALGORITHMS: Final = ["RS256"]
LEEWAY_S: Final = 60
METADATA_TTL_S: Final = 3600.0
JWKS_REFETCH_S: Final = 60.0
HTTP_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True, slots=True)
class Pending:
    """A sign-in on its way: what the callback must see again."""

    state: str
    nonce: str
    verifier: str
    started: int  # the domain clock's seconds
    locale: str


@dataclass(frozen=True, slots=True)
class Identity:
    iin: str
    name: str | None


def verify_id_token(
    id_token: str, *, keys: KeySet, issuer: str, client_id: str, nonce: str, now: datetime
) -> dict[str, Any]:
    """The claims of a genuine ID token for this client and this sign-in; ``DigitalIdFailed`` otherwise."""
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=LEEWAY_S,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as error:
        log.warning("citizens.id_token_refused", reason=type(error).__name__)
        raise DigitalIdFailed() from None
    audience = token.claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and token.claims.get("azp") != client_id:
        log.warning("citizens.id_token_refused", reason="azp")
        raise DigitalIdFailed()
    return dict(token.claims)


def identity_of(claims: dict[str, Any]) -> Identity:
    raw = claims.get("iin") or claims.get("sub")
    try:
        iin = parse_iin(str(raw))
    except InvalidIIN:
        log.warning("citizens.id_token_refused", reason="no_iin")
        raise DigitalIdFailed() from None
    name = claims.get("name") or " ".join(
        str(part) for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return Identity(iin=iin.number, name=str(name) if name else None)


class Provider:
    """One OpenID provider as this client sees it: discovery and keys fetched lazily and cached."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self._transport = transport
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=redirect_uri,
            scope="openid profile",
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a secret
            timeout=HTTP_TIMEOUT_S,
            transport=self._transport,
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=HTTP_TIMEOUT_S) as http:
                response = await http.get(url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("citizens.oidc_unreachable", url=url, error=type(error).__name__)
            raise DigitalIdUnavailable() from None
        if not isinstance(document, dict):
            raise DigitalIdUnavailable()
        return document

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_S:
            document = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                log.warning("citizens.oidc_issuer_mismatch", issuer=self.issuer)
                raise DigitalIdUnavailable()
            self._metadata, self._metadata_at = document, time.monotonic()
        return self._metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        stale = refresh and time.monotonic() - self._keys_at > JWKS_REFETCH_S
        if self._keys is None or stale:
            document = await self._get_json(str((await self.metadata())["jwks_uri"]))
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError):
                raise DigitalIdUnavailable() from None
            self._keys_at = time.monotonic()
        return self._keys

    async def authorization_url(self, pending: Pending, *, redirect_uri: str, locale: str) -> str:
        endpoint = str((await self.metadata())["authorization_endpoint"])
        async with self._client(redirect_uri) as client:
            url, _state = client.create_authorization_url(
                endpoint,
                state=pending.state,
                code_verifier=pending.verifier,
                nonce=pending.nonce,
                ui_locales=locale,
            )
        return str(url)

    async def identify(self, *, code: str, pending: Pending, redirect_uri: str, now: datetime) -> Identity:
        """Exchange the code for an ID token, verify it, and say whose it is."""
        endpoint = str((await self.metadata())["token_endpoint"])
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(endpoint, code=code, code_verifier=pending.verifier)
        except OAuthError as error:
            log.warning("citizens.token_refused", error=getattr(error, "error", "?"))
            raise DigitalIdFailed() from None
        except httpx.HTTPError as error:
            log.warning("citizens.oidc_unreachable", url=endpoint, error=type(error).__name__)
            raise DigitalIdUnavailable() from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise DigitalIdFailed()
        keys = await self.keys()
        if not _has_key(keys, id_token):
            keys = await self.keys(refresh=True)
        claims = verify_id_token(
            id_token, keys=keys, issuer=self.issuer, client_id=self.client_id, nonce=pending.nonce, now=now
        )
        return identity_of(claims)


def _has_key(keys: KeySet, id_token: str) -> bool:
    """Whether the token's key id is among ``keys`` (a token that cannot be read: let the check say so)."""
    try:
        segment = id_token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return True
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid is None or any(key.kid == kid for key in keys)
