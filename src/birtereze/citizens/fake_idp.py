"""A local fake of the national Digital ID: an OpenID Connect provider for tests and the demo.

Served at ``/fake-idp`` only when ``BIRTEREZE_FAKE_IDP=true`` (404 otherwise); never enable it in
production, since anyone may sign in there as any of its citizens. It speaks the protocol the real provider
speaks, so the client (``citizens.oidc``) is the same code:

- ``/.well-known/openid-configuration`` (discovery) and ``/jwks`` (its RSA public key; RS256);
- ``/authorize``: checks the request (``response_type=code``, the client, ``openid`` scope, ``state``,
  ``nonce``, a PKCE S256 challenge), shows the demo citizens (``data/demo_citizens.json``) to pick one, and
  on consent sends the browser back with a one-minute, single-use code (or ``error=access_denied``);
- ``/token``: the client by HTTP Basic or in the form, the code, the redirect URI, the PKCE verifier; it
  answers an ID token with the IIN as ``sub`` (and ``iin``), the name, and the nonce.

Its issuer is this site's address plus ``/fake-idp``. Its signing key and outstanding codes live in the
process (one key per process, made at first use): the demo runs one process.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Final
from urllib.parse import unquote, urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.exceptions import HTTPException

from birtereze.citizens.forms import read_form
from birtereze.citizens.registry import DemoCitizen, demo_citizens
from birtereze.core.clock import Clock
from birtereze.core.errors import InvalidInput
from birtereze.core.i18n import _l
from birtereze.core.ids import mask_iin
from birtereze.core.settings import Settings
from birtereze.web.templating import page_locale, render

PATH: Final = "/fake-idp"
CODE_LIFETIME: Final = timedelta(minutes=1)
ID_TOKEN_LIFETIME: Final = timedelta(minutes=5)
BAD_REQUEST = _l("The sign-in request is not valid: go back to the service and start again.")


def issuer_of(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{PATH}"


def client_secret(settings: Settings) -> str:
    """The demo client's secret: the configured one, else one derived from the application's secret."""
    if settings.oidc_client_secret:
        return settings.oidc_client_secret
    return hmac.new(settings.secret_key.encode(), b"birtereze.fake-idp-client", hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    citizen: DemoCitizen
    expires_at: datetime


class FakeIdentityProvider:
    """The provider's state in this process: its key, the codes not yet exchanged, and its clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
        self.grants: dict[str, Grant] = {}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def issue_code(self, grant: Grant) -> str:
        now = self.clock.now()
        self.grants = {code: g for code, g in self.grants.items() if g.expires_at > now}
        code = secrets.token_urlsafe(24)
        self.grants[code] = grant
        return code

    def redeem(self, code: str) -> Grant | None:
        grant = self.grants.pop(code, None)  # single use, even when the rest of the request is wrong
        if grant is None or grant.expires_at <= self.clock.now():
            return None
        return grant

    def id_token_claims(self, grant: Grant, issuer: str) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "iss": issuer,
            "sub": grant.citizen.iin,
            "aud": grant.client_id,
            "iat": int(now.timestamp()),
            "exp": int((now + ID_TOKEN_LIFETIME).timestamp()),
            "auth_time": int(now.timestamp()),
            "nonce": grant.nonce,
            "iin": grant.citizen.iin,
            "name": grant.citizen.name,
            "locale": grant.citizen.language,
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key, algorithms=["RS256"])


async def enabled(request: Request) -> FakeIdentityProvider:
    """The app's fake provider, or 404 where it is not enabled."""
    settings: Settings = request.app.state.settings
    if not settings.fake_idp:
        raise HTTPException(404)
    state = request.app.state
    if getattr(state, "fake_idp", None) is None:
        state.fake_idp = FakeIdentityProvider(state.clock)
    provider: FakeIdentityProvider = state.fake_idp
    return provider


Idp = Annotated[FakeIdentityProvider, Depends(enabled)]
router = APIRouter(prefix=PATH, include_in_schema=False)


@router.get("/.well-known/openid-configuration", name="fake_idp_discovery")
async def discovery(request: Request, idp: Idp) -> JSONResponse:
    issuer = issuer_of(request)
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iin", "name", "locale", "nonce"],
            "ui_locales_supported": ["kk", "ru", "en"],
        }
    )


@router.get("/jwks", name="fake_idp_jwks")
async def jwks(idp: Idp) -> JSONResponse:
    return JSONResponse(idp.jwks())


@functools.lru_cache(maxsize=8)
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="birtereze.fake-idp.authorize")


