"""REST routes that configure a centre's queueing: queues, offered services, routing rules, work profiles.

Branch managers configure their own centre; administrators any. Priority categories and the service list
are public reading, for kiosks and apps.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.catalog import service as catalog_service
from birtereze.core.schemas import Names, PathId
from birtereze.queue.config_schemas import (
    OfferIn,
    OfferRead,
    PriorityRead,
    ProfileCreate,
    ProfileQueueRead,
    ProfileRead,
    ProfileUpdate,
    QueueConfig,
    QueueCreate,
    QueueUpdate,
    RuleCreate,
    RuleRead,
    ServiceRead,
)
from birtereze.queue.errors import UnknownPriority
from birtereze.queue.models import Queue, SegmentationRule, WorkProfile
from birtereze.queue.service import config as config_service
from birtereze.web.deps import BranchManage, BranchRead, DbSession, in_scope

router = APIRouter(prefix="/api/v1", tags=["configuration"])


def _queue(queue: Queue) -> QueueConfig:
    return QueueConfig(
        id=queue.id,
        prefix=queue.prefix,
        zone_id=queue.zone_id,
        name=Names.of(queue),
        max_wait_s=queue.max_wait_s,
        max_length=queue.max_length,
    )


def _rule(rule: SegmentationRule) -> RuleRead:
    return RuleRead(
        id=rule.id,
        queue_id=rule.queue_id,
        position=rule.position,
        service_id=rule.service_id,
        priority=rule.priority_code,
        appointment=rule.appointment,
        language=rule.language,
    )


async def _profile(session: AsyncSession, profile: WorkProfile) -> ProfileRead:
    queues = await config_service.list_profile_queues(session, profile_id=profile.id)
    return ProfileRead(
        id=profile.id,
        code=profile.code,
        name=Names.of(profile),
        rule=profile.rule,
        overdue_after_s=profile.overdue_after_s,
        wrap_up_s=profile.wrap_up_s,
        queues=[ProfileQueueRead(queue_id=q.queue_id, position=q.position, weight=q.weight) for q in queues],
    )


@router.get("/services", operation_id="listServices", response_model=list[ServiceRead])
async def list_services(session: DbSession) -> list[ServiceRead]:
    """The catalogue of public services."""
    return [
        ServiceRead(
            id=s.id,
            code=s.code,
            name=Names.of(s),
            life_situation=s.life_situation,
            max_wait_s=s.max_wait_s,
            max_service_s=s.max_service_s,
            outcome_required=s.outcome_required,
        )
        for s in await catalog_service.list_services(session)
    ]


@router.get("/priority-categories", operation_id="listPriorityCategories", response_model=list[PriorityRead])
async def list_priority_categories(session: DbSession) -> list[PriorityRead]:
    """Who is served out of turn, and the legal basis of each category."""
    return [
        PriorityRead(
            code=p.code,
            level=p.level,
            prefers_accessible=p.prefers_accessible,
            name=Names.of(p),
            legal_basis=Names.of(p, "legal_basis"),
        )
        for p in await config_service.list_priorities(session)
    ]


@router.post(
    "/branches/{branch_id}/queues", operation_id="createQueue", response_model=QueueConfig, status_code=201
)
async def create_queue(
    branch_id: PathId, body: QueueCreate, session: DbSession, principal: BranchManage
) -> QueueConfig:
    in_scope(principal, branch_id)
    await branches_service.get_zone(session, body.zone_id, branch_id=branch_id)
    queue = await config_service.create_queue(
        session,
        branch_id=branch_id,
        zone_id=body.zone_id,
        prefix=body.prefix,
        names=body.name.model_dump(),
        max_wait_s=body.max_wait_s,
        max_length=body.max_length,
    )
    return _queue(queue)


@router.patch(
    "/branches/{branch_id}/queues/{queue_id}", operation_id="updateQueue", response_model=QueueConfig
)
async def update_queue(
    branch_id: PathId, queue_id: PathId, body: QueueUpdate, session: DbSession, principal: BranchManage
) -> QueueConfig:
    in_scope(principal, branch_id)
    queue = await config_service.get_queue(session, queue_id, branch_id=branch_id)
    # A null limit means "the branch's norm"; a null zone means "unchanged".
    fields: dict[str, object] = body.model_dump(exclude_unset=True, exclude={"name"})
    if fields.get("zone_id", 0) is None:
        del fields["zone_id"]
    if body.zone_id is not None:
        await branches_service.get_zone(session, body.zone_id, branch_id=branch_id)
    if body.name is not None:
        fields.update(body.name.columns())
    await config_service.update_queue(session, queue, **fields)
    return _queue(queue)


@router.put(
    "/branches/{branch_id}/services/{service_id}", operation_id="offerService", response_model=OfferRead
)
async def offer_service(
    branch_id: PathId, service_id: PathId, body: OfferIn, session: DbSession, principal: BranchManage
) -> OfferRead:
    """Offer a service at the centre through a queue (or move it to another queue)."""
    in_scope(principal, branch_id)
    await catalog_service.get(session, service_id)
    offered = await config_service.set_offer(
        session, branch_id=branch_id, service_id=service_id, queue_id=body.queue_id
    )
    return OfferRead(service_id=offered.service_id, queue_id=offered.queue_id)


@router.delete("/branches/{branch_id}/services/{service_id}", operation_id="withdrawService", status_code=204)
async def withdraw_service(
    branch_id: PathId, service_id: PathId, session: DbSession, principal: BranchManage
) -> None:
    in_scope(principal, branch_id)
    await config_service.withdraw_service(session, branch_id=branch_id, service_id=service_id)


@router.get("/branches/{branch_id}/rules", operation_id="listRoutingRules", response_model=list[RuleRead])
async def list_rules(branch_id: PathId, session: DbSession, principal: BranchRead) -> list[RuleRead]:
    """Segmentation rules in the order they are tried; the first match routes the ticket."""
    in_scope(principal, branch_id)
    return [_rule(r) for r in await config_service.list_rules(session, branch_id=branch_id)]


@router.post(
    "/branches/{branch_id}/rules", operation_id="createRoutingRule", response_model=RuleRead, status_code=201
)
async def create_rule(
    branch_id: PathId, body: RuleCreate, session: DbSession, principal: BranchManage
) -> RuleRead:
    in_scope(principal, branch_id)
    await config_service.get_queue(session, body.queue_id, branch_id=branch_id)
    if body.service_id is not None:
        await catalog_service.get(session, body.service_id)
    if body.priority is not None and body.priority not in {
        p.code for p in await config_service.list_priorities(session)
    }:
        raise UnknownPriority(code=body.priority)
    rule = await config_service.add_rule(
        session,
        branch_id=branch_id,
        queue_id=body.queue_id,
        position=body.position,
        service_id=body.service_id,
        priority_code=body.priority,
        appointment=body.appointment,
        language=body.language,
    )
    return _rule(rule)


@router.delete("/branches/{branch_id}/rules/{rule_id}", operation_id="deleteRoutingRule", status_code=204)
async def delete_rule(
    branch_id: PathId, rule_id: PathId, session: DbSession, principal: BranchManage
) -> None:
    in_scope(principal, branch_id)
    await config_service.delete_rule(session, branch_id=branch_id, rule_id=rule_id)


@router.get(
    "/branches/{branch_id}/profiles", operation_id="listWorkProfiles", response_model=list[ProfileRead]
)
async def list_profiles(branch_id: PathId, session: DbSession, principal: BranchRead) -> list[ProfileRead]:
    in_scope(principal, branch_id)
    return [
        await _profile(session, p) for p in await config_service.list_profiles(session, branch_id=branch_id)
    ]


@router.post(
    "/branches/{branch_id}/profiles",
    operation_id="createWorkProfile",
    response_model=ProfileRead,
    status_code=201,
)
async def create_profile(
    branch_id: PathId, body: ProfileCreate, session: DbSession, principal: BranchManage
) -> ProfileRead:
    """A work profile: the queues a window serves, in order, and its calling rule."""
    in_scope(principal, branch_id)
    await branches_service.get(session, branch_id)
    profile = await config_service.create_profile(
        session,
        branch_id=branch_id,
        code=body.code,
        names=body.name.model_dump(),
        rule=body.rule,
        overdue_after_s=body.overdue_after_s,
        wrap_up_s=body.wrap_up_s,
    )
    await config_service.replace_profile_queues(
        session, profile=profile, queues=[(q.queue_id, q.weight) for q in body.queues]
    )
    return await _profile(session, profile)


@router.patch(
    "/branches/{branch_id}/profiles/{profile_id}",
    operation_id="updateWorkProfile",
    response_model=ProfileRead,
)
async def update_profile(
    branch_id: PathId, profile_id: PathId, body: ProfileUpdate, session: DbSession, principal: BranchManage
) -> ProfileRead:
    in_scope(principal, branch_id)
    profile = await config_service.get_profile(session, profile_id, branch_id=branch_id)
    # A null overdue limit switches it off; null rule or wrap-up mean "unchanged".
    fields = {
        key: value
        for key, value in body.model_dump(exclude_unset=True, exclude={"name", "queues"}).items()
        if value is not None or key == "overdue_after_s"
    }
    if body.name is not None:
        fields.update(body.name.columns())
    await config_service.update_profile(session, profile, **fields)
    if body.queues is not None:
        await config_service.replace_profile_queues(
            session, profile=profile, queues=[(q.queue_id, q.weight) for q in body.queues]
        )
    return await _profile(session, profile)
