"""application deliveries

The outbox of applications delivered to the authorised bodies (issue 5): one row per application handed
to a body, its idempotency key unique (the same on every try), its status and lease or next try, the
body's acknowledgement, and the dead letter.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = birtereze.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", _ID, nullable=False),
        sa.Column("application_id", _ID, nullable=False),
        sa.Column("branch_id", _ID, nullable=True),
        sa.Column("authority_code", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("acknowledgement", sa.String(length=200), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("delivered_at", _AT, nullable=True),
        sa.Column("dead_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_deliveries_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_deliveries_branch_id_branches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_deliveries_idempotency_key")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_deliveries_application", ["application_id"], unique=False)
        batch_op.create_index("ix_deliveries_authority_status", ["authority_code", "status"], unique=False)


def downgrade() -> None:
    op.drop_table("deliveries")
