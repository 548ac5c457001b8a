"""assist calls

Calls for help in the hall (accessibility, M5): raised by a kiosk's button, a hardware button or an
operator, answered once by a member of staff, possibly at an accessible window; the response time is
answered_at - raised_at.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "assist_calls",
        sa.Column("id", _ID, nullable=False),
        sa.Column("branch_id", _ID, nullable=False),
        sa.Column("zone_id", _ID, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("raised_at", birtereze.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", birtereze.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", _ID, nullable=True),
        sa.Column("window_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_assist_calls_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_assist_calls_zone_id_zones"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["staff.id"], name=op.f("fk_assist_calls_answered_by_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_assist_calls_window_id_windows"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_calls")),
    )
    with op.batch_alter_table("assist_calls", schema=None) as batch_op:
        batch_op.create_index("ix_assist_calls_branch_raised", ["branch_id", "raised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assist_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_assist_calls_branch_raised")

    op.drop_table("assist_calls")
