"""Recovery of 10,000 active games streams in batches instead of loading them all at once."""

from __future__ import annotations

import random
import tracemalloc
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state
from app.core.rules import RulesConfig
from app.db.redis import RedisClient
from app.db.session import session_scope
from app.store.manager import GameStateManager

GAMES = 10_000
BATCH = 500


_CLONE_SQL = text(
    """
    INSERT INTO active_games (id, game_type, player1_id, player2_id, npc_id, rules_config,
                              game_state, turn_number, version, started_at, last_action_at)
    SELECT g.id, t.game_type, t.player1_id, t.player2_id, t.npc_id, t.rules_config,
           jsonb_set(t.game_state, '{game_id}', to_jsonb(g.id::text)), t.turn_number, t.version,
           t.started_at, t.last_action_at
    FROM active_games AS t, (SELECT gen_random_uuid() AS id FROM generate_series(2, :n)) AS g
    WHERE t.id = :template
    RETURNING id
    """
)


async def _insert_games(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> tuple[list[uuid.UUID], int]:
    """Persist one realistic state, then clone it server-side into GAMES rows with their own ids."""
    template = build_game_state(
        player_ids=(players[0], players[1]), rules=RulesConfig.preset("pocket"), turn_number=2
    )
    await manager.persist_to_db(template)
    async with session_scope(sessionmaker) as session:
        result = await session.execute(_CLONE_SQL, {"n": GAMES, "template": template.game_id})
        clones = list(result.scalars())
    return [template.game_id, *clones], len(template.model_dump_json())


@pytest.mark.slow
async def test_recovering_ten_thousand_games_in_batches(
    manager: GameStateManager,
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    game_ids, state_size = await _insert_games(manager, sessionmaker, players)
    progress: list[int] = []
    tracemalloc.start()
    try:
        summary = await manager.recover_active_games(batch_size=BATCH, progress=progress.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert summary.recovered >= GAMES
    steps = [b - a for a, b in zip([0, *progress], progress, strict=False)]
    assert max(steps) <= BATCH
    assert len(progress) >= GAMES // BATCH
    everything = GAMES * state_size
    assert peak < everything / 4, f"peak {peak} bytes for {everything} bytes of states"

    cached = 0
    for start in range(0, GAMES, 1000):
        keys = [manager.game_key(game_id) for game_id in game_ids[start : start + 1000]]
        cached += await redis_client.exists(*keys)
    assert cached == GAMES
    for game_id in random.Random(1).sample(game_ids, 20):
        state = await manager.load_state(game_id)
        assert isinstance(state, GameState)
        assert state.game_id == game_id
