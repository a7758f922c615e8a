"""Run Alembic from inside the application: upgrade, downgrade, inspect and check for drift.

The service's lifespan, the ``mantimon db`` commands and the tests all migrate
through these functions, on the same asyncpg engine they already hold, so
there is one way the schema changes.

Reading the revision or comparing the schema logs nothing: Alembic announces
"Context impl PostgresqlImpl" and "Will assume transactional DDL" at INFO
whenever a context is set up, which a health poller calling ``/ready`` every
few seconds would turn into a flood. Upgrades and downgrades log as Alembic does.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_inspecting: ContextVar[bool] = ContextVar("alembic_inspecting", default=False)


class _QuietWhileInspecting(logging.Filter):
    """Drop Alembic's INFO set-up lines for contexts opened only to read or compare."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or not _inspecting.get()


logging.getLogger("alembic.runtime.migration").addFilter(_QuietWhileInspecting())


def _inspection_context(sync: Connection, opts: dict[str, Any] | None = None) -> MigrationContext:
    token = _inspecting.set(True)
    try:
        return MigrationContext.configure(sync, opts=opts)
    finally:
        _inspecting.reset(token)


def alembic_config() -> Config:
    """An Alembic config for the bundled migrations, whatever the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision`, each in its own transaction."""
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Revert migrations down to `revision` (``"base"`` removes every table)."""
    await _run(engine, command.downgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an unmigrated database."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: _inspection_context(sync).get_current_revision(),
        )


async def is_at_head(engine: AsyncEngine) -> bool:
    """Whether the database has every migration this code ships."""
    return await current_revision(engine) == head_revision()


async def schema_drift(engine: AsyncEngine) -> list[Any]:
    """Differences between the models and the database, as Alembic's autogenerate sees them.

    Empty when the migrations produce exactly the schema the models declare.
    """

    def compare(sync: Connection) -> list[Any]:
        context = _inspection_context(sync, {"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


async def _run(engine: AsyncEngine, action: Any, revision: str) -> None:
    def run(sync: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync
        action(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
