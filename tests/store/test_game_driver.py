"""Bot games through the GameStateManager on real servers, and their replays from the history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.enums import EndReason, GameType
from app.core.game_state import GameResult, GameState
from app.core.rules import RulesConfig
from app.db.models import ActiveGame, GameHistory
from app.engine import Identity, adapt_deck, new_game
from app.engine.bots import HeuristicBot, RandomBot
from app.engine.errors import EngineError
from app.engine.simulate import play_game
from app.store.driver import GameDriver, has_ended
from app.store.manager import GameStateManager, _replay_data
from app.store.replays import (
    ReplayDataError,
    deck_lists,
    initial_from_history,
    replay_from_history,
)
from tests.engine.test_fuzz import catalog, starters

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def engine_game(
    identities: tuple[Identity, Identity], preset: str, seed: int, decks: tuple[str, str]
) -> GameState:
    """A new engine game of two starter decks, fitted to `preset`, with a fresh game id."""
    rules = RulesConfig.preset(preset)
    cards = catalog()
    fitted = tuple(adapt_deck(starters()[name], rules, cards) for name in decks)
    return new_game(
        game_id=uuid.uuid4(),
        game_type=GameType.FREEPLAY,
        rules=rules,
        decks=(fitted[0], fitted[1]),
        identities=identities,
        seed=seed,
        cards=cards,
        at=START,
    )


def ticking_clock() -> Callable[[], datetime]:
    moments = (START + timedelta(seconds=n) for n in range(1, 10**9))
    return lambda: next(moments)


@pytest.mark.parametrize(
    ("preset", "decks", "npc"),
    [
        ("mantimon", ("fire", "water"), False),
        ("pocket", ("grass", "lightning"), True),
        ("classic", ("psychic", "fire"), False),
    ],
)
async def test_a_driven_game_is_stored_at_every_step_and_replays_from_its_history(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
    preset: str,
    decks: tuple[str, str],
    npc: bool,
) -> None:
    identities: tuple[Identity, Identity] = (players[0], "npc-1" if npc else players[1])
    state = engine_game(identities, preset, seed=len(preset), decks=decks)
    initial = state.model_copy(deep=True)
    calls: list[tuple[str, int]] = []
    boundaries = 0
    driver = GameDriver(
        manager,
        catalog(),
        clock=ticking_clock(),
        listener=lambda w, s: calls.append((w, s.version)),
    )
    await driver.begin(state)
    assert calls == [("persisted", 0)]
    bots = (HeuristicBot(1), RandomBot(2))
    while not has_ended(state):
        before = len(calls)
        events = await driver.step(state, bots)
        turn_ended = any(e.kind == "turn_ended" for e in events)
        boundaries += turn_ended
        stored = [what for what, version in calls[before:] if version == state.version]
        assert stored[0] == "saved"
        assert ("persisted" in stored) == (turn_ended or has_ended(state))
        if not has_ended(state):
            cached = await manager.load_state(state.game_id)
            assert cached == state
    assert calls[-1] == ("ended", state.version)
    assert sum(1 for what, _ in calls if what == "saved") == state.version
    assert sum(1 for what, _ in calls if what == "persisted") >= boundaries + 1

    async with sessionmaker() as session:
        assert await session.get(ActiveGame, state.game_id) is None
        history = await session.get(GameHistory, state.game_id)
    assert history is not None
    assert history.end_reason is state.end_reason
    assert history.turn_count == state.turn_number
    assert history.replay_data is not None
    assert initial_from_history(history.replay_data, catalog()) == initial
    assert replay_from_history(history.replay_data, catalog()) == state
    assert deck_lists(state) == deck_lists(initial)


async def test_play_runs_a_game_to_the_history(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    state = engine_game((players[0], players[1]), "mantimon", seed=5, decks=("water", "grass"))
    driver = GameDriver(manager, catalog())
    outcome = await driver.play(state, (HeuristicBot(3), HeuristicBot(4)))
    assert outcome.end_reason is state.end_reason
    assert outcome.actions == state.version
    async with sessionmaker() as session:
        history = await session.get(GameHistory, state.game_id)
    assert history is not None
    assert history.replay_data is not None
    assert replay_from_history(history.replay_data, catalog()) == state
    with pytest.raises(EngineError, match="has ended"):
        await driver.step(state, (RandomBot(1), RandomBot(2)))
    assert await driver.play(state, (RandomBot(1), RandomBot(2))) == outcome


async def test_play_moves_a_recovered_ended_game_to_the_history(
    manager: GameStateManager,
    sessionmaker: async_sessionmaker[AsyncSession],
    players: list[uuid.UUID],
) -> None:
    """Killed after persisting the last action, before end_game: recovery still ends it."""
    state = engine_game((players[0], players[1]), "mantimon", seed=7, decks=("fire", "grass"))
    outcome = play_game(state, (HeuristicBot(1), HeuristicBot(2)), catalog(), at=START)
    await manager.persist_to_db(state)
    recovered = await manager.load_state(state.game_id)
    assert recovered == state
    assert recovered is not None
    driver = GameDriver(manager, catalog())
    assert await driver.play(recovered, (RandomBot(1), RandomBot(2))) == outcome
    async with sessionmaker() as session:
        history = await session.get(GameHistory, state.game_id)
    assert history is not None
    assert history.replay_data is not None
    assert replay_from_history(history.replay_data, catalog()) == state


async def test_a_game_that_does_not_end_in_time_is_an_engine_error(
    manager: GameStateManager, players: list[uuid.UUID]
) -> None:
    state = engine_game((players[0], "npc-2"), "pocket", seed=8, decks=("fire", "fire"))
    driver = GameDriver(manager, catalog())
    with pytest.raises(EngineError, match="did not end within 3 actions"):
        await driver.play(state, (RandomBot(1), RandomBot(2)), max_actions=3)
    with pytest.raises(EngineError, match="has not ended"):
        await driver.finish(state)
    assert (await manager.load_state(state.game_id)) == state


def test_replay_data_without_a_setup_or_malformed_is_refused() -> None:
    with pytest.raises(ReplayDataError, match="has no setup"):
        initial_from_history({"actions": []}, catalog())
    with pytest.raises(ReplayDataError, match="malformed"):
        initial_from_history({"setup": {"game_id": "x"}}, catalog())
    state = engine_game((uuid.uuid4(), "npc"), "mantimon", seed=1, decks=("fire", "water"))

    data = _replay_data(state, GameResult(winner=None, end_reason=EndReason.ABANDONED))
    assert initial_from_history(data, catalog()) == state
    with pytest.raises(ReplayDataError, match="action log is malformed"):
        replay_from_history({**data, "actions": [{"kind": 3}]}, catalog())
