"""Errors as RFC 9457 problem+json, with the detail translated into the caller's language."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from fastapi import FastAPI, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from birtereze.core.errors import DomainError, InvalidInput
from birtereze.core.i18n import _l, negotiate
from birtereze.web.deps import optional_principal

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


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error answer (RFC 9457); ``detail`` is in the caller's language, ``code`` is stable."""

    type: str = Field(description="urn:birtereze:problem:<code>")
    title: str
    status: int
    code: str = Field(description="Stable machine-readable code, e.g. invalid_transition")
    detail: str
    errors: list[FieldError] | None = Field(default=None, description="The fields at fault (422 only)")


PROBLEM_DESCRIPTIONS = {
    400: "The input is well-formed but refused",
    401: "No valid bearer token",
    403: "The caller's role may not do this",
    404: "Not found, or outside the caller's branches",
    409: "Conflicts with the current state",
    422: "Malformed request",
    503: "The database is busy; retry",
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
    _document(app)

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
        response = problem(request, exc.status_code, f"http_{exc.status_code}", title)
        response.headers.update(exc.headers or {})  # e.g. the Allow header of a 405
        return response

    @app.exception_handler(OverflowError)
    async def integer_out_of_range(request: Request, exc: OverflowError) -> JSONResponse:
        # SQLite cannot bind an integer beyond 64 bits; no row has such an id (PostgreSQL finds none).
        if "SQLite INTEGER" not in str(exc):
            raise exc
        return problem(request, 404, "not_found", HTTP_TITLES[404].render(_locale(request)))

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError) -> JSONResponse:
        return _unstorable(request, exc)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("db.integrity_error", error=str(exc.orig))
        return problem(request, 409, "conflict", CONFLICT_RETRY.render(_locale(request)))

    @app.exception_handler(DBAPIError)
    async def database_busy(request: Request, exc: DBAPIError) -> JSONResponse:
        if _is_data_error(exc):
            return _unstorable(request, exc)
        # Deadlocks, serialization failures, a locked SQLite file: nothing was committed, retry is safe.
        log.warning("db.transient_error", error=str(exc.orig))
        return problem(request, 503, "database_busy", UNAVAILABLE.render(_locale(request)))


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def problem_statuses(route: RouteContext) -> list[int]:
    """The error statuses a route can answer: read from its inputs and dependencies, plus any it declares."""
    calls = list(_calls(route.dependant))
    declared = {int(status) for status in route.responses if str(status).isdigit()}
    statuses = {503} | {status for status in declared if status >= 400}
    inputs = get_flat_params(route.dependant)
    if inputs or route.body_field is not None:
        statuses.add(422)
    if route.param_convertors:
        statuses.add(404)
    with_roles = any(getattr(call, "roles", None) is not None for call in calls)
    if with_roles or optional_principal in calls:
        statuses.add(401)
    if with_roles:
        statuses.add(403)
    if any(isinstance(field.field_info, params.Query) for field in inputs):
        statuses.add(400)  # a well-formed query the domain refuses
    if (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}:
        statuses |= {400, 404, 409}  # a body may name a row that does not exist
    return sorted(statuses)


def _document(app: FastAPI) -> None:
    """Declare each API route's problem+json answers in the OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI until the routes change; the edits below are idempotent
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["Problem"] = problem_schema
        content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for route in iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            if not str(route.path_format).startswith("/api/"):
                continue
            for method in route.methods or ():
                operation = document["paths"][route.path_format][method.lower()]
                for status in problem_statuses(route):
                    declared = route.responses.get(status, {})
                    operation["responses"][str(status)] = {
                        "description": declared.get("description") or PROBLEM_DESCRIPTIONS[status],
                        "content": content,
                    }
        if '"#/components/schemas/HTTPValidationError"' not in json.dumps(document["paths"]):
            schemas.pop("HTTPValidationError", None)  # FastAPI's own 422 shape, replaced above
            schemas.pop("ValidationError", None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _driver_error(exc: DBAPIError) -> BaseException | None:
    """The driver's own exception under SQLAlchemy's (and under its adaption of the driver, if any)."""
    orig: BaseException | None = exc.orig
    inner = getattr(orig, "orig", None) or getattr(orig, "__cause__", None)
    return inner if isinstance(inner, BaseException) else orig


def _is_data_error(exc: DBAPIError) -> bool:
    """A value the database cannot hold: SQLSTATE class 22 from the server, or a parameter the driver
    could not encode (asyncpg checks an integer's range before sending it)."""
    if isinstance(exc, DataError) or str(getattr(exc.orig, "sqlstate", None) or "").startswith("22"):
        return True
    driver = _driver_error(exc)
    return isinstance(driver, ValueError) and "query argument" in str(driver)


def _out_of_range(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) == "22003":  # numeric_value_out_of_range
        return True
    message = str(_driver_error(exc))  # asyncpg: "… (value out of int64 range)"
    return "out of int" in message and "range" in message


def _unstorable(request: Request, exc: DBAPIError) -> JSONResponse:
    # A value the database cannot hold: an integer beyond 64 bits names no row (as on SQLite above); text
    # with a NUL byte or longer than its column is refused. Nothing was written.
    log.info("db.data_error", error=str(exc.orig))
    locale = _locale(request)
    if _out_of_range(exc):
        return problem(request, 404, "not_found", HTTP_TITLES[404].render(locale))
    return problem(request, 400, InvalidInput.code, InvalidInput.message.render(locale))
