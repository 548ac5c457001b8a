"""counter visit foreign key

The foreign key from a window's counter to the visit it holds is declared ``use_alter`` in the model,
and ``op.create_table`` leaves such a constraint out on PostgreSQL (SQLite writes it inline, so it has
it already).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(op.f("fk_counters_visit_id_visits"), "counters", "visits", ["visit_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_counters_visit_id_visits"), "counters", type_="foreignkey")
