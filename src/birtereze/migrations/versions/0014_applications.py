"""applications

The one window's applications (issue 5): one row per application with its public number, service and
standard version, applicant, intake and issuing centres, status, form, deadline and the issue's receipt;
its documents (uploaded, fetched from a registry, or the body's result; contents stored by SHA-256); and
the authorised bodies' answers, unique per (application, submission round, kind) so that a repeated
callback changes nothing while an application submitted again gets its answers anew.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import birtereze.core.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = birtereze.core.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", _ID, nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("service_id", _ID, nullable=False),
        sa.Column("standard_version", sa.Integer(), nullable=True),
        sa.Column("authority_code", sa.String(length=32), nullable=False),
        sa.Column("applicant_iin", sa.String(length=12), nullable=False),
        sa.Column("citizen_id", _ID, nullable=True),
        sa.Column("visit_id", _ID, nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("taken_by", _ID, nullable=True),
        sa.Column("intake_branch_id", _ID, nullable=False),
        sa.Column("issuing_branch_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("form_data", sa.JSON(), nullable=False),
        sa.Column("grounds", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.Column("submitted_at", _AT, nullable=True),
        sa.Column("deadline_at", _AT, nullable=True),
        sa.Column("storage_cell", sa.String(length=16), nullable=True),
        sa.Column("issued_at", _AT, nullable=True),
        sa.Column("issued_by", _ID, nullable=True),
        sa.Column("issued_to_iin", sa.String(length=12), nullable=True),
        sa.Column("alerted_near_at", _AT, nullable=True),
        sa.Column("alerted_overdue_at", _AT, nullable=True),
        sa.Column("submissions", sa.Integer(), nullable=False),
        _fk("applications", "service_id", "services", "RESTRICT"),
        _fk("applications", "citizen_id", "citizens", "SET NULL"),
        _fk("applications", "visit_id", "visits", "SET NULL"),
        _fk("applications", "taken_by", "staff", "SET NULL"),
        _fk("applications", "intake_branch_id", "branches", "RESTRICT"),
        _fk("applications", "issuing_branch_id", "branches", "RESTRICT"),
        _fk("applications", "issued_by", "staff", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_applications_number")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_applicant_iin"), ["applicant_iin"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index("ix_applications_status_deadline_at", ["status", "deadline_at"], unique=False)
        batch_op.create_index(
            "ix_applications_intake_branch_id_created_at", ["intake_branch_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_applications_issuing_branch_id_status", ["issuing_branch_id", "status"], unique=False
        )
    op.create_table(
        "application_documents",
        sa.Column("id", _ID, nullable=False),
        sa.Column("application_id", _ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("registry_name", sa.String(length=16), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        _fk("application_documents", "application_id", "applications", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_documents")),
    )
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_documents_application_id"), ["application_id"], unique=False
        )
    op.create_table(
        "application_body_answers",
        sa.Column("id", _ID, nullable=False),
        sa.Column("application_id", _ID, nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        _fk("application_body_answers", "application_id", "applications", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_body_answers")),
        sa.UniqueConstraint(
            "application_id",
            "submission",
            "kind",
            name=op.f("uq_application_body_answers_application_id_submission_kind"),
        ),
    )


def downgrade() -> None:
    op.drop_table("application_body_answers")
    op.drop_table("application_documents")
    op.drop_table("applications")
