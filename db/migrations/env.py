"""Alembic environment: runs migrations on the engine `db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from db.models import Base

config = context.config


def run_migrations_online() -> None:
    """Run the migrations on the connection given in the Alembic config."""
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("promptdesk runs migrations online only: use `python -m db upgrade`")
run_migrations_online()
