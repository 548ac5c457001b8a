"""Errors as RFC 9457 problem+json, with the detail translated into the caller's language."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from birtereze.core.errors import DomainError
from birtereze.core.i18n import _l, negotiate

log = structlog.get_logger(__name__)

PROBLEM = "application/problem+json"
INVALID_PAYLOAD = _l("The request is malformed: check the highlighted fields.")
CONFLICT_RETRY = _l("Another change happened at the same moment; please try again.")
UNAVAILABLE = _l("The service is busy; please try again in a moment.")
HTTP_TITLES = {
    400: _l("Bad request"),
    401: _l("Sign in is required."),
    403: _l("You are not allowed to do this."),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid request"),
    429: _l("Too many requests"),
    500: _l("Internal error"),
    503: _l("Service unavailable"),
}


def _locale(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in ("kk", "ru", "en"):
        return lang
    return negotiate(request.headers.get("accept-language"), request.app.state.settings.default_locale)


def problem(request: Request, status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    locale = _locale(request)
    title = HTTP_TITLES.get(status, HTTP_TITLES[400]).render(locale)
    body = {
        "type": f"urn:birtereze:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
    }
    body.update(extra)
    headers = {"Content-Language": locale}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "1"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem(request, exc.status, exc.code, exc.detail(_locale(request)))

    @app.exception_handler(RequestValidationError)
    async def invalid_payload(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
            for error in exc.errors()
        ]
        return problem(
            request, 422, "invalid_payload", INVALID_PAYLOAD.render(_locale(request)), errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        locale = _locale(request)
        title = HTTP_TITLES.get(exc.status_code, HTTP_TITLES[400]).render(locale)
        return problem(request, exc.status_code, f"http_{exc.status_code}", title)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("db.integrity_error", error=str(exc.orig))
        return problem(request, 409, "conflict", CONFLICT_RETRY.render(_locale(request)))

    @app.exception_handler(DBAPIError)
    async def database_busy(request: Request, exc: DBAPIError) -> JSONResponse:
        # Deadlocks, serialization failures, a locked SQLite file: nothing was committed, retry is safe.
        log.warning("db.transient_error", error=str(exc.orig))
        return problem(request, 503, "database_busy", UNAVAILABLE.render(_locale(request)))
