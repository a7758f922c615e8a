"""A game server in a child process, for the SIGKILL durability test.

Plays `games` games forever, one step per game per round so most games are
mid-turn at any moment: an action is saved to the cache, and a turn end is saved
and persisted. After each call returns it prints ``S <game> <version>`` (saved) or
``P <game> <version>`` (persisted), so the parent knows what was acknowledged.

With a seventh argument ``engine`` it plays real rules-engine games instead, bot
against bot through `app.store.driver.GameDriver` (one action per game
per round; a game that ends is moved to the history, printed ``E <game>
<version>``, and replaced by a new one), printing the same S and P lines.

Run: python -m tests.store.durability_child DATABASE_URL REDIS_URL PREFIX USER1 USER2 GAMES
[engine]
"""

from __future__ import annotations

import asyncio
import random
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache

from sqlalchemy.ext.asyncio import create_async_engine

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import PROJECT_ROOT
from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.enums import GameType
from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state, end_turn, play_action
from app.core.rules import RulesConfig
from app.db.redis import build_redis
from app.db.session import build_sessionmaker
from app.engine import adapt_deck, new_game
from app.engine.bots import HeuristicBot, RandomBot
from app.store.driver import GameDriver
from app.store.manager import GameStateManager
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


ENGINE_PRESETS = ("mantimon", "pocket", "classic")
ENGINE_DECKS = ("fire", "water", "grass", "lightning", "psychic")


@cache
def catalog() -> Mapping[str, CardDefinition]:
    """The bundled catalog, loaded once per process."""
    return CardService.load(PROJECT_ROOT / "data" / "cards").by_id


def engine_state(number: int, player_ids: tuple[uuid.UUID, uuid.UUID]) -> GameState:
    """Engine game `number`: presets and starter decks in turn, seeded by `number`."""
    cards = catalog()
    starters = load_starter_decks(PROJECT_ROOT / "data" / "decks")
    rules = RulesConfig.preset(ENGINE_PRESETS[number % len(ENGINE_PRESETS)])
    names = (ENGINE_DECKS[number % 5], ENGINE_DECKS[(number // 5 + 1) % 5])
    decks = [adapt_deck(DeckList.from_starter(starters[n]), rules, cards) for n in names]
    return new_game(
        game_id=uuid.uuid4(),
        game_type=GameType.FREEPLAY,
        rules=rules,
        decks=(decks[0], decks[1]),
        identities=player_ids,
        seed=number,
        cards=cards,
        at=datetime.now(UTC),
    )


async def play_engine(
    database_url: str, redis_url: str, prefix: str, users: list[str], games: int
) -> None:
    engine = create_async_engine(database_url, pool_size=2)
    redis = build_redis(redis_test_settings(redis_url))
    manager = GameStateManager(redis, build_sessionmaker(engine), key_prefix=prefix)
    player_ids = (uuid.UUID(users[0]), uuid.UUID(users[1]))
    cards = catalog()
    codes = {"saved": "S", "persisted": "P", "ended": "E"}
    driver = GameDriver(
        manager, cards, listener=lambda what, state: _say(codes[what], state.game_id, state.version)
    )
    started = 0
    states: list[GameState] = []
    for _ in range(games):
        states.append(engine_state(started, player_ids))
        started += 1
        await driver.begin(states[-1])
    bots = (HeuristicBot(1), RandomBot(2))
    while True:
        for index, state in enumerate(states):
            await driver.step(state, bots)
            if state.end_reason is not None:
                states[index] = engine_state(started, player_ids)
                started += 1
                await driver.begin(states[index])


if __name__ == "__main__":
    url, redis_url, prefix, user1, user2, count = sys.argv[1:7]
    mode = sys.argv[7] if len(sys.argv) > 7 else "factory"
    runner = play_engine if mode == "engine" else play
    asyncio.run(runner(url, redis_url, prefix, [user1, user2], int(count)))
