"""The branch manager's page of notifications: what was sent to whom from the branch, by which channel,
and its delivery status, newest first, filtered by status, 50 a page.

The page is the manager's (``BranchManage``): a browser reaches it with the bearer token as
``access_token`` in the address (the shared staff script keeps it in the tab's session storage), and the
page's links and filter carry it on. Recipients are masked; one-time codes are never shown.

This module's ``router`` also carries the notifications' REST routes (``notify.api``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from birtereze.branches import service as branches_service
from birtereze.core.schemas import Names, PathId
from birtereze.notify import api, presenters, service
from birtereze.notify.errors import UnknownStatus
from birtereze.notify.schemas import NotificationRead
from birtereze.web.deps import BranchManage, DbSession, in_scope
from birtereze.web.templating import page_locale, render

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
StatusFilter = Annotated[str | None, Query(max_length=16, description="Only messages in this status")]
PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page, from 1")]
TIME_FORMAT: Final = "%d.%m.%Y %H:%M:%S"


@dataclass(frozen=True, slots=True)
class Line:
    message: NotificationRead
    channel: str
    status: str
    created: str
    sent: str
    delivered: str


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(TIME_FORMAT) if moment else ""


def _link(request: Request, **changes: object) -> str:
    """This page's address with some query parameters changed (None drops one)."""
    query = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return f"{request.url.path}?{urlencode(query)}" if query else request.url.path


@pages.get("/notifications/{branch_id}", name="notifications_page")
async def notifications_page(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    principal: BranchManage,
    locale: PageLocale,
    status: StatusFilter = None,
    page: PageNumber = 1,
) -> HTMLResponse:
    """The branch's messages with their channel, masked recipient, template, language and status."""
    in_scope(principal, branch_id)
    if status and status not in service.STATUSES:
        raise UnknownStatus(status=status)
    status = status or None
    branch = await branches_service.get(session, branch_id)
    zone = ZoneInfo(branch.timezone)
    found = await service.list_for_branch(session, branch_id=branch_id, status=status, page=page)
    lines = []
    for notification in found.items:
        message = presenters.notification_read(notification, locale=locale)
        lines.append(
            Line(
                message=message,
                channel=service.CHANNEL_WORDS[message.channel].render(locale),
                status=service.STATUS_WORDS[message.status].render(locale),
                created=_local(message.created_at, zone),
                sent=_local(message.sent_at, zone),
                delivered=_local(message.delivered_at or message.failed_at, zone),
            )
        )
    context = {
        "branch": branch,
        "branch_name": str(getattr(Names.of(branch), locale)),
        "lines": lines,
        "found": found,
        "status": status or "",
        "statuses": [(code, word.render(locale)) for code, word in service.STATUS_WORDS.items()],
        "token": request.query_params.get("access_token", ""),
        "previous_url": _link(request, page=page - 1) if page > 1 else None,
        "next_url": _link(request, page=page + 1) if page < found.pages else None,
    }
    return render(request, "notify/page.html", context, locale=locale)


router = APIRouter()
router.include_router(api.router)
router.include_router(pages)
