"""Queues, services offered at a branch, priority categories, segmentation rules and work profiles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
