"""The game log in Redis against today's whole-state writes, on real bot games, in one run.

Usage:  .venv/bin/python benchmarks/bench_game_log.py [--games N] [--seed S]

Plays N real engine games (heuristic bots, the five starter decks in turn, ``mantimon``
rules) through the GameDriver and the GameStateManager, on a Redis of its own
(embedded, with an append-only file, so INFO counts only this run and a restart keeps
the data) and a temporary database on the PostgreSQL of MANTIMON_BENCH_POSTGRES_URL or
MANTIMON_TEST_POSTGRES_URL (else an embedded one). For every action it also writes the
whole state as today did (``model_dump_json`` + a plain SET to another key, the lower
bound of today's script), and prints:

  * bytes Redis received per action (``INFO stats`` total_net_input_bytes around each
    call, the INFO command's own bytes subtracted), ours and today's, over whole games
    and per quarter of each game (first turns to last);
  * Redis memory per active game (MEMORY USAGE of each game's hash vs today's string);
  * save / load / persist latency, ours and today's, medians and ratios (ours load is a
    replay of the log since the snapshot; today's is GET + model_validate_json);
  * a load after a Redis restart of a game stopped at its longest turn (the most log
    entries after its snapshot), by a fresh manager: the instance changed, so the copy
    is compared with PostgreSQL, then replayed.
Not a test: no figure is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from app.catalog.card_service import CardService  # noqa: E402
from app.catalog.deck_validation import load_starter_decks  # noqa: E402
from app.config import PROJECT_ROOT, load_settings, to_asyncpg_url  # noqa: E402
from app.core.decks import DeckList  # noqa: E402
from app.core.enums import GameType  # noqa: E402
from app.core.game_state import ActionRecord, GameState, TurnPhase  # noqa: E402
from app.core.rules import RulesConfig  # noqa: E402
from app.db import migrate  # noqa: E402
from app.db.embedded_postgres import EmbeddedPostgres  # noqa: E402
from app.db.embedded_redis import EmbeddedRedis  # noqa: E402
from app.db.models import User  # noqa: E402
from app.db.redis import RedisClient, build_redis  # noqa: E402
from app.db.session import build_sessionmaker, session_scope  # noqa: E402
from app.engine import (  # noqa: E402  # noqa: E402
    acting_player,
    adapt_deck,
    apply,
    is_turn_boundary,
    legal_actions,
    new_game,
    replay,
)
from app.engine.actions import Action  # noqa: E402
from app.engine.bots import HeuristicBot  # noqa: E402
from app.store.manager import GameStateManager  # noqa: E402

TTL = 86_400


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _received(client: RedisClient) -> int:
    return int((await client.info("stats"))["total_net_input_bytes"])


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1e3


async def run(games: int, seed: int) -> None:
    admin_url = os.environ.get("MANTIMON_BENCH_POSTGRES_URL") or os.environ.get(
        "MANTIMON_TEST_POSTGRES_URL"
    )
    workdir = Path(tempfile.mkdtemp(prefix="mantimon-bench-log-"))
    embedded_pg = None
    if not admin_url:
        embedded_pg = EmbeddedPostgres(workdir / "postgres", ephemeral=True)
        admin_url = embedded_pg.start()
    admin_url = to_asyncpg_url(admin_url)
    server = EmbeddedRedis(workdir / "redis", persistence=True)
    redis_url = server.start()
    db_name = f"mantimon_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(admin_url))
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    db_url = make_url(admin_url).set(database=db_name).render_as_string(hide_password=False)
    engine = create_async_engine(db_url, pool_size=5)
    settings = load_settings(redis_url=redis_url)
    redis = build_redis(settings, client_name="bench-ours")
    prefix = "bench:"
    try:
        await migrate.upgrade(engine)
        sessionmaker = build_sessionmaker(engine)
        users = [
            User(
                email=f"b{n}@example.com",
                display_name=f"Bench log {n} {uuid.uuid4().hex[:8]}",
            )
            for n in range(2)
        ]
        async with session_scope(sessionmaker) as session:
            session.add_all(users)
        cards = CardService.load(PROJECT_ROOT / "data" / "cards").by_id
        decks = {
            name: DeckList.from_starter(deck)
            for name, deck in sorted(load_starter_decks(PROJECT_ROOT / "data" / "decks").items())
        }
        names = sorted(decks)
        rules = RulesConfig.preset("mantimon")
        manager = GameStateManager(redis, sessionmaker, key_prefix=prefix, cards=cards)
        # What one INFO call adds to the counter, measured: subtracted from every reading.
        baseline = await _received(redis)
        info_cost = await _received(redis) - baseline

        ours_bytes: list[tuple[int, int, int]] = []  # (game, action index, bytes)
        today_bytes: list[tuple[int, int, int]] = []
        persist_bytes = 0
        save_ours: list[float] = []
        save_today: list[float] = []
        persist_ours: list[float] = []
        persist_today: list[float] = []
        lengths: list[int] = []
        longest = (0, -1)
        kept: list[tuple[GameState, int, int, list[ActionRecord]]] = []
        raw_pg = await asyncpg.connect(_dsn(db_url))
        for game in range(games):
            deck_a, deck_b = names[game % 5], names[(game // 5 + game + 1) % 5]
            fitted = (
                adapt_deck(decks[deck_a], rules, cards),
                adapt_deck(decks[deck_b], rules, cards),
            )
            state = new_game(
                game_id=uuid.uuid4(),
                game_type=GameType.FREEPLAY,
                rules=rules,
                decks=fitted,
                identities=(users[0].id, users[1].id),
                seed=seed + game,
                cards=cards,
                at=state_time(),
            )
            bots = (HeuristicBot(2 * game + seed), HeuristicBot(2 * game + seed + 1))
            await manager.persist_to_db(state)
            initial = state.model_copy(deep=True)
            boundaries = [0]
            index = 0
            while state.phase is not TurnPhase.ENDED:
                action = bots[acting_player(state)].choose(
                    state, legal_actions(state, cards), cards
                )
                events = apply(state, action, cards, at=state_time(state))
                before = await _received(redis)
                start = time.perf_counter()
                await manager.save_to_cache(state, events)
                save_ours.append(time.perf_counter() - start)
                ours_bytes.append((game, index, await _received(redis) - before - info_cost))
                before = await _received(redis)
                start = time.perf_counter()
                await redis.set(f"today:game:{state.game_id}", state.model_dump_json(), ex=TTL)
                save_today.append(time.perf_counter() - start)
                today_bytes.append((game, index, await _received(redis) - before - info_cost))
                index += 1
                if is_turn_boundary(events):
                    boundaries.append(state.version)
                    before = await _received(redis)
                    start = time.perf_counter()
                    await manager.persist_to_db(state)
                    persist_ours.append(time.perf_counter() - start)
                    persist_bytes += await _received(redis) - before - info_cost
                    start = time.perf_counter()
                    await _raw_upsert(raw_pg, state)
                    persist_today.append(time.perf_counter() - start)
            lengths.append(index)
            if game % 4 == 0:
                # Kept active as it stood at its longest turn: the last action before the
                # turn ended, with every action of that turn in the log after its snapshot.
                gap, start_version = max(
                    (later - earlier - 1, earlier)
                    for earlier, later in itertools.pairwise(boundaries)
                )
                kept.append((initial, start_version, gap, state.action_log))
                if gap > longest[0]:
                    longest = (gap, len(kept) - 1)
            await manager.delete_game(state.game_id)
            await redis.delete(f"today:game:{state.game_id}")

        per_game_ours = [
            sum(b for g, _, b in ours_bytes if g == n) / lengths[n] for n in range(games)
        ]
        per_game_today = [
            sum(b for g, _, b in today_bytes if g == n) / lengths[n] for n in range(games)
        ]
        total_actions = sum(lengths)
        print(
            f"{games} heuristic-bot games of the starter decks under mantimon, "
            f"{total_actions} actions ({min(lengths)}-{max(lengths)} a game, median "
            f"{statistics.median(lengths)}); Redis "
            f"{(await redis.info('server'))['redis_version']}, PostgreSQL "
            f"{await raw_pg.fetchval('SHOW server_version')}"
        )
        print()
        print("bytes received by Redis per action (INFO total_net_input_bytes):")
        print(
            f"  over whole games   ours {sum(b for *_, b in ours_bytes) / total_actions:8.0f} B"
            f"   today {sum(b for *_, b in today_bytes) / total_actions:8.0f} B   ratio "
            f"{sum(b for *_, b in ours_bytes) / sum(b for *_, b in today_bytes):.3f}"
            f"   (per game: ours {min(per_game_ours):.0f}-{max(per_game_ours):.0f} B, today "
            f"{min(per_game_today):.0f}-{max(per_game_today):.0f} B)"
        )
        for quarter in range(4):
            ours_q = [b for g, i, b in ours_bytes if i * 4 // lengths[g] == quarter]
            today_q = [b for g, i, b in today_bytes if i * 4 // lengths[g] == quarter]
            print(
                f"  quarter {quarter + 1} of each game  ours {statistics.mean(ours_q):6.0f} B"
                f"   today {statistics.mean(today_q):8.0f} B"
            )
        append_sizes = sorted(b for *_, b in ours_bytes)
        print(
            f"  one save: median {statistics.median(append_sizes):.0f} B (an append), "
            f"p95 {append_sizes[len(append_sizes) * 95 // 100]:.0f} B, max {append_sizes[-1]} B "
            f"(a snapshot at a turn boundary); persist_to_db adds "
            f"{persist_bytes / total_actions:.0f} B an action (the dirty mark script)"
        )

        # Memory and loads: the kept games, each stopped at its longest turn.
        active: list[GameState] = []
        for initial, start_version, gap, log in kept:
            state = replay(initial, log[:start_version], cards)
            await manager.persist_to_db(state)  # the turn boundary: PostgreSQL and a snapshot
            await manager.save_to_cache(state)
            for record in log[start_version : start_version + gap]:
                action = Action.from_params(record.kind, dict(record.params), record.player)
                events = apply(state, action, cards, at=record.at)
                await manager.save_to_cache(state, events)
            await redis.set(f"today:game:{state.game_id}", state.model_dump_json(), ex=TTL)
            active.append(state)
        ours_memory = [
            await redis.memory_usage(manager.game_key(s.game_id), samples=0) or 0 for s in active
        ]
        today_memory = [
            await redis.memory_usage(f"today:game:{s.game_id}", samples=0) or 0 for s in active
        ]
        print()
        print(
            f"Redis memory per active game ({len(active)} games at their longest turn, MEMORY "
            f"USAGE): ours {statistics.mean(ours_memory) / 1024:.1f} KB, today "
            f"{statistics.mean(today_memory) / 1024:.1f} KB, ratio "
            f"{statistics.mean(ours_memory) / statistics.mean(today_memory):.2f}"
        )

        load_ours: list[float] = []
        load_today: list[float] = []
        for _ in range(20):
            for state in active:
                start = time.perf_counter()
                loaded = await manager.load_state(state.game_id)
                load_ours.append(time.perf_counter() - start)
                assert loaded == state
                start = time.perf_counter()
                raw = await redis.get(f"today:game:{state.game_id}")
                assert raw is not None
                GameState.model_validate_json(raw)
                load_today.append(time.perf_counter() - start)
        print()
        print("latency, medians (today: whole-state SET / GET + parse / asyncpg upsert):")
        for name, ours, today in (
            ("save_to_cache", save_ours, save_today),
            ("load_state (replays the turn)", load_ours, load_today),
            ("persist_to_db", persist_ours, persist_today),
        ):
            print(
                f"  {name:<30} ours {_ms(ours):7.3f} ms   today {_ms(today):7.3f} ms   "
                f"ratio {_ms(ours) / _ms(today):5.2f}   ({len(ours)} calls)"
            )

        # A Redis restart, then a fresh manager loads the game at the longest turn.
        entries, position = longest
        target = active[position]
        await redis.aclose()
        server.stop()
        server.start()
        redis = build_redis(load_settings(redis_url=server.url), client_name="bench-after")
        fresh = GameStateManager(redis, sessionmaker, key_prefix=prefix, cards=cards)
        start = time.perf_counter()
        loaded = await fresh.load_state(target.game_id)
        first = time.perf_counter() - start
        assert loaded == target, "the restarted Redis lost the game's log"
        again = []
        for _ in range(20):
            start = time.perf_counter()
            await fresh.load_state(target.game_id)
            again.append(time.perf_counter() - start)
        print()
        print(
            f"after a Redis restart (AOF), a fresh manager loads the game at its longest turn "
            f"({entries} actions after the snapshot): first load {first * 1e3:.2f} ms (compared "
            f"with PostgreSQL, then replayed), then {_ms(again):.2f} ms"
        )
        await raw_pg.close()
    finally:
        await redis.aclose()
        await engine.dispose()
        admin = await asyncpg.connect(_dsn(admin_url))
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()
        server.stop()
        if embedded_pg is not None:
            embedded_pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


_CLOCK = {"n": 0}


def state_time(state: GameState | None = None) -> Any:
    from datetime import UTC, datetime, timedelta

    _CLOCK["n"] += 1
    now = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=_CLOCK["n"])
    return now if state is None else max(now, state.last_action_at)


async def _raw_upsert(connection: asyncpg.Connection, state: GameState) -> None:
    first, second = state.players
    await connection.execute(
        """
        INSERT INTO active_games (id, game_type, player1_id, player2_id, npc_id, rules_config,
            game_state, turn_number, version, started_at, last_action_at, turn_deadline)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12)
        ON CONFLICT (id) DO UPDATE SET game_state = excluded.game_state,
            turn_number = excluded.turn_number, version = excluded.version,
            last_action_at = excluded.last_action_at, updated_at = now()
        """,
        uuid.uuid5(state.game_id, "today"),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=20, help="bot games to play")
    parser.add_argument("--seed", type=int, default=18, help="first game seed")
    args = parser.parse_args()
    asyncio.run(run(args.games, args.seed))


if __name__ == "__main__":
    main()