def _valid_request(params: dict[str, str], settings: Settings, request: Request) -> bool:
    redirect = params.get("redirect_uri", "")
    if settings.oidc_redirect_url:
        redirect_ok = redirect == settings.oidc_redirect_url
    else:  # unregistered: only this site's own callback
        redirect_ok = urlsplit(redirect).netloc == request.url.netloc and urlsplit(redirect).path.startswith(
            "/me/"
        )
    return (
        params.get("response_type") == "code"
        and params.get("client_id") == settings.oidc_client_id
        and "openid" in params.get("scope", "").split()
        and redirect_ok
        and bool(params.get("state"))
        and bool(params.get("nonce"))
        and params.get("code_challenge_method") == "S256"
        and 43 <= len(params.get("code_challenge", "")) <= 128
    )


REQUEST_FIELDS: Final = (
    "response_type",
    "client_id",
    "scope",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


@router.get("/authorize", name="fake_idp_authorize")
async def authorize(request: Request, idp: Idp) -> HTMLResponse:
    """The provider's sign-in page: pick a demo citizen and consent."""
    settings: Settings = request.app.state.settings
    locale = request.query_params.get("ui_locales") or page_locale(request)
    locale = locale if locale in ("kk", "ru", "en") else page_locale(request)
    params = {name: request.query_params.get(name, "") for name in REQUEST_FIELDS}
    if not _valid_request(params, settings, request):
        return render(
            request,
            "citizens/message.html",
            {"message": BAD_REQUEST.render(locale)},
            locale=locale,
            status_code=400,
        )
    context = {
        "transaction": _serializer(settings.secret_key).dumps(params),
        "citizens": [(c.iin, c.name, mask_iin(c.iin)) for c in demo_citizens()],
        "client_id": params["client_id"],
    }
    return render(request, "citizens/fake_idp_authorize.html", context, locale=locale)


@router.post("/authorize", name="fake_idp_consent")
async def consent(request: Request, idp: Idp) -> Response:
    settings: Settings = request.app.state.settings
    form = await read_form(request)
    locale = page_locale(request)
    try:
        params: dict[str, str] = _serializer(settings.secret_key).loads(form.get("transaction", ""))
    except BadSignature:
        return render(
            request,
            "citizens/message.html",
            {"message": BAD_REQUEST.render(locale)},
            locale=locale,
            status_code=400,
        )
    redirect = params["redirect_uri"]
    separator = "&" if "?" in redirect else "?"
    if form.get("decision") != "allow":
        query = urlencode({"error": "access_denied", "state": params["state"]})
        return RedirectResponse(f"{redirect}{separator}{query}", status_code=303)
    citizen = next((c for c in demo_citizens() if c.iin == form.get("iin")), None)
    if citizen is None:
        return render(
            request,
            "citizens/message.html",
            {"message": BAD_REQUEST.render(locale)},
            locale=locale,
            status_code=400,
        )
    code = idp.issue_code(
        Grant(
            client_id=params["client_id"],
            redirect_uri=redirect,
            code_challenge=params["code_challenge"],
            nonce=params["nonce"],
            citizen=citizen,
            expires_at=idp.clock.now() + CODE_LIFETIME,
        )
    )
    query = urlencode({"code": code, "state": params["state"]})
    return RedirectResponse(f"{redirect}{separator}{query}", status_code=303)


def _token_error(error: str, status: int = 400) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="fake-idp"'
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except ValueError:
            return "", ""
        client, _, secret = decoded.partition(":")
        return unquote(client), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@router.post("/token", name="fake_idp_token")
async def token(request: Request, idp: Idp) -> JSONResponse:
    """The code (with its PKCE verifier) for an ID token (RFC 6749 §4.1.3, RFC 7636 §4.6)."""
    settings: Settings = request.app.state.settings
    try:
        form = await read_form(request)
    except InvalidInput:
        return _token_error("invalid_request")
    client_id, secret = _client_credentials(request, form)
    expected = client_secret(settings)
    if client_id != settings.oidc_client_id or not hmac.compare_digest(secret.encode(), expected.encode()):
        return _token_error("invalid_client", 401)
    if form.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    grant = idp.redeem(form.get("code", ""))
    if grant is None or grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
        return _token_error("invalid_grant")
    verifier = form.get("code_verifier", "")
    if not (43 <= len(verifier) <= 128) or not hmac.compare_digest(s256(verifier), grant.code_challenge):
        return _token_error("invalid_grant")
    id_token = idp.sign(idp.id_token_claims(grant, issuer_of(request)))
    return JSONResponse(
        {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": int(ID_TOKEN_LIFETIME.total_seconds()),
            "scope": "openid profile",
            "id_token": id_token,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
