"""``mantimon db``: the schema, through the same Alembic migrations the service applies.

These commands need PostgreSQL only, so they never start an embedded Redis.
"""

from __future__ import annotations

import typer

from app.cli._support import announce, command, fail, out, run, settings
from app.db import migrate
from app.runtime import open_database

app = typer.Typer(
    help="Apply, revert and inspect database migrations.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


async def _upgrade(revision: str) -> str | None:
    async with open_database(settings()) as stores:
        announce(stores.infrastructure)
        await migrate.upgrade(stores.engine, revision)
        return await migrate.current_revision(stores.engine)


async def _downgrade(revision: str) -> str | None:
    async with open_database(settings()) as stores:
        announce(stores.infrastructure)
        await migrate.downgrade(stores.engine, revision)
        return await migrate.current_revision(stores.engine)


async def _current() -> str | None:
    async with open_database(settings()) as stores:
        announce(stores.infrastructure)
        return await migrate.current_revision(stores.engine)


async def _check() -> tuple[str | None, list[str]]:
    async with open_database(settings()) as stores:
        announce(stores.infrastructure)
        current = await migrate.current_revision(stores.engine)
        if current != migrate.head_revision():
            return current, []
        return current, [str(diff) for diff in await migrate.schema_drift(stores.engine)]


@app.command()
@command
def upgrade(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
) -> None:
    """Apply migrations up to REVISION."""
    out.print(f"database at revision {run(_upgrade(revision)) or 'base'}")


@app.command()
@command
def downgrade(
    revision: str = typer.Argument(..., help="Target revision; 'base' removes every table."),
) -> None:
    """Revert migrations down to REVISION."""
    out.print(f"database at revision {run(_downgrade(revision)) or 'base'}")


@app.command()
@command
def current() -> None:
    """Print the revision the database is at, and the newest one this code ships."""
    revision = run(_current())
    head = migrate.head_revision()
    state = "up to date" if revision == head else "behind: run 'mantimon db upgrade'"
    out.print(f"current: {revision or 'base'}  head: {head}  ({state})")


@app.command()
@command
def check() -> None:
    """Fail when the database is not at the newest revision or differs from the models."""
    current_revision, drift = run(_check())
    head = migrate.head_revision()
    if current_revision != head:
        fail(f"database is at {current_revision or 'base'}, not at head {head}: run upgrade")
    if drift:
        fail(f"models and migrations differ ({len(drift)}):\n" + "\n".join(drift))
    out.print(f"database at head {head}; models and migrations match")
