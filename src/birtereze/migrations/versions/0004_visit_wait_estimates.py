"""visit wait estimates

Each ticket keeps the wait predictors' estimates made when it was issued, so that the predictor learns
from them when the ticket is called; the last called tickets of a queue are found by an index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_estimates", sa.JSON(), nullable=True))
        batch_op.create_index("ix_visits_called", ["branch_id", "queue_id", "called_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_called")
        batch_op.drop_column("wait_estimates")
