"""staffing rosters

A branch's weekly rosters (what each was made for, kept as JSON) and their shifts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rosters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("created_at", birtereze.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", birtereze.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shortfall", sa.Integer(), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_rosters_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rosters")),
        sa.UniqueConstraint("branch_id", "week_start", name=op.f("uq_rosters_branch_id_week_start")),
    )
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rosters_branch_id"), ["branch_id"], unique=False)

    op.create_table(
        "roster_shifts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("roster_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=False),
        sa.Column("zone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("starts", sa.SmallInteger(), nullable=False),
        sa.Column("ends", sa.SmallInteger(), nullable=False),
        sa.Column("lunch_starts", sa.SmallInteger(), nullable=True),
        sa.Column("lunch_ends", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_roster_shifts_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["rosters.id"], name=op.f("fk_roster_shifts_roster_id_rosters"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_roster_shifts_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_roster_shifts_zone_id_zones"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_shifts")),
    )
    with op.batch_alter_table("roster_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_shifts_roster_id"), ["roster_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roster_shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_shifts_roster_id"))

    op.drop_table("roster_shifts")
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rosters_branch_id"))

    op.drop_table("rosters")
