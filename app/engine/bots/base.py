"""The bot protocol, the named bots and levels, and the factory that builds them."""

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
    """The bots `make_bot` can build, as the CLI names them.

    ``random`` and ``heuristic`` are the two plain bots; the levels a player
    picks are ``easy`` (the heuristic with mistakes), ``normal`` (the heuristic),
    ``hard`` (search at a budget a server affords per move) and ``master`` (search
    at four times that budget).
    """

    RANDOM = "random"
    HEURISTIC = "heuristic"
    EASY = "easy"
    NORMAL = "normal"
    HARD = "hard"
    MASTER = "master"


def make_bot(name: BotName | str, seed: int) -> Bot:
    """A new bot of kind `name` whose every random choice comes from `seed`.

    Searching levels get an iteration budget only (no clock), so a simulated
    game is the same on every machine.

    Raises:
        ValueError: `name` is not a `BotName`; the message lists the known ones.
    """
    from app.engine.bots.easy_bot import EasyBot
    from app.engine.bots.heuristic_bot import HeuristicBot
    from app.engine.bots.random_bot import RandomBot
    from app.engine.bots.search_bot import LEVEL_BUDGETS, SearchBot

    try:
        kind = BotName(name)
    except ValueError:
        known = ", ".join(b.value for b in BotName)
        raise ValueError(f"unknown bot {name!r}; known bots: {known}") from None
    if kind is BotName.RANDOM:
        return RandomBot(seed)
    if kind is BotName.EASY:
        return EasyBot(seed)
    if kind in LEVEL_BUDGETS:
        return SearchBot(seed, LEVEL_BUDGETS[kind])
    return HeuristicBot(seed)
