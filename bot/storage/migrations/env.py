"""Alembic environment: migrations run on the engine the Repo hands over (online mode only)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from bot.storage.tables import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through bot.storage.Repo.migrate (or `werkpad db upgrade`)")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
