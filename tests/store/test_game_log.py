"""The game log in Redis: appended per action, replayed on load, refused when it does not replay."""

from __future__ import annotations

import json
import logging
import uuid
import zlib
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.game_state import GameState
from app.db.redis import RedisClient
from app.engine import Action, apply, replay
from app.engine.bots import HeuristicBot
from app.engine.events import Event, events_for
from app.store.driver import GameDriver
from app.store.log import with_log
from app.store.manager import GameStateManager
from tests.engine.test_fuzz import catalog
from tests.store.test_game_driver import engine_game, ticking_clock

BOTS = (HeuristicBot(1), HeuristicBot(2))


async def fields(
    redis_client: RedisClient, manager: GameStateManager, state: GameState
) -> dict[str, bytes]:
    raw = cast(
        "dict[bytes, bytes]",
        await redis_client.hgetall(manager.game_key(state.game_id)),
    )
    return {name.decode(): value for name, value in raw.items()}


async def mid_turn(
    manager: GameStateManager, redis_client: RedisClient, players: list[uuid.UUID], entries: int = 2
) -> tuple[GameState, GameDriver, int]:
    """A driven game stopped with at least `entries` actions logged after its last snapshot.

    With seed 11, six entries reach a choice whose options and a draw some seat may not see.

    Returns the state, its driver and the version of the last persisted turn boundary.
    """
    state = engine_game((players[0], players[1]), "mantimon", seed=11, decks=("fire", "water"))
    persisted = 0

    def listen(what: str, seen: GameState) -> None:
        nonlocal persisted
        if what == "persisted":
            persisted = seen.version

    driver = GameDriver(manager, catalog(), clock=ticking_clock(), listener=listen)
    await driver.begin(state)
    for _ in range(2000):
        await driver.step(state, BOTS)
        logged = [n for n in await fields(redis_client, manager, state) if n.startswith("e")]
        if persisted > 0 and len(logged) >= entries:
            return state, driver, persisted
    raise AssertionError("no turn with enough actions")


async def test_each_action_is_appended_and_a_fresh_manager_replays_the_log(
    manager: GameStateManager,
    redis_client: RedisClient,
    redis_key_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players)
    stored = await fields(redis_client, manager, state)
    # The snapshot keeps the state without its action log, whose records are kept apart.
    snapshot = GameState.model_validate_json(with_log(zlib.decompress(stored["s"]), stored["l"]))
    assert persisted == snapshot.version == int(stored["b"]) < state.version == int(stored["v"])
    assert b'"action_log"' not in zlib.decompress(stored["s"])
    logged = sorted(int(n[1:]) for n in stored if n.startswith("e"))
    assert logged == list(range(snapshot.version + 1, state.version + 1))
    assert all(len(stored[f"e{v}"]) < 1024 for v in logged)
    fresh = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    assert await fresh.load_state(state.game_id) == state
    assert await manager.load_state(state.game_id) == state


async def test_a_crash_between_an_append_and_the_next_snapshot_loses_nothing_redis_holds(
    manager: GameStateManager,
    redis_client: RedisClient,
    redis_key_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players, entries=3)
    # The process dies here: a new one recovers, flushes and plays the game to its end.
    fresh = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    summary = await fresh.recover_active_games()
    assert summary.skipped_newer >= 1
    flushed = await fresh.flush_dirty()
    assert flushed.persisted >= 1
    row = await fresh._rows.read(state.game_id)
    assert row is not None
    assert row[0] == state
    assert row[0].version > persisted
    resumed = await fresh.load_state(state.game_id)
    assert resumed == state
    outcome = await GameDriver(fresh, catalog(), clock=ticking_clock()).play(resumed, BOTS)
    assert outcome.actions >= 0
    assert await fresh.load_state(state.game_id) is None


async def test_a_log_whose_tail_is_missing_is_refused_and_rebuilt_from_postgresql(
    manager: GameStateManager,
    redis_client: RedisClient,
    players: list[uuid.UUID],
    caplog: pytest.LogCaptureFixture,
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players)
    await redis_client.hdel(manager.game_key(state.game_id), f"e{state.version}")
    with caplog.at_level(logging.ERROR, logger="app.store.manager"):
        loaded = await manager.load_state(state.game_id)
    assert loaded is not None
    assert loaded.version == persisted
    assert f"lacks versions {state.version}..{state.version}" in caplog.text
    assert int((await fields(redis_client, manager, state))["v"]) == persisted


