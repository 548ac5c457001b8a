"""REST routes for staff sign-in (bearer tokens) and the caller's identity."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from birtereze.branches import service as branches_service
from birtereze.core.errors import Forbidden, NotFound
from birtereze.core.schemas import PathId
from birtereze.staff import service as staff_service
from birtereze.staff.models import Staff
from birtereze.staff.schemas import Me, StaffCreate, StaffRead, StaffUpdate, TokenIssued, TokenRequest
from birtereze.staff.service import Principal
from birtereze.web.deps import BranchManage, CurrentStaff, DbSession, Now

router = APIRouter(prefix="/api/v1", tags=["staff"])

TOKEN_TTL = timedelta(hours=12)


@router.post(
    "/auth/token",
    operation_id="createToken",
    response_model=TokenIssued,
    status_code=201,
    responses={401: {"description": "Wrong username or password"}},
)
async def create_token(body: TokenRequest, session: DbSession, now: Now) -> TokenIssued:
    """Exchange a username and password for a bearer token valid for 12 hours."""
    staff = await staff_service.authenticate(session, username=body.username, password=body.password)
    token = await staff_service.issue_token(
        session, staff_id=staff.id, name=body.name, now=now, ttl=TOKEN_TTL
    )
    return TokenIssued(access_token=token, expires_in=int(TOKEN_TTL.total_seconds()))


@router.get("/me", operation_id="getMe", response_model=Me)
async def me(principal: CurrentStaff) -> Me:
    return Me(
        id=principal.staff_id,
        username=principal.username,
        role=principal.role,
        branch_ids=sorted(principal.branch_ids),
    )


def _read(staff: Staff, branch_ids: frozenset[int]) -> StaffRead:
    return StaffRead(
        id=staff.id,
        username=staff.username,
        full_name=staff.full_name,
        role=staff.role,
        active=staff.active,
        branch_ids=sorted(branch_ids),
    )


def _may_manage(principal: Principal, role: str, branch_ids: frozenset[int]) -> bool:
    """Administrators manage everyone; a branch manager, operators and kiosks of their own centres."""
    if principal.is_admin:
        return True
    return (
        principal.role == "branch_manager"
        and role in ("operator", "kiosk")
        and bool(branch_ids)
        and branch_ids <= principal.branch_ids
    )


@router.get("/staff", operation_id="listStaff", response_model=list[StaffRead])
async def list_staff(session: DbSession, principal: BranchManage) -> list[StaffRead]:
    """Staff users in the caller's scope."""
    scope = None if principal.is_admin else sorted(principal.branch_ids)
    return [
        _read(staff, await staff_service.branch_ids(session, staff.id))
        for staff in await staff_service.list_staff(session, branch_ids=scope)
    ]


@router.post("/staff", operation_id="createStaff", response_model=StaffRead, status_code=201)
async def create_staff(body: StaffCreate, session: DbSession, now: Now, principal: BranchManage) -> StaffRead:
    """Create an operator, manager, administrator or kiosk account."""
    branch_ids = frozenset(body.branch_ids)
    if not _may_manage(principal, body.role, branch_ids):
        raise Forbidden()
    for branch_id in branch_ids:
        await branches_service.get(session, branch_id)
    staff = await staff_service.create(
        session,
        username=body.username,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
        branch_ids=sorted(branch_ids),
        now=now,
    )
    return _read(staff, branch_ids)


@router.patch("/staff/{staff_id}", operation_id="updateStaff", response_model=StaffRead)
async def update_staff(
    staff_id: PathId, body: StaffUpdate, session: DbSession, principal: BranchManage
) -> StaffRead:
    """Rename, deactivate (revoking its tokens) or reset the password of an account."""
    staff = await staff_service.get(session, staff_id)
    branch_ids = await staff_service.branch_ids(session, staff.id)
    if not principal.is_admin and not (branch_ids & principal.branch_ids):
        raise NotFound("Staff user")
    if not _may_manage(principal, staff.role, branch_ids):
        raise Forbidden()
    await staff_service.update(
        session, staff, full_name=body.full_name, active=body.active, password=body.password
    )
    return _read(staff, branch_ids)
