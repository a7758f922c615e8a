"""Migration 003 on data: users of 002 keep their sign-in as identities, names made unique.

Upgrading is from a database at revision 002 holding users written in 002's shape
(one with a duplicate name in another casing); downgrading brings provider users
back in 002's shape and drops guests, who have no place there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.db import migrate
from tests.harness.postgres import temporary_database


@pytest.fixture
async def engine_at_002(postgres_admin_url: str) -> AsyncIterator[AsyncEngine]:
    async with temporary_database(postgres_admin_url, "m003") as url:
        engine = create_async_engine(url)
        try:
            await migrate.upgrade(engine, "002")
            yield engine
        finally:
            await engine.dispose()


async def test_users_of_002_survive_003_and_come_back_on_downgrade(
    engine_at_002: AsyncEngine,
) -> None:
    async with engine_at_002.begin() as db:
        await db.execute(
            text(
                "INSERT INTO users (email, display_name, oauth_provider, oauth_id, created_at)"
                " VALUES ('a@example.com', 'Ash', 'google', 'g-1', now() - interval '2 days'),"
                " ('b@example.com', 'ASH', 'discord', 'd-1', now() - interval '1 day'),"
                " ('c@example.com', 'Brock', 'google', 'g-2', now())"
            )
        )

    await migrate.upgrade(engine_at_002, "003")
    async with engine_at_002.connect() as db:
        rows = await db.execute(
            text(
                "SELECT u.email, u.display_name, u.display_name_key, u.is_guest,"
                " i.provider, i.subject, i.email FROM users u JOIN identities i ON i.user_id = u.id"
                " ORDER BY u.email"
            )
        )
        found = [tuple(row) for row in rows]
    assert found[0] == ("a@example.com", "Ash", "ash", False, "google", "g-1", "a@example.com")
    assert found[1][1].startswith("ASH#")
    assert found[1][2] == found[1][1].lower()
    assert found[1][4:] == ("discord", "d-1", "b@example.com")
    assert found[2][:3] == ("c@example.com", "Brock", "brock")

    async with engine_at_002.begin() as db:
        await db.execute(
            text(
                "INSERT INTO users (display_name, display_name_key, is_guest)"
                " VALUES ('Gus', 'gus', true)"
            )
        )
    await migrate.downgrade(engine_at_002, "002")
    async with engine_at_002.connect() as db:
        rows = await db.execute(
            text("SELECT email, oauth_provider, oauth_id FROM users ORDER BY email")
        )
        back = [tuple(row) for row in rows]
    assert back == [
        ("a@example.com", "google", "g-1"),
        ("b@example.com", "discord", "d-1"),
        ("c@example.com", "google", "g-2"),
    ]
