"""The store's operations on a 3-primary Redis Cluster against one Redis, in the same run.

Usage:  .venv/bin/python benchmarks/bench_topologies.py [--games N] [--rounds N]

Starts a single ``redis-server`` and a cluster of three primaries (the system
binary, as the tests do: ``tests/harness/topologies.py``), both on free ports of
127.0.0.1 without persistence, and runs the same work on each through a
GameStateManager, interleaved round by round so both see the same machine load:

  * save_to_cache of an action (without its events, so a whole-state snapshot)
  * save_to_cache at a turn boundary (a snapshot) followed by persist_to_db
  * load_state of a cached game (read and replay)
  * flush_dirty over N dirty games (every bucket's dirty set read, each game's copy read)
  * dirty_stats (the ``/ready`` and ``/metrics`` read)

Prints per-operation medians and the ratio cluster / single. PostgreSQL as in
bench_game_state.py (MANTIMON_BENCH_POSTGRES_URL or MANTIMON_TEST_POSTGRES_URL, a
temporary database created and dropped). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from app.config import load_settings, to_asyncpg_url  # noqa: E402
from app.core.game_state import GameState  # noqa: E402
from app.core.game_state_factory import build_game_state, end_turn, play_action  # noqa: E402
from app.db import migrate  # noqa: E402
from app.db.redis import build_redis  # noqa: E402
from app.db.session import build_sessionmaker, session_scope  # noqa: E402
from app.store.manager import GameStateManager  # noqa: E402
from tests.db.factories import new_user  # noqa: E402
from tests.harness.topologies import RedisClusterDeployment, ServerProcess  # noqa: E402


async def timed(op: Awaitable[object]) -> float:
    started = time.perf_counter()
    await op
    return time.perf_counter() - started


def next_action(state: GameState, rng_seed: int) -> GameState:
    newer = state.model_copy(deep=True)
    play_action(newer, random.Random(rng_seed))
    return newer


def next_turn(state: GameState) -> GameState:
    newer = state.model_copy(deep=True)
    end_turn(newer)
    return newer


async def run(database_url: str, games: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mantimon-bench-topologies-"))
    single = ServerProcess(folder, "single", "--save", "", "--appendonly", "no")
    cluster = RedisClusterDeployment(folder / "cluster", primaries=3)
    single.start()
    cluster.start()
    engine = create_async_engine(database_url, pool_size=10)
    sessionmaker = build_sessionmaker(engine)
    clients = {
        "single": build_redis(load_settings(redis_url=f"redis://127.0.0.1:{single.port}/0")),
        "cluster": build_redis(load_settings(redis_url=cluster.url, redis_cluster=True)),
    }
    try:
        async with session_scope(sessionmaker) as session:
            users = [new_user() for _ in range(2)]
            session.add_all(users)
        ids = (users[0].id, users[1].id)
        managers = {
            name: GameStateManager(client, sessionmaker, key_prefix="bench:")
            for name, client in clients.items()
        }
        timings: dict[str, dict[str, list[float]]] = {name: {} for name in managers}
        states = {
            name: [build_game_state(player_ids=ids, seed=i) for i in range(games)]
            for name in managers
        }
        for name, manager in managers.items():
            for state in states[name]:
                await manager.save_to_cache(state)
                await manager.persist_to_db(state)
        for round_ in range(rounds):
            for name, manager in managers.items():
                record = timings[name]
                for i, state in enumerate(states[name]):
                    acted = next_action(state, round_ * games + i)
                    record.setdefault("save (whole state)", []).append(
                        await timed(manager.save_to_cache(acted))
                    )
                    record.setdefault("load_state (hit)", []).append(
                        await timed(manager.load_state(acted.game_id))
                    )
                    if round_ % 3 == 2:
                        turned = next_turn(acted)
                        record.setdefault("save + persist (turn)", []).append(
                            await timed(_save_and_persist(manager, turned))
                        )
                        acted = turned
                    states[name][i] = acted
                record.setdefault(f"flush_dirty ({games} games)", []).append(
                    await timed(manager.flush_dirty())
                )
                record.setdefault("dirty_stats", []).append(await timed(manager.dirty_stats()))
        print(f"{games} games, {rounds} rounds; medians in ms; ratio = cluster / single")
        print(f"{'operation':<28}{'single':>10}{'cluster':>10}{'ratio':>8}")
        for op in timings["single"]:
            one = statistics.median(timings["single"][op]) * 1000
            many = statistics.median(timings["cluster"][op]) * 1000
            print(f"{op:<28}{one:>10.2f}{many:>10.2f}{many / one:>8.2f}")
    finally:
        for client in clients.values():
            await client.aclose()
        await engine.dispose()
        cluster.close()
        single.kill()


async def _save_and_persist(manager: GameStateManager, state: GameState) -> None:
    await manager.save_to_cache(state)
    await manager.persist_to_db(state)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    admin = os.environ.get("MANTIMON_BENCH_POSTGRES_URL") or os.environ.get(
        "MANTIMON_TEST_POSTGRES_URL"
    )
    if not admin:
        sys.exit("set MANTIMON_BENCH_POSTGRES_URL (or MANTIMON_TEST_POSTGRES_URL)")
    admin = to_asyncpg_url(admin)
    plain = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"mantimon_bench_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_async_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        await run(url, args.games, args.rounds)
    finally:
        connection = await asyncpg.connect(plain)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


if __name__ == "__main__":
    asyncio.run(main())
