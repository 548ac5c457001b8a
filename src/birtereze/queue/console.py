"""The operator's console (1366×768 and up): sign in, take a window with a work profile, then call,
serve, transfer, park and close — all day, from the keyboard or the mouse.

``/console`` is the page's shell, the same for everyone (it holds no data); its script signs in through
the REST API (``createToken``), keeps the bearer token in the tab's session storage and sends it with
every request. The console's parts are fragments rendered here for the signed-in operator — the desk
(their open window, or the choice of one) and the day's figures; its buttons call the window operations
of the REST API, whose translated problem details it shows, then fetch the desk again. The branch's event
stream tells the console when the waiting list changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final, get_args
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.core.i18n import _l
from birtereze.queue import kpis
from birtereze.queue import service as queue_service
from birtereze.queue.models import Counter, Visit
from birtereze.queue.schemas import WindowBreak
from birtereze.queue.states import WINDOW_STATE_NAMES
from birtereze.staff import service as staff_service
from birtereze.staff.service import Principal
from birtereze.web.deps import DbSession, Now, QueueOperate
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
BREAK_REASONS: Final = {
    "lunch": _l("Lunch"),
    "rest": _l("Rest"),
    "training": _l("Training"),
    "technical": _l("Technical problem"),
    "consultation": _l("Consultation with a colleague"),
    "other": _l("Other reason"),
}
assert set(BREAK_REASONS) == set(get_args(WindowBreak.model_fields["reason"].annotation))


@dataclass(frozen=True, slots=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class WindowChoice:
    id: int
    number: int
    zone: str
    accessible: bool
    free: bool  # closed, so it may be taken


@dataclass(frozen=True, slots=True)
class BranchChoice:
    id: int
    name: str
    windows: list[WindowChoice]
    profiles: list[Named]


@dataclass(frozen=True, slots=True)
class Line:
    """A ticket on the console's waiting list."""

    id: int
    number: str
    queue: str
    waited_minutes: int
    priority: str | None
    appointment: bool
    first_in_line: bool
    to_window: bool
    to_me: bool
    back_at: str | None  # a delayed transfer's time of return, local
    away: bool = False  # a remote ticket whose holder has not checked in: in the line, not callable


@dataclass(frozen=True, slots=True)
class Current:
    """The ticket at the window."""

    id: int
    number: str
    status: str
    queue: str
    calls: int
    called_at: str
    minutes: int  # since the call, or since service began
    priority: str | None
    requested: list[str]
    requested_ids: list[int]  # not yet delivered: the service the record form offers first
    recorded: list[tuple[str, str | None]]  # (service, outcome) delivered


@dataclass(frozen=True, slots=True)
class Outcome:
    code: str
    name: str
    service_id: int | None  # None: for every service


def _name(row: object, locale: str) -> str:
    return str(getattr(row, f"name_{locale}"))


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


@router.get("/console", name="operator_console")
async def console(request: Request, locale: PageLocale) -> HTMLResponse:
    """The console's shell: the sign-in form and the places the desk's fragments go."""
    return render(request, "queue/console.html", {"break_reasons": BREAK_REASONS}, locale=locale)


async def _my_counter(session: AsyncSession, principal: Principal) -> tuple[Branch, Counter] | None:
    counter = await queue_service.counter_of_staff(session, staff_id=principal.staff_id)
    if counter is None or not principal.can_see(counter.branch_id):
        return None
    return await branches_service.get(session, counter.branch_id), counter


async def _choices(session: AsyncSession, principal: Principal, locale: str) -> list[BranchChoice]:
    choices = []
    for branch in await branches_service.list_branches(session, ids=sorted(principal.branch_ids)):
        zones = {
            zone.id: _name(zone, locale)
            for zone in await branches_service.list_zones(session, branch_id=branch.id)
        }
        windows = [
            WindowChoice(
                id=window.id,
                number=window.number,
                zone=zones.get(window.zone_id, ""),
                accessible=window.accessible,
                free=counter is None or counter.state == "closed",
            )
            for window, counter in await queue_service.list_counters(session, branch_id=branch.id)
        ]
        profiles = [
            Named(profile.id, _name(profile, locale))
            for profile in await queue_service.list_profiles(session, branch_id=branch.id)
        ]
        choices.append(BranchChoice(branch.id, _name(branch, locale), windows, profiles))
    return choices


