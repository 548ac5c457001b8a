"""REST routes of the queue: tickets, waiting lines, windows and the live event stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import bindparam, select
from starlette.datastructures import URLPath

from birtereze.branches import service as branches_service
from birtereze.branches.models import Window
from birtereze.core import idempotency, security
from birtereze.core.schemas import Names, PathId
from birtereze.core.settings import Settings
from birtereze.core.sql import Statement, Tx
from birtereze.queue import load as queue_load
from birtereze.queue import service as queue_service
from birtereze.queue.models import Queue
from birtereze.queue.schemas import (
    CallTicket,
    CounterRead,
    QueueRead,
    ServiceRecord,
    TicketCreate,
    TicketIssued,
    TicketStatus,
    Transfer,
    VisitRead,
    WaitingTicket,
    WindowBreak,
    WindowOpen,
    WindowProfile,
)
from birtereze.queue.service.desk import Desk
from birtereze.queue.service.rows import VisitRow
from birtereze.staff.service import Principal
from birtereze.web.deps import (
    AppSettings,
    BranchRead,
    DbRead,
    DbSession,
    DbTx,
    Now,
    QueueOperate,
    TicketIssue,
    UnitOfWorkRoute,
    in_scope,
)
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["queue"], route_class=UnitOfWorkRoute)


_SLOT = "{token}"


def _ticket_page_url(request: Request, token: str) -> str:
    """The citizen's ticket page (the QR's link). ``url_for`` walks every route of the application and
    ``base_url`` parses the request's address anew on each call: both are resolved once per application
    and address."""
    state = request.app.state
    path: str | None = getattr(state, "ticket_page_path", None)
    if path is None:
        path = state.ticket_page_path = request.app.url_path_for("ticket_page", token=_SLOT)
        state.ticket_page_bases = {}
    scope = request.scope
    address = (
        scope["scheme"],
        request.headers.get("host"),
        scope.get("root_path", ""),
        str(scope.get("server")),
    )
    base: str | None = state.ticket_page_bases.get(address)
    if base is None:
        if len(state.ticket_page_bases) > 100:
            state.ticket_page_bases.clear()
        base = state.ticket_page_bases[address] = str(URLPath(path).make_absolute_url(request.base_url))
    return base.replace(_SLOT, token)


@router.post(
    "/branches/{branch_id}/tickets",
    operation_id="issueTicket",
    response_model=TicketIssued,
    status_code=201,
)
async def issue_ticket(
    branch_id: PathId,
    body: TicketCreate,
    request: Request,
    tx: DbTx,
    now: Now,
    principal: TicketIssue,
    settings: AppSettings,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> Response:
    """Take a ticket. With an ``Idempotency-Key`` a retried request returns the same ticket."""
    in_scope(principal, branch_id)
    scope = f"ticket:{principal.staff_id}:{branch_id}"
    if idempotency_key:
        stored = await idempotency.claim(
            tx,
            scope=scope,
            key=idempotency_key,
            fingerprint=idempotency.request_fingerprint(body.model_dump_json().encode()),
            now=now,
        )
        if stored is not None:
            return model_response(TicketIssued.model_validate(stored), 201)
    estimate: list[queue_load.TicketEstimate] = []

    async def estimate_before_numbering(provisional: VisitRow) -> None:
        estimate.append(await queue_load.ticket_estimate(tx, provisional, now=now))

    visit = await queue_service.issue_ticket(
        tx,
        branch_id=branch_id,
        service_id=body.service_id,
        extra_service_ids=body.extra_service_ids,
        priority_code=body.priority,
        appointment=body.appointment,
        language=body.language,
        channel=body.channel,
        now=now,
        before_numbering=estimate_before_numbering,
    )
    ahead, wait, estimates = estimate[0]
    if estimates is not None:
        await queue_service.remember_estimates(tx, visit_id=visit.id, estimates=estimates)
    token = security.sign_ticket(settings.secret_key, visit.id, now)
    issued = TicketIssued(
        ticket=VisitRead.of(visit),
        people_ahead=ahead,
        estimated_wait_s=wait,
        status_token=token,
        status_url=_ticket_page_url(request, token),
    )
    if idempotency_key:
        await idempotency.store(tx, scope=scope, key=idempotency_key, response=issued.model_dump(mode="json"))
    return model_response(issued, 201)


@router.get("/branches/{branch_id}/tickets/{visit_id}", operation_id="getTicket", response_model=VisitRead)
async def get_ticket(branch_id: PathId, visit_id: PathId, tx: DbRead, principal: BranchRead) -> Response:
    in_scope(principal, branch_id)
    return model_response(VisitRead.of(await queue_service.get_visit(tx, visit_id, branch_id=branch_id)))


@router.post(
    "/branches/{branch_id}/tickets/{visit_id}/cancel", operation_id="cancelTicket", response_model=VisitRead
)
async def cancel_ticket(
    branch_id: PathId, visit_id: PathId, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    """Cancel a ticket on the citizen's behalf."""
    in_scope(principal, branch_id)
    await queue_service.get_visit(tx, visit_id, branch_id=branch_id)
    return model_response(VisitRead.of(await queue_service.cancel(tx, visit_id=visit_id, now=now)))


