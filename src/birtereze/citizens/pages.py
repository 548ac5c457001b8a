"""The citizen's sign-in pages (mobile first, kk/ru/en): ``/me/sign-in`` by Digital ID or an SMS code,
``/me`` (who is signed in; sign out). Forms are plain HTML posts; they work without JavaScript."""

from __future__ import annotations

import functools
import hmac
import secrets
from typing import Annotated, Any, Final

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from birtereze.citizens import deps, fake_idp, service
from birtereze.citizens.deps import MaybeCitizen
from birtereze.citizens.errors import CodeExpired, CodeVoid, DigitalIdFailed, SignInCodeNotFound, Throttled
from birtereze.citizens.forms import read_form
from birtereze.citizens.oidc import Pending, Provider
from birtereze.core.errors import DomainError
from birtereze.core.i18n import _l
from birtereze.core.ids import mask_phone
from birtereze.core.settings import Settings
from birtereze.web.deps import AppSettings, DbSession, Now
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
router.include_router(fake_idp.router)

PageLocale = Annotated[str, Depends(page_locale)]
PENDING_COOKIE: Final = "btz_oidc"
PENDING_MAX_AGE_S: Final = 600
CALLBACK_PATH: Final = "/me/sign-in/digital-id/callback"
DIGITAL_ID_CANCELLED = _l("Sign-in with Digital ID was cancelled.")
DIGITAL_ID_OFF = _l("Sign-in with Digital ID is not available here: sign in with an SMS code.")
SIGNED_IN_WITH = {"digital_id": _l("Digital ID"), "sms": _l("SMS code")}


def _to(request: Request, name: str, locale: str) -> RedirectResponse:
    return RedirectResponse(f"{request.app.url_path_for(name)}?lang={locale}", status_code=303)


def _signed_in_to(request: Request, locale: str, next_page: str | None) -> RedirectResponse:
    """Where a citizen goes once signed in: back to the page that asked for it, or home."""
    if next_page:
        return RedirectResponse(next_page, status_code=303)
    return _to(request, "citizen_me", locale)


def _digital_id_offered(settings: Settings) -> bool:
    return bool(settings.oidc_issuer) or settings.fake_idp


def _sign_in_page(
    request: Request,
    locale: str,
    *,
    notice: str | None = None,
    status_code: int = 200,
    next_page: str | None = None,
    **fields: str,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "notice": notice,
        "digital_id": _digital_id_offered(request.app.state.settings),
        "iin": fields.get("iin", ""),
        "phone": fields.get("phone", ""),
        "next_page": next_page or "",
    }
    return render(request, "citizens/sign_in.html", context, locale=locale, status_code=status_code)


