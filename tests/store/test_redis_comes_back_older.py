"""A Redis that comes back older never costs a completed turn (issue 8, section 1).

Each test runs its own ``redis-server`` processes on free ports, with their own
data folders, and restarts, kills or promotes them while managers keep running
against the suite's PostgreSQL. Every test checks the same two things: the turn
PostgreSQL holds is never lost (what PostgreSQL ends with descends from it), and
once a manager has seen the change it never serves a state older than PostgreSQL's.

Versions in the comments follow the issue's reproduction: a turn boundary at
v10, an action at v11, the next turn boundary at v13.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.core.game_state import GameState
from app.db.embedded_redis import EmbeddedRedis, free_tcp_port
from app.db.redis import RedisClient, build_redis
from app.db.session import build_sessionmaker
from app.store.lineage import lineage_chain
from app.store.manager import (
    DivergedStateError,
    GameStateManager,
    PersistOutcome,
    SaveOutcome,
)
from tests.harness.redis import RedisProcess, redis_test_settings
from tests.store.conftest import StateFactory
from tests.store.test_game_state_manager import advance, cached_version, row
from tests.store.test_lineage_refusal import turn_end

pytestmark = pytest.mark.usefixtures("players")

LOGGER = "app.store.manager"


def contains(newer: GameState, older: GameState) -> bool:
    """Whether `newer` is `older` or was played on from it."""
    return newer.version >= older.version and lineage_chain(
        newer, upto=older.version
    ) == lineage_chain(older)


async def assert_turn_kept(
    sessionmaker: async_sessionmaker[AsyncSession],
    completed: GameState,
    served: GameState | None,
) -> None:
    """PostgreSQL still contains the completed turn, and `served` is not older than it."""
    stored = await row(sessionmaker, completed.game_id)
    assert stored is not None
    held = GameState.model_validate(stored.game_state)
    assert contains(held, completed), f"PostgreSQL v{held.version} lost v{completed.version}"
    assert served is not None
    assert contains(served, held), f"served v{served.version}, PostgreSQL holds v{held.version}"


async def replicaof(client: RedisClient, *args: str) -> None:
    """``REPLICAOF host port`` (follow another server) or ``REPLICAOF NO ONE`` (promote)."""
    await client.execute_command("REPLICAOF", *args)  # type: ignore[no-untyped-call]


Connect = Callable[[str], RedisClient]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Opens Redis clients that are all closed when the test ends, however it ends."""
    clients: list[RedisClient] = []

    def open_client(url: str) -> RedisClient:
        clients.append(build_redis(redis_test_settings(url)))
        return clients[-1]

    yield open_client
    for client in clients:
        await client.aclose()


async def start_game(
    manager: GameStateManager, new_state: StateFactory
) -> tuple[GameState, GameState]:
    """A new game saved and persisted at a turn boundary (v10), then cached one action on (v11)."""
    v10 = new_state()
    await manager.save_to_cache(v10)
    await manager.persist_to_db(v10)
    v11 = advance(v10, 1)
    await manager.save_to_cache(v11)
    return v10, v11


