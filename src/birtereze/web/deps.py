"""Dependencies shared by every route, defined once as Annotated aliases."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, Final

import structlog
from fastapi import Depends, Query, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.clock import Clock
from birtereze.core.errors import Forbidden, NotFound, Unauthorized
from birtereze.core.events import LiveEvent, collect_live, committed
from birtereze.core.i18n import LOCALES, negotiate
from birtereze.core.live import Hub
from birtereze.core.settings import Settings
from birtereze.core.sql import Tx, lean_transaction
from birtereze.staff import service as staff_service
from birtereze.staff.service import Principal

log = structlog.get_logger(__name__)


async def _publish(request: Request, live: list[LiveEvent]) -> None:
    """Hand a committed unit of work's events to the live hub (what fails here is logged, not raised:
    the change is committed, and subscribers that miss an event replay it from the log)."""
    if not live:
        return
    hub: Hub = request.app.state.hub
    try:
        await hub.publish(live)
    except Exception:
        log.exception("live.publish_failed", events=len(live))


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit when the route succeeds, then publish its live events."""
    factory = request.app.state.sessions
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        live = collect_live(session)
    await _publish(request, live)


DbSession = Annotated[AsyncSession, Depends(db_session, scope="function")]


_UNIT_OF_WORK: Final = "birtereze.unit_of_work"


class UnitOfWorkRoute(APIRoute):
    """A route whose lean transaction (``DbTx``) is committed when the endpoint returns, before the
    response is sent, and whose live events are then published; rolled back if the endpoint raises.

    A dependency with ``yield`` would do the same through FastAPI's exit stack, which costs about a tenth
    of a hot request's CPU; the queue's router uses this route class instead.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            opened: list[_Unit] = []
            request.scope[_UNIT_OF_WORK] = opened
            try:
                response = await handler(request)
            except BaseException as error:
                await _end(opened, error)
                raise
            await _end(opened, None)
            for unit in opened:
                await _publish(request, await committed(unit.tx))
            return response

        return run


async def _end(units: list[_Unit], error: BaseException | None) -> None:
    """Commit the units of work (roll them back if ``error``); one whose commit fails rolls back the
    rest, and its error is raised once all are ended."""
    failure = error
    for unit in units:
        try:
            if failure is None:
                await unit.__aexit__(None, None, None)
            else:
                await unit.__aexit__(type(failure), failure, failure.__traceback__)
        except BaseException as raised:
            failure = failure or raised
    if failure is not None and failure is not error:
        raise failure


class _Unit:
    """One lean transaction of a request, entered by ``db_tx`` and ended by ``UnitOfWorkRoute``."""

    __slots__ = ("_context", "tx")

    def __init__(self, engine: Any, *, read_only: bool) -> None:
        self._context = lean_transaction(engine, read_only=read_only)
        self.tx: Tx

    async def __aenter__(self) -> Tx:
        self.tx = await self._context.__aenter__()
        return self.tx

    async def __aexit__(self, *exc: Any) -> None:
        await self._context.__aexit__(*exc)


async def _unit(request: Request, *, read_only: bool) -> Tx:
    opened: list[_Unit] | None = request.scope.get(_UNIT_OF_WORK)
    if opened is None:
        raise RuntimeError("DbTx and DbRead need a route of the class UnitOfWorkRoute")
    unit = _Unit(request.app.state.engine, read_only=read_only)
    tx = await unit.__aenter__()
    opened.append(unit)
    return tx


async def db_tx(request: Request) -> Tx:
    """A lean unit of work for the hot routes (see core.sql): a transaction on a pooled connection,
    without an ORM session, taken on its first statement; the route (``UnitOfWorkRoute``) commits it."""
    return await _unit(request, read_only=False)


async def db_read(request: Request) -> Tx:
    """Lean reads for the hot read-only routes: no transaction, so no BEGIN and COMMIT round trips."""
    return await _unit(request, read_only=True)


DbTx = Annotated[Tx, Depends(db_tx)]
DbRead = Annotated[Tx, Depends(db_read)]


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


# Dependencies are coroutines even when they do not await: FastAPI runs plain functions in a thread pool.
async def get_now(request: Request) -> datetime:
    return get_clock(request).now()


Now = Annotated[datetime, Depends(get_now)]


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


LiveHub = Annotated[Hub, Depends(get_hub)]


async def get_locale(
    request: Request,
    lang: Annotated[str | None, Query(description="Language: kk, ru or en", pattern="^(kk|ru|en)$")] = None,
) -> str:
    if lang in LOCALES:
        return lang
    return negotiate(request.headers.get("accept-language"), request.app.state.settings.default_locale)


Locale = Annotated[str, Depends(get_locale)]


class TokenCache:
    """Recently checked bearer tokens, so that a busy console does not hit the database every call."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token: str, principal: Principal) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[token] = (time.monotonic() + self.ttl_s, principal)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Browsers' EventSource cannot send headers: the stream accepts the token as a query parameter.
    return request.query_params.get("access_token") or None


async def optional_principal(request: Request) -> Principal | None:
    token = _bearer(request)
    if token is None:
        return None
    cache: TokenCache = request.app.state.token_cache
    principal = cache.get(token)
    if principal is not None:
        return principal
    async with request.app.state.sessions() as session:
        principal = await staff_service.principal_for_token(
            session, token=token, now=get_clock(request).now()
        )
    if principal is None:
        raise Unauthorized()
    cache.put(token, principal)
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized()
    return principal


CurrentStaff = Annotated[Principal, Depends(current_principal)]
MaybeStaff = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: str):  # type: ignore[no-untyped-def]
    # One dependency, not a chain of three (token → principal → role): FastAPI's resolution of each level
    # cost more than the check itself on the hot routes.
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(await optional_principal(request))
        if principal.role not in roles and not principal.is_admin:
            raise Forbidden()
        return principal

    # Read by the OpenAPI error declarations and by the meta-test that every route declares a permission.
    dependency.roles = roles  # type: ignore[attr-defined]
    return dependency


QueueOperate = Annotated[Principal, Depends(require_roles("operator", "branch_manager"))]
BranchManage = Annotated[Principal, Depends(require_roles("branch_manager"))]
TicketIssue = Annotated[Principal, Depends(require_roles("kiosk", "operator", "branch_manager"))]
# The hall's screens (display boards sign in with a kiosk's token), consoles and managers: the roles that
# take tickets.
HallDevice = TicketIssue
BranchRead = Annotated[Principal, Depends(require_roles("kiosk", "operator", "branch_manager"))]
AdminOnly = Annotated[Principal, Depends(require_roles())]


def in_scope(principal: Principal, branch_id: int) -> None:
    """Outside the caller's scope a branch's data does not exist: 404, not 403."""
    if not principal.can_see(branch_id):
        raise NotFound("Branch")
