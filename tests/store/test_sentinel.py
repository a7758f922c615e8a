"""Redis under Sentinel: the store follows a failover without a restart (issue 22, section 1).

Each test starts its own primary, replica and three sentinels (`SentinelDeployment`,
the system ``redis-server``) and plays games through a manager whose client knows
only the sentinels (``REDIS_SENTINELS``), against the suite's PostgreSQL. Midway
the primary is killed with SIGKILL (or switched with ``SENTINEL FAILOVER``); the
games keep playing throughout. Every test checks that no completed turn is lost,
that neither the running manager nor a fresh one serves a state older than
PostgreSQL's, and that no call waited longer than a bound or failed with
anything but the store's own errors, and it prints the figures
(``-s`` shows them): how long the running manager took to use Redis again, how
many saves were written through to PostgreSQL meanwhile, and how many calls failed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import load_settings
from app.core.game_state import GameState
from app.db.redis import RedisClient, build_redis
from app.store.errors import GameStoreUnavailableError
from app.store.manager import GameStateManager, PersistOutcome, SaveOutcome
from tests.harness.topologies import SentinelDeployment
from tests.store.conftest import StateFactory
from tests.store.test_game_state_manager import advance
from tests.store.test_lineage_refusal import turn_end
from tests.store.test_redis_comes_back_older import assert_turn_kept

pytestmark = pytest.mark.usefixtures("players")

GAMES = 6
CALL_BOUND_SECONDS = 10.0
"""No call may take longer than this during a switch: a bounded wait, never a hang."""


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[SentinelDeployment]:
    """A primary, a replica and three sentinels of this test's own."""
    servers = SentinelDeployment(tmp_path)
    try:
        servers.start()
        yield servers
    finally:
        servers.close()


@pytest.fixture
async def sentinel_client(
    deployment: SentinelDeployment,
) -> AsyncIterator[Callable[[], RedisClient]]:
    """Opens clients that know only the sentinels, as REDIS_SENTINELS configures them."""
    clients: list[RedisClient] = []
    settings = load_settings(
        redis_sentinels=deployment.sentinel_setting,
        redis_sentinel_master=deployment.master,
        redis_connect_timeout=1.0,
        redis_socket_timeout=2.0,
    )

    def open_client() -> RedisClient:
        clients.append(build_redis(settings, client_name="mantimon-sentinel-test"))
        return clients[-1]

    yield open_client
    for client in clients:
        await client.aclose()


@dataclass
class Play:
    """What the games saw while they played on through the switch."""

    completed: dict[uuid.UUID, GameState] = field(default_factory=dict)
    latest: dict[uuid.UUID, GameState] = field(default_factory=dict)
    saves: list[tuple[float, SaveOutcome]] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)
    slowest: float = 0.0


async def play(
    manager: GameStateManager, states: list[GameState], stop: asyncio.Event, record: Play
) -> None:
    """Each game: two actions, then the turn's end and its persist, until `stop` is set.

    A call that fails is the store telling the caller to try again: the game
    reloads its latest state (as a game server would) and plays on from it.
    """

    async def timed(call: object) -> object:
        started = time.monotonic()
        try:
            return await call  # type: ignore[misc]
        finally:
            record.slowest = max(record.slowest, time.monotonic() - started)

    async def one(state: GameState) -> None:
        step = 0
        while not stop.is_set():
            step += 1
            nxt = turn_end(state) if step % 3 == 0 else advance(state, 1, seed=step)
            try:
                outcome = await timed(manager.save_to_cache(nxt))
                assert isinstance(outcome, SaveOutcome)
                record.saves.append((time.monotonic(), outcome))
                if step % 3 == 0:
                    persisted = await timed(manager.persist_to_db(nxt))
                    assert persisted in (PersistOutcome.WRITTEN, PersistOutcome.ALREADY_CURRENT)
                    record.completed[nxt.game_id] = nxt
                state = nxt
                record.latest[state.game_id] = state
            except GameStoreUnavailableError as exc:
                record.errors.append((time.monotonic(), f"{type(exc).__name__}: {exc}"))
                await asyncio.sleep(0.1)
                reloaded = await timed(manager.load_state(state.game_id))
                assert isinstance(reloaded, GameState)
                state = reloaded
            await asyncio.sleep(0.01)

    await asyncio.gather(*(one(state) for state in states))


