"""The working context of one `apply` (or `new_game`): state, lookups, dice, events.

Everything that mutates the state (ops, turn, combat, knockout, the effects
executor) takes a `Ctx`, so there is one place to find the random source, the
catalog lookups and the event list an action produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.game_state import GameState
from app.engine.events import Event
from app.engine.index import CardIndex
from app.engine.rng import Rng


@dataclass(slots=True)
class Ctx:
    """State being changed, its catalog index, the action's dice and the events so far."""

    state: GameState
    index: CardIndex
    rng: Rng
    at: datetime
    events: list[Event] = field(default_factory=list)
    attacker: str | None = None
    """The creature whose attack is resolving, if any (knockout triggers name it)."""
    held: dict[str, list[Any]] | None = None
    """The printed modifiers in play by kind (`app.engine.modifiers.sources`), when the
    caller promises not to change the state while this context is used (legal-action
    generation); None: look each time."""

    def emit(self, kind: str, player: int | None = None, /, **data: Any) -> None:
        """Record that something happened (see `app.engine.events`)."""
        self.events.append(Event(kind, player, data))