@pytest.mark.parametrize("tamper", ["digest", "action"])
async def test_a_log_that_does_not_replay_to_its_digest_is_never_served(
    manager: GameStateManager,
    redis_client: RedisClient,
    redis_key_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
    caplog: pytest.LogCaptureFixture,
    tamper: str,
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players)
    key = manager.game_key(state.game_id)
    field = f"e{state.version}"
    entry = json.loads((await fields(redis_client, manager, state))[field])
    if tamper == "digest":
        entry[-1] = "0" * 24  # the digest
    else:
        entry[5] = "2030-01-01T00:00:00+00:00"  # another time: another state
    await redis_client.hset(key, field, json.dumps(entry))
    with caplog.at_level(logging.ERROR, logger="app.store.manager"):
        loaded = await manager.load_state(state.game_id)
    assert loaded is not None
    assert loaded.version == persisted
    reason = "its recorded digest" if tamper == "digest" else "does not replay"
    assert reason in caplog.text
    fresh = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    assert await fresh.load_state(state.game_id) == loaded


async def test_events_since_serves_the_log_per_seat_and_resync_before_the_snapshot(
    manager: GameStateManager,
    redis_client: RedisClient,
    redis_key_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players, entries=2)
    fresh = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    for reader in (manager, fresh):
        answer = await reader.events_since(state.game_id, persisted, 0)
        assert answer is not None
        assert not answer.resync
        assert answer.version == state.version
        versions = sorted({version for version, _ in answer.events})
        assert versions
        assert persisted < versions[0] <= versions[-1] <= state.version
        latest = await reader.events_since(state.game_id, state.version, None)
        assert latest is not None
        assert (latest.events, latest.resync) == ([], False)
        for stale in (persisted - 1, state.version + 1):
            behind = await reader.events_since(state.game_id, stale, 1)
            assert behind is not None
            assert behind.resync
            assert behind.events == []
    assert await manager.events_since(uuid.uuid4(), 0, 0) is None


async def test_events_since_gives_each_seat_only_what_it_may_know(
    manager: GameStateManager, redis_client: RedisClient, players: list[uuid.UUID]
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players, entries=6)
    initial = engine_game((players[0], players[1]), "mantimon", seed=11, decks=("fire", "water"))
    played = replay(
        initial.model_copy(update={"game_id": state.game_id}),
        state.action_log[:persisted],
        catalog(),
    )
    logged: list[
        tuple[int, Event]
    ] = []  # every event of the turn so far, unfiltered, as the engine emitted them
    for record in state.action_log[persisted:]:
        action = Action.from_params(record.kind, dict(record.params), record.player)
        events = apply(played, action, catalog(), at=record.at)
        logged.extend((played.version, event) for event in events)
    for seat in (0, 1, None):
        answer = await manager.events_since(state.game_id, persisted, seat)
        assert answer is not None
        expected = [
            (version, shown) for version, event in logged for shown in events_for([event], seat)
        ]
        assert answer.events == expected
    hidden = [
        event
        for _, event in logged
        if any(events_for([event], seat) != [event] for seat in (0, 1, None))
    ]
    assert hidden, "the turn's log should hold an event some seat may not see whole"


async def test_a_flush_that_refreshes_an_older_copy_names_postgresqls_version(
    manager: GameStateManager,
    redis_client: RedisClient,
    players: list[uuid.UUID],
    caplog: pytest.LogCaptureFixture,
) -> None:
    state, _, persisted = await mid_turn(manager, redis_client, players)
    initial = engine_game((players[0], players[1]), "mantimon", seed=11, decks=("fire", "water"))
    older = replay(
        initial.model_copy(update={"game_id": state.game_id}),
        state.action_log[: persisted - 1],
        catalog(),
    )
    key = manager.game_key(state.game_id)
    await redis_client.delete(key)
    await redis_client.hset(key, mapping={"v": older.version, "s": older.model_dump_json()})
    await redis_client.zadd(manager.dirty_key_for(state.game_id), {str(state.game_id): 1})
    with caplog.at_level(logging.WARNING, logger="app.store.manager"):
        summary = await manager.flush_dirty()
    assert summary.refreshed == 1
    assert f"older than PostgreSQL's version {persisted};" in caplog.text
    assert "None" not in caplog.text