async def switch_while_playing(
    deployment: SentinelDeployment,
    sentinel_client: Callable[[], RedisClient],
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    switch: Callable[[], None],
    label: str,
) -> None:
    manager = GameStateManager(sentinel_client(), sessionmaker, redis_probe_interval=0.2)
    states = [new_state() for _ in range(GAMES)]
    for state in states:
        assert await manager.save_to_cache(state) is SaveOutcome.CACHED
        assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    record = Play(completed={s.game_id: s for s in states}, latest={s.game_id: s for s in states})
    stop = asyncio.Event()
    players = asyncio.create_task(play(manager, states, stop, record))
    await asyncio.sleep(1.0)
    old_port = deployment.master_port()
    switched_at = time.monotonic()
    await asyncio.to_thread(switch)
    new_primary = await asyncio.to_thread(deployment.wait_promoted, old_port)
    promoted_after = time.monotonic() - switched_at

    # Play on past REDIS_SENTINEL_CHECK_INTERVAL (1 s), until the running manager has
    # cached every save for two seconds: by then its pool has asked the sentinels again.
    await asyncio.sleep(1.5)
    deadline = time.monotonic() + 30
    while True:
        steady_at = time.monotonic()
        recent = [o for t, o in record.saves if t > steady_at - 2.0]
        if len(recent) > GAMES and all(o is SaveOutcome.CACHED for o in recent):
            break
        assert time.monotonic() < deadline, "the running manager never used Redis again"
        await asyncio.sleep(0.2)
    stop.set()
    await players

    # The figures cover the switch up to the steady second (saves still in flight when
    # the games stopped are left out).
    after = [(t, o) for t, o in record.saves if switched_at <= t <= steady_at]
    through = [t for t, o in after if o is SaveOutcome.WRITTEN_THROUGH]
    last_trouble = max([switched_at, *through, *(t for t, _ in record.errors if t <= steady_at)])
    followed = next(
        (t for t, o in after if o is SaveOutcome.CACHED and t > last_trouble), steady_at
    )
    with new_primary.client() as direct:
        assert direct.info("replication")["role"] == "master"
    print(  # noqa: T201 - the figures the issue asks for
        f"\n[{label}] primary :{old_port} -> :{new_primary.port}; sentinels agreed after "
        f"{promoted_after:.2f}s; running manager cached again after "
        f"{followed - switched_at:.2f}s; saves after the switch: {len(after)} "
        f"({len(through)} written through to PostgreSQL); calls failed: {len(record.errors)} "
        f"{sorted({e for _, e in record.errors})[:3]}; slowest call {record.slowest:.2f}s"
    )
    assert record.slowest < CALL_BOUND_SECONDS

    fresh = GameStateManager(sentinel_client(), sessionmaker, redis_probe_interval=0.2)
    for game_id, completed in record.completed.items():
        for reader in (manager, fresh):
            served = await reader.load_state(game_id)
            await assert_turn_kept(sessionmaker, completed, served)
            # Every game saved for a second on the new primary before stopping: its
            # latest state is there, so not even the turn in progress was lost.
            assert served == record.latest[game_id]


async def test_the_store_follows_a_primary_killed_under_sentinel(
    deployment: SentinelDeployment,
    sentinel_client: Callable[[], RedisClient],
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    await switch_while_playing(
        deployment,
        sentinel_client,
        sessionmaker,
        new_state,
        lambda: deployment.node_on(deployment.master_port()).kill(),
        "kill -9",
    )


async def test_the_store_follows_a_planned_sentinel_failover(
    deployment: SentinelDeployment,
    sentinel_client: Callable[[], RedisClient],
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    await switch_while_playing(
        deployment,
        sentinel_client,
        sessionmaker,
        new_state,
        deployment.failover,
        "SENTINEL FAILOVER",
    )


async def test_sentinel_settings_reach_the_client(
    deployment: SentinelDeployment, sentinel_client: Callable[[], RedisClient]
) -> None:
    client = sentinel_client()
    await client.set("mantimon-test:sentinel", b"1")
    with deployment.node_on(deployment.master_port()).client() as direct:
        assert direct.get("mantimon-test:sentinel") == "1"
