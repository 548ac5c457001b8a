"""appointments

The citizens' bookings of a slot at a centre for a service (issue 4): one row per booked place, its seat
in the slot unique so that two bookings cannot take the same last place, its short code unique per centre
and day, and when each reminder was sent.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = birtereze.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "appointment_bookings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("citizen_id", _ID, nullable=False),
        sa.Column("branch_id", _ID, nullable=False),
        sa.Column("service_id", _ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot_start", _AT, nullable=False),
        sa.Column("slot_end", _AT, nullable=False),
        sa.Column("seat", sa.SmallInteger(), nullable=True),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("visit_id", _ID, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.Column("reminded_day_at", _AT, nullable=True),
        sa.Column("reminded_hour_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_appointment_bookings_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_appointment_bookings_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_appointment_bookings_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_appointment_bookings_visit_id_visits"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_bookings")),
        sa.UniqueConstraint(
            "branch_id",
            "service_id",
            "slot_start",
            "seat",
            name=op.f("uq_appointment_bookings_branch_id_service_id_slot_start_seat"),
        ),
        sa.UniqueConstraint(
            "branch_id", "day", "code", name=op.f("uq_appointment_bookings_branch_id_day_code")
        ),
    )
    with op.batch_alter_table("appointment_bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointment_bookings_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(
            "ix_appointment_bookings_status_slot_start", ["status", "slot_start"], unique=False
        )


def downgrade() -> None:
    op.drop_table("appointment_bookings")
