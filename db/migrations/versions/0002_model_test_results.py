"""Keep the outcome of the last test call of each model

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model") as batch_op:
        batch_op.add_column(sa.Column("last_test_at", db.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_test_ok", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("last_test_latency_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_test_message", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model") as batch_op:
        batch_op.drop_column("last_test_message")
        batch_op.drop_column("last_test_latency_ms")
        batch_op.drop_column("last_test_ok")
        batch_op.drop_column("last_test_at")
