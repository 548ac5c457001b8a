"""REST routes of the hall's calls for help (accessibility, M5): raised by a kiosk, a hardware button
(signed in with a kiosk's token) or an operator; answered by an operator or the manager; listed for the
manager's board and the accessible windows. Each change is also a live event of the branch's stream
(``assist.called``, ``assist.answered``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from birtereze.branches import service as branches_service
from birtereze.core.errors import Forbidden
from birtereze.core.schemas import PathId
from birtereze.queue.assist_schemas import AssistCallAnswer, AssistCallCreate, AssistCallRead
from birtereze.queue.service import assist
from birtereze.web.deps import BranchRead, DbSession, HallDevice, Now, QueueOperate, UnitOfWorkRoute, in_scope
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["queue"], route_class=UnitOfWorkRoute)


@router.post(
    "/branches/{branch_id}/assist-calls",
    operation_id="raiseAssistCall",
    response_model=AssistCallRead,
    status_code=201,
    responses={200: {"model": AssistCallRead, "description": "The device's call, still open: the same call"}},
)
async def raise_assist_call(
    branch_id: PathId, body: AssistCallCreate, session: DbSession, now: Now, principal: HallDevice
) -> Response:
    """Call for help. 201 with a new call; 200 with the same call when the device's call is still open
    (pressed again within a few minutes), which alerts nobody a second time."""
    in_scope(principal, branch_id)
    if body.source == "operator" and principal.role == "kiosk":
        raise Forbidden()
    call, new = await assist.raise_call(
        session,
        branch_id=branch_id,
        source=body.source,
        device=body.device or principal.username,
        zone_id=body.zone_id,
        now=now,
    )
    (view,) = await assist.list_views(session, [call])
    return model_response(AssistCallRead.of(view), 201 if new else 200)


@router.post("/assist-calls/{call_id}/answer", operation_id="answerAssistCall", response_model=AssistCallRead)
async def answer_assist_call(
    call_id: PathId, body: AssistCallAnswer, session: DbSession, now: Now, principal: QueueOperate
) -> Response:
    """Answer a call, once (a second answer is a 409); the response time is recorded."""
    view = await assist.answer_call(
        session,
        call_id=call_id,
        staff_id=principal.staff_id,
        window_id=body.window_id,
        visible=principal.can_see,
        now=now,
    )
    return model_response(AssistCallRead.of(view))


@router.get(
    "/branches/{branch_id}/assist-calls", operation_id="listAssistCalls", response_model=list[AssistCallRead]
)
async def list_assist_calls(
    branch_id: PathId,
    session: DbSession,
    principal: BranchRead,
    open_only: Annotated[
        bool,
        Query(
            alias="open", description="true: the open calls, oldest first; false: the latest, newest first"
        ),
    ] = True,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many (latest calls only)")] = 50,
) -> list[AssistCallRead]:
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    if open_only:
        views = await assist.list_open(session, branch_id=branch_id)
    else:
        views = await assist.list_recent(session, branch_id=branch_id, limit=limit)
    return [AssistCallRead.of(view) for view in views]
