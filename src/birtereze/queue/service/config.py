"""Queues, services offered at a branch, priority categories, segmentation rules and work profiles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.db import refuse_duplicate
from birtereze.core.errors import NotFound
from birtereze.queue.models import (
    BranchService,
    PriorityCategory,
    Queue,
    SegmentationRule,
    WorkProfile,
    WorkProfileQueue,
)


async def get_queue(session: AsyncSession, queue_id: int, *, branch_id: int | None = None) -> Queue:
    queue = await session.get(Queue, queue_id)
    if queue is None or (branch_id is not None and queue.branch_id != branch_id):
        raise NotFound("Queue")
    return queue


async def list_queues(session: AsyncSession, *, branch_id: int) -> Sequence[Queue]:
    statement = select(Queue).where(Queue.branch_id == branch_id).order_by(Queue.prefix)
    return (await session.execute(statement)).scalars().all()


async def list_profiles(session: AsyncSession, *, branch_id: int) -> Sequence[WorkProfile]:
    statement = select(WorkProfile).where(WorkProfile.branch_id == branch_id).order_by(WorkProfile.code)
    return (await session.execute(statement)).scalars().all()


async def list_profile_queues(session: AsyncSession, *, profile_id: int) -> Sequence[WorkProfileQueue]:
    statement = (
        select(WorkProfileQueue)
        .where(WorkProfileQueue.work_profile_id == profile_id)
        .order_by(WorkProfileQueue.position)
    )
    return (await session.execute(statement)).scalars().all()


async def list_priorities(session: AsyncSession) -> Sequence[PriorityCategory]:
    statement = select(PriorityCategory).order_by(PriorityCategory.level.desc(), PriorityCategory.code)
    return (await session.execute(statement)).scalars().all()


async def list_offered(session: AsyncSession, *, branch_id: int) -> Sequence[BranchService]:
    statement = select(BranchService).where(BranchService.branch_id == branch_id)
    return (await session.execute(statement)).scalars().all()


async def create_queue(
    session: AsyncSession,
    *,
    branch_id: int,
    zone_id: int,
    prefix: str,
    names: dict[str, str],
    max_wait_s: int | None = None,
    max_length: int | None = None,
) -> Queue:
    await refuse_duplicate(session, Queue, "Queue", branch_id=branch_id, prefix=prefix)
    queue = Queue(
        branch_id=branch_id,
        zone_id=zone_id,
        prefix=prefix,
        name_kk=names["kk"],
        name_ru=names["ru"],
        name_en=names["en"],
        max_wait_s=max_wait_s,
        max_length=max_length,
    )
    session.add(queue)
    await session.flush()
    return queue


async def offer_service(
    session: AsyncSession, *, branch_id: int, service_id: int, queue_id: int
) -> BranchService:
    offered = BranchService(branch_id=branch_id, service_id=service_id, queue_id=queue_id)
    session.add(offered)
    await session.flush()
    return offered


async def create_priority(
    session: AsyncSession,
    *,
    code: str,
    level: int,
    names: dict[str, str],
    legal_basis: dict[str, str],
    prefers_accessible: bool = False,
) -> PriorityCategory:
    category = PriorityCategory(
        code=code,
        level=level,
        prefers_accessible=prefers_accessible,
        name_kk=names["kk"],
        name_ru=names["ru"],
        name_en=names["en"],
        legal_basis_kk=legal_basis["kk"],
        legal_basis_ru=legal_basis["ru"],
        legal_basis_en=legal_basis["en"],
    )
    session.add(category)
    await session.flush()
    return category


async def add_rule(
    session: AsyncSession,
    *,
    branch_id: int,
    queue_id: int,
    position: int = 0,
    service_id: int | None = None,
    priority_code: str | None = None,
    appointment: bool | None = None,
    language: str | None = None,
) -> SegmentationRule:
    rule = SegmentationRule(
        branch_id=branch_id,
        queue_id=queue_id,
        position=position,
        service_id=service_id,
        priority_code=priority_code,
        appointment=appointment,
        language=language,
    )
    session.add(rule)
    await session.flush()
    return rule


async def create_profile(
    session: AsyncSession,
    *,
    branch_id: int,
    code: str,
    names: dict[str, str],
    rule: str = "longest_wait",
    overdue_after_s: int | None = None,
    wrap_up_s: int = 0,
) -> WorkProfile:
    await refuse_duplicate(session, WorkProfile, "Work profile", branch_id=branch_id, code=code)
    profile = WorkProfile(
        branch_id=branch_id,
        code=code,
        name_kk=names["kk"],
        name_ru=names["ru"],
        name_en=names["en"],
        rule=rule,
        overdue_after_s=overdue_after_s,
        wrap_up_s=wrap_up_s,
    )
    session.add(profile)
    await session.flush()
    return profile


async def add_profile_queue(
    session: AsyncSession, *, profile_id: int, queue_id: int, position: int = 0, weight: float = 1.0
) -> WorkProfileQueue:
    item = WorkProfileQueue(work_profile_id=profile_id, queue_id=queue_id, position=position, weight=weight)
    session.add(item)
    await session.flush()
    return item


async def update_queue(session: AsyncSession, queue: Queue, **fields: object) -> Queue:
    for name, value in fields.items():
        setattr(queue, name, value)
    await session.flush()
    return queue


async def set_offer(
    session: AsyncSession, *, branch_id: int, service_id: int, queue_id: int
) -> BranchService:
    """Offer a service at a branch through a queue, or move it to another queue."""
    await get_queue(session, queue_id, branch_id=branch_id)
    offered = (
        await session.execute(
            select(BranchService).where(
                BranchService.branch_id == branch_id, BranchService.service_id == service_id
            )
        )
    ).scalar_one_or_none()
    if offered is None:
        return await offer_service(session, branch_id=branch_id, service_id=service_id, queue_id=queue_id)
    offered.queue_id = queue_id
    await session.flush()
    return offered


async def withdraw_service(session: AsyncSession, *, branch_id: int, service_id: int) -> None:
    result = await session.execute(
        delete(BranchService).where(
            BranchService.branch_id == branch_id, BranchService.service_id == service_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Service")


async def list_rules(session: AsyncSession, *, branch_id: int) -> Sequence[SegmentationRule]:
    statement = (
        select(SegmentationRule)
        .where(SegmentationRule.branch_id == branch_id)
        .order_by(SegmentationRule.position, SegmentationRule.id)
    )
    return (await session.execute(statement)).scalars().all()


async def delete_rule(session: AsyncSession, *, branch_id: int, rule_id: int) -> None:
    result = await session.execute(
        delete(SegmentationRule).where(
            SegmentationRule.branch_id == branch_id, SegmentationRule.id == rule_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Rule")


async def get_profile(session: AsyncSession, profile_id: int, *, branch_id: int) -> WorkProfile:
    profile = await session.get(WorkProfile, profile_id)
    if profile is None or profile.branch_id != branch_id:
        raise NotFound("Work profile")
    return profile


async def replace_profile_queues(
    session: AsyncSession, *, profile: WorkProfile, queues: Sequence[tuple[int, float]]
) -> None:
    """Set the ordered queues of a work profile: (queue id, weight) in calling order."""
    for queue_id, _weight in queues:
        await get_queue(session, queue_id, branch_id=profile.branch_id)
    await session.execute(delete(WorkProfileQueue).where(WorkProfileQueue.work_profile_id == profile.id))
    for position, (queue_id, weight) in enumerate(queues):
        await add_profile_queue(
            session, profile_id=profile.id, queue_id=queue_id, position=position, weight=weight
        )


async def update_profile(session: AsyncSession, profile: WorkProfile, **fields: object) -> WorkProfile:
    for name, value in fields.items():
        setattr(profile, name, value)
    await session.flush()
    return profile
