"""The PostgreSQL the tests run against.

``MANTIMON_TEST_POSTGRES_URL`` names a server and a database the suite may
connect to for administration (e.g. ``postgresql://root@127.0.0.1:5432/postgres``).
Without it, an embedded PostgreSQL is started in a temporary folder, once per
run. Either way the suite creates its own uniquely named database, migrates it
with the real Alembic migrations, and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import to_asyncpg_url
from app.db import migrate
from app.db.embedded_postgres import EmbeddedPostgres
from app.db.session import build_sessionmaker

POSTGRES_URL_ENV = "MANTIMON_TEST_POSTGRES_URL"


def _plain_dsn(url: str) -> str:
    """The URL asyncpg itself accepts (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def temporary_database(admin_url: str, label: str) -> AsyncIterator[str]:
    """Create an empty, uniquely named database and drop it (forcibly) afterwards."""
    name = f"mantimon_{label}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_plain_dsn(admin_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_plain_dsn(admin_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An asyncpg URL of a server where the suite may create and drop databases."""
    configured = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if configured:
        yield to_asyncpg_url(configured)
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres") / "data", ephemeral=True)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def database_url(postgres_admin_url: str) -> AsyncIterator[str]:
    """This run's own database, migrated to head with the real migrations."""
    async with temporary_database(postgres_admin_url, "test") as url:
        engine = create_async_engine(url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """One engine for the run, on the migrated database."""
    engine = create_async_engine(database_url, pool_size=5, max_overflow=10)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that commit for real: tests using them must use unique rows of their own."""
    return build_sessionmaker(engine)


@pytest.fixture
async def db_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back after the test.

    Commits inside the test become savepoints, so nothing a test writes is
    seen by another test, whatever the order.
    """
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()
