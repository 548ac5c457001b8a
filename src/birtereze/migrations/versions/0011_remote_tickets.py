"""remote tickets

Tickets taken on the citizen's phone (issue 4): a visit may belong to a signed-in citizen, a remote ticket
is not called until its holder has checked in at the centre (``arrived_at``; every other ticket arrived
when it was issued), and the SMS "you are N-th in line" and "you are called" are sent once each. The
centres' settings for remote tickets: offered or not, N, the check-in radius and how long a ticket not
checked in keeps its place after the SMS.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = birtereze.core.db.UTCDateTime(timezone=True)
_CITIZEN_OPEN = sa.text("citizen_id IS NOT NULL AND status IN ('waiting', 'called')")


def upgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citizen_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("arrived_at", _AT, nullable=True))
        batch_op.add_column(sa.Column("notified_position_at", _AT, nullable=True))
        batch_op.add_column(sa.Column("notified_called_at", _AT, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_visits_citizen_id_citizens"),
            "citizens",
            ["citizen_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_visits_citizen", ["citizen_id", "status"], unique=False)
        batch_op.create_index(
            "ix_visits_citizen_open",
            ["status", "branch_id"],
            unique=False,
            postgresql_where=_CITIZEN_OPEN,
            sqlite_where=_CITIZEN_OPEN,
        )
    # Every ticket issued so far was taken at the centre: it arrived when it was issued.
    op.execute("UPDATE visits SET arrived_at = issued_at")
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("remote_tickets", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("remote_notify_position", sa.SmallInteger(), server_default="2", nullable=False)
        )
        batch_op.add_column(sa.Column("check_in_radius_m", sa.Integer(), server_default="200", nullable=True))
        batch_op.add_column(sa.Column("remote_hold_s", sa.Integer(), server_default="1200", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_column("remote_hold_s")
        batch_op.drop_column("check_in_radius_m")
        batch_op.drop_column("remote_notify_position")
        batch_op.drop_column("remote_tickets")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_citizen_open")
        batch_op.drop_index("ix_visits_citizen")
        batch_op.drop_constraint(batch_op.f("fk_visits_citizen_id_citizens"), type_="foreignkey")
        batch_op.drop_column("notified_called_at")
        batch_op.drop_column("notified_position_at")
        batch_op.drop_column("arrived_at")
        batch_op.drop_column("citizen_id")
