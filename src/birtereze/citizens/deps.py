"""The citizen's session at the edge: the signed cookie, ``CurrentCitizen`` and CSRF protection.

Other modules take the signed-in citizen as a dependency, as staff routes take ``CurrentStaff``::

    from birtereze.citizens.deps import CitizenAction, CurrentCitizen

    @router.get("/api/v1/my/tickets")
    async def my_tickets(citizen: CurrentCitizen, session: DbSession) -> ...: ...  # citizen.iin

    @router.post("/api/v1/my/tickets")
    async def take(citizen: CitizenAction, ...) -> ...: ...  # a write: checks X-CSRF-Token too

Without a session the answer is 401 (problem+json); pages use ``MaybeCitizen`` and send the browser to
``/me/sign-in`` instead.

CSRF: the cookie is ``SameSite=Lax`` (a cross-site POST does not carry it), every citizen POST refuses a
cross-site ``Origin`` (or ``Sec-Fetch-Site: cross-site``), and a cookie-authenticated POST must also carry
the session's CSRF token: an HMAC of the session id, in the form's ``csrf_token`` field or the
``X-CSRF-Token`` header (``GET /api/v1/citizens/me`` tells it). The token needs no storage and dies with the
session.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, Signer

from birtereze.citizens import service
from birtereze.citizens.errors import CsrfFailed, NotSignedIn
from birtereze.citizens.otp import CodeSender, default_sender
from birtereze.citizens.ratelimit import SignInLimits
from birtereze.citizens.registry import LocalMobileCitizens, MobileCitizens
from birtereze.core.ids import mask_iin
from birtereze.core.settings import Settings
from birtereze.web.deps import DbSession, Now
from birtereze.web.templating import page_locale

SESSION_COOKIE: Final = "btz_citizen"
CSRF_HEADER: Final = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class CitizenPrincipal:
    citizen_id: int
    iin: str
    full_name: str | None
    phone: str | None
    language: str
    signed_in_with: str  # "digital_id" or "sms"
    session_id: int
    csrf_token: str

    @property
    def masked_iin(self) -> str:
        return mask_iin(self.iin)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def policy(request: Request) -> service.Policy:
    state = request.app.state
    if getattr(state, "citizen_policy", None) is None:
        state.citizen_policy = service.Policy.from_settings(_settings(request))
    value: service.Policy = state.citizen_policy
    return value


def sign_in_limits(request: Request) -> SignInLimits:
    state = request.app.state
    if getattr(state, "citizen_limits", None) is None:
        state.citizen_limits = SignInLimits.from_settings(_settings(request))
    limits: SignInLimits = state.citizen_limits
    return limits


def code_sender(request: Request) -> CodeSender:
    state = request.app.state
    if getattr(state, "citizen_code_sender", None) is None:
        state.citizen_code_sender = default_sender()
    sender: CodeSender = state.citizen_code_sender
    return sender


def mobile_citizens(request: Request) -> MobileCitizens:
    state = request.app.state
    if getattr(state, "mobile_citizens", None) is None:
        state.mobile_citizens = LocalMobileCitizens()
    registry: MobileCitizens = state.mobile_citizens
    return registry


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@functools.lru_cache(maxsize=8)
def _signer(secret: str) -> Signer:
    return Signer(secret, salt="birtereze.citizen-session")


@functools.lru_cache(maxsize=8)
def _csrf_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"birtereze.citizen-csrf", hashlib.sha256).digest()


def csrf_token_for(secret: str, token: str) -> str:
    return hmac.new(_csrf_key(secret), token.encode(), hashlib.sha256).hexdigest()[:32]


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        _signer(settings.secret_key).sign(token).decode(),
        max_age=int(settings.citizen_session_max_days * 86400),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.session_cookie_secure
    )


def session_token(request: Request) -> str | None:
    """The session id of the request's cookie, if its signature holds."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return _signer(_settings(request).secret_key).unsign(raw).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


