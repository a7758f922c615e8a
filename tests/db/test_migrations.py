"""The migrations themselves: up from empty, identical to the models, down to nothing, up again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.db import migrate
from app.db.models import Base
from tests.harness.postgres import temporary_database

USER_TYPES = """
    SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typtype IN ('e', 'c', 'd')
      AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid)
"""


@pytest.fixture
async def empty_engine(postgres_admin_url: str) -> AsyncIterator[AsyncEngine]:
    async with temporary_database(postgres_admin_url, "migrations") as url:
        engine = create_async_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"),
        )
        return set(rows.scalars())


async def _types(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(text(USER_TYPES))).scalars())


async def test_upgrade_matches_models_and_downgrade_removes_everything(
    empty_engine: AsyncEngine,
) -> None:
    assert await migrate.current_revision(empty_engine) is None
    assert not await migrate.is_at_head(empty_engine)

    await migrate.upgrade(empty_engine)
    assert await migrate.current_revision(empty_engine) == migrate.head_revision()
    assert await _tables(empty_engine) == set(Base.metadata.tables) | {"alembic_version"}
    assert await migrate.schema_drift(empty_engine) == []

    await migrate.downgrade(empty_engine, "base")
    assert await _tables(empty_engine) == {"alembic_version"}
    assert await _types(empty_engine) == set()
    assert await migrate.current_revision(empty_engine) is None

    await migrate.upgrade(empty_engine)
    assert await migrate.is_at_head(empty_engine)
    assert await migrate.schema_drift(empty_engine) == []


async def test_drift_is_detected_when_the_schema_differs(empty_engine: AsyncEngine) -> None:
    """The comparison must be able to fail, or an empty result proves nothing."""
    await migrate.upgrade(empty_engine)
    async with empty_engine.begin() as connection:
        await connection.execute(text("ALTER TABLE decks ADD COLUMN color varchar(10)"))
        await connection.execute(text("DROP INDEX ix_users_email"))
    drift = await migrate.schema_drift(empty_engine)
    kinds = {diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in drift}
    assert "remove_column" in kinds
    assert "add_index" in kinds


async def test_the_suite_database_is_at_head(engine: AsyncEngine) -> None:
    assert await migrate.is_at_head(engine)
    assert await migrate.schema_drift(engine) == []


async def test_reading_the_revision_logs_nothing_but_migrating_still_does(
    empty_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="alembic"):
        await migrate.upgrade(empty_engine)
    migrated = [r.getMessage() for r in caplog.records if r.name.startswith("alembic")]
    assert any(m.startswith("Context impl PostgresqlImpl") for m in migrated), migrated
    assert any(m.startswith("Running upgrade  -> 001") for m in migrated), migrated

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="alembic"):
        for _ in range(3):  # what every GET /ready does
            assert await migrate.current_revision(empty_engine) == migrate.head_revision()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []
