"""Catalogue domain logic: services and outcomes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.catalog.models import Outcome, Service
from birtereze.core.errors import NotFound


async def get(session: AsyncSession, service_id: int) -> Service:
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound("Service")
    return service


async def get_by_code(session: AsyncSession, code: str) -> Service | None:
    return (await session.execute(select(Service).where(Service.code == code))).scalar_one_or_none()


async def list_services(session: AsyncSession, *, ids: Sequence[int] | None = None) -> Sequence[Service]:
    statement = select(Service).where(Service.active.is_(True)).order_by(Service.code)
    if ids is not None:
        statement = statement.where(Service.id.in_(ids))
    return (await session.execute(statement)).scalars().all()


async def list_outcomes(session: AsyncSession, *, service_id: int | None = None) -> Sequence[Outcome]:
    statement = select(Outcome).order_by(Outcome.code)
    if service_id is not None:
        statement = statement.where((Outcome.service_id.is_(None)) | (Outcome.service_id == service_id))
    return (await session.execute(statement)).scalars().all()


async def create(session: AsyncSession, *, code: str, names: dict[str, str], **fields: object) -> Service:
    service = Service(code=code, name_kk=names["kk"], name_ru=names["ru"], name_en=names["en"], **fields)
    session.add(service)
    await session.flush()
    return service


async def create_outcome(
    session: AsyncSession, *, code: str, names: dict[str, str], service_id: int | None = None
) -> Outcome:
    outcome = Outcome(
        code=code, service_id=service_id, name_kk=names["kk"], name_ru=names["ru"], name_en=names["en"]
    )
    session.add(outcome)
    await session.flush()
    return outcome
