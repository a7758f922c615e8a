"""`current_state`: a state kept in memory is used again only while it is the store's latest."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.redis import RedisClient
from app.engine import apply, legal_actions
from app.store.driver import GameDriver
from app.store.manager import GameStateManager
from tests.engine.test_fuzz import catalog
from tests.store.test_game_driver import ticking_clock
from tests.store.test_game_log import BOTS, mid_turn


async def test_a_state_kept_in_memory_is_served_only_while_it_is_the_latest(
    manager: GameStateManager,
    redis_client: RedisClient,
    redis_key_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    state, _, _ = await mid_turn(manager, redis_client, players)
    # Nothing changed since this manager saved it: the very same object, nothing loaded.
    assert await manager.current_state(state) is state

    # Applied in memory but never saved (a change that failed part-way): the store's copy.
    unsaved = await manager.load_state(state.game_id)
    assert unsaved is not None
    apply(unsaved, legal_actions(unsaved, catalog())[0], catalog(), at=unsaved.last_action_at)
    served = await manager.current_state(unsaved)
    assert served is not unsaved
    assert served == state
    assert served.version == unsaved.version - 1

    # Another process moved the game on: its newer state, not the one kept here.
    other = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    newer = await other.load_state(state.game_id)
    assert newer is not None
    await GameDriver(other, catalog(), clock=ticking_clock()).step(newer, BOTS)
    served = await manager.current_state(state)
    assert served is not state
    assert served == newer
    assert served.version == state.version + 1

    # Redis lost the game: PostgreSQL's copy (the last turn boundary, which the step above
    # may have reached), read from PostgreSQL rather than the object kept in memory.
    await redis_client.delete(manager.game_key(state.game_id))
    served = await manager.current_state(newer)
    assert served is not None
    assert served is not newer
    row = await other._rows.read(state.game_id)
    assert row is not None
    assert served == row[0]