async def optional_citizen(request: Request, session: DbSession, now: Now) -> CitizenPrincipal | None:
    token = session_token(request)
    if token is None:
        return None
    found = await service.session_of(session, token=token, policy=policy(request), now=now)
    if found is None:
        return None
    row, citizen = found
    return CitizenPrincipal(
        citizen_id=citizen.id,
        iin=citizen.iin,
        full_name=citizen.full_name,
        phone=citizen.phone,
        language=citizen.language,
        signed_in_with=row.method,
        session_id=row.id,
        csrf_token=csrf_token_for(_settings(request).secret_key, token),
    )


MaybeCitizen = Annotated[CitizenPrincipal | None, Depends(optional_citizen)]


async def current_citizen(citizen: MaybeCitizen) -> CitizenPrincipal:
    if citizen is None:
        raise NotSignedIn()
    return citizen


class SignInFirst(Exception):
    """A page that needs the citizen signed in was asked for without a session: the app answers with
    ``sign_in_first``'s redirect (``install``)."""


async def page_citizen(citizen: MaybeCitizen) -> CitizenPrincipal:
    if citizen is None:
        raise SignInFirst()
    return citizen


# The signed-in citizen of a page: a signed-out browser is sent to sign in, and back to the page after.
PageCitizen = Annotated[CitizenPrincipal, Depends(page_citizen)]


def install(app: FastAPI) -> None:
    """Answer ``SignInFirst`` with the way to the sign-in page in the page's language."""

    async def to_sign_in(request: Request, exc: Exception) -> Response:
        return sign_in_first(request, page_locale(request))

    app.add_exception_handler(SignInFirst, to_sign_in)


def safe_next(value: str | None) -> str | None:
    """A page of this site to return to after signing in: a path with its query, nothing that could
    lead elsewhere (``//host``, ``/\\host``, a scheme, control characters)."""
    if not value or len(value) > 1000 or not value.startswith("/") or value.startswith("//"):
        return None
    if any(ord(char) < 32 or char == "\\" for char in value):
        return None
    return value


def sign_in_first(request: Request, locale: str) -> RedirectResponse:
    """A signed-out citizen on a page that needs them signed in: to the sign-in page, and back to this
    page after it (a form's post is not repeated: it comes back to the sign-in's home page)."""
    params = {"lang": locale}
    if request.method == "GET":
        params["next"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = urlencode(params)
    return RedirectResponse(f"{request.app.url_path_for('citizen_sign_in')}?{query}", status_code=303)


def refuse_cross_site(request: Request) -> None:
    """A POST sent by another site's page: refused. The host is compared, not the scheme, which a
    TLS-terminating proxy changes. Under the pages' ``no-referrer`` policy a browser sends a form's
    ``Origin`` as ``null``; its ``Sec-Fetch-Site`` (which no page can set) then tells where it came from."""
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    if origin is None or origin == "null":
        if fetch_site == "same-origin" or (origin is None and fetch_site != "cross-site"):
            return
        raise CsrfFailed()
    if urlsplit(origin).netloc != request.url.netloc:
        raise CsrfFailed()


def check_csrf(citizen: CitizenPrincipal, supplied: str | None) -> None:
    if not supplied or not hmac.compare_digest(supplied.encode(), citizen.csrf_token.encode()):
        raise CsrfFailed()


async def citizen_action(
    request: Request, citizen: Annotated[CitizenPrincipal, Depends(current_citizen)]
) -> CitizenPrincipal:
    """A signed-in citizen's write through the API: same origin and the ``X-CSRF-Token`` header."""
    refuse_cross_site(request)
    check_csrf(citizen, request.headers.get(CSRF_HEADER))
    return citizen


# Declares the routes' permission, like the staff's role dependencies: read by the OpenAPI error
# declarations (401, 403) and by the meta-test that every route declares one. Staff tokens do not count.
current_citizen.roles = ("citizen",)  # type: ignore[attr-defined]
citizen_action.roles = ("citizen",)  # type: ignore[attr-defined]

CurrentCitizen = Annotated[CitizenPrincipal, Depends(current_citizen)]
CitizenAction = Annotated[CitizenPrincipal, Depends(citizen_action)]
