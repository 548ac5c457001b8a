"""The branch manager's board (1366×768 and up): the windows with their state and operator, the queues
with their waiting counts and longest waits, the normative alerts and the open calls for help as they
happen, and the day's KPIs with charts.

The page and its fragments are the manager's (``BranchManage``); a browser reaches the page with the
bearer token as ``access_token`` in the address, and the page's script keeps it in the tab's session
storage and sends it as a header. The script listens to the branch's event stream and fetches the
fragments again (``manager_panel``: calls for help, windows, queues, alerts; ``manager_kpis``: the day's
figures and charts), so every sentence stays in the templates. Actions go to the REST API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.core.errors import NotFound
from birtereze.core.i18n import _l
from birtereze.core.schemas import Names, PathId
from birtereze.queue import kpis
from birtereze.queue import load as queue_load
from birtereze.queue import service as queue_service
from birtereze.queue.kpi_api import ALERT_TITLES
from birtereze.queue.service import alerts, assist
from birtereze.queue.states import WINDOW_STATE_NAMES
from birtereze.staff import service as staff_service
from birtereze.web.deps import BranchManage, DbSession, Now, in_scope
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
# The page asks for its live parts again this often even when nothing happens: waits grow by themselves.
REFRESH_S: Final = 30

SOURCE_WORDS: Final = {
    "kiosk": _l("Kiosk"),
    "button": _l("Call button"),
    "operator": _l("Operator"),
}
WINDOW_LABEL: Final = _l("Window {number}")
TICKETS: Final = _l("Tickets")
SERVED: Final = _l("Served")
WAITING: Final = _l("Waiting")
MEAN_WAIT: Final = _l("Mean wait, min")
OVER_NORM: Final = _l("Over the norm, %")


@dataclass(frozen=True, slots=True)
class WindowLine:
    id: int
    number: int
    accessible: bool
    zone: str
    state: str
    state_word: str
    minutes: int  # in this state
    operator: str | None
    profile_id: int | None
    profile: str | None
    ticket: str | None

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    @property
    def closable(self) -> bool:
        return self.state in ("open", "wrap_up", "break")


@dataclass(frozen=True, slots=True)
class QueueLine:
    id: int
    prefix: str
    name: str
    waiting: int
    longest_min: int
    norm_min: int

    @property
    def over_norm(self) -> bool:
        return self.waiting > 0 and self.longest_min > self.norm_min


@dataclass(frozen=True, slots=True)
class AlertLine:
    id: int
    kind: str
    title: str
    subject: str
    value: str
    limit: str
    since: str


@dataclass(frozen=True, slots=True)
class CallLine:
    id: int
    source: str
    device: str
    zone: str | None
    raised: str  # local time
    minutes: int  # waiting for an answer


def _minutes(seconds: float) -> int:
    return max(int(seconds // 60), 0)


def _name(names: Names, locale: str) -> str:
    return str(getattr(names, locale))


async def _staff_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    names = {}
    for staff_id in ids:
        try:
            names[staff_id] = (await staff_service.get(session, staff_id)).full_name
        except NotFound:
            continue
    return names


async def _windows(
    session: AsyncSession, *, branch_id: int, zones: dict[int, str], now: datetime, locale: str
) -> list[WindowLine]:
    counters = await queue_service.list_counters(session, branch_id=branch_id)
    profiles = {
        p.id: _name(Names.of(p), locale)
        for p in await queue_service.list_profiles(session, branch_id=branch_id)
    }
    operators = await _staff_names(session, {c.staff_id for _, c in counters if c and c.staff_id is not None})
    lines = []
    for window, counter in counters:
        state = counter.state if counter else "closed"
        ticket = None
        if counter is not None and counter.visit_id is not None and state in ("calling", "serving"):
            ticket = (await queue_service.get_visit(session, counter.visit_id)).number
        profile_id = counter.work_profile_id if counter and state != "closed" else None
        lines.append(
            WindowLine(
                id=window.id,
                number=window.number,
                accessible=window.accessible,
                zone=zones.get(window.zone_id, ""),
                state=state,
                state_word=WINDOW_STATE_NAMES[state].render(locale),
                minutes=_minutes((now - counter.since).total_seconds())
                if counter and state != "closed"
                else 0,
                operator=operators.get(counter.staff_id) if counter and counter.staff_id else None,
                profile_id=profile_id,
                profile=profiles.get(profile_id) if profile_id is not None else None,
                ticket=ticket,
            )
        )
    return lines


async def _queues(session: AsyncSession, *, branch: Branch, now: datetime, locale: str) -> list[QueueLine]:
    return [
        QueueLine(
            id=queue.id,
            prefix=queue.prefix,
            name=_name(Names.of(queue), locale),
            waiting=live.waiting,
            longest_min=_minutes(live.longest_wait_s),
            norm_min=_minutes(queue.max_wait_s or branch.max_wait_s),
        )
        for queue, live in await queue_load.queue_loads(session, branch_id=branch.id, now=now)
    ]


def _alert_value(kind: str, value: float) -> str:
    return str(round(value)) if kind == "queue_length" else str(_minutes(value))


async def _alerts(
    session: AsyncSession,
    *,
    branch_id: int,
    queues: list[QueueLine],
    windows: list[WindowLine],
    zone: ZoneInfo,
    locale: str,
) -> list[AlertLine]:
    queue_names = {q.id: f"{q.prefix} — {q.name}" for q in queues}
    window_names = {w.id: WINDOW_LABEL.render(locale, number=w.number) for w in windows}
    lines = []
    for alert in await alerts.list_alerts(session, branch_id=branch_id, open_only=True):
        kind, _, raw = alert.subject.partition(":")
        subject_id = int(raw) if raw.isdigit() else 0
        names = queue_names if kind == "queue" else window_names
        lines.append(
            AlertLine(
                id=alert.id,
                kind=alert.kind,
                title=ALERT_TITLES[alert.kind].render(locale) if alert.kind in ALERT_TITLES else alert.kind,
                subject=names.get(subject_id, alert.subject),
                value=_alert_value(alert.kind, alert.value),
                limit=_alert_value(alert.kind, alert.limit),
                since=alert.raised_at.astimezone(zone).strftime("%H:%M"),
            )
        )
    return lines


async def panel_context(
    session: AsyncSession, *, branch: Branch, now: datetime, locale: str
) -> dict[str, Any]:
    """What the live panel shows: open calls for help, windows, queues and open alerts."""
    zone = ZoneInfo(branch.timezone)
    zones = {
        z.id: _name(Names.of(z), locale)
        for z in await branches_service.list_zones(session, branch_id=branch.id)
    }
    windows = await _windows(session, branch_id=branch.id, zones=zones, now=now, locale=locale)
    queues = await _queues(session, branch=branch, now=now, locale=locale)
    calls = [
        CallLine(
            id=view.call.id,
            source=SOURCE_WORDS[view.call.source].render(locale),
            device=view.call.device,
            zone=zones.get(view.call.zone_id) if view.call.zone_id is not None else None,
            raised=view.call.raised_at.astimezone(zone).strftime("%H:%M:%S"),
            minutes=_minutes((now - view.call.raised_at).total_seconds()),
        )
        for view in await assist.list_open(session, branch_id=branch.id)
    ]
    return {
        "branch": branch,
        "windows": windows,
        "accessible_windows": [w for w in windows if w.accessible],
        "profiles": [
            (p.id, _name(Names.of(p), locale))
            for p in await queue_service.list_profiles(session, branch_id=branch.id)
        ],
        "queues": queues,
        "alerts": await _alerts(
            session, branch_id=branch.id, queues=queues, windows=windows, zone=zone, locale=locale
        ),
        "calls": calls,
        "updated": now.astimezone(zone).strftime("%H:%M:%S"),
    }


def _chart_minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


async def kpi_context(session: AsyncSession, *, branch: Branch, now: datetime, locale: str) -> dict[str, Any]:
    """The day's figures, two charts (per hour, per queue) and the day's calls for help."""
    day = branches_service.service_day(branch.timezone, now)
    frame = await kpis.load_frame(session, branch_id=branch.id)
    events = await kpis.load_events(session, branch_id=branch.id, timezone=frame.timezone, start=day, end=day)
    by_hour = kpis.compute(events, frame, "hour")
    by_queue = kpis.compute(events, frame, "queue")
    hours = sorted((key, figures) for key, figures in by_hour.rows if key is not None)
    queue_names = {q.id: q.prefix for q in await queue_service.list_queues(session, branch_id=branch.id)}
    queues = [
        (queue_names.get(key, "?") if key is not None else "—", figures) for key, figures in by_queue.rows
    ]
    hour_chart = {
        "labels": [f"{hour:02d}:00" for hour, _ in hours],
        "y": TICKETS.render(locale),
        "y2": MEAN_WAIT.render(locale),
        "stacked": False,
        "datasets": [
            {"label": TICKETS.render(locale), "data": [f.issued for _, f in hours], "type": "bar"},
            {
                "label": MEAN_WAIT.render(locale),
                "data": [_chart_minutes(f.wait_mean_s) for _, f in hours],
                "type": "line",
                "axis": "y2",
            },
        ],
    }
    queue_chart = {
        "labels": [label for label, _ in queues],
        "y": TICKETS.render(locale),
        "y2": OVER_NORM.render(locale),
        "stacked": False,
        "datasets": [
            {"label": SERVED.render(locale), "data": [f.served for _, f in queues], "type": "bar"},
            {"label": WAITING.render(locale), "data": [f.waiting for _, f in queues], "type": "bar"},
            {
                "label": OVER_NORM.render(locale),
                "data": [_percent(f.over_norm_share) for _, f in queues],
                "type": "line",
                "axis": "y2",
            },
        ],
    }
    opens, closes = kpis.day_bounds(branch.timezone, day, day)
    return {
        "branch": branch,
        "day": day,
        "total": by_hour.total,
        "over_norm": _percent(by_hour.total.over_norm_share),
        "wait_mean_min": _chart_minutes(by_hour.total.wait_mean_s),
        "wait_max_min": _chart_minutes(by_hour.total.wait_max_s) if by_hour.total.waits else None,
        "service_mean_min": _chart_minutes(by_hour.total.service_mean_s),
        "hours": [(f"{hour:02d}:00", f) for hour, f in hours],
        "queues": queues,
        "hour_chart": hour_chart,
        "queue_chart": queue_chart,
        "assist": await assist.day_figures(session, branch_id=branch.id, start=opens, end=closes),
    }


async def _branch(session: AsyncSession, principal: Any, branch_id: int) -> Branch:
    in_scope(principal, branch_id)
    return await branches_service.get(session, branch_id)


@router.get("/manage/{branch_id}", name="manager_board")
async def manager_board(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
) -> HTMLResponse:
    """The whole board; its live parts are the fragments below."""
    branch = await _branch(session, principal, branch_id)
    context = {
        **await panel_context(session, branch=branch, now=now, locale=locale),
        **{
            f"kpi_{key}": value
            for key, value in (await kpi_context(session, branch=branch, now=now, locale=locale)).items()
        },
        "branch_name": _name(Names.of(branch), locale),
        "token": request.query_params.get("access_token", ""),
        "refresh_s": REFRESH_S,
    }
    return render(request, "queue/manager.html", context, locale=locale)


@router.get("/manage/{branch_id}/panel", name="manager_panel")
async def manager_panel(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
) -> HTMLResponse:
    """Calls for help, windows, queues and alerts as they are now."""
    branch = await _branch(session, principal, branch_id)
    context = await panel_context(session, branch=branch, now=now, locale=locale)
    return render(request, "queue/_manager_panel.html", context, locale=locale)


@router.get("/manage/{branch_id}/kpis", name="manager_kpis")
async def manager_kpis(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
) -> HTMLResponse:
    """The day's figures and charts."""
    branch = await _branch(session, principal, branch_id)
    context = await kpi_context(session, branch=branch, now=now, locale=locale)
    return render(
        request, "queue/_manager_kpis.html", {f"kpi_{k}": v for k, v in context.items()}, locale=locale
    )
