"""Fixtures of the applications tests."""

from __future__ import annotations

import pytest

from birtereze.core.clock import ManualClock
from tests.applications.support import with_standards
from tests.builders import World
from tests.conftest import Database


@pytest.fixture
async def ready(db: Database, world: World, clock: ManualClock) -> World:
    """The world with the certificate's and the benefit's standards (support.with_standards)."""
    async with db.sessions() as setup:
        await with_standards(setup, world, clock.now())
        await setup.commit()
    return world
