"""A PostgreSQL restored from an older pg_dump under newer Redis states: noticed and repaired.

A real ``pg_dump`` / ``pg_restore`` of a database this test owns, on the suite's
PostgreSQL server, with bot games played through the GameDriver before and after
the dump; then a fresh manager on the restored database and the same Redis.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.game_state import GameState
from app.db import migrate
from app.db.models import ActiveGame, GameHistory
from app.db.redis import RedisClient
from app.db.session import build_sessionmaker
from app.engine.bots import HeuristicBot
from app.store.driver import GameDriver, has_ended
from app.store.manager import GameStateManager
from tests.engine.test_fuzz import catalog
from tests.harness.postgres import temporary_database
from tests.store.conftest import create_users
from tests.store.test_game_driver import engine_game, ticking_clock

PG_BIN = Path("/usr/lib/postgresql/15/bin")
BOTS = (HeuristicBot(3), HeuristicBot(4))


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, (command, out, err)


@pytest.fixture
async def owned_engine(postgres_admin_url: str) -> AsyncIterator[tuple[str, AsyncEngine]]:
    if not (PG_BIN / "pg_dump").exists():
        pytest.skip("pg_dump 15 is not installed here")
    connection = await asyncpg.connect(libpq(postgres_admin_url))
    try:
        major = int((await connection.fetchval("SHOW server_version_num")) or 0) // 10000
    finally:
        await connection.close()
    if major > 15:
        pytest.skip(f"pg_dump 15 cannot dump PostgreSQL {major}")
    async with temporary_database(postgres_admin_url, "dumped") as url:
        engine = create_async_engine(url)
        await migrate.upgrade(engine)
        try:
            yield url, engine
        finally:
            await engine.dispose()


async def play_turns(driver: GameDriver, state: GameState, turns: int) -> None:
    """Play until `turns` more turn boundaries were persisted, or the game ended."""
    target = state.turn_number + turns
    while not has_ended(state) and state.turn_number < target:
        await driver.step(state, BOTS)


async def play_actions(driver: GameDriver, state: GameState, actions: int) -> None:
    for _ in range(actions):
        if has_ended(state):
            return
        await driver.step(state, BOTS)


async def counts(
    sessionmaker: async_sessionmaker[AsyncSession], game_id: uuid.UUID
) -> tuple[int | None, int]:
    async with sessionmaker() as session:
        active = await session.get(ActiveGame, game_id)
        ended = await session.scalar(
            select(func.count()).select_from(GameHistory).where(GameHistory.id == game_id)
        )
    return (None if active is None else active.version), int(ended or 0)


async def test_a_postgres_restored_from_an_older_dump_is_noticed_and_loses_nothing_redis_held(
    owned_engine: tuple[str, AsyncEngine],
    postgres_admin_url: str,
    redis_client: RedisClient,
    redis_key_prefix: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, engine = owned_engine
    sessionmaker = build_sessionmaker(engine)
    users = await create_users(sessionmaker, 2)
    before = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    driver = GameDriver(before, catalog(), clock=ticking_clock())
    games = [
        engine_game((users[0], users[1]), "mantimon", seed=seed, decks=("fire", "water"))
        for seed in (0, 1, 4, 3)  # seed 2's game ends too soon with fire's list of 48566fb
    ]
    for state in games:
        await driver.begin(state)
        await play_turns(driver, state, 3)
    assert before.postgres_rewind is None

    dump = tmp_path / "before.dump"
    await run(str(PG_BIN / "pg_dump"), "-Fc", "-f", str(dump), libpq(url))

    ended, played_on, mid_turn, cleanly = games
    await GameDriver(before, catalog(), clock=ticking_clock()).play(ended, BOTS)
    await play_turns(driver, played_on, 4)
    await play_turns(driver, mid_turn, 2)
    await play_actions(driver, mid_turn, 3)
    begun_after = engine_game((users[1], users[0]), "mantimon", seed=9, decks=("grass", "fire"))
    await driver.begin(begun_after)
    await play_turns(driver, begun_after, 3)
    assert has_ended(ended)
    assert not any(has_ended(s) for s in (played_on, mid_turn, begun_after))

    async with temporary_database(postgres_admin_url, "restored") as restored_url:
        await run(str(PG_BIN / "pg_restore"), "--no-owner", "-d", libpq(restored_url), str(dump))
        restored_engine = create_async_engine(restored_url)
        try:
            restored = build_sessionmaker(restored_engine)
            active_version, in_history = await counts(restored, ended.game_id)
            assert active_version is not None
            assert active_version < ended.version
            assert in_history == 0
            assert (await counts(restored, begun_after.game_id))[0] is None
            fresh = GameStateManager(redis_client, restored, key_prefix=redis_key_prefix)
            # Even before the check runs, the ended game is not served from the old row.
            assert await fresh.load_state(ended.game_id) is None
            with caplog.at_level(logging.WARNING, logger="app.store.manager"):
                await fresh.flush_dirty()
            rewind = fresh.postgres_rewind
            assert rewind is not None
            assert "PostgreSQL came back older" in caplog.text
            assert rewind.postgres_writes < rewind.redis_mark
            assert rewind.games_ended_again == [str(ended.game_id)]
            assert rewind.failed == []
            assert fresh.metrics.postgres_rewinds._value.get() == 1

            # The game that ended after the dump is ended again, not playable.
            assert await counts(restored, ended.game_id) == (None, 1)
            assert await fresh.load_state(ended.game_id) is None
            # Every game Redis held is in PostgreSQL at Redis's version.
            for state in (played_on, mid_turn, begun_after, cleanly):
                assert await counts(restored, state.game_id) == (state.version, 0)
            # Once repaired, the next check finds nothing.
            assert await fresh.check_postgres() is None

            # Redis is then lost: PostgreSQL alone has every game as Redis held it.
            cold = GameStateManager(redis_client, restored, key_prefix=f"{redis_key_prefix}cold:")
            for state in (played_on, mid_turn, begun_after, cleanly):
                assert await cold.load_state(state.game_id) == state
            listed = {g.game_id for g in await cold.get_player_active_games(users[0])}
            assert listed == {
                played_on.game_id,
                mid_turn.game_id,
                begun_after.game_id,
                cleanly.game_id,
            }
        finally:
            await restored_engine.dispose()
