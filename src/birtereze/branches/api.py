"""REST routes of the branch directory and branch load (public: no personal data)."""

from __future__ import annotations

from fastapi import APIRouter

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.branches.schemas import (
    BranchDetail,
    BranchLoadRead,
    BranchSummary,
    HoursRead,
    OfferedService,
    QueueLoadRead,
    ServiceLoadRead,
    SpecialDayRead,
    WindowRead,
    ZoneRead,
)
from birtereze.catalog import service as catalog_service
from birtereze.core.schemas import Names
from birtereze.queue import load as queue_load
from birtereze.queue.service import config as queue_config
from birtereze.web.deps import DbSession, Now

router = APIRouter(prefix="/api/v1", tags=["branches"])


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
        open_now=branches_service.is_open(branch, now, hours, special),
    )


@router.get("/branches", operation_id="listBranches", response_model=list[BranchSummary])
async def list_branches(session: DbSession, now: Now) -> list[BranchSummary]:
    """The directory of centres: names, addresses, contacts, and whether each is open now."""
    return [await _summary(session, branch, now) for branch in await branches_service.list_branches(session)]


@router.get("/branches/{branch_id}", operation_id="getBranch", response_model=BranchDetail)
async def get_branch(branch_id: int, session: DbSession, now: Now) -> BranchDetail:
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


def _load_read(branch: Branch, load: queue_load.BranchLoad) -> BranchLoadRead:
    return BranchLoadRead(
        branch_id=branch.id,
        code=branch.code,
        at=load.at.isoformat(),
        waiting=load.waiting,
        windows_open=load.windows_open,
        mean_wait_s=round(load.mean_wait_s),
        estimated_wait_s=load.estimated_wait_s,
        light=load.light,
        queues=[
            QueueLoadRead(
                queue_id=q.queue_id,
                waiting=q.waiting,
                windows=q.windows,
                mean_wait_s=round(q.mean_wait_s),
                longest_wait_s=round(q.longest_wait_s),
                estimated_wait_s=q.estimated_wait_s,
                light=queue_load.light(q.estimated_wait_s),
            )
            for q in sorted(load.queues.values(), key=lambda q: q.queue_id)
        ],
        services=[
            ServiceLoadRead(
                service_id=service_id,
                queue_id=queue_id,
                waiting=load.queues[queue_id].waiting,
                estimated_wait_s=load.queues[queue_id].estimated_wait_s,
                light=queue_load.light(load.queues[queue_id].estimated_wait_s),
            )
            for service_id, queue_id in sorted(load.services.items())
        ],
    )


@router.get("/branches/{branch_id}/load", operation_id="getBranchLoad", response_model=BranchLoadRead)
async def get_branch_load(branch_id: int, session: DbSession, now: Now) -> BranchLoadRead:
    """Live load of one centre and of each service it offers, with the traffic light."""
    branch = await branches_service.get(session, branch_id)
    return _load_read(branch, await queue_load.branch_load(session, branch_id=branch_id, now=now))


@router.get("/load", operation_id="listBranchLoads", response_model=list[BranchLoadRead])
async def list_branch_loads(session: DbSession, now: Now) -> list[BranchLoadRead]:
    """Live load of every centre."""
    return [
        _load_read(branch, await queue_load.branch_load(session, branch_id=branch.id, now=now))
        for branch in await branches_service.list_branches(session)
    ]
