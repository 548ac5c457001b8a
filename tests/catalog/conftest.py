"""The catalogue's fixtures: the demo's authorised bodies and a vehicle service with its seeded standard."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.core.clock import ManualClock
from birtereze.demo.catalog import AUTHORITIES, STANDARDS
from tests.builders import World
from tests.conftest import Database


async def seed_authorities(session: AsyncSession) -> None:
    for code, (kk, ru, en) in AUTHORITIES:
        await catalog_service.create_authority(session, code=code, names={"kk": kk, "ru": ru, "en": en})


@pytest.fixture
async def vehicle(db: Database, world: World, clock: ManualClock) -> Service:
    """A vehicle-registration service (0.25 MRP) with version 1 of its standard, from the demo seed."""
    async with db.sessions() as session:
        await seed_authorities(session)
        service = await catalog_service.create(
            session,
            code="00400001",
            names={
                "kk": "Көлік құралын тіркеу",
                "ru": "Регистрация транспортного средства",
                "en": "Vehicle registration",
            },
            life_situation="vehicle",
            max_wait_s=900,
            max_service_s=900,
        )
        await catalog_service.add_standard(
            session, service_id=service.id, draft=STANDARDS["00400001"], now=clock.now(), note="Demo seed"
        )
        await session.commit()
    return service
