"""Bot games played through the GameStateManager, as a game server would store them.

`GameDriver` applies one bot action at a time and keeps the stores in step with
the durability contract:

- the new game (version 0, before any action) is written to PostgreSQL, so it
  is recoverable and listed for its players from the start;
- every accepted action: ``save_to_cache`` with its events (appended to the game's log
  in Redis, or written through);
- every turn boundary (`app.engine.is_turn_boundary`: a turn ended) and the end
  of the game: ``persist_to_db``;
- the end: ``end_game``, which moves the game to the history with its replay
  (`app.store.replays`: the setup and the action log reproduce the game).

A game recovered after a crash continues with the same driver from whatever
state `GameStateManager.load_state` returns: `step` only needs the state. The
clock is injectable so tests can pin timestamps; the engine itself never reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.cards import CardDefinition
from app.core.game_state import GameResult, GameState, TurnPhase
from app.engine import acting_player, apply, is_turn_boundary, legal_actions
from app.engine.bots import Bot
from app.engine.errors import EngineError
from app.engine.events import Event
from app.engine.simulate import GameOutcome, outcome_of
from app.store.manager import GameStateManager

Listener = Callable[[str, GameState], None]
"""Told ``("saved" | "persisted" | "ended", state)`` after each store call returns."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def has_ended(state: GameState) -> bool:
    """Whether no more actions can be played (a function, so checks re-read the phase)."""
    return state.phase is TurnPhase.ENDED


@dataclass(slots=True)
class GameDriver:
    """Plays bot actions on states and stores each as the durability contract says."""

    manager: GameStateManager
    cards: Mapping[str, CardDefinition]
    clock: Callable[[], datetime] = _utc_now
    listener: Listener | None = None

    def _tell(self, what: str, state: GameState) -> None:
        if self.listener is not None:
            self.listener(what, state)

    async def begin(self, state: GameState) -> None:
        """Store a new game before its first action (PostgreSQL, so a crash cannot lose it)."""
        await self.manager.persist_to_db(state)
        self._tell("persisted", state)

    async def step(self, state: GameState, bots: tuple[Bot, Bot]) -> list[Event]:
        """Let the bot of the seat to act play one action, then store as the contract says.

        Returns the events of the action. After the last action the game is
        persisted and ended (moved to the history).

        Raises:
            EngineError: the game has already ended, or no action is legal.
            IllegalActionError: a bot chose an action the rules refuse (nothing stored).
            GameStateError: from the manager (a store unavailable, a stale state...).
        """
        if has_ended(state):
            raise EngineError(f"game {state.game_id} has ended; there is nothing to play")
        actions = legal_actions(state, self.cards)
        if not actions:
            raise EngineError(f"game {state.game_id}: no legal action at version {state.version}")
        action = bots[acting_player(state)].choose(state, actions, self.cards)
        at = max(self.clock(), state.last_action_at)
        events = apply(state, action, self.cards, at=at)
        await self.manager.save_to_cache(state, events)
        self._tell("saved", state)
        if is_turn_boundary(events):
            await self.manager.persist_to_db(state)
            self._tell("persisted", state)
        if has_ended(state):
            await self.finish(state)
        return events

    async def finish(self, state: GameState) -> None:
        """Move an ended game to the history (idempotent: a second call writes nothing)."""
        if state.end_reason is None:
            raise EngineError(f"game {state.game_id} has not ended")
        result = GameResult(
            winner=state.winner, end_reason=state.end_reason, ended_at=state.last_action_at
        )
        await self.manager.end_game(state.game_id, result)
        self._tell("ended", state)

    async def play(
        self, state: GameState, bots: tuple[Bot, Bot], *, max_actions: int = 20_000
    ) -> GameOutcome:
        """Play `state` to its end (storing a new game first), and return how it ended.

        A state that has already ended is moved to the history (`finish`) if it is not
        there yet, so a game recovered between its last action and its end is completed.

        Raises:
            EngineError: the game did not end within `max_actions` more actions.
            Any error of `step`.
        """
        if state.version == 0:
            await self.begin(state)
        if has_ended(state):
            # Stored after its last action but not yet moved to the history (a process
            # killed in between, then recovered): finishing it is all that is left.
            await self.finish(state)
            return outcome_of(state)
        for _ in range(max_actions):
            if has_ended(state):
                return outcome_of(state)
            await self.step(state, bots)
        if has_ended(state):
            return outcome_of(state)
        raise EngineError(f"game {state.game_id} did not end within {max_actions} actions")
