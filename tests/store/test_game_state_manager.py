"""GameStateManager against real Redis and PostgreSQL: the seed's cases and the guarantees."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.config import Settings
from app.core.enums import EndReason, GameType
from app.core.game_state import GameResult, GameState
from app.core.game_state_factory import end_turn, play_action
from app.db.models import ActiveGame, GameHistory
from app.db.redis import RedisClient
from app.store.lineage import head_digest, lineage_chain
from app.store.manager import (
    DirtyStats,
    GameStateManager,
    InvalidGameIdError,
    PersistOutcome,
    PlayerGame,
    SaveOutcome,
    StaleStateError,
)
from tests.store.conftest import StateFactory

pytestmark = pytest.mark.usefixtures("players")


def advance(state: GameState, actions: int = 1, seed: int = 0) -> GameState:
    """A copy of `state` with `actions` more accepted actions."""
    newer = state.model_copy(deep=True)
    rng = random.Random(seed)
    for _ in range(actions):
        play_action(newer, rng, at=newer.last_action_at + timedelta(seconds=5))
    return newer


async def cached_version(
    redis_client: RedisClient, manager: GameStateManager, game_id: uuid.UUID
) -> int | None:
    raw = await redis_client.hget(manager.game_key(game_id), "v")
    return None if raw is None else int(raw)


async def row(
    sessionmaker: async_sessionmaker[AsyncSession], game_id: uuid.UUID
) -> ActiveGame | None:
    async with sessionmaker() as session:
        return await session.get(ActiveGame, game_id)


def tagged(manager: GameStateManager, game_id: uuid.UUID) -> str:
    """The game id as its key ends: ``<id>``, or ``{bNN}:<id>`` on a Redis Cluster."""
    scope = manager.key_layout.scope(game_id)
    return f"{scope}:{game_id}" if scope else str(game_id)


async def dirty_ids(redis_client: RedisClient, manager: GameStateManager) -> set[str]:
    members: set[str] = set()
    for scope in manager.key_layout.scopes:
        found: list[bytes] = await redis_client.zrange(manager.key_layout.dirty(scope), 0, -1)  # type: ignore[assignment]
        members |= {m.decode() for m in found}
    return members


# -- save_to_cache and load_state ------------------------------------------------------------


async def test_save_then_load_is_a_cache_hit(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    assert await manager.save_to_cache(state) is SaveOutcome.CACHED
    key = manager.game_key(state.game_id)
    assert key.endswith(f"game:{tagged(manager, state.game_id)}")
    assert 3500 < await redis_client.ttl(key) <= 3600
    assert await cached_version(redis_client, manager, state.game_id) == state.version
    assert await manager.load_state(state.game_id) == state
    assert await manager.load_state(str(state.game_id)) == state


async def test_save_marks_dirty_and_keeps_the_oldest_change_time(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    await manager.save_to_cache(state)
    first_score = await redis_client.zscore(
        manager.dirty_key_for(state.game_id), str(state.game_id)
    )
    await manager.save_to_cache(advance(state))
    assert (
        await redis_client.zscore(manager.dirty_key_for(state.game_id), str(state.game_id))
        == first_score
    )
    stats = await manager.dirty_stats()
    assert stats.count == 1
    assert stats.oldest_age_seconds is not None
    assert 0 <= stats.oldest_age_seconds < 60
    assert stats.oldest_change_at is not None
    assert abs((stats.oldest_change_at - datetime.now(UTC)).total_seconds()) < 60


async def test_save_refuses_older_and_conflicting_versions(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    newer = advance(state, 2)
    await manager.save_to_cache(newer)
    with pytest.raises(
        StaleStateError,
        match=f"version {state.version}.*Redis already holds version {newer.version}",
    ):
        await manager.save_to_cache(state)
    rival = advance(state, 2, seed=99)
    assert rival.version == newer.version
    assert rival != newer
    with pytest.raises(StaleStateError) as caught:
        await manager.save_to_cache(rival)
    assert caught.value.stored_version == newer.version
    assert await manager.load_state(state.game_id) == newer


async def test_an_identical_save_is_accepted_again_and_refreshes_the_ttl(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    await manager.save_to_cache(state)
    await redis_client.expire(manager.game_key(state.game_id), 100)
    assert await manager.save_to_cache(state) is SaveOutcome.CACHED
    assert await redis_client.ttl(manager.game_key(state.game_id)) > 100


async def test_cache_miss_falls_back_to_postgres_and_recaches_clean(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    assert await cached_version(redis_client, manager, state.game_id) is None
    assert await manager.load_state(state.game_id) == state
    assert await cached_version(redis_client, manager, state.game_id) == state.version
    assert str(state.game_id) not in await dirty_ids(redis_client, manager)
    assert await manager.load_state(state.game_id) == state


async def test_unknown_game_is_none_and_bad_ids_are_refused(manager: GameStateManager) -> None:
    assert await manager.load_state(uuid.uuid4()) is None
    for bad in ("not-a-uuid", "", "12345"):
        with pytest.raises(InvalidGameIdError, match="is not a UUID"):
            await manager.load_state(bad)
    with pytest.raises(InvalidGameIdError, match="user id"):
        await manager.get_player_active_games("nope")


# -- persist_to_db ---------------------------------------------------------------------------


async def test_persist_writes_the_row(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    players: list[uuid.UUID],
) -> None:
    state = new_state(npc=True, game_type=GameType.CAMPAIGN, turn_number=6)
    assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.game_type is GameType.CAMPAIGN
    assert (stored.player1_id, stored.player2_id, stored.npc_id) == (players[0], None, state.npc_id)
    assert (stored.turn_number, stored.version) == (state.turn_number, state.version)
    assert stored.last_action_at == state.last_action_at
    assert stored.started_at == state.started_at
    assert stored.turn_deadline == state.turn_deadline
    assert stored.rules_config == state.rules.model_dump(mode="json")
    assert GameState.model_validate(stored.game_state) == state


async def test_persist_only_replaces_older_rows(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    newer = advance(state, 3)
    assert await manager.persist_to_db(newer) is PersistOutcome.WRITTEN
    assert await manager.persist_to_db(newer) is PersistOutcome.ALREADY_CURRENT
    assert await manager.persist_to_db(state) is PersistOutcome.ALREADY_CURRENT
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.version == newer.version
    newest = advance(newer, 1)
    assert await manager.persist_to_db(newest) is PersistOutcome.WRITTEN
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.version == newest.version


async def test_persist_clears_dirty_only_if_redis_holds_that_version(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    await manager.save_to_cache(state)
    newer = advance(state)
    await manager.save_to_cache(newer)
    await manager.persist_to_db(state)
    assert str(state.game_id) in await dirty_ids(redis_client, manager)
    await manager.persist_to_db(newer)
    assert str(state.game_id) not in await dirty_ids(redis_client, manager)
    assert (await manager.dirty_stats()).count == 0


async def test_persist_runs_also_once_the_state_is_in_postgres_whatever_the_outcome(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    newer = advance(state, 2)
    seen: list[int] = []

    async def also(connection: AsyncConnection) -> None:
        found = await connection.execute(
            select(ActiveGame.version).where(ActiveGame.id == state.game_id)
        )
        seen.append(found.scalar_one())

    assert await manager.persist_to_db(newer, also=also) is PersistOutcome.WRITTEN
    assert await manager.persist_to_db(state, also=also) is PersistOutcome.ALREADY_CURRENT
    assert seen == [newer.version, newer.version]

    async def fails(connection: AsyncConnection) -> None:
        await connection.execute(text("select 1/0"))

    newest = advance(newer, 1)
    with pytest.raises(DBAPIError, match="division by zero"):
        await manager.persist_to_db(newest, also=fails)
    stored = await row(sessionmaker, state.game_id)
    assert stored is not None
    assert stored.version == newest.version  # the hook's error came after the state's write


# -- delete_game -----------------------------------------------------------------------------


async def test_delete_game_removes_both_copies_and_is_idempotent(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    await manager.save_to_cache(advance(state))
    await manager.delete_game(state.game_id)
    assert await manager.load_state(state.game_id) is None
    assert await row(sessionmaker, state.game_id) is None
    assert await redis_client.exists(manager.game_key(state.game_id)) == 0
    assert str(state.game_id) not in await dirty_ids(redis_client, manager)
    await manager.delete_game(str(state.game_id))


# -- recover_active_games --------------------------------------------------------------------


async def test_recovery_fills_an_empty_cache(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    states = [new_state(turn_number=2) for _ in range(7)]
    for state in states:
        await manager.persist_to_db(state)
    seen: list[int] = []
    summary = await manager.recover_active_games(batch_size=3, progress=seen.append)
    assert summary.recovered >= 7
    assert seen == sorted(seen)
    assert seen[-1] == summary.total
    assert all(b - a <= 3 for a, b in zip([0, *seen], seen, strict=False))
    for state in states:
        assert await cached_version(redis_client, manager, state.game_id) == state.version
        assert await manager.load_state(state.game_id) == state
    assert not {str(s.game_id) for s in states} & await dirty_ids(redis_client, manager)
    again = await manager.recover_active_games()
    assert again.unchanged >= 7
    assert again.recovered <= summary.recovered - 7


async def test_recovery_skips_games_newer_in_redis(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    ahead, same, behind = new_state(), new_state(), new_state()
    for state in (ahead, same, behind):
        await manager.persist_to_db(state)
    ahead_newer = advance(ahead, 2)
    await manager.save_to_cache(ahead_newer)
    await manager.save_to_cache(same)
    await redis_client.hset(manager.game_key(behind.game_id), mapping={"v": 0, "s": "{}"})
    summary = await manager.recover_active_games()
    assert summary.skipped_newer >= 1
    assert summary.unchanged >= 1
    assert await manager.load_state(ahead.game_id) == ahead_newer
    assert str(ahead.game_id) in await dirty_ids(redis_client, manager)
    assert await manager.load_state(same.game_id) == same
    assert await manager.load_state(behind.game_id) == behind


async def test_recovery_rejects_bad_batch_sizes(manager: GameStateManager) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        await manager.recover_active_games(batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        await manager.flush_dirty(batch_size=0)


# -- end_game --------------------------------------------------------------------------------


async def test_end_game_moves_the_game_to_history_once(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    players: list[uuid.UUID],
) -> None:
    state = new_state(turn_number=9)
    await manager.persist_to_db(state)
    final = advance(state, 3)
    await manager.save_to_cache(final)
    ended_at = state.started_at + timedelta(minutes=25, seconds=7)
    result = GameResult(winner=1, end_reason=EndReason.POINTS, ended_at=ended_at)
    assert await manager.end_game(state.game_id, result) is True

    assert await row(sessionmaker, state.game_id) is None
    assert await redis_client.exists(manager.game_key(state.game_id)) == 0
    assert str(state.game_id) not in await dirty_ids(redis_client, manager)
    assert await manager.load_state(state.game_id) is None
    async with sessionmaker() as session:
        history = await session.get(GameHistory, state.game_id)
    assert history is not None
    assert history.winner_id == players[1]
    assert (history.player1_id, history.player2_id) == (players[0], players[1])
    assert history.end_reason is EndReason.POINTS
    assert history.turn_count == final.turn_number
    assert history.duration_seconds == 25 * 60 + 7
    assert history.played_at == ended_at
    assert history.replay_data is not None
    assert history.replay_data["final_version"] == final.version
    assert len(history.replay_data["actions"]) == final.version
    assert history.replay_data["rng_seed"] == final.rng_seed

    assert await manager.end_game(state.game_id, result) is False
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(GameHistory).where(GameHistory.id == state.game_id)
        )
    assert count == 1


async def test_end_game_after_a_crash_between_its_steps_writes_no_second_row(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    await manager.save_to_cache(state)
    result = GameResult(winner=None, end_reason=EndReason.TURN_LIMIT)
    assert await manager.end_game(state.game_id, result) is True
    await manager.save_to_cache(state)  # the Redis drop "never happened"
    assert await manager.end_game(state.game_id, result) is False
    assert await redis_client.exists(manager.game_key(state.game_id)) == 0
    async with sessionmaker() as session:
        history = await session.get(GameHistory, state.game_id)
    assert history is not None
    assert history.winner_id is None


async def test_end_game_with_an_npc_winner_and_unknown_games(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state(npc=True)
    await manager.persist_to_db(state)
    assert await manager.end_game(
        str(state.game_id), GameResult(winner=1, end_reason=EndReason.NO_CREATURES)
    )
    async with sessionmaker() as session:
        history = await session.get(GameHistory, state.game_id)
    assert history is not None
    assert history.winner_id is None
    assert history.npc_id == state.npc_id
    assert history.replay_data is not None
    assert history.replay_data["winner"] == 1
    assert await manager.end_game(uuid.uuid4(), GameResult(end_reason=EndReason.ABANDONED)) is False


async def test_a_late_persist_never_resurrects_an_ended_game(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    state = new_state()
    await manager.persist_to_db(state)
    await manager.end_game(state.game_id, GameResult(winner=0, end_reason=EndReason.RESIGNATION))
    late = advance(state, 5)
    await manager.save_to_cache(late)
    assert await manager.persist_to_db(late) is PersistOutcome.GAME_ENDED
    assert await row(sessionmaker, state.game_id) is None
    assert await redis_client.exists(manager.game_key(state.game_id)) == 0

    await manager.save_to_cache(advance(late))
    summary = await manager.flush_dirty()
    assert summary.ended == 1
    assert await row(sessionmaker, state.game_id) is None
    assert await redis_client.exists(manager.game_key(state.game_id)) == 0


# -- reconnection ----------------------------------------------------------------------------


async def test_player_games_are_found_without_redis(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    players: list[uuid.UUID],
) -> None:
    vs_user = new_state(turn_number=2)
    vs_npc = new_state(npc=True, turn_number=5)
    others = new_state(player_ids=(players[2], None))
    for state in (vs_user, vs_npc, others):
        await manager.persist_to_db(state)
    ended = new_state()
    await manager.persist_to_db(ended)
    await manager.end_game(ended.game_id, GameResult(winner=0, end_reason=EndReason.POINTS))
    cold = GameStateManager(
        redis_client, sessionmaker, key_prefix=f"{manager.key_layout.prefix}empty:"
    )

    first = await cold.get_player_active_games(players[0])
    assert {g.game_id for g in first} == {vs_user.game_id, vs_npc.game_id}
    assert first[0].last_action_at >= first[1].last_action_at
    by_id = {g.game_id: g for g in first}
    assert by_id[vs_npc.game_id].npc_id == vs_npc.npc_id
    assert by_id[vs_npc.game_id].turn_number == vs_npc.turn_number
    assert by_id[vs_user.game_id].version == vs_user.version
    second = await cold.get_player_active_games(str(players[1]))
    assert [g.game_id for g in second] == [vs_user.game_id]
    assert await cold.get_player_active_games(uuid.uuid4()) == []
    assert await cold.load_state(vs_npc.game_id) == vs_npc


# -- flush_dirty and dirty_stats -------------------------------------------------------------


async def test_flush_dirty_persists_every_dirty_game(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
) -> None:
    states = [new_state(turn_number=1) for _ in range(5)]
    for state in states:
        await manager.save_to_cache(state)
    await manager.persist_to_db(states[0])
    await manager.save_to_cache(advance(states[1]))
    await manager.persist_to_db(advance(states[1]))
    await manager.save_to_cache(advance(states[1], 2))
    assert (await manager.dirty_stats()).count == 4
    seen: list[int] = []
    summary = await manager.flush_dirty(batch_size=2, progress=seen.append)
    assert (summary.persisted, summary.already_current, summary.ended) == (4, 0, 0)
    assert seen == [2, 4]
    assert await manager.dirty_stats() == DirtyStats(0, None, None)
    for state in states[2:]:
        stored = await row(sessionmaker, state.game_id)
        assert stored is not None
        assert stored.version == state.version
    stored = await row(sessionmaker, states[1].game_id)
    assert stored is not None
    assert stored.version == states[1].version + 2


async def test_flush_counts_games_already_persisted_elsewhere(
    manager: GameStateManager, redis_client: RedisClient, new_state: StateFactory
) -> None:
    state = new_state()
    await manager.save_to_cache(state)
    other = GameStateManager(redis_client, manager._sessionmaker, key_prefix="unrelated-prefix:")
    await other.persist_to_db(state)
    summary = await manager.flush_dirty()
    assert (summary.persisted, summary.already_current) == (0, 1)
    assert (await manager.dirty_stats()).count == 0


async def test_from_settings_uses_prefix_and_ttl(
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
    new_state: StateFactory,
) -> None:
    settings = Settings(redis_key_prefix=redis_key_prefix + "s:", game_cache_ttl_seconds=120)
    configured = GameStateManager.from_settings(settings, redis_client, sessionmaker)
    state = new_state()
    await configured.save_to_cache(state)
    key = f"{redis_key_prefix}s:game:{tagged(configured, state.game_id)}"
    assert configured.game_key(state.game_id) == key
    assert 0 < await redis_client.ttl(key) <= 120
    with pytest.raises(ValueError, match="cache_ttl_seconds"):
        GameStateManager(redis_client, sessionmaker, cache_ttl_seconds=0)


async def test_played_turns_round_trip_through_both_stores(
    manager: GameStateManager, new_state: StateFactory
) -> None:
    """A miniature game loop: save per action, persist per turn, reload from a cold cache."""
    state = new_state(turn_number=0)
    rng = random.Random(4)
    for _ in range(3):
        for _ in range(4):
            play_action(state, rng)
            await manager.save_to_cache(state)
        end_turn(state)
        await manager.save_to_cache(state)
        assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    loaded = await manager.load_state(state.game_id)
    assert loaded == state
    assert loaded.turn_number == 3


async def test_a_second_persist_updates_every_column_and_the_reconnection_list(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_state: StateFactory,
    players: list[uuid.UUID],
) -> None:
    """Persist, play on, persist again: every column follows the state, not just ``version``."""
    replayed = new_state(turn_number=2)
    recent = new_state(npc=True, turn_number=6)
    assert replayed.last_action_at < recent.last_action_at
    for state in (replayed, recent):
        assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    first = await row(sessionmaker, replayed.game_id)
    assert first is not None
    assert (first.turn_number, first.version) == (replayed.turn_number, replayed.version)
    listed = await manager.get_player_active_games(players[0])
    assert [g.game_id for g in listed] == [recent.game_id, replayed.game_id]

    played_on = replayed.model_copy(deep=True)
    rng = random.Random(7)
    clock = recent.last_action_at + timedelta(minutes=3)
    for _ in range(3):
        for _ in range(2):
            clock += timedelta(seconds=11)
            play_action(played_on, rng, at=clock)
        clock += timedelta(seconds=11)
        end_turn(played_on, at=clock)
    played_on.turn_deadline = clock + timedelta(seconds=90)
    assert await manager.persist_to_db(played_on) is PersistOutcome.WRITTEN

    stored = await row(sessionmaker, replayed.game_id)
    assert stored is not None
    assert stored.game_type is played_on.game_type
    assert (stored.player1_id, stored.player2_id) == played_on.user_ids
    assert stored.npc_id is None
    assert stored.rules_config == played_on.rules.model_dump(mode="json")
    assert GameState.model_validate(stored.game_state) == played_on
    assert stored.turn_number == played_on.turn_number == replayed.turn_number + 3
    assert stored.version == played_on.version == replayed.version + 12
    assert stored.started_at == replayed.started_at
    assert stored.last_action_at == played_on.last_action_at == clock
    assert stored.turn_deadline == played_on.turn_deadline
    assert stored.lineage_digest == head_digest(lineage_chain(played_on))
    assert stored.lineage_digest != first.lineage_digest
    assert stored.created_at == first.created_at
    assert stored.updated_at > first.updated_at

    listed = await manager.get_player_active_games(players[0])
    assert [g.game_id for g in listed] == [replayed.game_id, recent.game_id]
    assert listed[0] == PlayerGame(
        game_id=replayed.game_id,
        game_type=played_on.game_type,
        player1_id=players[0],
        player2_id=players[1],
        npc_id=None,
        turn_number=played_on.turn_number,
        version=played_on.version,
        last_action_at=played_on.last_action_at,
        turn_deadline=played_on.turn_deadline,
    )
    assert [g.game_id for g in await manager.get_player_active_games(players[1])] == [
        replayed.game_id
    ]
