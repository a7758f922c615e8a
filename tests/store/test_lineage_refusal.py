"""PostgreSQL refuses a state that does not descend from the one it holds, whoever writes it.

A branch is a state played on from an older version than PostgreSQL's: newer by
version, but without the turn PostgreSQL holds. Every path into PostgreSQL
(persist, write-through, flush) must refuse it and keep what PostgreSQL holds.
The last section checks the first use of a game on a Redis instance (a new
process here, on the suite's shared Redis): the cached copy is compared with
PostgreSQL before it is served or built on.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.core.enums import EndReason
from app.core.game_state import GameResult, GameState
from app.core.game_state_factory import end_turn
from app.db.embedded_redis import free_tcp_port
from app.db.models import ActiveGame, GameHistory
from app.db.redis import RedisClient, build_redis
from app.db.session import build_sessionmaker, session_scope
from app.store.lineage import head_digest, lineage_chain
from app.store.manager import (
    DivergedStateError,
    GameStateError,
    GameStateManager,
    GameStoreUnavailableError,
    PersistOutcome,
    SaveOutcome,
    StaleStateError,
)
from app.store.redis_epoch import RedisIdentityChanged
from tests.harness.redis import redis_test_settings
from tests.store.conftest import StateFactory
from tests.store.test_game_state_manager import advance, cached_version, dirty_ids, row

pytestmark = pytest.mark.usefixtures("players")


def turn_end(state: GameState) -> GameState:
    """`state` after its player attacks and ends the turn (two versions more)."""
    ended = state.model_copy(deep=True)
    end_turn(ended, at=ended.last_action_at)
    return ended


async def assert_holds(
    sessionmaker: async_sessionmaker[AsyncSession], state: GameState
) -> ActiveGame:
    """PostgreSQL holds exactly `state`, with its lineage digest."""
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.version == state.version
    assert GameState.model_validate(stored.game_state) == state
    assert stored.lineage_digest == head_digest(lineage_chain(state))
    return stored


def refusals(manager: GameStateManager, reason: str) -> float:
    """How many writes the manager's metrics counted as refused for `reason`."""
    return sum(
        sample.value
        for metric in manager.metrics.refusals.collect()
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("reason") == reason
    )


@pytest.fixture
def second_process(
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
) -> GameStateManager:
    """Another server process on the same Redis and keys, that has not used any game yet."""
    return GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)


