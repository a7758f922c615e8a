"""Alembic environment: the app's metadata, and the app's database URL.

Migrations run on asyncpg, the driver the service uses, so there is one
PostgreSQL driver to install and configure. Code that is already inside an
event loop (the service's lifespan, the tests) hands a connection in through
``config.attributes["connection"]``; the ``alembic`` command line opens its own,
on ``-x url=...`` if given, else ``sqlalchemy.url`` from the ini file, else the
settings' ``DATABASE_URL`` (any PostgreSQL scheme; asyncpg is always used).
"""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import get_settings, to_asyncpg_url
from app.db.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    given = context.get_x_argument(as_dictionary=True).get("url")
    url = given or config.get_main_option("sqlalchemy.url") or get_settings().database_url
    if not url:
        raise SystemExit("DATABASE_URL: not set; export it or pass -x url=... to alembic")
    try:
        return to_asyncpg_url(url)
    except ValueError as exc:
        raise SystemExit(f"-x url: {exc}" if given else f"database URL: {exc}") from None


async def _run_online() -> None:
    engine = create_async_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL for review (``alembic upgrade head --sql``) without a database."""
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate on a given connection, or on a new asyncpg engine from the settings."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(_run_online())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
