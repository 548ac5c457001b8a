"""Staff users, scopes and bearer tokens: the only writer of the staff tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core import security
from birtereze.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from birtereze.core.i18n import _l
from birtereze.staff.models import ROLES, ApiToken, Staff, StaffBranch


class UsernameTaken(Conflict):
    code = "username_taken"
    message = _l("The username {username} is already taken.")


class UnknownRole(InvalidInput):
    code = "unknown_role"
    message = _l("Unknown role: {role}.")


class BadCredentials(Unauthorized):
    code = "bad_credentials"
    message = _l("Wrong username or password.")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a staff user (or a kiosk device) with a role and the branches in scope."""

    staff_id: int
    username: str
    role: str
    branch_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see(self, branch_id: int) -> bool:
        return self.is_admin or branch_id in self.branch_ids


async def get(session: AsyncSession, staff_id: int) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("Staff user")
    return staff


async def get_by_username(session: AsyncSession, username: str) -> Staff | None:
    return (await session.execute(select(Staff).where(Staff.username == username))).scalar_one_or_none()


async def create(
    session: AsyncSession,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str | None,
    branch_ids: Sequence[int],
    now: datetime,
) -> Staff:
    if role not in ROLES:
        raise UnknownRole(role=role)
    if await get_by_username(session, username) is not None:
        raise UsernameTaken(username=username)
    staff = Staff(
        username=username,
        full_name=full_name,
        role=role,
        password_hash=security.hash_password(password) if password else None,
        active=True,
        created_at=now,
    )
    session.add(staff)
    await session.flush()
    session.add_all(StaffBranch(staff_id=staff.id, branch_id=branch_id) for branch_id in branch_ids)
    await session.flush()
    return staff


async def branch_ids(session: AsyncSession, staff_id: int) -> frozenset[int]:
    rows = await session.execute(select(StaffBranch.branch_id).where(StaffBranch.staff_id == staff_id))
    return frozenset(rows.scalars())


async def authenticate(session: AsyncSession, *, username: str, password: str) -> Staff:
    staff = await get_by_username(session, username)
    if staff is None or not staff.active or not security.verify_password(password, staff.password_hash):
        raise BadCredentials()
    return staff


async def issue_token(
    session: AsyncSession, *, staff_id: int, name: str, now: datetime, ttl: timedelta | None = None
) -> str:
    token = security.new_token()
    session.add(
        ApiToken(
            staff_id=staff_id,
            token_hash=security.token_digest(token),
            name=name,
            created_at=now,
            expires_at=now + ttl if ttl is not None else None,
            revoked=False,
        )
    )
    await session.flush()
    return token


async def principal_for_token(session: AsyncSession, *, token: str, now: datetime) -> Principal | None:
    row = (
        await session.execute(
            select(Staff.id, Staff.username, Staff.role, ApiToken.expires_at)
            .join(ApiToken, ApiToken.staff_id == Staff.id)
            .where(
                ApiToken.token_hash == security.token_digest(token),
                ApiToken.revoked.is_(False),
                Staff.active.is_(True),
            )
        )
    ).first()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Principal(
        staff_id=row.id,
        username=row.username,
        role=row.role,
        branch_ids=await branch_ids(session, row.id),
    )


async def full_names(session: AsyncSession, staff_ids: Collection[int | None]) -> dict[int, str]:
    """The full names of these staff members (those that still exist), by id."""
    wanted = {staff_id for staff_id in staff_ids if staff_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Staff.id, Staff.full_name).where(Staff.id.in_(wanted)))
    return {staff_id: name for staff_id, name in rows}


async def list_staff(session: AsyncSession, *, branch_ids: Sequence[int] | None = None) -> Sequence[Staff]:
    """Staff users, all of them or those scoped to any of ``branch_ids``."""
    statement = select(Staff).order_by(Staff.username)
    if branch_ids is not None:
        statement = statement.where(
            Staff.id.in_(select(StaffBranch.staff_id).where(StaffBranch.branch_id.in_(branch_ids)))
        )
    return (await session.execute(statement)).scalars().all()


async def update(
    session: AsyncSession,
    staff: Staff,
    *,
    full_name: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> Staff:
    if full_name is not None:
        staff.full_name = full_name
    if active is not None:
        staff.active = active
        if not active:
            # A deactivated account loses its tokens at once.
            await session.execute(
                sql_update(ApiToken).where(ApiToken.staff_id == staff.id).values(revoked=True)
            )
    if password is not None:
        staff.password_hash = security.hash_password(password)
    await session.flush()
    return staff
