"""Indexes for the task list's filters and, on PostgreSQL, its text search

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRIGRAM_COLUMNS = ("prompt", "answer", "name")


def upgrade() -> None:
    op.create_index("ix_task_status_created", "task", ["status", "created_at"])
    op.create_index("ix_task_model_name_created", "task", ["model_name", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        # Substring search (`lower(x) LIKE '%word%'`) needs trigram indexes to avoid a scan.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in TRIGRAM_COLUMNS:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_task_{column}_trgm ON task "
                f"USING gin (lower({column}) gin_trgm_ops)"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_task_{column}_trgm")
    op.drop_index("ix_task_model_name_created", "task")
    op.drop_index("ix_task_status_created", "task")
