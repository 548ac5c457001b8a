"""REST routes of the queue's KPIs (JSON and CSV) and of its normative alerts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.core.errors import NotFound
from birtereze.core.i18n import _l
from birtereze.core.schemas import IsoDate, Names, PathId
from birtereze.queue import kpis
from birtereze.queue import service as queue_service
from birtereze.queue.kpi_schemas import FIGURE_COLUMNS, AlertRead, KpiFigures, KpiReport, KpiRow
from birtereze.queue.kpis import GroupBy, GroupKey
from birtereze.queue.models import Alert
from birtereze.queue.service import alerts
from birtereze.staff import service as staff_service
from birtereze.web.deps import DbSession, Locale, Now, QueueOperate, in_scope

router = APIRouter(prefix="/api/v1", tags=["kpis"])

WINDOW_LABEL: Final = _l("Window {number}")
NO_GROUP: Final = {
    "window": _l("No window"),
    "operator": _l("No operator"),
}
UNKNOWN: Final = _l("Unknown")
ALERT_TITLES: Final = {
    "wait": _l("Wait over the norm"),
    "service_time": _l("Service time over the norm"),
    "idle_window": _l("Window idle while tickets wait"),
    "queue_length": _l("Queue longer than the norm"),
}

Day = Annotated[
    IsoDate | None,
    Query(description="The branch's local day (YYYY-MM-DD) whose tickets to count; today by default"),
]
Grouping = Annotated[GroupBy, Query(description="One row per branch, queue, window, operator, zone or hour")]


def _name(names: Names, locale: str) -> str:
    return str(getattr(names, locale))


async def _labels(
    session: AsyncSession, *, branch_id: PathId, group_by: GroupBy, keys: list[GroupKey], locale: str
) -> dict[GroupKey, str]:
    """The localised name of each group (ids of queues, windows, staff, zones; hours)."""
    labels: dict[GroupKey, str] = {None: NO_GROUP.get(group_by, UNKNOWN).render(locale)}
    if group_by == "branch":
        branch = await branches_service.get(session, branch_id)
        labels[branch.id] = _name(Names.of(branch), locale)
    elif group_by == "queue":
        for queue in await queue_service.list_queues(session, branch_id=branch_id):
            labels[queue.id] = f"{queue.prefix} — {_name(Names.of(queue), locale)}"
    elif group_by == "window":
        for window in await branches_service.list_windows(session, branch_id=branch_id):
            labels[window.id] = WINDOW_LABEL.render(locale, number=window.number)
    elif group_by == "zone":
        for zone in await branches_service.list_zones(session, branch_id=branch_id):
            labels[zone.id] = _name(Names.of(zone), locale)
    elif group_by == "operator":
        for key in keys:
            if key is None:
                continue
            try:
                labels[key] = (await staff_service.get(session, key)).full_name
            except NotFound:
                labels[key] = UNKNOWN.render(locale)
    else:
        labels.update({hour: f"{hour:02d}:00–{(hour + 1) % 24:02d}:00" for hour in range(24)})
    return labels


async def _report(
    session: AsyncSession,
    *,
    branch_id: PathId,
    day: date | None,
    group_by: GroupBy,
    now: datetime,
    locale: str,
) -> KpiReport:
    branch = await branches_service.get(session, branch_id)
    day = day or branches_service.service_day(branch.timezone, now)
    computed = await kpis.branch_kpis(session, branch_id=branch_id, start=day, group_by=group_by)
    keys = [key for key, _ in computed.table.rows]
    labels = await _labels(session, branch_id=branch_id, group_by=group_by, keys=keys, locale=locale)
    return KpiReport(
        branch_id=branch_id,
        day=day,
        timezone=branch.timezone,
        group_by=group_by,
        rows=[
            KpiRow(key=key, label=labels.get(key, f"#{key}"), **KpiFigures.values(figures))
            for key, figures in computed.table.rows
        ],
        total=KpiFigures.of(computed.table.total),
    )


@router.get("/branches/{branch_id}/kpis", operation_id="getKpis", response_model=KpiReport)
async def get_kpis(
    branch_id: PathId,
    session: DbSession,
    now: Now,
    principal: QueueOperate,
    locale: Locale,
    day: Day = None,
    group_by: Grouping = "branch",
) -> KpiReport:
    """KPIs of a local day's tickets, computed from the event log (definitions: docs/kpis.md)."""
    in_scope(principal, branch_id)
    return await _report(session, branch_id=branch_id, day=day, group_by=group_by, now=now, locale=locale)


@router.get(
    "/branches/{branch_id}/kpis.csv",
    operation_id="exportKpisCsv",
    response_class=Response,
    responses={
        200: {"description": "One row per group", "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def export_kpis_csv(
    branch_id: PathId,
    session: DbSession,
    now: Now,
    principal: QueueOperate,
    locale: Locale,
    day: Day = None,
    group_by: Grouping = "branch",
) -> Response:
    """The same KPIs as CSV: a header row, then one row per group."""
    in_scope(principal, branch_id)
    report = await _report(session, branch_id=branch_id, day=day, group_by=group_by, now=now, locale=locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("key", "label", *FIGURE_COLUMNS))
    for row in report.rows:
        values = row.model_dump()
        writer.writerow(
            (
                "" if row.key is None else row.key,
                row.label,
                *("" if values[c] is None else values[c] for c in FIGURE_COLUMNS),
            )
        )
    filename = f"kpis-{branch_id}-{report.day.isoformat()}-{group_by}.csv"
    return Response(
        content=buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Content-Language": locale},
    )


def _subject_id(alert: Alert, kind: str) -> int | None:
    prefix, _, value = alert.subject.partition(":")
    return int(value) if prefix == kind and value.isdigit() else None


@router.get("/branches/{branch_id}/alerts", operation_id="listAlerts", response_model=list[AlertRead])
async def list_alerts(
    branch_id: PathId,
    session: DbSession,
    principal: QueueOperate,
    locale: Locale,
    open_only: Annotated[
        bool, Query(alias="open", description="true: open alerts only; false: the latest alerts, cleared too")
    ] = True,
) -> list[AlertRead]:
    """Normative alerts of the branch, newest first."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    return [
        AlertRead(
            id=alert.id,
            kind=alert.kind,
            title=ALERT_TITLES[alert.kind].render(locale) if alert.kind in ALERT_TITLES else alert.kind,
            subject=alert.subject,
            queue_id=_subject_id(alert, "queue"),
            window_id=_subject_id(alert, "window"),
            value=alert.value,
            limit=alert.limit,
            raised_at=alert.raised_at,
            cleared_at=alert.cleared_at,
            open=alert.cleared_at is None,
        )
        for alert in await alerts.list_alerts(session, branch_id=branch_id, open_only=open_only)
    ]
