"""More concurrent work than pooled connections is load, not an outage.

Against real servers, with the pools `build_redis` and `build_engine` make from
the settings: a thousand concurrent calls queue for connections and all
complete; a pool that stays full past its timeout raises `GameStoreBusyError`
naming the pool and its settings, and never makes a save write through.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio.connection import AbstractConnection
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings, load_settings
from app.core.enums import EndReason
from app.core.game_state import GameResult, GameState
from app.db.embedded_redis import EmbeddedRedis, free_tcp_port
from app.db.models import ActiveGame
from app.db.redis import RedisClient, build_redis
from app.db.session import build_engine, build_sessionmaker
from app.store.manager import (
    GameStateManager,
    GameStoreBusyError,
    PersistOutcome,
    SaveOutcome,
)
from tests.harness.redis import redis_test_settings
from tests.store.conftest import StateFactory
from tests.store.test_game_state_manager import advance, cached_version, dirty_ids, row

pytestmark = pytest.mark.usefixtures("players")

LOGGER = "app.store.manager"
CONCURRENT = 1000


def _manager_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING
    ]


def _games(new_state: StateFactory, count: int) -> list[GameState]:
    """`count` games of the fixture's players: one realistic state under fresh game ids."""
    base = new_state()
    return [base.model_copy(update={"game_id": uuid.uuid4()}) for _ in range(count)]


@pytest.fixture
def default_settings(database_url: str, redis_url: str) -> Settings:
    """The shipped pool settings (REDIS_MAX_CONNECTIONS=50, DB_POOL_SIZE=10, ...)."""
    return load_settings(database_url=database_url, redis_url=redis_url)


