"""Benchmark the GameStateManager against the raw clients doing the same I/O, in one run.

Usage:  .venv/bin/python benchmarks/bench_game_state.py [--rounds N] [--games N]

Each operation runs next to the raw client doing the same I/O on the same bytes,
interleaved round by round so both see the same machine load:
  * save_to_cache   vs  model_dump_json + plain SET (serialization on both sides)
  * load_state hit  vs  GET + GameState.model_validate_json (same result object);
                        GET + json.loads (a dict, no model) is shown for reference
  * persist_to_db   vs  model_dump_json + a plain asyncpg INSERT ... ON CONFLICT upsert;
                        the same plus a ZREM (ours also clears the dirty mark) for reference
  * recover_active_games for N games  vs  plain SELECT (server-side cursor) + pipelined SETs
States are realistic 10-40 KB mid-game states. Also prints the Redis memory per cached game.

Servers: PostgreSQL from MANTIMON_BENCH_POSTGRES_URL or MANTIMON_TEST_POSTGRES_URL (an admin
URL; a temporary database is created and dropped), else an embedded one. Redis is always an
embedded server of its own (so 10,000 games never land on a shared server) unless
MANTIMON_BENCH_REDIS_URL is set, in which case only keys under a unique prefix are written
and then deleted. Not a test: no timing is asserted, the numbers are for the reader.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from app.config import load_settings, to_asyncpg_url  # noqa: E402
from app.core.game_state import GameState  # noqa: E402
from app.core.game_state_factory import build_game_state  # noqa: E402
from app.db import migrate  # noqa: E402
from app.db.embedded_postgres import EmbeddedPostgres  # noqa: E402
from app.db.embedded_redis import EmbeddedRedis  # noqa: E402
from app.db.models import User  # noqa: E402
from app.db.redis import RedisClient, build_redis  # noqa: E402
from app.db.session import build_sessionmaker, session_scope  # noqa: E402
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

CLONE = """
INSERT INTO active_games (id, game_type, player1_id, player2_id, npc_id, rules_config,
    game_state, turn_number, version, started_at, last_action_at)
SELECT g.id, t.game_type, t.player1_id, t.player2_id, t.npc_id, t.rules_config,
    jsonb_set(t.game_state, '{game_id}', to_jsonb(g.id::text)), t.turn_number, t.version,
    t.started_at, t.last_action_at
