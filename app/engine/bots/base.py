"""The bot protocol and the factory the simulator and the CLI build bots with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Protocol

from app.core.cards import CardDefinition
from app.core.game_state import GameState
from app.engine.actions import Action


class Bot(Protocol):
    """Picks one of `actions` (never empty) for the player who must act in `state`."""

    def choose(
        self, state: GameState, actions: Sequence[Action], cards: Mapping[str, CardDefinition]
    ) -> Action:
        """One of `actions`; must not mutate `state`."""
        ...


class BotName(StrEnum):
    """The bots `make_bot` can build, as the CLI names them."""

    RANDOM = "random"
    HEURISTIC = "heuristic"


def make_bot(name: BotName | str, seed: int) -> Bot:
    """A new bot of kind `name` whose every random choice comes from `seed`.

    Raises:
        ValueError: `name` is not a `BotName`; the message lists the known ones.
    """
    from app.engine.bots.heuristic_bot import HeuristicBot
    from app.engine.bots.random_bot import RandomBot

    try:
        kind = BotName(name)
    except ValueError:
        known = ", ".join(b.value for b in BotName)
        raise ValueError(f"unknown bot {name!r}; known bots: {known}") from None
    if kind is BotName.RANDOM:
        return RandomBot(seed)
    return HeuristicBot(seed)
