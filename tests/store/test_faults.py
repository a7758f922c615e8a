"""Faults and bad input: unreachable stores, corrupt payloads, invalid rows, refused writes.

Unreachable servers are real: a port nothing listens on, or a Redis server this
test started itself. The machine's shared servers are never stopped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.core.enums import EndReason, GameType
from app.core.game_state import GameResult
from app.db.embedded_redis import EmbeddedRedis, free_tcp_port
from app.db.models import ActiveGame
from app.db.redis import RedisClient, build_redis
from app.db.session import build_sessionmaker, session_scope
from app.errors import MantimonError
from app.store.manager import (
    CorruptGameStateError,
    GameEndedError,
    GamePersistRefusedError,
    GameStateManager,
    GameStoreUnavailableError,
    PersistOutcome,
    SaveOutcome,
    StaleStateError,
)
from tests.harness.redis import redis_test_settings
from tests.store.conftest import StateFactory
from tests.store.test_game_state_manager import advance, cached_version, dirty_ids, row

pytestmark = pytest.mark.usefixtures("players")

LOGGER = "app.store.manager"


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOGGER and r.levelno == logging.WARNING and text in r.getMessage()
    ]


@pytest.fixture
async def dead_redis() -> AsyncIterator[RedisClient]:
    """A client of a port nothing listens on."""
    url = f"redis://127.0.0.1:{free_tcp_port()}/0"
    client = build_redis(redis_test_settings(url, redis_retry_attempts=0))
    yield client
    await client.aclose()


@pytest.fixture
async def dead_postgres() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a PostgreSQL port nothing listens on."""
    engine = create_async_engine(f"postgresql+asyncpg://root@127.0.0.1:{free_tcp_port()}/none")
    yield build_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis server of this test's own, with persistence, that the test may stop."""
    server = EmbeddedRedis(tmp_path / "redis", port=free_tcp_port(), persistence=True)
    yield server
    server.stop()


# -- Redis unreachable -----------------------------------------------------------------------