async def _lines(
    session: AsyncSession, counter: Counter, now: datetime, zone: ZoneInfo, locale: str
) -> tuple[list[Line], list[Line]]:
    queues = {q.id: q for q in await queue_service.list_queues(session, branch_id=counter.branch_id)}
    priorities = {p.code: _name(p, locale) for p in await queue_service.list_priorities(session)}
    served = []
    if counter.work_profile_id is not None:
        served = [
            pq.queue_id
            for pq in await queue_service.list_profile_queues(session, profile_id=counter.work_profile_id)
        ]
    waiting, parked = await queue_service.list_for_desk(
        session,
        branch_id=counter.branch_id,
        window_id=counter.window_id,
        staff_id=counter.staff_id,
        queue_ids=served,
    )

    def line(visit: Visit) -> Line:
        queue = queues.get(visit.queue_id)
        return Line(
            id=visit.id,
            number=visit.number,
            queue=f"{queue.prefix} · {_name(queue, locale)}" if queue else "",
            waited_minutes=0
            if visit.arrived_at is None
            else max(math.floor((now - visit.queued_at).total_seconds() / 60), 0),
            priority=priorities.get(visit.priority_code) if visit.priority_code else None,
            appointment=visit.appointment,
            first_in_line=visit.first_in_line,
            to_window=visit.pool_window_id == counter.window_id,
            to_me=visit.pool_staff_id is not None and visit.pool_staff_id == counter.staff_id,
            back_at=_local(visit.available_at, zone) if visit.available_at > now else None,
            away=visit.arrived_at is None,
        )

    return [line(v) for v in waiting], [line(v) for v in parked]


async def _current(
    session: AsyncSession, counter: Counter, now: datetime, zone: ZoneInfo, locale: str
) -> tuple[Current | None, list[Named], list[Outcome]]:
    """The ticket at the window, the services the window may record and their outcomes."""
    if counter.visit_id is None:
        return None, [], []
    visit = await queue_service.get_visit(session, counter.visit_id)
    queue = await queue_service.get_queue(session, visit.queue_id)
    offered = await queue_service.list_offered(session, branch_id=counter.branch_id)
    services = {
        s.id: s for s in await catalog_service.list_services(session, ids=[o.service_id for o in offered])
    }
    lines = await queue_service.list_visit_services(session, visit_id=visit.id)
    outcomes = {o.code: o for o in await catalog_service.list_outcomes(session)}
    priority = None
    if visit.priority_code:
        priority = next(
            (
                _name(p, locale)
                for p in await queue_service.list_priorities(session)
                if p.code == visit.priority_code
            ),
            None,
        )
    started = visit.serving_at if visit.status == "serving" and visit.serving_at else visit.called_at or now

    def service_name(service_id: int) -> str:
        service = services.get(service_id)
        return _name(service, locale) if service else f"#{service_id}"

    current = Current(
        id=visit.id,
        number=visit.number,
        status=visit.status,
        queue=f"{queue.prefix} · {_name(queue, locale)}",
        calls=visit.calls,
        called_at=_local(visit.called_at, zone) if visit.called_at else "",
        minutes=max(math.floor((now - started).total_seconds() / 60), 0),
        priority=priority,
        requested=[service_name(line.service_id) for line in lines if not line.delivered],
        requested_ids=[line.service_id for line in lines if not line.delivered],
        recorded=[
            (
                service_name(line.service_id),
                _name(outcomes[line.outcome_code], locale) if line.outcome_code in outcomes else None,
            )
            for line in lines
            if line.delivered
        ],
    )
    choices = sorted(
        (Named(s.id, _name(s, locale)) for s in services.values()), key=lambda n: n.name.casefold()
    )
    outcome_choices = [Outcome(o.code, _name(o, locale), o.service_id) for o in outcomes.values()]
    return current, choices, outcome_choices


