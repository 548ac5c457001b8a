"""citizens

The citizens' sign-in (M10): the citizens who signed in (by the national Digital ID or a one-time SMS
code), their browser sessions (only a hash of the session id is kept), and the one-time codes sent (only
an HMAC of the code is kept).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = birtereze.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "citizens",
        sa.Column("id", _ID, nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("last_sign_in_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("iin", name=op.f("uq_citizens_iin")),
    )
    op.create_table(
        "citizen_sessions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", _ID, nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("last_seen_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_citizen_sessions_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_citizen_sessions_token_hash")),
    )
    with op.batch_alter_table("citizen_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citizen_sessions_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_citizen_sessions_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "citizen_otp_challenges",
        sa.Column("id", _ID, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_otp_challenges")),
        sa.UniqueConstraint("public_id", name=op.f("uq_citizen_otp_challenges_public_id")),
    )
    with op.batch_alter_table("citizen_otp_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citizen_otp_challenges_iin"), ["iin"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_citizen_otp_challenges_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("citizen_otp_challenges")
    op.drop_table("citizen_sessions")
    op.drop_table("citizens")
