"""notifications

The outbox of SMS, e-mail and push messages (notify): one row per recipient and channel with its
rendered text, status, tries and next try, and the provider's ids of its parts with their delivery
reports.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = birtereze.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", _ID, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("sent_at", _UTC, nullable=True),
        sa.Column("delivered_at", _UTC, nullable=True),
        sa.Column("failed_at", _UTC, nullable=True),
        sa.Column("branch_id", _ID, nullable=True),
        sa.Column("visit_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_notifications_branch_id_branches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_notifications_visit_id_visits"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notifications_branch_created", ["branch_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "notification_parts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("notification_id", _ID, nullable=False),
        sa.Column("part", sa.SmallInteger(), nullable=False),
        sa.Column("provider_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reported_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_parts_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_parts")),
    )
    with op.batch_alter_table("notification_parts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_parts_notification_id"), ["notification_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_parts_provider_id"), ["provider_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_parts_provider_id"))
        batch_op.drop_index(batch_op.f("ix_notification_parts_notification_id"))
    op.drop_table("notification_parts")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_visit_id"))
        batch_op.drop_index("ix_notifications_branch_created")
        batch_op.drop_index("ix_notifications_due")
    op.drop_table("notifications")