async def _visit_by_token(tx: Tx, settings: Settings, token: str, now: datetime) -> VisitRow:
    return await queue_service.get_visit_by_token(
        tx,
        token=token,
        secret=settings.secret_key,
        max_age_s=settings.ticket_token_max_age_days * 86400,
        now=now,
    )


@router.get("/ticket-status/{token}", operation_id="getTicketStatus", response_model=TicketStatus)
async def get_ticket_status(token: str, tx: DbRead, now: Now, settings: AppSettings) -> Response:
    """The citizen's own ticket, read with the signed token of its QR code; no login."""
    return model_response(await ticket_status_of(tx, await _visit_by_token(tx, settings, token, now), now))


# The queue's names and the window's number, in one statement built once.
_STATUS_NAMES: Final = Statement(
    select(
        Queue.name_kk,
        Queue.name_ru,
        Queue.name_en,
        select(Window.number).where(Window.id == bindparam("window_id")).scalar_subquery().label("window"),
    ).where(Queue.id == bindparam("queue_id"))
)


async def ticket_status_of(tx: Tx, visit: VisitRow, now: datetime) -> TicketStatus:
    ahead, wait, _estimates = await queue_load.ticket_estimate(tx, visit, now=now)
    at_window = visit.window_id is not None and visit.status in ("called", "serving")
    names = await tx.one(
        _STATUS_NAMES, {"queue_id": visit.queue_id, "window_id": visit.window_id if at_window else None}
    )
    return TicketStatus(
        number=visit.number,
        status=visit.status,
        branch_id=visit.branch_id,
        queue=Names.of(names),
        people_ahead=ahead,
        estimated_wait_s=wait if visit.status == "waiting" else 0,
        window_number=names.window,
        called_at=visit.called_at,
        issued_at=visit.issued_at,
        remote=visit.remote,
        arrived=visit.arrived_at is not None,
    )


@router.post("/ticket-status/{token}/cancel", operation_id="cancelOwnTicket", response_model=TicketStatus)
async def cancel_own_ticket(token: str, tx: DbTx, now: Now, settings: AppSettings) -> Response:
    """The citizen gives up their ticket."""
    visit = await _visit_by_token(tx, settings, token, now)
    return model_response(
        await ticket_status_of(tx, await queue_service.cancel(tx, visit_id=visit.id, now=now), now)
    )


@router.get("/branches/{branch_id}/queues", operation_id="listQueues", response_model=list[QueueRead])
async def list_queues(
    branch_id: PathId, session: DbSession, now: Now, principal: BranchRead
) -> list[QueueRead]:
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    return [
        QueueRead(
            id=queue.id,
            prefix=queue.prefix,
            zone_id=queue.zone_id,
            name=Names.of(queue),
            waiting=live.waiting,
            longest_wait_s=round(live.longest_wait_s),
            max_wait_s=queue.max_wait_s,
        )
        for queue, live in await queue_load.queue_loads(session, branch_id=branch_id, now=now)
    ]


@router.get(
    "/branches/{branch_id}/waiting", operation_id="listWaitingTickets", response_model=list[WaitingTicket]
)
async def list_waiting(
    branch_id: PathId,
    session: DbSession,
    now: Now,
    principal: BranchRead,
    queue_id: int | None = None,
) -> list[WaitingTicket]:
    """Tickets waiting in the branch's queues, in calling order within each queue."""
    in_scope(principal, branch_id)
    visits = await queue_service.list_waiting(
        session, branch_id=branch_id, queue_ids=[queue_id] if queue_id is not None else None
    )
    return [
        WaitingTicket(
            id=v.id,
            number=v.number,
            queue_id=v.queue_id,
            priority=v.priority_code,
            first_in_line=v.first_in_line,
            appointment=v.appointment,
            waited_s=max(round((now - v.queued_at).total_seconds()), 0),
            available_at=v.available_at,
        )
        for v in visits
    ]


@router.get("/branches/{branch_id}/windows", operation_id="listWindows", response_model=list[CounterRead])
async def list_windows(branch_id: PathId, session: DbSession, principal: BranchRead) -> list[CounterRead]:
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    return [
        CounterRead.build(w, c) for w, c in await queue_service.list_counters(session, branch_id=branch_id)
    ]


# --- window operations -----------------------------------------------------------------------------

