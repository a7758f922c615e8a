"""Benchmark many games at once: the GameStateManager against the raw clients, in one run.

Usage:  .venv/bin/python benchmarks/bench_concurrency.py [--games N] [--actions N]
            [--persist-every N] [--rounds N]

N games (default 1,000) play at the same time, each as one task doing its actions in
order (default 20): after each action the state is saved, and every `--persist-every`
actions (default 5, a turn boundary) it is also written to PostgreSQL.
  * ours: `save_to_cache` per action, `persist_to_db` at each turn boundary, on the
          pools the shipped settings give (REDIS_MAX_CONNECTIONS=50, DB_POOL_SIZE=10 +
          DB_MAX_OVERFLOW=20, DB_POOL_PRE_PING on), except that both pool timeouts are
          `--pool-timeout` (default 600 s): this measures throughput at saturation, where
          every game acts as fast as it can and one process's event loop is the limit, so
          a caller may wait longer than the shipped timeouts allow (the printed maximum
          per-action latency says whether it did)
  * raw:  model_dump_json + a plain SET ... EX per action, and a plain asyncpg
          INSERT ... ON CONFLICT upsert at each turn boundary, with the same connection
          budget: a redis-py BlockingConnectionPool of 50 (no timeout) and an asyncpg pool
          of 30
The two sides run alternately (order flipped every round) on separate keys and rows, so
both see the same machine load; the medians of the wall times give games/s, actions/s
and the ratio ours / raw. Per-action latency (p50, p99, max, queueing included) shows
how evenly the pool serves the games: redis-py's BlockingConnectionPool lets a task that
just released a connection take it straight back, ours serves waiters in arrival order.
Ours must also show every save CACHED and every persist WRITTEN: more work than
connections is load, and nothing is written through.

Servers as in bench_game_state.py: PostgreSQL from MANTIMON_BENCH_POSTGRES_URL or
MANTIMON_TEST_POSTGRES_URL (a temporary database is created and dropped), else an
embedded one; Redis from MANTIMON_BENCH_REDIS_URL (only keys under a unique prefix, deleted
afterwards), else an embedded server of its own. No timing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
from redis.asyncio import BlockingConnectionPool, Redis  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.config import Settings, load_settings, to_asyncpg_url  # noqa: E402
from app.core.game_state import GameState  # noqa: E402
from app.core.game_state_factory import build_game_state  # noqa: E402
from app.db import migrate  # noqa: E402
from app.db.embedded_postgres import EmbeddedPostgres  # noqa: E402
from app.db.embedded_redis import EmbeddedRedis  # noqa: E402
from app.db.models import User  # noqa: E402
from app.db.redis import RedisClient, build_redis  # noqa: E402
from app.db.session import build_engine, build_sessionmaker, session_scope  # noqa: E402
from app.store.manager import GameStateManager  # noqa: E402

TTL = 86_400

RAW_UPSERT = """
INSERT INTO active_games (id, game_type, player1_id, player2_id, npc_id, rules_config,
    game_state, turn_number, version, started_at, last_action_at, turn_deadline)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12)
ON CONFLICT (id) DO UPDATE SET rules_config = excluded.rules_config,
    game_state = excluded.game_state, turn_number = excluded.turn_number,
    version = excluded.version, last_action_at = excluded.last_action_at,
    turn_deadline = excluded.turn_deadline, updated_at = now()
"""

Step = Callable[[GameState, bool], Awaitable[object]]
"""Store one game's state after an action; the flag says it ended a turn."""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _act(state: GameState) -> None:
    state.record_action("bench", at=state.last_action_at + timedelta(seconds=2))


async def _play(
    games: list[GameState], actions: int, persist_every: int, step: Step, latencies: list[float]
) -> float:
    """Every game plays its actions in order, all games at once; returns the wall time.

    Appends to `latencies` how long each action's storing took, queueing for a
    connection included: what a player waits for.
    """

    async def one(state: GameState) -> None:
        for n in range(1, actions + 1):
            _act(state)
            began = time.perf_counter()
            await step(state, n % persist_every == 0)
            latencies.append(time.perf_counter() - began)

    start = time.perf_counter()
    await asyncio.gather(*(one(state) for state in games))
    return time.perf_counter() - start


