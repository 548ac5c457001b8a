"""Alembic environment: runs on SQLite (batch mode) and PostgreSQL with the sync drivers."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from birtereze.core.db import ensure_sqlite_dir, install_sqlite_hooks, normalise_url
from birtereze.core.settings import get_settings
from birtereze.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    url = normalise_url(_url(), async_driver=False)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = normalise_url(_url(), async_driver=False)
    ensure_sqlite_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    if url.get_backend_name() == "sqlite":
        install_sqlite_hooks(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=url.get_backend_name() == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
