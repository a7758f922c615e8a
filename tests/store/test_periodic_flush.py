"""The periodic flush: dirty games reach PostgreSQL between turns, and no error stops it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.embedded_redis import free_tcp_port
from app.db.models import ActiveGame
from app.db.redis import RedisClient, build_redis
from app.store.manager import FlushSummary, GameStateManager, ProgressCallback
from app.store.periodic_flush import flush_periodically
from tests.harness.redis import redis_test_settings
from tests.store.conftest import StateFactory

LOGGER = "app.store.periodic_flush"


async def _eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


def _start(games: GameStateManager, interval: float) -> tuple[asyncio.Task[None], asyncio.Event]:
    stop = asyncio.Event()
    return asyncio.create_task(flush_periodically(games, interval, stop)), stop


async def _stop(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    assert not task.done(), "the loop ended on its own"
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_dirty_games_reach_postgres_without_a_turn_boundary(
    manager: GameStateManager,
    new_state: StateFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    state = new_state()
    await manager.save_to_cache(state)
    assert (await manager.dirty_stats()).count == 1

    task, stop = _start(manager, 0.05)

    async def flushed() -> bool:
        return (await manager.dirty_stats()).count == 0

    await _eventually(flushed)
    await _stop(task, stop)
    async with sessionmaker() as session:
        row = await session.get(ActiveGame, state.game_id)
    assert row is not None
    assert row.version == state.version


@pytest.fixture
async def unreachable_manager(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[GameStateManager]:
    redis = build_redis(
        redis_test_settings(f"redis://127.0.0.1:{free_tcp_port()}/0", redis_retry_attempts=0),
    )
    yield GameStateManager(redis, sessionmaker, redis_probe_interval=0.0)
    await redis.aclose()


async def test_unavailable_stores_are_logged_and_the_loop_goes_on(
    unreachable_manager: GameStateManager,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    task, stop = _start(unreachable_manager, 0.01)

    async def failed_twice() -> bool:
        return sum("dirty games stay in Redis" in r.getMessage() for r in caplog.records) >= 2

    await _eventually(failed_twice)
    await _stop(task, stop)


class _BrokenManager(GameStateManager):
    """A real manager whose flush hits a bug, to show the loop survives one."""

    async def flush_dirty(
        self, *, batch_size: int = 100, progress: ProgressCallback | None = None
    ) -> FlushSummary:
        raise RuntimeError("a bug in a flush")


async def test_an_unexpected_error_is_logged_with_its_traceback_and_the_loop_goes_on(
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
    redis_url: str,
) -> None:
    redis = build_redis(redis_test_settings(redis_url))
    broken = _BrokenManager(redis, sessionmaker)
    caplog.set_level(logging.ERROR, logger=LOGGER)
    task, stop = _start(broken, 0.01)

    async def logged_twice() -> bool:
        errors = [r for r in caplog.records if r.name == LOGGER and r.exc_info is not None]
        return len(errors) >= 2

    await _eventually(logged_twice)
    await _stop(task, stop)
    await redis.aclose()


async def test_stopping_mid_round_leaves_every_game_persisted_or_still_dirty(
    manager: GameStateManager,
    redis_client: RedisClient,
    new_state: StateFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A stop during a round must not lose a turn: each game is in PostgreSQL or still marked."""
    states = [new_state() for _ in range(20)]
    for state in states:
        await manager.save_to_cache(state)
    task, stop = _start(manager, 0.001)
    await asyncio.sleep(0.005)
    await _stop(task, stop)
    for state in states:
        async with sessionmaker() as session:
            row = await session.get(ActiveGame, state.game_id)
        persisted = row is not None and row.version == state.version
        still_dirty = (
            await redis_client.zscore(manager.dirty_key_for(state.game_id), str(state.game_id))
            is not None
        )
        assert persisted or still_dirty