@router.get("/console/desk", name="console_desk")
async def desk(
    request: Request, session: DbSession, now: Now, principal: QueueOperate, locale: PageLocale
) -> HTMLResponse:
    """The operator's window — state, the ticket at it, the waiting list — or, with none open, the
    choice of a window and a work profile."""
    mine = await _my_counter(session, principal)
    if mine is None:
        choices = {"branches": await _choices(session, principal, locale)}
        return render(request, "queue/_console_setup.html", choices, locale=locale)
    branch, counter = mine
    zone = ZoneInfo(branch.timezone)
    window = await branches_service.get_window(session, counter.window_id)
    windows = [
        Named(w.id, str(w.number))
        for w in await branches_service.list_windows(session, branch_id=branch.id)
        if w.id != window.id
    ]
    queues = [
        Named(q.id, f"{q.prefix} · {_name(q, locale)}")
        for q in await queue_service.list_queues(session, branch_id=branch.id)
    ]
    people = [
        Named(person.id, person.full_name)
        for person in await staff_service.list_staff(session, branch_ids=[branch.id])
        if person.role in ("operator", "branch_manager") and person.active and person.id != principal.staff_id
    ]
    waiting, parked = await _lines(session, counter, now, zone, locale)
    # Calls for help (the kiosk's button, a hardware button) alert the accessible windows, as the manager.
    help_calls = []
    if window.accessible:
        help_calls = [
            (view.call.id, _local(view.call.raised_at, zone), view.call.device)
            for view in await queue_service.assist.list_open(session, branch_id=branch.id)
        ]
    current, services, outcomes = await _current(session, counter, now, zone, locale)
    context: dict[str, object] = {
        "branch": branch,
        "branch_name": _name(branch, locale),
        "window": window,
        "counter": counter,
        "state_name": WINDOW_STATE_NAMES[counter.state].render(locale),
        "since": _local(counter.since, zone) if counter.since else "",
        "break_reason": BREAK_REASONS[counter.break_reason].render(locale)
        if counter.break_reason in BREAK_REASONS
        else "",
        "profiles": [
            Named(p.id, _name(p, locale))
            for p in await queue_service.list_profiles(session, branch_id=branch.id)
        ],
        "current": current,
        "services": services,
        "outcomes": outcomes,
        "waiting": waiting,
        "parked": parked,
        "windows": windows,
        "queues": queues,
        "people": people,
        "break_reasons": BREAK_REASONS,
        "can_call": counter.state in ("open", "wrap_up"),
        "help_calls": help_calls,
    }
    return render(request, "queue/_console_desk.html", context, locale=locale)


@router.get("/console/figures", name="console_figures")
async def figures(
    request: Request, session: DbSession, now: Now, principal: QueueOperate, locale: PageLocale
) -> HTMLResponse:
    """The operator's own figures for the day at their centre, from the event log."""
    mine = await _my_counter(session, principal)
    branch = mine[0] if mine else None
    if branch is None and principal.branch_ids:
        branch = await branches_service.get(session, min(principal.branch_ids))
    row = None
    if branch is not None:
        day = branches_service.service_day(branch.timezone, now)
        report = await kpis.branch_kpis(session, branch_id=branch.id, start=day, group_by="operator")
        row = next((f for key, f in report.table.rows if key == principal.staff_id), None)
    context = {
        "served": row.served if row else 0,
        "no_show": row.no_show if row else 0,
        "transferred": row.transferred if row else 0,
        "service_minutes": round(row.service_mean_s / 60, 1)
        if row and row.service_mean_s is not None
        else None,
        "wait_minutes": round(row.wait_mean_s / 60, 1) if row and row.wait_mean_s is not None else None,
    }
    return render(request, "queue/_console_figures.html", context, locale=locale)