FROM active_games AS t, (SELECT gen_random_uuid() AS id FROM generate_series(1, $2)) AS g
WHERE t.id = $1
"""

Op = Callable[[], Awaitable[object]]


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _report(name: str, ours: list[float], raw: list[float], note: str = "") -> None:
    mo, mr = statistics.median(ours), statistics.median(raw)
    print(
        f"{name:<34} ours {mo * 1e3:9.3f} ms   raw {mr * 1e3:9.3f} ms   "
        f"ratio {mo / mr:5.2f}{('   ' + note) if note else ''}"
    )


async def _pair(
    rounds: int, ours: Op, raw: Op, prepare: Callable[[], None] | None = None
) -> tuple[list[float], list[float]]:
    """Time `ours` and `raw` alternately (order flipped every round) after a warm-up."""
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    for index in range(rounds + 5):
        order = [("ours", ours), ("raw", raw)]
        if index % 2:
            order.reverse()
        for label, op in order:
            if prepare is not None:
                prepare()
            start = time.perf_counter()
            await op()
            elapsed = time.perf_counter() - start
            if index >= 5:
                times[label].append(elapsed)
    return times["ours"], times["raw"]


async def _delete_prefix(client: RedisClient, prefix: str) -> None:
    batch: list[bytes] = []
    async for key in client.scan_iter(match=prefix + "*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            await client.unlink(*batch)
            batch.clear()
    if batch:
        await client.unlink(*batch)


async def run(rounds: int, games: int) -> None:
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
    engine: AsyncEngine = create_async_engine(db_url, pool_size=5)
    settings = load_settings(redis_url=redis_url)
    redis = build_redis(settings, client_name="bench-ours")
    raw_redis = build_redis(settings, client_name="bench-raw")
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    try:
        await migrate.upgrade(engine)
        sessionmaker = build_sessionmaker(engine)
        users = [
            User(
                email=f"b{n}@example.com",
                display_name=f"Bench b{n} {prefix}",
            )
            for n in range(2)
        ]
        async with session_scope(sessionmaker) as session:
            session.add_all(users)
        player_ids = (users[0].id, users[1].id)
        manager = GameStateManager(
            redis, sessionmaker, key_prefix=prefix + "ours:", cache_ttl_seconds=TTL
        )
        raw_pg = await asyncpg.connect(_dsn(db_url))

        states = [
            build_game_state(player_ids=player_ids, turn_number=6 + n % 9, seed=n)
            for n in range(40)
        ]
        sizes = [len(s.model_dump_json()) for s in states]
        print(
            f"states: {len(states)} realistic mid-game states, JSON {min(sizes) / 1024:.1f}-"
            f"{max(sizes) / 1024:.1f} KB (median {statistics.median(sizes) / 1024:.1f} KB); "
            f"{rounds} timed rounds per operation, medians"
        )
        print(
            f"Redis {(await redis.info('server'))['redis_version']}, PostgreSQL "
            f"{(await raw_pg.fetchval('SHOW server_version'))}, Python {sys.version.split()[0]}"
        )
        print()

        # save_to_cache: each round is a new version of one of the states.
        cursor = {"n": 0}

        def next_version() -> None:
            state = states[cursor["n"] % len(states)]
            state.record_action("bench", at=state.last_action_at)
            cursor["n"] += 1

        def current() -> GameState:
            return states[(cursor["n"] - 1) % len(states)]

        async def ours_save() -> None:
            await manager.save_to_cache(current())

        async def raw_save() -> None:
            state = current()
            await raw_redis.set(
                f"{prefix}raw:game:{state.game_id}", state.model_dump_json(), ex=TTL
            )

        o, r = await _pair(rounds, ours_save, raw_save, next_version)
        _report("save_to_cache vs SET", o, r)

        # load_state on a hit.
        for state in states:
            await manager.save_to_cache(state)
            await raw_redis.set(
                f"{prefix}raw:game:{state.game_id}", state.model_dump_json(), ex=TTL
            )
        pick = {"n": 0}

        def next_pick() -> None:
            pick["n"] += 1

        async def ours_load() -> None:
            await manager.load_state(states[pick["n"] % len(states)].game_id)

        async def raw_load_model() -> None:
            raw = await raw_redis.get(f"{prefix}raw:game:{states[pick['n'] % len(states)].game_id}")
            assert raw is not None
            GameState.model_validate_json(raw)

        async def raw_load_json() -> None:
            raw = await raw_redis.get(f"{prefix}raw:game:{states[pick['n'] % len(states)].game_id}")
            assert raw is not None
            json.loads(raw)

        o, r = await _pair(rounds, ours_load, raw_load_model, next_pick)
        _report("load_state hit vs GET+model", o, r, "(same GameState result)")
        o, r = await _pair(rounds, ours_load, raw_load_json, next_pick)
        _report("load_state hit vs GET+json.loads", o, r, "(raw returns a dict only)")

        # persist_to_db: a new version per round, separate rows for ours and raw.
        raw_ids = {s.game_id: uuid.uuid4() for s in states}

        async def ours_persist() -> None:
            await manager.persist_to_db(current())

        async def raw_persist() -> None:
            s = current()
            first, second = s.players
            await raw_pg.execute(
                RAW_UPSERT,
                raw_ids[s.game_id],
                s.game_type.value,
                first.user_id,
                second.user_id,
                s.npc_id,
                s.rules.model_dump_json(),
                s.model_dump_json(),
                s.turn_number,
                s.version,
                s.started_at,
                s.last_action_at,
                s.turn_deadline,
            )

        async def raw_persist_and_unmark() -> None:
            await raw_persist()
            await raw_redis.zrem(f"{prefix}raw:games:dirty", str(current().game_id))

        o, r = await _pair(rounds, ours_persist, raw_persist, next_version)
        _report("persist_to_db vs asyncpg upsert", o, r)
        o, r = await _pair(rounds, ours_persist, raw_persist_and_unmark, next_version)
        _report("persist_to_db vs upsert + ZREM", o, r, "(raw also clears a dirty mark)")

        # recover_active_games: N games in PostgreSQL, an empty cache each round.
        async with session_scope(sessionmaker) as session:
            await session.execute(text("DELETE FROM active_games"))
        template = build_game_state(player_ids=player_ids, turn_number=10, seed=99)
        await manager.persist_to_db(template)
        await raw_pg.execute(CLONE, template.game_id, games - 1)
        recovered_size = await raw_pg.fetchval(
            "SELECT avg(octet_length(game_state::text))::int FROM active_games"
        )
        print()
        print(
            f"recovery: {games} games of {recovered_size / 1024:.1f} KB each in PostgreSQL "
            f"({games * recovered_size / 2**20:.0f} MB of JSON)"
        )

        async def clear() -> None:
            await _delete_prefix(redis, prefix)

        async def ours_recover() -> None:
            summary = await manager.recover_active_games(batch_size=500)
            assert summary.recovered == games, summary

        async def raw_recover() -> None:
            async with raw_pg.transaction():
                batch: list[asyncpg.Record] = []
                async for row in raw_pg.cursor(
                    "SELECT id::text AS id, game_state::text AS state FROM active_games",
                    prefetch=500,
                ):
                    batch.append(row)
                    if len(batch) == 500:
                        await _raw_set_batch(raw_redis, prefix, batch)
                        batch = []
                if batch:
                    await _raw_set_batch(raw_redis, prefix, batch)

        recover_rounds = 3
        ours_times: list[float] = []
        raw_times: list[float] = []
        for index in range(recover_rounds):
            order = [(ours_recover, ours_times), (raw_recover, raw_times)]
            if index % 2:
                order.reverse()
            for op, bucket in order:
                await clear()
                start = time.perf_counter()
                await op()
                bucket.append(time.perf_counter() - start)
        _report(
            f"recover {games} games vs SELECT+SET",
            ours_times,
            raw_times,
            f"({recover_rounds} rounds; ours {games / statistics.median(ours_times):.0f} games/s)",
        )

        # Redis memory per cached game, measured on what recovery cached.
        await clear()
        before = (await redis.info("memory"))["used_memory"]
        await manager.recover_active_games(batch_size=500)
        after = (await redis.info("memory"))["used_memory"]
        ours_keys = [k async for k in redis.scan_iter(match=prefix + "ours:game:*", count=1000)][
            :200
        ]
        per_key = [await redis.memory_usage(k, samples=0) or 0 for k in ours_keys]
        await raw_recover()
        raw_keys = [k async for k in redis.scan_iter(match=prefix + "raw:game:*", count=1000)][:200]
        raw_per_key = [await redis.memory_usage(k, samples=0) or 0 for k in raw_keys]
        print()
        print(
            f"Redis memory per cached game: {statistics.mean(per_key) / 1024:.1f} KB "
            "by MEMORY USAGE "
            f"({(after - before) / games / 1024:.1f} KB by used_memory delta incl. dirty set); "
            f"a plain SET of the same JSON: {statistics.mean(raw_per_key) / 1024:.1f} KB; "
            f"JSON itself {recovered_size / 1024:.1f} KB"
        )
        await raw_pg.close()
    finally:
        await _delete_prefix(redis, prefix)
        await redis.aclose()
        await raw_redis.aclose()
        await engine.dispose()
        admin = await asyncpg.connect(_dsn(admin_url))
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()
        if embedded_redis is not None:
            embedded_redis.stop()
        if embedded_pg is not None:
            embedded_pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def _raw_set_batch(client: RedisClient, prefix: str, rows: list[Any]) -> None:
    async with client.pipeline(transaction=False) as pipe:
        for row in rows:
            pipe.set(f"{prefix}raw:game:{row['id']}", row["state"], ex=TTL)
        await pipe.execute()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="timed rounds per operation")
    parser.add_argument(
        "--games", type=int, default=10_000, help="games for the recovery benchmark"
    )
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.games))


if __name__ == "__main__":
    main()
