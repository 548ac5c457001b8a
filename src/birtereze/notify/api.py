"""REST routes of the notifications service: what was sent to whom from a branch, and its fate.

The branch manager's (``BranchManage``); a branch outside the caller's scope answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from birtereze.branches import service as branches_service
from birtereze.core.schemas import PathId
from birtereze.notify import presenters, service
from birtereze.notify.schemas import NotificationList, Status
from birtereze.web.deps import BranchManage, DbSession, Locale, in_scope
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["notifications"])

StatusFilter = Annotated[Status | None, Query(description="Only messages in this status")]
PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page, from 1; 50 messages a page")]


@router.get(
    "/branches/{branch_id}/notifications", operation_id="listNotifications", response_model=NotificationList
)
async def list_notifications(
    branch_id: PathId,
    session: DbSession,
    principal: BranchManage,
    locale: Locale,
    status: StatusFilter = None,
    page: PageNumber = 1,
) -> Response:
    """The branch's messages (SMS, e-mail, push), newest first, recipients masked."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    found = await service.list_for_branch(session, branch_id=branch_id, status=status, page=page)
    return model_response(presenters.notification_list(found, locale=locale))