@pytest.fixture
def elsewhere(
    redis_client: RedisClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> GameStateManager:
    """A process caching under other keys: its writes never reach the copies `manager` reads."""
    return GameStateManager(redis_client, sessionmaker, key_prefix="elsewhere:")


@pytest.fixture
async def dead_redis() -> AsyncIterator[RedisClient]:
    client = build_redis(
        redis_test_settings(f"redis://127.0.0.1:{free_tcp_port()}/0", redis_retry_attempts=0)
    )
    yield client
    await client.aclose()


async def test_persist_refuses_a_newer_state_that_lacks_the_stored_turn(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    base = new_state()
    v11 = advance(base, 1)
    v13 = turn_end(v11)
    assert await manager.persist_to_db(base) is PersistOutcome.WRITTEN
    assert await manager.persist_to_db(v13) is PersistOutcome.WRITTEN
    branch = advance(v11, 3, seed=5)
    assert branch.version == v13.version + 1
    with pytest.raises(DivergedStateError) as caught:
        await manager.persist_to_db(branch)
    assert refusals(manager, "diverged") == 1
    assert refusals(manager, "stale") == 0
    message = str(caught.value)
    assert str(base.game_id) in message
    assert f"version {branch.version}" in message
    assert f"version {v13.version} that PostgreSQL holds" in message
    assert (caught.value.version, caught.value.stored_version) == (branch.version, v13.version)
    assert isinstance(caught.value, StaleStateError)
    assert isinstance(caught.value, GameStateError)
    await assert_holds(sessionmaker, v13)

    descendant = advance(v13, 1)
    assert await manager.persist_to_db(descendant) is PersistOutcome.WRITTEN
    await assert_holds(sessionmaker, descendant)


async def test_same_version_older_and_ancestor_states_are_told_apart(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    base = new_state()
    v11 = advance(base, 1)
    v13 = turn_end(v11)
    assert await manager.persist_to_db(v13) is PersistOutcome.WRITTEN
    assert await manager.persist_to_db(v13) is PersistOutcome.ALREADY_CURRENT
    assert await manager.persist_to_db(v11) is PersistOutcome.ALREADY_CURRENT
    same_version = advance(v11, 2, seed=9)
    assert same_version.version == v13.version
    with pytest.raises(DivergedStateError, match=f"version {v13.version} that PostgreSQL"):
        await manager.persist_to_db(same_version)
    older_branch = advance(base, 1, seed=3)
    assert older_branch.version == v11.version
    with pytest.raises(DivergedStateError, match=f"refused to save version {v11.version}"):
        await manager.persist_to_db(older_branch)
    await assert_holds(sessionmaker, v13)


async def test_write_through_and_cached_saves_refuse_a_branch(
    manager: GameStateManager,
    second_process: GameStateManager,
    redis_client: RedisClient,
    dead_redis: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
    new_state: StateFactory,
) -> None:
    base = new_state()
    v11 = advance(base, 1)
    v13 = turn_end(v11)
    await manager.persist_to_db(v13)
    branch = advance(v11, 3, seed=5)

    down = GameStateManager(dead_redis, sessionmaker, key_prefix=redis_key_prefix)
    with pytest.raises(DivergedStateError):
        await down.save_to_cache(branch)
    await assert_holds(sessionmaker, v13)

    # A process that has not used this game yet checks its first save against PostgreSQL.
    with pytest.raises(DivergedStateError):
        await second_process.save_to_cache(branch)
    with pytest.raises(StaleStateError, match=f"PostgreSQL already holds version {v13.version}"):
        await second_process.save_to_cache(v11)
    assert await cached_version(redis_client, manager, base.game_id) is None
    await assert_holds(sessionmaker, v13)


async def test_flush_replaces_a_diverged_dirty_copy_and_keeps_postgres(
    manager: GameStateManager,
    elsewhere: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    base = new_state()
    v11 = advance(base, 1)
    v13 = turn_end(v11)
    await manager.save_to_cache(v11)
    await elsewhere.persist_to_db(v13)  # another process ended the turn
    branch = advance(v11, 3, seed=5)
    await manager.save_to_cache(branch)  # this one trusts its own copy and plays on
    summary = await manager.flush_dirty()
    assert (summary.diverged, summary.persisted, summary.total) == (1, 0, 1)
    assert refusals(manager, "diverged") == 1
    await assert_holds(sessionmaker, v13)
    assert await cached_version(redis_client, manager, base.game_id) == v13.version
    assert str(base.game_id) not in await dirty_ids(redis_client, manager)
    assert await manager.load_state(base.game_id) == v13


async def test_a_row_without_a_digest_is_checked_by_version_then_records_one(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    """Rows written before migration 002 carry NULL: accepted on version, then recorded."""
    base = new_state()
    await manager.persist_to_db(base)
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(ActiveGame).where(ActiveGame.id == base.game_id).values(lineage_digest=None)
        )
    assert await manager.persist_to_db(base) is PersistOutcome.ALREADY_CURRENT
    newer = advance(base, 2)
    assert await manager.persist_to_db(newer) is PersistOutcome.WRITTEN
    await assert_holds(sessionmaker, newer)


async def test_unknown_games_persist_and_a_deleted_row_is_written_again(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    await manager.delete_game(state.game_id)
    assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    await assert_holds(sessionmaker, state)
    assert await manager.load_state(uuid.uuid4()) is None


# -- the first use of a game on a Redis instance -----------------------------------------


async def test_a_first_save_replaces_a_cached_copy_postgres_is_ahead_of(
    manager: GameStateManager,
    second_process: GameStateManager,
    elsewhere: GameStateManager,
    new_state: StateFactory,
) -> None:
    base = new_state()
    v11 = advance(base, 1)
    await manager.save_to_cache(v11)
    v13 = turn_end(v11)
    await elsewhere.persist_to_db(v13)  # this Redis never saw v13
    v14 = advance(v13, 1)
    assert await second_process.save_to_cache(v14) is SaveOutcome.CACHED
    assert await second_process.load_state(base.game_id) == v14
    assert await second_process.persist_to_db(v14) is PersistOutcome.WRITTEN


async def test_a_cached_copy_of_an_ended_game_is_dropped_on_first_use(
    manager: GameStateManager,
    second_process: GameStateManager,
    redis_client: RedisClient,
    new_state: StateFactory,
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    await manager.end_game(state.game_id, GameResult(winner=0, end_reason=EndReason.POINTS))
    # A restored Redis brings the cached copy back.
    await redis_client.hset(
        manager.game_key(state.game_id),
        mapping={"v": state.version, "s": state.model_dump_json()},
    )
    assert await second_process.load_state(state.game_id) is None
    assert await redis_client.exists(manager.game_key(state.game_id)) == 0


async def test_end_game_records_postgres_turn_when_the_cached_copy_is_older(
    manager: GameStateManager,
    second_process: GameStateManager,
    elsewhere: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    base = new_state()
    v11 = advance(base, 1)
    await manager.save_to_cache(v11)
    v13 = turn_end(v11)
    await elsewhere.persist_to_db(v13)
    result = GameResult(winner=1, end_reason=EndReason.RESIGNATION)
    assert await second_process.end_game(base.game_id, result) is True
    async with sessionmaker() as session:
        history = await session.get(GameHistory, base.game_id)
    assert history is not None
    assert history.replay_data is not None
    assert history.replay_data["final_version"] == v13.version
    assert history.turn_count == v13.turn_number


async def test_a_hash_without_a_state_is_a_cache_miss(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    await redis_client.hset(manager.game_key(state.game_id), "v", 3)
    assert await manager.load_state(state.game_id) == state
    assert await cached_version(redis_client, manager, state.game_id) == state.version


async def test_a_copy_that_cannot_be_checked_is_not_served(
    manager: GameStateManager,
    redis_client: RedisClient,
    redis_key_prefix: str,
    new_state: StateFactory,
) -> None:
    """A new process with PostgreSQL down: an unchecked cached copy is refused, not served."""
    state = new_state()
    await manager.save_to_cache(state)
    engine = create_async_engine(f"postgresql+asyncpg://root@127.0.0.1:{free_tcp_port()}/none")
    try:
        cut_off = GameStateManager(
            redis_client, build_sessionmaker(engine), key_prefix=redis_key_prefix
        )
        with pytest.raises(GameStoreUnavailableError, match="to check the cached copy"):
            await cut_off.load_state(state.game_id)
        newer = advance(state, 1)
        assert await cut_off.save_to_cache(newer) is SaveOutcome.CACHED
        assert await cut_off.load_state(state.game_id) == newer
    finally:
        await engine.dispose()


async def test_an_instance_that_keeps_changing_is_treated_as_redis_failing(
    manager: GameStateManager,
) -> None:
    async def always_changing() -> None:
        raise RedisIdentityChanged("another:one")

    with pytest.raises(RedisError, match="changed instance or copy 3 times"):
        await manager._on_one_instance(always_changing)
