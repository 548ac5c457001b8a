"""REST routes of the branch directory and branch load (public: no personal data)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import APIRouter, Query, Request, Response

from birtereze.branches import finder
from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.branches.public_load import CACHE_CONTROL, LoadCache
from birtereze.branches.schemas import (
    BranchCreate,
    BranchDetail,
    BranchLoadRead,
    BranchNormatives,
    BranchSummary,
    BranchUpdate,
    HoursIn,
    HoursRead,
    NearbyBranch,
    NearbyBranches,
    OfferedService,
    RemoteTicketSettings,
    SpecialDayIn,
    SpecialDayRead,
    WindowCreate,
    WindowRead,
    WindowUpdate,
    ZoneCreate,
    ZoneRead,
)
from birtereze.catalog import service as catalog_service
from birtereze.core.errors import InvalidInput, NotFound
from birtereze.core.schemas import IsoDate, Names, PathId
from birtereze.queue.service import config as queue_config
from birtereze.web.deps import (
    AdminOnly,
    AppSettings,
    BranchManage,
    DbSession,
    Locale,
    Now,
    UnitOfWorkRoute,
    in_scope,
)

router = APIRouter(prefix="/api/v1", tags=["branches"], route_class=UnitOfWorkRoute)


async def _summary(session: DbSession, branch: Branch, now: Now) -> BranchSummary:
    hours = await branches_service.list_hours(session, branch_id=branch.id)
    special = await branches_service.list_special_days(session, branch_id=branch.id)
    return BranchSummary(
        id=branch.id,
        code=branch.code,
        type=branch.type,
        name=Names.of(branch),
        address=Names.of(branch, "address"),
        latitude=branch.latitude,
        longitude=branch.longitude,
        phone=branch.phone,
        timezone=branch.timezone,
        open_now=branches_service.is_open(branch.timezone, now, hours, special),
    )


@router.get("/nearby-branches", operation_id="findNearbyBranches", response_model=NearbyBranches)
async def find_nearby_branches(
    request: Request,
    session: DbSession,
    now: Now,
    locale: Locale,
    lat: Annotated[float, Query(ge=-90, le=90, description="The citizen's latitude (not stored)")],
    lon: Annotated[float, Query(ge=-180, le=180, description="The citizen's longitude (not stored)")],
    service_id: Annotated[int | None, Query(gt=0, le=2**62, description="Only centres offering it")] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> NearbyBranches:
    """The nearest centres with the time to get there and the wait on arrival, and the least crowded one
    near the citizen: the smallest total time among those open on arrival, with the reason."""
    # The loads first: the cache reads with connections of its own, before this request holds one.
    loads = {load["branch_id"]: load for load in orjson.loads(await _cache(request).every())}
    branches = {b.id: b for b in await branches_service.list_branches(session) if b.latitude is not None}
    centres = [
        finder.Centre(b.id, getattr(b, f"name_{locale}"), b.latitude, b.longitude)  # type: ignore[arg-type]
        for b in branches.values()
    ]
    rows: list[NearbyBranch] = []
    options: list[finder.Option] = []
    for option in finder.nearest(lat, lon, centres, limit=limit * 3 if service_id else limit):
        load = loads.get(option.centre.branch_id)
        if load is None:
            continue
        if service_id is None:
            wait, light = int(load["estimated_wait_s"]), str(load["light"])
        else:
            offer = next((s for s in load["services"] if s["service_id"] == service_id), None)
            if offer is None:
                continue  # not offered there
            wait, light = int(offer["estimated_wait_s"]), str(offer["light"])
        option = replace(option, wait_s=wait)
        branch = branches[option.centre.branch_id]
        arrival = now + timedelta(seconds=option.total_s - option.wait_s)
        open_then = branches_service.is_open(
            branch.timezone,
            arrival,
            await branches_service.list_hours(session, branch_id=branch.id),
            await branches_service.list_special_days(session, branch_id=branch.id),
        )
        if open_then:
            options.append(option)
        rows.append(
            NearbyBranch(
                branch_id=branch.id,
                code=branch.code,
                name=Names.of(branch),
                address=Names.of(branch, "address"),
                distance_km=round(option.distance_km, 2),
                travel_s=option.travel_s,
                estimated_wait_s=option.wait_s,
                total_s=option.total_s,
                light=light,
                open_on_arrival=open_then,
            )
        )
        if len(rows) == limit:
            break
    chosen = finder.best(options)
    return NearbyBranches(
        branches=rows,
        recommended=chosen.centre.branch_id if chosen else None,
        reason=finder.reason(chosen, options, locale) if chosen else None,
    )


@router.get("/branches", operation_id="listBranches", response_model=list[BranchSummary])
async def list_branches(session: DbSession, now: Now) -> list[BranchSummary]:
    """The directory of centres: names, addresses, contacts, and whether each is open now."""
    return [await _summary(session, branch, now) for branch in await branches_service.list_branches(session)]


@router.get("/branches/{branch_id}", operation_id="getBranch", response_model=BranchDetail)
async def get_branch(branch_id: PathId, session: DbSession, now: Now) -> BranchDetail:
    """One centre with its hours, coming special days, zones, windows and services."""
    branch = await branches_service.get(session, branch_id)
    summary = await _summary(session, branch, now)
    offered = await queue_config.list_offered(session, branch_id=branch_id)
    services = {
        s.id: s for s in await catalog_service.list_services(session, ids=[o.service_id for o in offered])
    }
    today = branches_service.local_now(branch, now).date()
    return BranchDetail(
        **summary.model_dump(),
        normatives=BranchNormatives.model_validate(branch),
        video_surveillance=branch.video_surveillance,
        remote=RemoteTicketSettings.model_validate(branch),
        hours=[
            HoursRead.model_validate(h)
            for h in await branches_service.list_hours(session, branch_id=branch_id)
        ],
        special_days=[
            SpecialDayRead.model_validate(d)
            for d in await branches_service.list_special_days(session, branch_id=branch_id, since=today)
        ],
        zones=[
            ZoneRead(id=z.id, code=z.code, name=Names.of(z))
            for z in await branches_service.list_zones(session, branch_id=branch_id)
        ],
        windows=[
            WindowRead.model_validate(w)
            for w in await branches_service.list_windows(session, branch_id=branch_id)
        ],
        services=[
            OfferedService(
                service_id=o.service_id,
                code=services[o.service_id].code,
                name=Names.of(services[o.service_id]),
                queue_id=o.queue_id,
            )
            for o in offered
            if o.service_id in services
        ],
    )


LOAD_HEADERS: Final = {"Cache-Control": CACHE_CONTROL}


def _cache(request: Request) -> LoadCache:
    cache: LoadCache = request.app.state.load_cache
    return cache


@router.get("/branches/{branch_id}/load", operation_id="getBranchLoad", response_model=BranchLoadRead)
async def get_branch_load(branch_id: PathId, request: Request) -> Response:
    """Live load of one centre and of each service it offers, with the traffic light; at most a second
    old (``at`` says when it was computed). Most of these are answered by ``public_load.LoadFastPath``."""
    body = await _cache(request).get(branch_id)
    if body is None:
        raise NotFound("Branch")
    return Response(body, media_type="application/json", headers=LOAD_HEADERS)


@router.get("/load", operation_id="listBranchLoads", response_model=list[BranchLoadRead])
async def list_branch_loads(request: Request) -> Response:
    """Live load of every centre, each at most a second old."""
    return Response(await _cache(request).every(), media_type="application/json", headers=LOAD_HEADERS)


# --- configuration (administrators; branch managers for their own centre) ------------------------


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput() from None


@router.post("/branches", operation_id="createBranch", response_model=BranchDetail, status_code=201)
async def create_branch(
    body: BranchCreate, session: DbSession, now: Now, settings: AppSettings, _admin: AdminOnly
) -> BranchDetail:
    """Open a new centre (administrators)."""
    timezone = body.timezone or settings.timezone
    _check_timezone(timezone)
    branch = await branches_service.create(
        session,
        code=body.code,
        type=body.type,
        latitude=body.latitude,
        longitude=body.longitude,
        phone=body.phone,
        timezone=timezone,
        **body.name.columns(),
        **body.address.columns("address"),
    )
    return await get_branch(branch.id, session, now)


@router.patch("/branches/{branch_id}", operation_id="updateBranch", response_model=BranchDetail)
async def update_branch(
    branch_id: PathId, body: BranchUpdate, session: DbSession, now: Now, principal: BranchManage
) -> BranchDetail:
    """Change a centre's details and its normatives."""
    in_scope(principal, branch_id)
    branch = await branches_service.get(session, branch_id)
    fields: dict[str, object] = body.model_dump(exclude_unset=True, exclude={"name", "address"})
    if body.name is not None:
        fields.update(body.name.columns())
    if body.address is not None:
        fields.update(body.address.columns("address"))
    # Left out or null: unchanged; but a null check-in radius given explicitly turns check-in by location off.
    changes = {k: v for k, v in fields.items() if v is not None or k == "check_in_radius_m"}
    await branches_service.update(session, branch, **changes)
    return await get_branch(branch_id, session, now)


