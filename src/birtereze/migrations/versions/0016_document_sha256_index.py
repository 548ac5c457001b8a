"""document sha256 index

An index on ``application_documents.sha256``: the hourly sweep of stored files that no document refers to
(``applications.sweep_documents``) looks the files' hashes up in batches.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_application_documents_sha256", "application_documents", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_application_documents_sha256", table_name="application_documents")