async def _delete_prefix(client: RedisClient, prefix: str) -> None:
    batch: list[bytes] = []
    async for key in client.scan_iter(match=prefix + "*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            await client.unlink(*batch)
            batch.clear()
    if batch:
        await client.unlink(*batch)


async def run(
    games: int, actions: int, persist_every: int, rounds: int, pool_timeout: float
) -> None:
    admin_url = os.environ.get("MANTIMON_BENCH_POSTGRES_URL") or os.environ.get(
        "MANTIMON_TEST_POSTGRES_URL"
    )
    workdir = Path(tempfile.mkdtemp(prefix="mantimon-bench-"))
    embedded_pg = None
    if not admin_url:
        embedded_pg = EmbeddedPostgres(workdir / "postgres", ephemeral=True)
        admin_url = embedded_pg.start()
    admin_url = to_asyncpg_url(admin_url)
    redis_url = os.environ.get("MANTIMON_BENCH_REDIS_URL")
    embedded_redis = None
    if not redis_url:
        embedded_redis = EmbeddedRedis(workdir / "redis")
        redis_url = embedded_redis.start()

    db_name = f"mantimon_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(admin_url))
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    db_url = make_url(admin_url).set(database=db_name).render_as_string(hide_password=False)
    shipped: Settings = load_settings(database_url=db_url, redis_url=redis_url)
    settings = shipped.model_copy(
        update={"redis_pool_timeout": pool_timeout, "db_pool_timeout": pool_timeout}
    )
    engine = build_engine(settings)
    redis = build_redis(settings, client_name="bench-ours")
    raw_redis: RedisClient = Redis.from_pool(
        BlockingConnectionPool.from_url(
            redis_url,
            max_connections=settings.redis_max_connections,
            timeout=None,  # the baseline never gives up
            client_name="bench-raw",
        )
    )
    pg_connections = settings.db_pool_size + settings.db_max_overflow
    raw_pg = await asyncpg.create_pool(
        _dsn(db_url), min_size=settings.db_pool_size, max_size=pg_connections
    )
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    try:
        await migrate.upgrade(engine)
        sessionmaker = build_sessionmaker(engine)
        users = [
            User(
                email=f"c{n}@example.com",
                display_name=f"Bench c{n} {prefix}",
            )
            for n in range(2)
        ]
        async with session_scope(sessionmaker) as session:
            session.add_all(users)
        base = build_game_state(player_ids=(users[0].id, users[1].id), turn_number=6, seed=7)
        manager = GameStateManager(
            redis, sessionmaker, key_prefix=prefix + "ours:", cache_ttl_seconds=TTL
        )
        outcomes: Counter[str] = Counter()

        async def ours(state: GameState, boundary: bool) -> None:
            outcomes[f"save {await manager.save_to_cache(state)}"] += 1
            if boundary:
                outcomes[f"persist {await manager.persist_to_db(state)}"] += 1

        async def raw(state: GameState, boundary: bool) -> None:
            payload = state.model_dump_json()
            await raw_redis.set(f"{prefix}raw:game:{state.game_id}", payload, ex=TTL)
            if boundary:
                first, second = state.players
                await raw_pg.execute(
                    RAW_UPSERT,
                    state.game_id,
                    state.game_type.value,
                    first.user_id,
                    second.user_id,
                    state.npc_id,
                    state.rules.model_dump_json(),
                    state.model_dump_json(),
                    state.turn_number,
                    state.version,
                    state.started_at,
                    state.last_action_at,
                    state.turn_deadline,
                )

        async def clean() -> None:
            await _delete_prefix(redis, prefix)
            async with session_scope(sessionmaker) as session:
                await session.execute(text("DELETE FROM active_games"))

        def fresh() -> list[GameState]:
            return [
                base.model_copy(update={"game_id": uuid.uuid4()}, deep=True) for _ in range(games)
            ]

        size = len(base.model_dump_json())
        boundaries = actions // persist_every
        print(
            f"{games} concurrent games x {actions} actions ({games * actions} saves, "
            f"{games * boundaries} persists at turn boundaries); states of "
            f"{size / 1024:.1f} KB growing by one action each; {rounds} rounds, medians"
        )
        print(
            f"pools: Redis {settings.redis_max_connections} connections, PostgreSQL "
            f"{settings.db_pool_size}+{settings.db_max_overflow}, on both sides. Redis "
            f"{(await redis.info('server'))['redis_version']}, PostgreSQL "
            f"{await raw_pg.fetchval('SHOW server_version')}, Python {sys.version.split()[0]}"
        )

        warm_up: list[float] = []
        await _play(fresh()[:50], 2, 1, ours, warm_up)  # connections, scripts, caches
        await _play(fresh()[:50], 2, 1, raw, warm_up)
        await clean()
        outcomes.clear()
        timings: dict[str, list[float]] = {"ours": [], "raw": []}
        latencies: dict[str, list[float]] = {"ours": [], "raw": []}
        for index in range(rounds):
            order: list[tuple[str, Step]] = [("ours", ours), ("raw", raw)]
            if index % 2:
                order.reverse()
            for label, step in order:
                batch = fresh()
                wall = await _play(batch, actions, persist_every, step, latencies[label])
                timings[label].append(wall)
                await clean()

        print()
        for label in ("ours", "raw"):
            wall = statistics.median(timings[label])
            waits = sorted(latencies[label])
            p50, p99 = (waits[int(q * (len(waits) - 1))] * 1e3 for q in (0.5, 0.99))
            print(
                f"{label:<5} {wall:7.2f} s   {games / wall:8.1f} games/s   "
                f"{games * actions / wall:9.0f} actions/s   per action p50 {p50:6.1f} ms, "
                f"p99 {p99:7.1f} ms, max {waits[-1] * 1e3:7.1f} ms   "
                f"(rounds: {', '.join(f'{t:.2f}' for t in timings[label])} s)"
            )
        print(
            f"(shipped pool timeouts: REDIS_POOL_TIMEOUT={shipped.redis_pool_timeout:g} s, "
            f"DB_POOL_TIMEOUT={shipped.db_pool_timeout:g} s; this run: {pool_timeout:g} s)"
        )
        ratio = statistics.median(timings["ours"]) / statistics.median(timings["raw"])
        print(f"ratio ours / raw (wall time): {ratio:.2f}")
        print("ours, every call: " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())))
    finally:
        await _delete_prefix(redis, prefix)
        await redis.aclose()
        await raw_redis.aclose()
        await raw_pg.close()
        await engine.dispose()
        admin = await asyncpg.connect(_dsn(admin_url))
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()
        if embedded_redis is not None:
            embedded_redis.stop()
        if embedded_pg is not None:
            embedded_pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=1000, help="games playing at once")
    parser.add_argument("--actions", type=int, default=20, help="actions per game")
    parser.add_argument(
        "--persist-every", type=int, default=5, help="actions per turn (persist_to_db after)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per side")
    parser.add_argument(
        "--pool-timeout", type=float, default=600.0, help="both pool timeouts of ours, seconds"
    )
    args = parser.parse_args()
    asyncio.run(run(args.games, args.actions, args.persist_every, args.rounds, args.pool_timeout))


if __name__ == "__main__":
    main()
