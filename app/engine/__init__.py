"""The rules engine: pure functions over a `GameState` (no I/O, no clock, no global random).

    state = new_game(game_id=..., game_type=..., rules=..., decks=(a, b),
                     identities=(user_id, "npc-id"), seed=42, cards=catalog, at=now)
    while state.phase is not TurnPhase.ENDED:
        actions = legal_actions(state, catalog)       # for acting_player(state)
        events = apply(state, choose(actions), catalog, at=now)
        if is_turn_boundary(events): ...persist...

`cards` is any ``Mapping[str, CardDefinition]`` (the CardService exposes one);
lookups derived from it are computed once per mapping object.
"""

import app.engine.effects  # noqa: F401 - registers the card-effects executor
from app.engine.actions import Action, ActionKind, parse_action
from app.engine.apply import apply
from app.engine.checks import acting_player
from app.engine.decks import adapt_deck
from app.engine.errors import (
    ActionFieldError,
    CorruptStateError,
    EngineError,
    IllegalActionError,
)
from app.engine.events import Event, events_for, is_turn_boundary
from app.engine.integrity import check_state
from app.engine.legal import legal_actions
from app.engine.replay import replay
from app.engine.setup import Identity, new_game
from app.engine.view import view_for

__all__ = [
    "Action",
    "ActionFieldError",
    "ActionKind",
    "CorruptStateError",
    "EngineError",
    "Event",
    "Identity",
    "IllegalActionError",
    "acting_player",
    "adapt_deck",
    "apply",
    "check_state",
    "events_for",
    "is_turn_boundary",
    "legal_actions",
    "new_game",
    "parse_action",
    "replay",
    "view_for",
]
