"""Fixtures of the applications tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
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


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The suite's settings, with the documents in the test's folder, at most 4 KB each (to test the
    limit)."""
    return settings.model_copy(update={"documents_dir": tmp_path / "documents", "document_max_bytes": 4096})