def manager_on(
    client: RedisClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> GameStateManager:
    return GameStateManager(client, sessionmaker, redis_probe_interval=0.0)


@pytest.fixture
async def other_sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """PostgreSQL pools of a second server process."""
    engine = create_async_engine(database_url, pool_size=2)
    yield build_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """``--appendonly yes --appendfsync everysec``, as the embedded development Redis runs."""
    server = EmbeddedRedis(tmp_path / "aof", port=free_tcp_port(), persistence=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bare_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """No AOF and no automatic snapshots: empty after a restart unless the test saved a dump."""
    server = EmbeddedRedis(tmp_path / "bare", port=free_tcp_port(), persistence=False)
    server.start()
    yield server
    server.stop()


async def test_redis_restarted_empty_while_the_service_runs(
    bare_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    other_sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    connect: Connect,
) -> None:
    manager = manager_on(connect(bare_redis.url), sessionmaker)
    v10, v11 = await start_game(manager, new_state)
    v13 = turn_end(v11)
    await manager.save_to_cache(v13)
    assert await manager.persist_to_db(v13) is PersistOutcome.WRITTEN
    await manager.save_to_cache(advance(v13, 1))  # the turn in progress

    bare_redis.kill()
    bare_redis.start()
    assert await cached_version(connect(bare_redis.url), manager, v10.game_id) is None

    served = await manager.load_state(v10.game_id)
    await assert_turn_kept(sessionmaker, v13, served)
    assert served == v13
    fresh = manager_on(connect(bare_redis.url), other_sessionmaker)
    assert await fresh.load_state(v10.game_id) == v13
    assert served is not None
    v15 = advance(served, 2, seed=4)
    assert await fresh.save_to_cache(v15) is SaveOutcome.CACHED
    assert await fresh.persist_to_db(v15) is PersistOutcome.WRITTEN
    await assert_turn_kept(sessionmaker, v13, await manager.load_state(v10.game_id))


async def test_redis_restarted_from_its_aof_holding_older_versions(
    aof_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    other_sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    caplog: pytest.LogCaptureFixture,
    connect: Connect,
) -> None:
    """The issue's reproduction, step by step."""
    caplog.set_level(logging.INFO, LOGGER)
    first = manager_on(connect(aof_redis.url), sessionmaker)
    second = manager_on(connect(aof_redis.url), other_sessionmaker)
    # 1. save + persist at v10, save at v11.
    v10, v11 = await start_game(first, new_state)
    await asyncio.sleep(1.2)  # let everysec write v11 to the AOF: what comes back holds it
    # 2. SIGKILL Redis, end the turn: written through to PostgreSQL.
    aof_redis.kill()
    v13 = turn_end(v11)
    assert await first.save_to_cache(v13) is SaveOutcome.WRITTEN_THROUGH
    assert await first.persist_to_db(v13) is PersistOutcome.ALREADY_CURRENT
    # 3. Restart on the same directory: Redis holds v11 again.
    aof_redis.start()
    assert await cached_version(connect(aof_redis.url), first, v10.game_id) == v11.version
    # 4. A second server process: never v11, not even after flush_dirty.
    served = await second.load_state(v10.game_id)
    await assert_turn_kept(sessionmaker, v13, served)
    assert served == v13
    await second.flush_dirty()
    assert await second.load_state(v10.game_id) == v13
    # 5. It plays on from what it was served: the completed turn stays.
    assert served is not None
    v14 = advance(served, 1, seed=2)
    assert await second.save_to_cache(v14) is SaveOutcome.CACHED
    assert await second.persist_to_db(v14) is PersistOutcome.WRITTEN
    await assert_turn_kept(sessionmaker, v13, await first.load_state(v10.game_id))
    assert await first.load_state(v10.game_id) == v14
    # A game server that had played on from v11 anyway is refused.
    with pytest.raises(DivergedStateError):
        await second.persist_to_db(advance(v11, 4, seed=8))
    await assert_turn_kept(sessionmaker, v14, v14)
    assert any("another instance" in r.getMessage() for r in caplog.records)


async def test_redis_down_only_for_the_turn_boundary_persist(
    aof_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    connect: Connect,
) -> None:
    """The variant: no write-through save, yet the writing manager must not serve v11."""
    manager = manager_on(connect(aof_redis.url), sessionmaker)
    v10, v11 = await start_game(manager, new_state)
    await asyncio.sleep(1.2)
    aof_redis.kill()
    v13 = turn_end(v11)
    assert await manager.persist_to_db(v13) is PersistOutcome.WRITTEN
    aof_redis.start()
    probe = connect(aof_redis.url)
    assert await cached_version(probe, manager, v10.game_id) == v11.version
    served = await manager.load_state(v10.game_id)
    await assert_turn_kept(sessionmaker, v13, served)
    assert served == v13
    assert await cached_version(probe, manager, v10.game_id) == v13.version


async def test_redis_restarted_from_an_older_rdb_snapshot(
    bare_redis: EmbeddedRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    other_sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    connect: Connect,
) -> None:
    client = connect(bare_redis.url)
    manager = manager_on(client, sessionmaker)
    v10, v11 = await start_game(manager, new_state)
    other10, other11 = await start_game(manager, new_state)
    await client.save()  # the snapshot: v11 of both, marked dirty
    v13, other13 = turn_end(v11), turn_end(other11)
    for state in (v13, other13):
        await manager.save_to_cache(state)
        assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    await manager.save_to_cache(advance(v13, 1))  # the turn in progress

    bare_redis.kill()
    bare_redis.start()  # loads dump.rdb: both games at v11, dirty
    assert await cached_version(connect(bare_redis.url), manager, v10.game_id) == v11.version

    # One game is played first (the instance check catches it), then the periodic
    # flush finds the other still at v11 and refreshes it from PostgreSQL.
    assert await manager.load_state(other10.game_id) == other13
    summary = await manager.flush_dirty()
    assert summary.refreshed == 1
    assert (summary.persisted, summary.diverged, summary.failed) == (0, 0, [])
    for completed in (v13, other13):
        served = await manager.load_state(completed.game_id)
        await assert_turn_kept(sessionmaker, completed, served)
        assert served == completed
    fresh = manager_on(connect(bare_redis.url), other_sessionmaker)
    assert await fresh.load_state(v10.game_id) == v13


async def test_a_promoted_replica_that_missed_the_last_turn(
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
    other_sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    connect: Connect,
) -> None:
    primary = EmbeddedRedis(tmp_path / "primary", port=free_tcp_port(), persistence=True)
    primary.start()
    replica = RedisProcess(
        tmp_path / "replica", "--replicaof", "127.0.0.1", str(primary.port), "--appendonly", "no"
    )
    replica.start()
    client = connect(primary.url)
    replica_client = connect(replica.url)
    manager = manager_on(client, sessionmaker)
    try:
        # Two games: one for the existing manager redirected, one for a new manager.
        started = [await start_game(manager, new_state) for _ in range(2)]
        games, played = [v10 for v10, _ in started], [v11 for _, v11 in started]
        await _replicated(replica_client, manager, played)

        # The replica stops receiving writes before the last turn.
        await replicaof(replica_client, "127.0.0.1", str(free_tcp_port()))
        completed = [turn_end(v11) for v11 in played]
        for v13 in completed:
            await manager.save_to_cache(v13)
            assert await manager.persist_to_db(v13) is PersistOutcome.WRITTEN
            await manager.save_to_cache(advance(v13, 1))
        for v11 in played:
            assert await cached_version(replica_client, manager, v11.game_id) == v11.version

        # Failover: the primary dies and the replica is promoted.
        primary.kill()
        await replicaof(replica_client, "NO", "ONE")

        # The existing manager's client now reaches the promoted replica (a moved address).
        client.connection_pool.connection_kwargs["port"] = replica.port
        await client.connection_pool.disconnect()
        client.connection_pool.reset()  # type: ignore[no-untyped-call]
        served = await manager.load_state(games[0].game_id)
        await assert_turn_kept(sessionmaker, completed[0], served)
        assert served == completed[0]
        assert served is not None
        v14 = advance(served, 1, seed=3)
        assert await manager.save_to_cache(v14) is SaveOutcome.CACHED
        assert await manager.persist_to_db(v14) is PersistOutcome.WRITTEN

        # A new server process pointed at the promoted replica.
        newcomer = manager_on(connect(replica.url), other_sessionmaker)
        served = await newcomer.load_state(games[1].game_id)
        await assert_turn_kept(sessionmaker, completed[1], served)
        assert served == completed[1]
        assert await newcomer.load_state(games[0].game_id) == v14
    finally:
        replica.stop()
        primary.stop()


async def test_a_server_demoted_and_promoted_back_is_another_instance(
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    connect: Connect,
) -> None:
    """Same process, same run_id, but its data was replaced by an older server's: checked."""
    stale = RedisProcess(tmp_path / "stale", "--appendonly", "no")
    stale.start()
    main = RedisProcess(tmp_path / "main", "--appendonly", "no")
    main.start()
    client = connect(main.url)
    stale_client = connect(stale.url)
    manager = manager_on(client, sessionmaker)
    try:
        v10, v11 = await start_game(manager, new_state)
        await replicaof(stale_client, "127.0.0.1", str(main.port))
        await _replicated(stale_client, manager, [v11])
        await replicaof(stale_client, "NO", "ONE")
        v13 = turn_end(v11)
        await manager.save_to_cache(v13)
        await manager.persist_to_db(v13)
        run_id = (await client.info("server"))["run_id"]

        # main follows the stale server (taking its data), then is promoted back.
        await replicaof(client, "127.0.0.1", str(stale.port))
        await _replicated(client, manager, [v11])
        await replicaof(client, "NO", "ONE")
        assert (await client.info("server"))["run_id"] == run_id

        served = await manager.load_state(v10.game_id)
        await assert_turn_kept(sessionmaker, v13, served)
        assert served == v13
    finally:
        stale.stop()
        main.stop()


async def _replicated(
    client: RedisClient, manager: GameStateManager, states: list[GameState]
) -> None:
    """Wait (up to 10 s) until the server of `client` caches exactly these versions."""
    deadline = time.monotonic() + 10
    while True:
        versions = [await _version_or_none(client, manager, s) for s in states]
        if versions == [s.version for s in states]:
            return
        assert time.monotonic() < deadline, f"not replicated: {versions}"
        await asyncio.sleep(0.05)


async def _version_or_none(
    client: RedisClient, manager: GameStateManager, state: GameState
) -> int | None:
    try:
        return await cached_version(client, manager, state.game_id)
    except RedisError:  # a replica still loading its first sync answers LOADING
        return None
