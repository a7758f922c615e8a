"""The durability contract, proven with real crashes.

A completed turn is never lost; a crash of the application process or of Redis
loses at most the actions of the turn in progress. One test SIGKILLs a game
server running in a child process; the other kills a Redis server this test
started itself, on its own port, in the middle of games.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import uuid
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.catalog.card_service import CardService
from app.core.cards import CardDefinition
from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state, end_turn, play_action
from app.db.embedded_redis import EmbeddedRedis
from app.db.models import ActiveGame, GameHistory
from app.db.redis import RedisClient, build_redis
from app.engine import apply, is_turn_boundary, replay
from app.engine.actions import Action
from app.engine.bots import HeuristicBot, RandomBot
from app.engine.events import Event
from app.store.driver import GameDriver
from app.store.history import replay_header
from app.store.manager import GameStateManager, SaveOutcome
from app.store.replays import initial_from_history, replay_from_history
from tests.harness.redis import redis_test_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_ACTIONS_PER_TURN = 5 + 2
"""The child plays up to 5 actions, then attack and end_turn."""
MAX_ENGINE_ACTIONS_PER_TURN = 200
"""A generous bound on the actions of one engine turn (bots cap their own turns at 40 or so)."""


@cache
def engine_catalog() -> Mapping[str, CardDefinition]:
    return CardService.load(REPO_ROOT / "data" / "cards").by_id


def _at_turn_boundary(state: GameState) -> bool:
    return not state.action_log or state.action_log[-1].kind == "end_turn"


async def _stored_rows(
    sessionmaker: async_sessionmaker[AsyncSession], game_ids: set[uuid.UUID]
) -> dict[uuid.UUID, GameState]:
    async with sessionmaker() as session:
        rows = [await session.get(ActiveGame, game_id) for game_id in game_ids]
    return {row.id: GameState.model_validate(row.game_state) for row in rows if row is not None}


async def test_sigkilled_game_server_loses_no_completed_turn(
    database_url: str,
    redis_url: str,
    redis_key_prefix: str,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    games = 12
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.store.durability_child",
        database_url,
        redis_url,
        redis_key_prefix,
        str(players[0]),
        str(players[1]),
        str(games),
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    saved: dict[uuid.UUID, int] = defaultdict(int)
    persisted: dict[uuid.UUID, int] = defaultdict(int)

    def record(line: bytes) -> None:
        kind, game, version = line.decode().split()
        target = persisted if kind == "P" else saved
        target[uuid.UUID(game)] = max(target[uuid.UUID(game)], int(version))

    stop_after = random.Random().randrange(games * 12, games * 20)
    try:
        for _ in range(stop_after):
            line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
            assert line, "the child stopped by itself"
            record(line)
    finally:
        child.send_signal(signal.SIGKILL)
    for line in (await child.communicate())[0].splitlines():
        record(line)
    assert child.returncode == -signal.SIGKILL
    assert len(persisted) == games
    assert min(persisted.values()) > 0

    # Postgres holds every acknowledged turn boundary, and only turn boundaries.
    rows = await _stored_rows(sessionmaker, set(persisted))
    for game_id, version in persisted.items():
        assert rows[game_id].version >= version
        assert _at_turn_boundary(rows[game_id])

    # A fresh manager with Redis intact: nothing acknowledged is lost, not even mid-turn.
    fresh = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    summary = await fresh.recover_active_games()
    assert not {f.game_id for f in summary.failed} & {str(g) for g in persisted}
    for game_id in persisted:
        state = await fresh.load_state(game_id)
        assert state is not None
        assert state.version >= max(saved[game_id], persisted[game_id])

    # Redis lost as well: every game comes back at its last completed turn at least.
    cold = GameStateManager(redis_client, sessionmaker, key_prefix=f"{redis_key_prefix}cold:")
    await cold.recover_active_games()
    for game_id in persisted:
        state = await cold.load_state(game_id)
        assert state is not None
        assert state.version >= persisted[game_id]
        assert _at_turn_boundary(state)
        assert saved[game_id] - state.version <= MAX_ACTIONS_PER_TURN

    flushed = await fresh.flush_dirty()
    assert not flushed.failed
    assert (await fresh.dirty_stats()).count == 0


def _replayed_events(state: GameState, cards: Mapping[str, CardDefinition]) -> list[Event]:
    """Replay a stored engine game from its own setup; the events of its last action."""
    initial = initial_from_history(replay_header(state), cards)
    replayed = replay(initial, state.action_log[:-1], cards)
    record = state.action_log[-1]
    action = Action.from_params(record.kind, dict(record.params), record.player)
    events = apply(replayed, action, cards, at=record.at)
    assert replayed == state, "replay(initial, log) differs from the stored state"
    return events


async def test_sigkilled_engine_game_server_recovers_games_that_continue_legally(
    database_url: str,
    redis_url: str,
    redis_key_prefix: str,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    """Real rules-engine games, bot against bot, through the GameDriver; SIGKILL mid-turn.

    After the kill: every acknowledged turn boundary is in PostgreSQL, and what
    PostgreSQL holds is a turn boundary (replaying it from its setup ends with a
    turn_ended event, or it is the new game); a fresh manager with Redis lost
    recovers every game, each continues legally (legal_actions/apply) to its end,
    and its history row holds a replay that reproduces the final state. Games that
    ended before the kill replay from their history rows too.
    """
    games = 6
    cards = engine_catalog()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.store.durability_child",
        database_url,
        redis_url,
        redis_key_prefix,
        str(players[0]),
        str(players[1]),
        str(games),
        "engine",
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    saved: dict[uuid.UUID, int] = defaultdict(int)
    persisted: dict[uuid.UUID, int] = defaultdict(int)
    ended: set[uuid.UUID] = set()

    def record(line: bytes) -> None:
        kind, game, version = line.decode().split()
        game_id = uuid.UUID(game)
        if kind == "E":
            ended.add(game_id)
            return
        target = persisted if kind == "P" else saved
        target[game_id] = max(target[game_id], int(version))

    stop_after = random.Random().randrange(games * 40, games * 80)
    try:
        for _ in range(stop_after):
            line = await asyncio.wait_for(child.stdout.readline(), timeout=120)
            assert line, "the child stopped by itself"
            record(line)
    finally:
        child.send_signal(signal.SIGKILL)
    for line in (await child.communicate())[0].splitlines():
        record(line)
    assert child.returncode == -signal.SIGKILL
    assert len(persisted) >= games

    # Games that ended before the kill: the history row replays to the end.
    async with sessionmaker() as session:
        for game_id in ended:
            history = await session.get(GameHistory, game_id)
            assert history is not None
            assert history.replay_data is not None
            final = replay_from_history(history.replay_data, cards)
            assert final.end_reason is history.end_reason
            assert final.version == history.replay_data["final_version"]

    # PostgreSQL holds every acknowledged turn boundary, and only turn boundaries.
    live = set(persisted) - ended
    rows = await _stored_rows(sessionmaker, live)
    for game_id in live:
        if game_id not in rows:  # ended after its last acknowledged line: in the history
            async with sessionmaker() as session:
                assert await session.get(GameHistory, game_id) is not None
            continue
        stored = rows[game_id]
        assert stored.version >= persisted[game_id]
        if stored.version:
            assert is_turn_boundary(_replayed_events(stored, cards))

    # Redis lost too: recover from PostgreSQL, continue every game legally to its end.
    cold = GameStateManager(redis_client, sessionmaker, key_prefix=f"{redis_key_prefix}cold:")
    summary = await cold.recover_active_games()
    assert not {f.game_id for f in summary.failed} & {str(g) for g in rows}
    driver = GameDriver(cold, cards)
    bots = (RandomBot(5), HeuristicBot(6))
    for game_id in rows:
        state = await cold.load_state(game_id)
        assert state is not None
        assert state.version >= persisted[game_id]
        assert saved[game_id] - state.version <= MAX_ENGINE_ACTIONS_PER_TURN
        await driver.play(state, bots)
        async with sessionmaker() as session:
            history = await session.get(GameHistory, game_id)
        assert history is not None
        assert history.replay_data is not None
        assert replay_from_history(history.replay_data, cards) == state

    flushed = await GameStateManager(
        redis_client, sessionmaker, key_prefix=redis_key_prefix
    ).flush_dirty()
    assert not flushed.failed


async def test_redis_crash_mid_game_loses_at_most_the_turn_in_progress(
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    client = build_redis(redis_test_settings(server.url, redis_retry_attempts=0))
    manager = GameStateManager(client, sessionmaker, redis_probe_interval=0.0)
    rng = random.Random(11)
    states = [
        build_game_state(player_ids=(players[0], players[1]), turn_number=1, seed=n)
        for n in range(15)
    ]
    completed: dict[uuid.UUID, int] = {}
    acknowledged: dict[uuid.UUID, int] = {}
    try:
        for state in states:
            await manager.persist_to_db(state)
            completed[state.game_id] = acknowledged[state.game_id] = state.version
        crash_round = rng.randrange(8, 14)
        for round_number in range(crash_round + 6):
            if round_number == crash_round:
                server.kill()
            for state in states:
                if rng.random() < 0.75:
                    play_action(state, rng)
                    outcome = await manager.save_to_cache(state)
                else:
                    end_turn(state)
                    outcome = await manager.save_to_cache(state)
                    await manager.persist_to_db(state)
                    completed[state.game_id] = state.version
                acknowledged[state.game_id] = state.version
                if outcome is SaveOutcome.WRITTEN_THROUGH:
                    completed[state.game_id] = state.version
                if round_number >= crash_round:
                    assert outcome is SaveOutcome.WRITTEN_THROUGH
        before_crash_loss = {
            s.game_id: acknowledged[s.game_id] - completed[s.game_id] for s in states
        }
        assert all(loss == 0 for loss in before_crash_loss.values())

        server.start()  # same port, empty: everything Redis held is gone
        fresh_client = build_redis(redis_test_settings(server.url))
        try:
            fresh = GameStateManager(fresh_client, sessionmaker)
            summary = await fresh.recover_active_games()
            assert not {f.game_id for f in summary.failed} & {str(s.game_id) for s in states}
            for state in states:
                recovered = await fresh.load_state(state.game_id)
                assert recovered is not None
                assert recovered.version >= completed[state.game_id]
                assert recovered == state
        finally:
            await fresh_client.aclose()
    finally:
        await client.aclose()
        server.stop()


async def test_redis_crash_without_write_through_loses_only_the_turn_in_progress(
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    """The crash itself: what was only in Redis is the turn in progress, nothing older."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    client = build_redis(redis_test_settings(server.url))
    manager = GameStateManager(client, sessionmaker)
    rng = random.Random(5)
    states = [
        build_game_state(player_ids=(players[0], None), turn_number=1, seed=n) for n in range(10)
    ]
    last_turn: dict[uuid.UUID, int] = {}
    try:
        for state in states:
            await manager.persist_to_db(state)
            last_turn[state.game_id] = state.version
        for _ in range(rng.randrange(20, 30)):
            for state in states:
                if rng.random() < 0.8:
                    play_action(state, rng)
                    await manager.save_to_cache(state)
                else:
                    end_turn(state)
                    await manager.save_to_cache(state)
                    await manager.persist_to_db(state)
                    last_turn[state.game_id] = state.version
        server.kill()
        server.start()
        fresh_client = build_redis(redis_test_settings(server.url))
        try:
            fresh = GameStateManager(fresh_client, sessionmaker)
            await fresh.recover_active_games()
            for state in states:
                recovered = await fresh.load_state(state.game_id)
                assert recovered is not None
                assert recovered.version == last_turn[state.game_id]
                assert recovered.action_log == state.action_log[: recovered.version]
        finally:
            await fresh_client.aclose()
    finally:
        await client.aclose()
        server.stop()
