"""(being written)"""

from __future__ import annotations

from fastapi import APIRouter

from birtereze.web.deps import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", tags=["queue"], route_class=UnitOfWorkRoute)