def _code_page(
    request: Request,
    locale: str,
    *,
    challenge_id: str,
    phone: str,
    notice: str | None = None,
    status_code: int = 200,
    next_page: str | None = None,
) -> HTMLResponse:
    minutes = max(1, deps.policy(request).code_ttl.seconds // 60)
    context = {
        "challenge_id": challenge_id,
        "phone": phone,
        "notice": notice,
        "minutes": minutes,
        "next_page": next_page or "",
    }
    return render(request, "citizens/code.html", context, locale=locale, status_code=status_code)


def _refused(response: HTMLResponse, error: DomainError) -> HTMLResponse:
    if isinstance(error, Throttled):
        response.headers["Retry-After"] = str(error.retry_after_s)
    return response


@router.get("/me/sign-in", name="citizen_sign_in")
async def sign_in(request: Request, citizen: MaybeCitizen, locale: PageLocale) -> Response:
    """Two ways in: Digital ID, or the IIN and registered phone for an SMS code; ``?next=`` is the page
    of this site to return to."""
    next_page = deps.safe_next(request.query_params.get("next"))
    if citizen is not None:
        return _signed_in_to(request, locale, next_page)
    return _sign_in_page(request, locale, next_page=next_page)


@router.post("/me/sign-in/sms", name="citizen_sign_in_sms")
async def sign_in_sms(request: Request, session: DbSession, now: Now, locale: PageLocale) -> HTMLResponse:
    form = await read_form(request)
    iin, phone = form.get("iin", "")[:32], form.get("phone", "")[:32]
    next_page = deps.safe_next(form.get("next"))
    try:
        deps.refuse_cross_site(request)
        challenge = await service.request_code(
            session,
            iin_text=iin,
            phone_text=phone,
            language=locale,
            registry=deps.mobile_citizens(request),
            sender=deps.code_sender(request),
            limits=deps.sign_in_limits(request),
            client=deps.client_address(request),
            policy=deps.policy(request),
            now=now,
        )
    except DomainError as error:
        page = _sign_in_page(
            request,
            locale,
            notice=error.detail(locale),
            status_code=error.status,
            next_page=next_page,
            iin=iin,
            phone=phone,
        )
        return _refused(page, error)
    return _code_page(
        request,
        locale,
        challenge_id=challenge.public_id,
        phone=mask_phone(challenge.phone),
        next_page=next_page,
    )


@router.post("/me/sign-in/sms/code", name="citizen_sign_in_code")
async def sign_in_code(
    request: Request, session: DbSession, settings: AppSettings, now: Now, locale: PageLocale
) -> Response:
    form = await read_form(request)
    challenge_id, code = form.get("challenge_id", "")[:64], form.get("code", "").strip()[:16]
    next_page = deps.safe_next(form.get("next"))
    policy = deps.policy(request)
    try:
        deps.refuse_cross_site(request)
        challenge = await service.get_challenge(session, challenge_id)
        outcome = await service.check_code(
            session, challenge_id=challenge_id, code=code, policy=policy, now=now
        )
    except DomainError as error:
        page = _sign_in_page(
            request, locale, notice=error.detail(locale), status_code=error.status, next_page=next_page
        )
        return _refused(page, error)
    if outcome.citizen is None:
        assert outcome.error is not None
        await session.commit()  # the wrong try counts even though this answer is an error
        if isinstance(outcome.error, (CodeExpired, CodeVoid, SignInCodeNotFound)):
            return _sign_in_page(
                request, locale, notice=outcome.error.detail(locale), status_code=400, next_page=next_page
            )
        return _code_page(
            request,
            locale,
            challenge_id=challenge_id,
            phone=mask_phone(challenge.phone),
            notice=outcome.error.detail(locale),
            status_code=outcome.error.status,
            next_page=next_page,
        )
    token = await service.open_session(session, citizen=outcome.citizen, method="sms", policy=policy, now=now)
    response = _signed_in_to(request, locale, next_page)
    deps.set_session_cookie(response, settings, token)
    return response


# --- Digital ID -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _pending_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="birtereze.oidc-pending")


def provider_for(request: Request) -> Provider | None:
    """The configured provider; the local fake one (reached in-process) when none is configured and the
    fake is enabled; None when Digital ID is off."""
    settings: Settings = request.app.state.settings
    if settings.oidc_issuer:
        issuer, secret, transport = settings.oidc_issuer, settings.oidc_client_secret or "", None
    elif settings.fake_idp:
        issuer, secret = fake_idp.issuer_of(request), fake_idp.client_secret(settings)
        transport = httpx.ASGITransport(app=request.app)
    else:
        return None
    state = request.app.state
    if getattr(state, "citizen_providers", None) is None:
        state.citizen_providers = {}
    providers: dict[str, Provider] = state.citizen_providers
    if issuer not in providers:
        providers[issuer] = Provider(
            issuer=issuer, client_id=settings.oidc_client_id, client_secret=secret, transport=transport
        )
    return providers[issuer]


def redirect_uri(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.oidc_redirect_url or f"{str(request.base_url).rstrip('/')}{CALLBACK_PATH}"


@router.get("/me/sign-in/digital-id", name="citizen_digital_id")
async def digital_id(request: Request, settings: AppSettings, now: Now, locale: PageLocale) -> Response:
    """Off to the Digital ID provider, with a fresh state, nonce and PKCE verifier kept in a signed cookie."""
    provider = provider_for(request)
    if provider is None:
        return _sign_in_page(request, locale, notice=DIGITAL_ID_OFF.render(locale), status_code=404)
    pending = Pending(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        started=int(now.timestamp()),
        locale=locale,
    )
    try:
        url = await provider.authorization_url(pending, redirect_uri=redirect_uri(request), locale=locale)
    except DomainError as error:
        return _sign_in_page(request, locale, notice=error.detail(locale), status_code=error.status)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        _pending_serializer(settings.secret_key).dumps(
            [
                pending.state,
                pending.nonce,
                pending.verifier,
                pending.started,
                pending.locale,
                deps.safe_next(request.query_params.get("next")) or "",
            ]
        ),
        max_age=PENDING_MAX_AGE_S,
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back, not on cross-site posts
        secure=settings.session_cookie_secure,
    )
    return response


def _pending(request: Request, settings: Settings, now_s: int) -> tuple[Pending, str | None] | None:
    """The sign-in this browser started, and the page to return to after it."""
    try:
        state, nonce, verifier, started, locale, next_page = _pending_serializer(settings.secret_key).loads(
            request.cookies.get(PENDING_COOKIE, "")
        )
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(started, int) or not 0 <= now_s - started <= PENDING_MAX_AGE_S:
        return None
    pending = Pending(
        state=str(state), nonce=str(nonce), verifier=str(verifier), started=started, locale=str(locale)
    )
    return pending, deps.safe_next(str(next_page))


@router.get(CALLBACK_PATH, name="citizen_digital_id_callback")
async def digital_id_callback(
    request: Request, session: DbSession, settings: AppSettings, now: Now, locale: PageLocale
) -> Response:
    """The provider sends the browser back here: the state must be this browser's, the code is exchanged
    and the ID token verified; then the citizen is signed in."""
    params = request.query_params
    started = _pending(request, settings, int(now.timestamp()))
    pending, next_page = started if started is not None else (None, None)
    if pending is not None and "lang" not in params:
        locale = pending.locale
    state = params.get("state", "")
    if pending is None or not hmac.compare_digest(state.encode(), pending.state.encode()):
        page = _sign_in_page(request, locale, notice=DigitalIdFailed().detail(locale), status_code=400)
        page.delete_cookie(PENDING_COOKIE, path=CALLBACK_PATH)
        return page
    provider = provider_for(request)
    code = params.get("code")
    try:
        if params.get("error") == "access_denied":
            return _sign_in_page(request, locale, notice=DIGITAL_ID_CANCELLED.render(locale))
        if provider is None or not code:
            raise DigitalIdFailed()
        identity = await provider.identify(
            code=code, pending=pending, redirect_uri=redirect_uri(request), now=now
        )
    except DomainError as error:
        page = _sign_in_page(request, locale, notice=error.detail(locale), status_code=error.status)
        page.delete_cookie(PENDING_COOKIE, path=CALLBACK_PATH)
        return page
    # The phone registered for the IIN in the mobile citizens database was proven by SMS when it was
    # registered there: the centre's SMS go to it (a phone given later by SMS sign-in replaces it).
    phone = await deps.mobile_citizens(request).phone_of(identity.iin)
    citizen = await service.remember(
        session, iin=identity.iin, full_name=identity.name, phone=phone, language=locale, now=now
    )
    policy = deps.policy(request)
    token = await service.open_session(session, citizen=citizen, method="digital_id", policy=policy, now=now)
    response = _signed_in_to(request, locale, next_page)
    response.delete_cookie(PENDING_COOKIE, path=CALLBACK_PATH)
    deps.set_session_cookie(response, settings, token)
    return response


# --- the signed-in citizen ------------------------------------------------------------------------------


@router.get("/me", name="citizen_me")
async def me(request: Request, citizen: MaybeCitizen, locale: PageLocale) -> Response:
    """Who is signed in, and signing out."""
    if citizen is None:
        return _to(request, "citizen_sign_in", locale)
    context = {
        "citizen": citizen,
        "phone": mask_phone(citizen.phone) if citizen.phone else None,
        "signed_in_with": SIGNED_IN_WITH[citizen.signed_in_with].render(locale),
    }
    return render(request, "citizens/me.html", context, locale=locale)


@router.post("/me/sign-out", name="citizen_sign_out")
async def sign_out(
    request: Request, citizen: MaybeCitizen, session: DbSession, settings: AppSettings, locale: PageLocale
) -> Response:
    if citizen is not None:
        form = await read_form(request)
        try:
            deps.refuse_cross_site(request)
            deps.check_csrf(citizen, form.get("csrf_token"))
        except DomainError as error:
            return render(
                request,
                "citizens/message.html",
                {"message": error.detail(locale)},
                locale=locale,
                status_code=403,
            )
        await service.end_session(session, session_id=citizen.session_id)
    response = _to(request, "citizen_sign_in", locale)
    deps.clear_session_cookie(response, settings)
    return response