WindowOperation = Callable[[], Awaitable[Desk]]


async def _operate(tx: Tx, principal: Principal, window_id: PathId, operation: WindowOperation) -> Response:
    # The caller's scope is checked on the locked counter's centre, before any write: a window of another
    # centre is "not found" (core.sql.Tx.visible).
    tx.visible = principal.can_see
    return model_response(CounterRead.of(await operation()))


@router.post("/windows/{window_id}/open", operation_id="openWindow", response_model=CounterRead)
async def open_window(
    window_id: PathId, body: WindowOpen, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    """Sign in at a window with a work profile."""
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.open_window(
            tx,
            window_id=window_id,
            staff_id=principal.staff_id,
            work_profile_id=body.work_profile_id,
            now=now,
        ),
    )


@router.post("/windows/{window_id}/close", operation_id="closeWindow", response_model=CounterRead)
async def close_window(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.close_window(tx, window_id=window_id, now=now),
    )


@router.post("/windows/{window_id}/break", operation_id="startBreak", response_model=CounterRead)
async def start_break(
    window_id: PathId, body: WindowBreak, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.start_break(tx, window_id=window_id, reason=body.reason, now=now),
    )


@router.post("/windows/{window_id}/resume", operation_id="endBreak", response_model=CounterRead)
async def end_break(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx, principal, window_id, lambda: queue_service.end_break(tx, window_id=window_id, now=now)
    )


@router.post("/windows/{window_id}/ready", operation_id="endWrapUp", response_model=CounterRead)
async def end_wrap_up(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.end_wrap_up(tx, window_id=window_id, now=now),
    )


@router.post("/windows/{window_id}/profile", operation_id="changeWorkProfile", response_model=CounterRead)
async def change_profile(
    window_id: PathId, body: WindowProfile, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.change_profile(
            tx, window_id=window_id, work_profile_id=body.work_profile_id, now=now
        ),
    )


@router.post("/windows/{window_id}/call-next", operation_id="callNext", response_model=CounterRead)
async def call_next(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    """Call the next ticket by the window's work profile and calling rules."""
    return await _operate(
        tx, principal, window_id, lambda: queue_service.call_next(tx, window_id=window_id, now=now)
    )


@router.post("/windows/{window_id}/call", operation_id="callTicket", response_model=CounterRead)
async def call_ticket(
    window_id: PathId, body: CallTicket, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    """Call a chosen waiting ticket, or resume one this window parked."""
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.call_visit(tx, window_id=window_id, visit_id=body.visit_id, now=now),
    )


@router.post("/windows/{window_id}/recall", operation_id="recallTicket", response_model=CounterRead)
async def recall(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx, principal, window_id, lambda: queue_service.recall(tx, window_id=window_id, now=now)
    )


@router.post("/windows/{window_id}/confirm", operation_id="confirmArrival", response_model=CounterRead)
async def confirm(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    """The citizen has come to the window; service starts."""
    return await _operate(
        tx, principal, window_id, lambda: queue_service.confirm(tx, window_id=window_id, now=now)
    )


@router.post("/windows/{window_id}/no-show", operation_id="markNoShow", response_model=CounterRead)
async def no_show(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.mark_no_show(tx, window_id=window_id, now=now),
    )


@router.post("/windows/{window_id}/services", operation_id="recordService", response_model=CounterRead)
async def record_service(
    window_id: PathId, body: ServiceRecord, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    """Record a delivered service and its outcome."""
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.record_service(
            tx, window_id=window_id, service_id=body.service_id, outcome_code=body.outcome, now=now
        ),
    )


@router.post("/windows/{window_id}/finish", operation_id="finishService", response_model=CounterRead)
async def finish(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx, principal, window_id, lambda: queue_service.finish(tx, window_id=window_id, now=now)
    )


@router.post("/windows/{window_id}/park", operation_id="parkTicket", response_model=CounterRead)
async def park(window_id: PathId, tx: DbTx, now: Now, principal: QueueOperate) -> Response:
    return await _operate(
        tx, principal, window_id, lambda: queue_service.park(tx, window_id=window_id, now=now)
    )


@router.post("/windows/{window_id}/transfer", operation_id="transferTicket", response_model=CounterRead)
async def transfer(
    window_id: PathId, body: Transfer, tx: DbTx, now: Now, principal: QueueOperate
) -> Response:
    """Transfer to a queue, a window or a staff pool; first or last in line; optionally delayed."""
    return await _operate(
        tx,
        principal,
        window_id,
        lambda: queue_service.transfer(
            tx,
            window_id=window_id,
            to_queue_id=body.queue_id,
            to_window_id=body.window_id,
            to_staff_id=body.staff_id,
            first_in_line=body.position == "first",
            delay_s=body.delay_s,
            now=now,
        ),
    )
