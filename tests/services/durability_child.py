"""A game server in a child process, for the SIGKILL durability test.

Plays `games` games forever, one step per game per round so most games are
mid-turn at any moment: an action is saved to the cache, and a turn end is saved
and persisted. After each call returns it prints ``S <game> <version>`` (saved) or
``P <game> <version>`` (persisted), so the parent knows what was acknowledged.

Run: python -m tests.services.durability_child DATABASE_URL REDIS_URL PREFIX USER1 USER2 GAMES
"""

from __future__ import annotations

import asyncio
import random
import sys
import uuid

from sqlalchemy.ext.asyncio import create_async_engine

from app.core.game_state_factory import build_game_state, end_turn, play_action
from app.db.redis import build_redis
from app.db.session import build_sessionmaker
from app.services.game_state_manager import GameStateManager
from tests.harness.redis import redis_test_settings


def _say(kind: str, game_id: uuid.UUID, version: int) -> None:
    sys.stdout.write(f"{kind} {game_id} {version}\n")
    sys.stdout.flush()


async def play(
    database_url: str, redis_url: str, prefix: str, users: list[str], games: int
) -> None:
    engine = create_async_engine(database_url, pool_size=2)
    redis = build_redis(redis_test_settings(redis_url))
    manager = GameStateManager(redis, build_sessionmaker(engine), key_prefix=prefix)
    player_ids = (uuid.UUID(users[0]), uuid.UUID(users[1]))
    states = [build_game_state(player_ids=player_ids, turn_number=1, seed=n) for n in range(games)]
    for state in states:
        await manager.persist_to_db(state)
        _say("P", state.game_id, state.version)
    rng = random.Random(0)
    left_in_turn = [rng.randrange(1, 6) for _ in states]
    while True:
        for index, state in enumerate(states):
            if left_in_turn[index]:
                play_action(state, rng)
                await manager.save_to_cache(state)
                _say("S", state.game_id, state.version)
                left_in_turn[index] -= 1
                continue
            end_turn(state)
            await manager.save_to_cache(state)
            _say("S", state.game_id, state.version)
            await manager.persist_to_db(state)
            _say("P", state.game_id, state.version)
            left_in_turn[index] = rng.randrange(1, 6)


if __name__ == "__main__":
    url, redis_url, prefix, user1, user2, count = sys.argv[1:7]
    asyncio.run(play(url, redis_url, prefix, [user1, user2], int(count)))
