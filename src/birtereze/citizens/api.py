"""The citizens' sign-in API: a one-time SMS code, who is signed in, signing out (JSON, problem+json).

Signing in with Digital ID is a browser redirect flow, on the pages (``/me/sign-in/digital-id``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from birtereze.citizens import deps, service
from birtereze.citizens.deps import CitizenAction, CitizenPrincipal, CurrentCitizen
from birtereze.citizens.errors import Throttled
from birtereze.citizens.schemas import CitizenRead, SignInCodeCheck, SignInCodeRequest, SignInCodeSent
from birtereze.core.ids import mask_iin, mask_phone
from birtereze.web.deps import AppSettings, DbSession, Locale, Now
from birtereze.web.problems import problem

router = APIRouter(prefix="/api/v1/citizens", tags=["citizens"])

SIGN_IN_ANSWERS: dict[int | str, dict[str, str]] = {
    403: {"description": "Sent by another site's page"},
    429: {"description": "Too many codes asked for, or too many wrong codes today: see Retry-After"},
}


def throttled(request: Request, error: Throttled, locale: str) -> JSONResponse:
    response = problem(request, error.status, error.code, error.detail(locale))
    response.headers["Retry-After"] = str(error.retry_after_s)
    return response


def citizen_read(citizen: CitizenPrincipal) -> CitizenRead:
    return CitizenRead(
        iin=mask_iin(citizen.iin),
        full_name=citizen.full_name,
        phone=mask_phone(citizen.phone) if citizen.phone else None,
        language=citizen.language,
        signed_in_with="sms" if citizen.signed_in_with == "sms" else "digital_id",
        csrf_token=citizen.csrf_token,
    )


@router.post(
    "/sign-in/sms",
    operation_id="requestSignInCode",
    status_code=202,
    response_model=SignInCodeSent,
    responses=SIGN_IN_ANSWERS,
)
async def request_sign_in_code(
    body: SignInCodeRequest, request: Request, session: DbSession, now: Now, locale: Locale
) -> SignInCodeSent | JSONResponse:
    """Send a one-time code by SMS to the phone registered for the IIN in the mobile citizens database.
    Limited per phone and per network address; a day's wrong codes lock the IIN until midnight."""
    deps.refuse_cross_site(request)
    try:
        challenge = await service.request_code(
            session,
            iin_text=body.iin,
            phone_text=body.phone,
            language=body.language or locale,
            registry=deps.mobile_citizens(request),
            sender=deps.code_sender(request),
            limits=deps.sign_in_limits(request),
            client=deps.client_address(request),
            policy=deps.policy(request),
            now=now,
        )
    except Throttled as error:
        return throttled(request, error, locale)
    return SignInCodeSent(
        challenge_id=challenge.public_id, phone=mask_phone(challenge.phone), expires_at=challenge.expires_at
    )


@router.post(
    "/sign-in/sms/verify",
    operation_id="verifySignInCode",
    response_model=CitizenRead,
    responses=SIGN_IN_ANSWERS,
)
async def verify_sign_in_code(
    body: SignInCodeCheck,
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    locale: Locale,
) -> CitizenRead | JSONResponse:
    """Sign in with the code received: sets the session cookie (HttpOnly). Five wrong tries void a code."""
    deps.refuse_cross_site(request)
    policy = deps.policy(request)
    try:
        outcome = await service.check_code(
            session, challenge_id=body.challenge_id, code=body.code, policy=policy, now=now
        )
    except Throttled as error:
        return throttled(request, error, locale)
    if outcome.citizen is None:
        await session.commit()  # the wrong try counts even though the request fails
        assert outcome.error is not None
        raise outcome.error
    token = await service.open_session(session, citizen=outcome.citizen, method="sms", policy=policy, now=now)
    deps.set_session_cookie(response, settings, token)
    return citizen_read(
        CitizenPrincipal(
            citizen_id=outcome.citizen.id,
            iin=outcome.citizen.iin,
            full_name=outcome.citizen.full_name,
            phone=outcome.citizen.phone,
            language=outcome.citizen.language,
            signed_in_with="sms",
            session_id=0,
            csrf_token=deps.csrf_token_for(settings.secret_key, token),
        )
    )


@router.get("/me", operation_id="getCitizenMe", response_model=CitizenRead)
async def get_citizen_me(citizen: CurrentCitizen) -> CitizenRead:
    """The signed-in citizen (IIN and phone masked) and the session's CSRF token."""
    return citizen_read(citizen)


@router.post("/sign-out", operation_id="signOutCitizen", status_code=204)
async def sign_out_citizen(citizen: CitizenAction, session: DbSession, settings: AppSettings) -> Response:
    """End this session (needs the X-CSRF-Token header) and clear its cookie."""
    await service.end_session(session, session_id=citizen.session_id)
    response = Response(status_code=204)
    deps.clear_session_cookie(response, settings)
    return response
