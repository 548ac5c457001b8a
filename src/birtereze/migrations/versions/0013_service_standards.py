"""service standards

The catalogue's authorised bodies and the versioned service standards (issue 5): one row per version of a
service's standard, (service, version) unique, with who changed it and when; the standard's channels,
documents, grounds for refusal and application form kept as JSON.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = birtereze.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_kk", sa.String(length=300), nullable=False),
        sa.Column("name_ru", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorities")),
        sa.UniqueConstraint("code", name=op.f("uq_authorities_code")),
    )
    op.create_table(
        "service_standards",
        sa.Column("id", _ID, nullable=False),
        sa.Column("service_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.Column("changed_by", _ID, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("authority_code", sa.String(length=32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("term_amount", sa.Integer(), nullable=False),
        sa.Column("term_unit", sa.String(length=16), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("result_kk", sa.String(length=1000), nullable=False),
        sa.Column("result_ru", sa.String(length=1000), nullable=False),
        sa.Column("result_en", sa.String(length=1000), nullable=False),
        sa.Column("fee_kind", sa.String(length=8), nullable=False),
        sa.Column("fee_mrp", sa.Numeric(precision=8, scale=3), nullable=True),
        sa.Column("fee_kzt", sa.Integer(), nullable=True),
        sa.Column("fee_payment_kk", sa.String(length=1000), nullable=False),
        sa.Column("fee_payment_ru", sa.String(length=1000), nullable=False),
        sa.Column("fee_payment_en", sa.String(length=1000), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("refusal_grounds", sa.JSON(), nullable=False),
        sa.Column("hours_kk", sa.String(length=500), nullable=False),
        sa.Column("hours_ru", sa.String(length=500), nullable=False),
        sa.Column("hours_en", sa.String(length=500), nullable=False),
        sa.Column("extraterritorial", sa.Boolean(), nullable=False),
        sa.Column("form_schema", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_standards_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["staff.id"],
            name=op.f("fk_service_standards_changed_by_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["authority_code"],
            ["authorities.code"],
            name=op.f("fk_service_standards_authority_code_authorities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_standards")),
        sa.UniqueConstraint("service_id", "version", name=op.f("uq_service_standards_service_id_version")),
    )


def downgrade() -> None:
    op.drop_table("service_standards")
    op.drop_table("authorities")