@router.put("/branches/{branch_id}/hours", operation_id="setOpeningHours", response_model=list[HoursRead])
async def set_opening_hours(
    branch_id: PathId, body: list[HoursIn], session: DbSession, principal: BranchManage
) -> list[HoursRead]:
    """Replace the weekly opening hours; a weekday left out is a day off."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    if len({h.weekday for h in body}) != len(body):
        raise InvalidInput()
    await branches_service.replace_hours(
        session, branch_id=branch_id, weekly={h.weekday: (h.opens, h.closes) for h in body}
    )
    return [
        HoursRead.model_validate(h) for h in await branches_service.list_hours(session, branch_id=branch_id)
    ]


@router.post(
    "/branches/{branch_id}/special-days",
    operation_id="addSpecialDay",
    response_model=SpecialDayRead,
    status_code=201,
)
async def add_special_day(
    branch_id: PathId, body: SpecialDayIn, session: DbSession, principal: BranchManage
) -> SpecialDayRead:
    """A holiday (closed) or an exception day with its own hours."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    special = await branches_service.add_special_day(session, branch_id=branch_id, **body.model_dump())
    return SpecialDayRead.model_validate(special)


@router.delete("/branches/{branch_id}/special-days/{day}", operation_id="removeSpecialDay", status_code=204)
async def remove_special_day(
    branch_id: PathId, day: IsoDate, session: DbSession, principal: BranchManage
) -> None:
    in_scope(principal, branch_id)
    await branches_service.remove_special_day(session, branch_id=branch_id, day=day)