@pytest.fixture
async def default_engine(default_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = build_engine(default_settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def client_name() -> str:
    """A client name no other test uses, to count this test's connections in CLIENT LIST."""
    return f"mantimon-pool-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def default_redis(default_settings: Settings, client_name: str) -> AsyncIterator[RedisClient]:
    client = build_redis(default_settings, client_name=client_name)
    yield client
    await client.aclose()


async def _hold_redis(client: RedisClient, count: int) -> list[AbstractConnection]:
    """Check out `count` connections of the client's pool, leaving the rest free."""
    pool = client.connection_pool
    held: list[AbstractConnection] = [
        await pool.get_connection()  # type: ignore[no-untyped-call]
        for _ in range(count)
    ]
    return held


async def _release_redis(client: RedisClient, held: list[AbstractConnection]) -> None:
    for connection in held:
        await client.connection_pool.release(connection)


# -- a thousand concurrent calls on the default pools -----------------------------------------


async def test_a_thousand_concurrent_saves_are_all_cached(
    default_settings: Settings,
    default_redis: RedisClient,
    default_engine: AsyncEngine,
    redis_client: RedisClient,
    redis_key_prefix: str,
    client_name: str,
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    assert default_settings.redis_max_connections == 50
    manager = GameStateManager(
        default_redis, build_sessionmaker(default_engine), key_prefix=redis_key_prefix
    )
    games = _games(new_state, CONCURRENT)

    outcomes = await asyncio.gather(*(manager.save_to_cache(game) for game in games))

    assert outcomes == [SaveOutcome.CACHED] * CONCURRENT
    assert _manager_warnings(caplog) == []
    assert await dirty_ids(redis_client, manager) == {str(game.game_id) for game in games}
    clients: list[dict[str, Any]] = await redis_client.client_list()
    opened = [c for c in clients if c.get("name") == client_name]
    assert 0 < len(opened) <= default_settings.redis_max_connections
    async with build_sessionmaker(default_engine)() as session:
        written = await session.scalar(
            select(func.count()).where(ActiveGame.id.in_([g.game_id for g in games]))
        )
    assert written == 0, "a save was written through to PostgreSQL"


async def test_a_thousand_concurrent_persists_all_complete(
    default_settings: Settings,
    default_redis: RedisClient,
    default_engine: AsyncEngine,
    redis_client: RedisClient,
    redis_key_prefix: str,
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    assert default_settings.db_pool_size + default_settings.db_max_overflow < CONCURRENT
    sessionmaker = build_sessionmaker(default_engine)
    manager = GameStateManager(default_redis, sessionmaker, key_prefix=redis_key_prefix)
    games = _games(new_state, CONCURRENT)
    await asyncio.gather(*(manager.save_to_cache(game) for game in games))

    outcomes = await asyncio.gather(*(manager.persist_to_db(game) for game in games))

    assert outcomes == [PersistOutcome.WRITTEN] * CONCURRENT
    assert _manager_warnings(caplog) == []
    assert await dirty_ids(redis_client, manager) == set()
    async with sessionmaker() as session:
        versions = (
            await session.execute(
                select(ActiveGame.id, ActiveGame.version).where(
                    ActiveGame.id.in_([g.game_id for g in games])
                )
            )
        ).all()
    assert dict(versions) == {game.game_id: game.version for game in games}


# -- a Redis pool that stays full -------------------------------------------------------------


@pytest.fixture
async def small_redis(redis_url: str) -> AsyncIterator[RedisClient]:
    """Two connections, and a caller gives up after 0.1 s of waiting for one."""
    settings = redis_test_settings(redis_url, redis_max_connections=2, redis_pool_timeout=0.1)
    client = build_redis(settings)
    yield client
    await client.aclose()


@pytest.fixture
def busy_manager(
    small_redis: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
) -> GameStateManager:
    return GameStateManager(
        small_redis, sessionmaker, key_prefix=redis_key_prefix, redis_probe_interval=0.0
    )


REDIS_BUSY = (
    "Redis connection pool exhausted: no free connection within "
    "REDIS_POOL_TIMEOUT=0.1s (REDIS_MAX_CONNECTIONS=2)"
)


async def test_a_full_redis_pool_is_busy_not_down_and_nothing_is_written_through(
    busy_manager: GameStateManager,
    small_redis: RedisClient,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    state = new_state()
    await busy_manager.save_to_cache(state)
    newer = advance(state)
    held = await _hold_redis(small_redis, 2)
    try:
        with pytest.raises(GameStoreBusyError) as saving:
            await busy_manager.save_to_cache(newer)
        with pytest.raises(GameStoreBusyError) as loading:
            await busy_manager.load_state(state.game_id)
        with pytest.raises(GameStoreBusyError):
            await busy_manager.dirty_stats()
    finally:
        await _release_redis(small_redis, held)

    assert str(saving.value) == f"save_to_cache: {REDIS_BUSY}; Redis is busy, not down"
    assert REDIS_BUSY in str(loading.value)
    assert await row(sessionmaker, state.game_id) is None, "written through to PostgreSQL"
    assert await cached_version(redis_client, busy_manager, state.game_id) == state.version
    assert _manager_warnings(caplog) == []
    assert await busy_manager.save_to_cache(newer) is SaveOutcome.CACHED
    assert await busy_manager.load_state(state.game_id) == newer


async def test_a_persist_that_reached_postgres_returns_even_if_redis_is_busy(
    busy_manager: GameStateManager,
    small_redis: RedisClient,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    state, ended = new_state(), new_state()
    await busy_manager.save_to_cache(state)
    await busy_manager.persist_to_db(ended)
    assert await busy_manager.end_game(ended.game_id, GameResult(end_reason=EndReason.ABANDONED))
    late = advance(ended)  # another server process still playing the ended game
    assert await busy_manager.save_to_cache(late) is SaveOutcome.CACHED
    held = await _hold_redis(small_redis, 2)
    try:
        assert await busy_manager.persist_to_db(state) is PersistOutcome.WRITTEN
        assert await busy_manager.persist_to_db(late) is PersistOutcome.GAME_ENDED
    finally:
        await _release_redis(small_redis, held)

    persisted = await row(sessionmaker, state.game_id)
    assert persisted is not None
    assert persisted.version == state.version
    # The ended game's cache entry goes at the manager's next use of Redis.
    assert await busy_manager.load_state(ended.game_id) is None
    assert await redis_client.exists(busy_manager.game_key(ended.game_id)) == 0
    # The dirty mark stayed (Redis was too busy to clear it); a flush finds PostgreSQL current.
    assert await dirty_ids(redis_client, busy_manager) == {str(state.game_id)}
    summary = await busy_manager.flush_dirty()
    assert (summary.persisted, summary.already_current, summary.ended) == (0, 1, 0)
    assert summary.failed == []
    assert await dirty_ids(redis_client, busy_manager) == set()
    assert _manager_warnings(caplog) == []


# -- a PostgreSQL pool that stays full --------------------------------------------------------


@pytest.fixture
async def small_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """One connection, no overflow, and a checkout gives up after 0.1 s."""
    settings = load_settings(
        database_url=database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.1
    )
    engine = build_engine(settings)
    yield engine
    await engine.dispose()


POSTGRES_BUSY = (
    "PostgreSQL connection pool exhausted: no free connection within "
    "DB_POOL_TIMEOUT=0.1s (DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0)"
)


async def test_a_full_postgres_pool_at_a_turn_boundary_is_busy_and_the_turn_stays_dirty(
    small_engine: AsyncEngine,
    redis_client: RedisClient,
    redis_key_prefix: str,
    players: list[uuid.UUID],
    new_state: StateFactory,
) -> None:
    sessionmaker = build_sessionmaker(small_engine)
    manager = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    state = new_state()
    await manager.save_to_cache(state)
    async with small_engine.connect():
        with pytest.raises(GameStoreBusyError) as persisting:
            await manager.persist_to_db(state)
        with pytest.raises(GameStoreBusyError) as reading:
            await manager.load_state(uuid.uuid4())  # not in Redis: read from PostgreSQL
        with pytest.raises(GameStoreBusyError) as listing:
            await manager.get_player_active_games(players[0])

    assert POSTGRES_BUSY in str(persisting.value)
    assert str(persisting.value).startswith(f"game {state.game_id}: cannot write version")
    assert POSTGRES_BUSY in str(reading.value)
    assert POSTGRES_BUSY in str(listing.value)
    assert await dirty_ids(redis_client, manager) == {str(state.game_id)}
    assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    assert await dirty_ids(redis_client, manager) == set()


# -- a pool timeout while Redis is known to be down -------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis server of this test's own, which the test may freeze with SIGSTOP."""
    server = EmbeddedRedis(tmp_path / "redis", port=free_tcp_port())
    server.start()
    try:
        yield server
    finally:
        if server.pid is not None:
            os.kill(server.pid, signal.SIGCONT)
        server.stop()


async def test_a_full_pool_while_redis_is_down_writes_through_like_the_outage(
    own_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    settings = redis_test_settings(
        own_redis.url,
        redis_max_connections=3,
        redis_pool_timeout=0.1,
        redis_socket_timeout=0.5,
        redis_connect_timeout=0.5,
        redis_retry_attempts=0,
    )
    client = build_redis(settings)
    manager = GameStateManager(client, sessionmaker, redis_probe_interval=0.0)
    first, second, third = new_state(), new_state(), new_state()
    pid = own_redis.pid
    assert pid is not None
    held = await _hold_redis(client, 2)  # connected while the server still answers
    hanging: asyncio.Task[SaveOutcome] | None = None
    try:
        os.kill(pid, signal.SIGSTOP)  # hung: connections time out
        assert await manager.save_to_cache(first) is SaveOutcome.WRITTEN_THROUGH

        # `second` takes the last connection and hangs on it; `third` then finds the pool
        # full while the manager already knows Redis is down: an outage, not load.
        hanging = asyncio.create_task(manager.save_to_cache(second))
        await asyncio.sleep(0.05)
        assert await manager.save_to_cache(third) is SaveOutcome.WRITTEN_THROUGH
        assert not hanging.done()
        assert await hanging is SaveOutcome.WRITTEN_THROUGH
    finally:
        os.kill(pid, signal.SIGCONT)
        if hanging is not None:
            await asyncio.gather(hanging, return_exceptions=True)
        await _release_redis(client, held)
        await client.aclose()
    for state in (first, second, third):
        persisted = await row(sessionmaker, state.game_id)
        assert persisted is not None
        assert persisted.version == state.version
