"""The catalogue API: a service's standard in force (with its fee in tenge today) and its versions
(public), a new version of a standard (admin), and the authorised bodies. The list of services itself is
``listServices`` in ``queue.config_api``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Response
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import ServiceStandard
from birtereze.catalog.schemas import (
    AuthorityRead,
    AuthorityWrite,
    StandardRead,
    StandardVersions,
    StandardWrite,
)
from birtereze.core.schemas import PathId
from birtereze.web.deps import AdminOnly, DbSession, Now

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

# Fees are paid, and days counted, in Kazakhstan's time.
TIMEZONE: Final = ZoneInfo("Asia/Almaty")


# An authorised body's code: capital Latin letters, digits and underscores, as the delivery settings name it.
AUTHORITY_CODE: Final = r"^[A-Z][A-Z0-9_]{1,31}$"
AuthorityCode = Annotated[str, Path(pattern=AUTHORITY_CODE, description="The body's code, e.g. MTSZN")]


def today(now: datetime) -> date:
    return now.astimezone(TIMEZONE).date()


async def _read(session: AsyncSession, standard: ServiceStandard, *, paid_on: date) -> StandardRead:
    service = await catalog_service.get(session, standard.service_id)
    authority = await catalog_service.get_authority(session, standard.authority_code)
    return StandardRead.of(
        service, standard, authority, fee_kzt=catalog_service.fee_on(standard, paid_on), paid_on=paid_on
    )


@router.get("/services/{service_id}/standard", operation_id="getServiceStandard", response_model=StandardRead)
async def get_standard(service_id: PathId, session: DbSession, now: Now) -> StandardRead:
    """The service's standard in force, with its fee in tenge if paid today."""
    await catalog_service.get(session, service_id)
    standard = await catalog_service.current_standard(session, service_id)
    return await _read(session, standard, paid_on=today(now))


@router.get(
    "/services/{service_id}/standard/versions",
    operation_id="listServiceStandardVersions",
    response_model=StandardVersions,
)
async def list_versions(service_id: PathId, session: DbSession, now: Now) -> StandardVersions:
    """Every version of the service's standard, newest first: who changed it, when, and what it said."""
    versions = await catalog_service.standard_versions(session, service_id)
    paid_on = today(now)
    read = []
    for standard, changed in catalog_service.with_changes(versions):
        version = await _read(session, standard, paid_on=paid_on)
        version.changed_fields = changed
        read.append(version)
    return StandardVersions(
        service_id=service_id, current_version=versions[0].version if versions else None, versions=read
    )


@router.put(
    "/services/{service_id}/standard", operation_id="updateServiceStandard", response_model=StandardRead
)
async def update_standard(
    service_id: PathId, body: StandardWrite, session: DbSession, now: Now, admin: AdminOnly
) -> StandardRead:
    """Record a new version of the service's standard; the previous versions are kept."""
    standard = await catalog_service.add_standard(
        session, service_id=service_id, draft=body.draft(), now=now, changed_by=admin.staff_id, note=body.note
    )
    return await _read(session, standard, paid_on=today(now))


@router.get("/authorities", operation_id="listAuthorities", response_model=list[AuthorityRead])
async def list_authorities(session: DbSession) -> list[AuthorityRead]:
    """The government bodies that render the services (the bodies applications are delivered to)."""
    return [AuthorityRead.of(authority) for authority in await catalog_service.list_authorities(session)]


@router.put(
    "/authorities/{code}",
    operation_id="putAuthority",
    response_model=AuthorityRead,
    responses={201: {"description": "The body was added", "model": AuthorityRead}},
)
async def put_authority(
    code: AuthorityCode, body: AuthorityWrite, response: Response, session: DbSession, admin: AdminOnly
) -> AuthorityRead:
    """Add an authorised body under this code (201), or rename it and turn it on or off. A body named by a
    service's standard in force cannot be turned off."""
    authority, added = await catalog_service.save_authority(
        session, code=code, names=body.name.model_dump(), active=body.active, staff_id=admin.staff_id
    )
    if added:
        response.status_code = 201
    return AuthorityRead.of(authority)