@router.post(
    "/branches/{branch_id}/zones", operation_id="createZone", response_model=ZoneRead, status_code=201
)
async def create_zone(
    branch_id: PathId, body: ZoneCreate, session: DbSession, principal: BranchManage
) -> ZoneRead:
    """Add a zone to the hall (the standard list can be extended)."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    zone = await branches_service.create_zone(
        session, branch_id=branch_id, code=body.code, names=body.name.model_dump()
    )
    return ZoneRead(id=zone.id, code=zone.code, name=Names.of(zone))


@router.post(
    "/branches/{branch_id}/windows", operation_id="createWindow", response_model=WindowRead, status_code=201
)
async def create_window(
    branch_id: PathId, body: WindowCreate, session: DbSession, principal: BranchManage
) -> WindowRead:
    in_scope(principal, branch_id)
    await branches_service.get_zone(session, body.zone_id, branch_id=branch_id)
    window = await branches_service.create_window(
        session, branch_id=branch_id, zone_id=body.zone_id, number=body.number, accessible=body.accessible
    )
    return WindowRead.model_validate(window)


@router.patch("/windows/{window_id}", operation_id="updateWindow", response_model=WindowRead)
async def update_window(
    window_id: PathId, body: WindowUpdate, session: DbSession, principal: BranchManage
) -> WindowRead:
    """Move a window to another zone or mark it accessible."""
    window = await branches_service.get_window(session, window_id)
    if not principal.can_see(window.branch_id):
        raise NotFound("Window")
    await branches_service.update_window(session, window, zone_id=body.zone_id, accessible=body.accessible)
    return WindowRead.model_validate(window)