@pytest.mark.parametrize("probe_interval", [0.0, 60.0])
async def test_redis_down_falls_back_to_postgres_and_logs_once(
    manager: GameStateManager,
    dead_redis: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
    probe_interval: float,
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    state = new_state()
    await manager.persist_to_db(state)
    down = GameStateManager(
        dead_redis, sessionmaker, key_prefix=redis_key_prefix, redis_probe_interval=probe_interval
    )
    assert await down.load_state(state.game_id) == state
    newer = advance(state)
    assert await down.save_to_cache(newer) is SaveOutcome.WRITTEN_THROUGH
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.version == newer.version
    assert await down.load_state(state.game_id) == newer
    newest = advance(newer)
    assert await down.save_to_cache(newest) is SaveOutcome.WRITTEN_THROUGH
    assert await down.persist_to_db(newest) is PersistOutcome.ALREADY_CURRENT
    with pytest.raises(StaleStateError, match="PostgreSQL already holds"):
        await down.save_to_cache(newer)
    assert await down.end_game(state.game_id, GameResult(end_reason=EndReason.ABANDONED))
    assert await row(sessionmaker, state.game_id) is None
    assert len(_warnings(caplog, "Redis failed")) == 1


async def test_both_stores_down_is_a_clear_error(
    dead_redis: RedisClient,
    dead_postgres: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    down = GameStateManager(dead_redis, dead_postgres)
    state = new_state()
    with pytest.raises(GameStoreUnavailableError, match="Redis is unreachable too"):
        await down.save_to_cache(state)
    with pytest.raises(GameStoreUnavailableError, match=r"cannot read PostgreSQL.*Redis"):
        await down.load_state(state.game_id)


async def test_batch_operations_need_redis(
    dead_redis: RedisClient, sessionmaker: async_sessionmaker[AsyncSession], new_state: StateFactory
) -> None:
    down = GameStateManager(dead_redis, sessionmaker)
    state = new_state()
    with pytest.raises(GameStoreUnavailableError, match="dirty"):
        await down.dirty_stats()
    with pytest.raises(GameStoreUnavailableError, match="flush stopped"):
        await down.flush_dirty()
    await down.persist_to_db(state)
    with pytest.raises(GameStoreUnavailableError, match="recovery stopped"):
        await down.recover_active_games()
    with pytest.raises(GameStoreUnavailableError, match="nothing was deleted"):
        await down.delete_game(state.game_id)
    assert await row(sessionmaker, state.game_id) is not None


async def test_redis_back_after_an_outage_never_serves_the_older_cached_state(
    own_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    own_redis.start()
    client = build_redis(redis_test_settings(own_redis.url, redis_retry_attempts=0))
    manager = GameStateManager(client, sessionmaker, redis_probe_interval=0.0)
    try:
        state, ended = new_state(), new_state()
        await manager.save_to_cache(state)
        await manager.persist_to_db(ended)
        await manager.save_to_cache(ended)
        own_redis.stop()  # SIGTERM: the AOF keeps the cached versions

        newer = advance(state, 2)
        assert await manager.save_to_cache(newer) is SaveOutcome.WRITTEN_THROUGH
        assert await manager.end_game(ended.game_id, GameResult(end_reason=EndReason.ABANDONED))

        own_redis.start()
        assert await cached_version(client, manager, state.game_id) == state.version
        assert await manager.load_state(state.game_id) == newer
        assert await cached_version(client, manager, state.game_id) == newer.version
        assert await client.exists(manager.game_key(ended.game_id)) == 0
        assert await dirty_ids(client, manager) == set()
        assert _warnings(caplog, "Redis answers again")
        assert len(_warnings(caplog, "Redis failed")) == 1
    finally:
        await client.aclose()


async def test_a_redis_refusing_writes_is_treated_as_down(
    own_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    own_redis.start()
    client = build_redis(redis_test_settings(own_redis.url, redis_retry_attempts=0))
    manager = GameStateManager(client, sessionmaker, redis_probe_interval=0.0)
    try:
        state = new_state()
        await manager.persist_to_db(state)
        await client.config_set("maxmemory", 1)
        await client.config_set("maxmemory-policy", "noeviction")
        assert await manager.load_state(state.game_id) == state  # re-caching is refused
        assert await manager.save_to_cache(advance(state)) is SaveOutcome.WRITTEN_THROUGH
        summary = await manager.recover_active_games()
        mine = [f for f in summary.failed if f.game_id == str(state.game_id)]
        assert len(mine) == 1
        assert "Redis refused it" in mine[0].reason
    finally:
        await client.aclose()


# -- PostgreSQL unreachable ------------------------------------------------------------------


async def test_postgres_down_at_a_turn_boundary_keeps_the_turn_dirty_for_a_later_flush(
    manager: GameStateManager,
    redis_client: RedisClient,
    dead_postgres: async_sessionmaker[AsyncSession],
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
    new_state: StateFactory,
) -> None:
    cut_off = GameStateManager(redis_client, dead_postgres, key_prefix=redis_key_prefix)
    state = new_state()
    await cut_off.save_to_cache(state)
    with pytest.raises(GameStoreUnavailableError, match=f"cannot write version {state.version}"):
        await cut_off.persist_to_db(state)
    assert str(state.game_id) in await dirty_ids(redis_client, manager)
    assert await cut_off.load_state(state.game_id) == state
    with pytest.raises(GameStoreUnavailableError):
        await cut_off.flush_dirty()
    assert (await cut_off.dirty_stats()).count == 1

    summary = await manager.flush_dirty()
    assert summary.persisted == 1
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.version == state.version
    assert (await manager.dirty_stats()).count == 0


async def test_postgres_down_for_the_other_operations(
    manager: GameStateManager,
    redis_client: RedisClient,
    dead_postgres: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
    new_state: StateFactory,
    players: list[uuid.UUID],
) -> None:
    cut_off = GameStateManager(redis_client, dead_postgres, key_prefix=redis_key_prefix)
    state = new_state()
    await manager.save_to_cache(state)
    with pytest.raises(GameStoreUnavailableError, match="cannot read PostgreSQL"):
        await cut_off.load_state(uuid.uuid4())
    with pytest.raises(GameStoreUnavailableError, match="cannot list"):
        await cut_off.get_player_active_games(players[0])
    with pytest.raises(GameStoreUnavailableError, match="recovery stopped"):
        await cut_off.recover_active_games()
    with pytest.raises(GameStoreUnavailableError, match="nothing changed"):
        await cut_off.end_game(state.game_id, GameResult(end_reason=EndReason.TIMEOUT))
    assert await manager.load_state(state.game_id) == state
    with pytest.raises(GameStoreUnavailableError, match="not from PostgreSQL"):
        await cut_off.delete_game(state.game_id)


# -- corrupt or invalid data -----------------------------------------------------------------


async def test_corrupt_cached_payload_falls_back_to_postgres_and_is_replaced(
    manager: GameStateManager,
    redis_client: RedisClient,
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    key = manager.game_key(state.game_id)
    await redis_client.hset(key, mapping={"v": state.version + 5, "s": b'{"truncated'})
    assert await manager.load_state(state.game_id) == state
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(str(state.game_id) in message for message in errors)
    assert await cached_version(redis_client, manager, state.game_id) == state.version
    assert await manager.load_state(state.game_id) == state


@pytest.mark.parametrize("kind", ["garbage", "wrong_type", "other_game"])
async def test_unusable_cache_without_a_postgres_copy_is_a_clear_error(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory, kind: str
) -> None:
    state = new_state()
    key = manager.game_key(state.game_id)
    if kind == "garbage":
        await redis_client.hset(key, mapping={"v": 1, "s": b"\x00\xff"})
    elif kind == "wrong_type":
        await redis_client.set(key, b"a plain string")
    else:
        other = new_state()
        await redis_client.hset(key, mapping={"v": 1, "s": other.model_dump_json()})
    with pytest.raises(CorruptGameStateError, match=f"game {state.game_id}: the state in Redis"):
        await manager.load_state(state.game_id)
    assert await manager.save_to_cache(state) is SaveOutcome.CACHED
    assert await manager.load_state(state.game_id) == state


async def test_flush_reports_unusable_and_vanished_cache_entries(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    corrupt, vanished, good = new_state(), new_state(), new_state()
    for state in (corrupt, vanished, good):
        await manager.save_to_cache(state)
    await redis_client.hset(manager.game_key(corrupt.game_id), "s", b"[]")
    await redis_client.delete(manager.game_key(vanished.game_id))
    summary = await manager.flush_dirty()
    assert summary.persisted == 1
    reasons = {failure.game_id: failure.reason for failure in summary.failed}
    assert "cached state is unusable" in reasons[str(corrupt.game_id)]
    assert "no cached state" in reasons[str(vanished.game_id)]
    assert await dirty_ids(redis_client, manager) == {str(corrupt.game_id)}


async def _insert_row(
    sessionmaker: async_sessionmaker[AsyncSession], user: uuid.UUID, game_state: dict[str, object]
) -> uuid.UUID:
    game_id = uuid.uuid4()
    async with session_scope(sessionmaker) as session:
        session.add(
            ActiveGame(
                id=game_id,
                game_type=GameType.FREEPLAY,
                player1_id=user,
                npc_id="npc-x",
                rules_config={},
                game_state=game_state,
                turn_number=1,
                version=1,
            )
        )
    return game_id


async def test_invalid_postgres_rows_are_reported_not_played(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    shapeless = await _insert_row(sessionmaker, players[0], {"turn": 1})
    with pytest.raises(CorruptGameStateError, match="state in PostgreSQL"):
        await manager.load_state(shapeless)

    carries_id = uuid.uuid4()
    invalid = await _insert_row(
        sessionmaker, players[0], {"game_id": str(carries_id), "version": 1, "bogus": True}
    )
    with pytest.raises(CorruptGameStateError, match="state in PostgreSQL"):
        await manager.load_state(invalid)

    summary = await manager.recover_active_games(validate=True)
    reasons = {failure.game_id: failure.reason for failure in summary.failed}
    assert "does not carry its id and version" in reasons[str(shapeless)]
    assert "does not carry its id and version" in reasons[str(invalid)]


async def test_recovery_validation_catches_states_that_do_not_parse(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    game_id = uuid.uuid4()
    async with session_scope(sessionmaker) as session:
        session.add(
            ActiveGame(
                id=game_id,
                game_type=GameType.FREEPLAY,
                player1_id=players[0],
                rules_config={},
                game_state={"game_id": str(game_id), "version": 1, "players": []},
                turn_number=1,
                version=1,
            )
        )
    summary = await manager.recover_active_games(validate=True)
    reasons = {failure.game_id: failure.reason for failure in summary.failed}
    assert reasons[str(game_id)].startswith("invalid game state")

    lenient = await manager.recover_active_games()
    assert str(game_id) not in {failure.game_id for failure in lenient.failed}
    with pytest.raises(CorruptGameStateError, match="PostgreSQL"):
        await manager.load_state(game_id)


async def test_a_row_out_of_step_with_its_state_is_reported(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(ActiveGame).where(ActiveGame.id == state.game_id).values(version=999)
        )
    with pytest.raises(CorruptGameStateError, match="version 999"):
        await manager.load_state(state.game_id)


async def test_a_row_postgres_refuses_is_not_half_written(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    players: list[uuid.UUID],
) -> None:
    stranger = new_state(player_ids=(uuid.uuid4(), players[1]))
    with pytest.raises(
        GamePersistRefusedError, match=f"game {stranger.game_id}: PostgreSQL refused"
    ):
        await manager.persist_to_db(stranger)
    assert await row(sessionmaker, stranger.game_id) is None
    await manager.save_to_cache(stranger)
    summary = await manager.flush_dirty()
    assert [f.game_id for f in summary.failed] == [str(stranger.game_id)]
    assert str(stranger.game_id) in await dirty_ids(redis_client, manager)
    with pytest.raises(GamePersistRefusedError, match="history row"):
        await manager.end_game(stranger.game_id, GameResult(winner=0, end_reason=EndReason.POINTS))
    assert await manager.load_state(stranger.game_id) == stranger


async def test_a_write_through_after_the_game_ended_is_refused(
    manager: GameStateManager,
    dead_redis: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    await manager.end_game(state.game_id, GameResult(winner=0, end_reason=EndReason.DECK_OUT))
    down = GameStateManager(dead_redis, sessionmaker)
    with pytest.raises(GameEndedError, match="has ended"):
        await down.save_to_cache(advance(state))
    assert await row(sessionmaker, state.game_id) is None


def test_every_manager_error_is_a_domain_error() -> None:
    for error in (
        CorruptGameStateError,
        GameEndedError,
        GamePersistRefusedError,
        GameStoreUnavailableError,
        StaleStateError,
    ):
        assert issubclass(error, MantimonError)
