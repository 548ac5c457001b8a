"""Alembic environment: runs on SQLite (batch mode) and PostgreSQL with the sync drivers."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, event, pool

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


def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    # Batch mode changes a SQLite table by copying it into a new one and dropping the old: with foreign
    # keys enforced, that DROP would first delete (ON DELETE CASCADE) or refuse for every row that refers
    # to it. They are checked as a whole once the migrations are done instead.
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def run_migrations_online() -> None:
    url = normalise_url(_url(), async_driver=False)
    ensure_sqlite_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        install_sqlite_hooks(engine)
        event.listen(engine, "connect", _foreign_keys_off)  # after the hooks, which turn them on
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows that refer to missing ones: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
