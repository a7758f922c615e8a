"""Replaying a game: the initial state plus the action log give the final state exactly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.core.cards import CardDefinition
from app.core.game_state import ActionRecord, GameState
from app.engine.actions import Action
from app.engine.apply import apply


def replay(
    initial: GameState, log: Iterable[ActionRecord], cards: Mapping[str, CardDefinition]
) -> GameState:
    """Apply every logged action to a copy of `initial` (left untouched) and return the result.

    Raises:
        IllegalActionError: an entry the rules refuse at that point (a log that does
            not belong to this initial state).
    """
    state = initial.model_copy(deep=True)
    for record in log:
        action = Action.from_params(record.kind, dict(record.params), record.player)
        apply(state, action, cards, at=record.at)
    return state
