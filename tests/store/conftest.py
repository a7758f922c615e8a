"""Fixtures for the GameStateManager tests: real users, a manager on this test's keys, states.

The manager commits for real, so every test works on games of its own users; the
`players` fixture deletes those users' games, history and accounts afterwards, and
the Redis keys go with the test's key prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state
from app.db.models import ActiveGame, GameHistory, User
from app.db.redis import RedisClient
from app.db.session import session_scope
from app.store.manager import GameStateManager
from tests.db.factories import new_user

StateFactory = Callable[..., GameState]


async def create_users(
    sessionmaker: async_sessionmaker[AsyncSession], count: int
) -> list[uuid.UUID]:
    """Commit `count` new users and return their ids."""
    users = [new_user() for _ in range(count)]
    async with session_scope(sessionmaker) as session:
        session.add_all(users)
    return [user.id for user in users]


async def delete_users_and_games(
    sessionmaker: async_sessionmaker[AsyncSession], user_ids: list[uuid.UUID]
) -> None:
    """Delete the games, history and accounts of `user_ids` (and nothing else)."""
    async with session_scope(sessionmaker) as session:
        await session.execute(
            delete(ActiveGame).where(
                or_(ActiveGame.player1_id.in_(user_ids), ActiveGame.player2_id.in_(user_ids))
            )
        )
        await session.execute(
            delete(GameHistory).where(
                or_(GameHistory.player1_id.in_(user_ids), GameHistory.player2_id.in_(user_ids))
            )
        )
        await session.execute(delete(User).where(User.id.in_(user_ids)))


@pytest.fixture
async def players(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[list[uuid.UUID]]:
    """Three committed users; their games and history are deleted after the test."""
    ids = await create_users(sessionmaker, 3)
    yield ids
    await delete_users_and_games(sessionmaker, ids)


@pytest.fixture
def manager(
    redis_client: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_key_prefix: str,
) -> GameStateManager:
    return GameStateManager(
        redis_client,
        sessionmaker,
        key_prefix=redis_key_prefix,
        cache_ttl_seconds=3600,
        redis_probe_interval=0.2,
    )


@pytest.fixture
def new_state(players: list[uuid.UUID]) -> StateFactory:
    """A realistic state of the first two players (an NPC in the second seat with npc=True)."""
    seeds = iter(range(10_000))

    def make(*, npc: bool = False, turn_number: int = 4, **overrides: Any) -> GameState:
        overrides.setdefault("player_ids", (players[0], None if npc else players[1]))
        overrides.setdefault("seed", next(seeds))
        return build_game_state(turn_number=turn_number, **overrides)

    return make
