"""Games ending while others play: the store's re-caching after an end is shared safely."""

from __future__ import annotations

import asyncio

from app.core.enums import EndReason
from app.core.game_state import GameResult
from app.store.manager import GameStateManager
from tests.store.conftest import StateFactory


async def test_games_ending_at_once_with_others_loading_raise_nothing(
    manager: GameStateManager, new_state: StateFactory
) -> None:
    # Each end leaves the game to drop from Redis, and every call that touches Redis drops
    # what is left: two of them dropping the same game once made the later one fail.
    states = [new_state(turn_number=5) for _ in range(6)]
    for state in states:
        await manager.persist_to_db(state)
        await manager.save_to_cache(state)
    ending, playing = states[:3], states[3:]

    async def end(index: int) -> bool:
        state = ending[index]
        result = GameResult(winner=0, end_reason=EndReason.POINTS, ended_at=state.last_action_at)
        return await manager.end_game(state.game_id, result)

    async def keep_loading(index: int) -> None:
        for _ in range(30):
            await manager.load_state(playing[index].game_id)

    replies = await asyncio.gather(
        *(end(n) for n in range(len(ending))),
        *(keep_loading(n) for n in range(len(playing))),
        return_exceptions=True,
    )
    assert [r for r in replies if isinstance(r, BaseException)] == []
    assert replies[: len(ending)] == [True] * len(ending)
    for state in playing:
        loaded = await manager.load_state(state.game_id)
        assert loaded is not None
        assert loaded.version == state.version
