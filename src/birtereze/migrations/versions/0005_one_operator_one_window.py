"""one operator one window

A staff member is at most at one window that is not closed: a partial unique index on the counters, the
last word when two windows are opened by the same operator at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("state <> 'closed'")


def upgrade() -> None:
    op.create_index(
        "uq_counters_staff_at_work",
        "counters",
        ["staff_id"],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_counters_staff_at_work", table_name="counters")
