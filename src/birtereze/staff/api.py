"""REST routes for staff sign-in (bearer tokens) and the caller's identity."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from birtereze.staff import service as staff_service
from birtereze.staff.schemas import Me, TokenIssued, TokenRequest
from birtereze.web.deps import CurrentStaff, DbSession, Now

router = APIRouter(prefix="/api/v1", tags=["staff"])

TOKEN_TTL = timedelta(hours=12)


@router.post("/auth/token", operation_id="createToken", response_model=TokenIssued, status_code=201)
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
