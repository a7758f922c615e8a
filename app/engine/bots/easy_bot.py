"""The `easy` level: the heuristic bot, with a mistake now and then."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from app.core.cards import CardDefinition
from app.core.game_state import GameState
from app.engine.actions import Action, ActionKind
from app.engine.bots.heuristic_bot import HeuristicBot

MISTAKE_RATE = 0.25
"""How often a decision with a choice is played at random instead of the heuristic's best."""


class EasyBot:
    """Plays the heuristic's action, except one decision in four (`MISTAKE_RATE`).

    A mistake is a uniformly random legal action other than resigning; it may be
    the heuristic's own pick. The bot stays legal and never resigns, so a beginner
    can beat it without it looking broken.
    """

    __slots__ = ("_heuristic", "_rng")

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - game choices, not secrets
        self._heuristic = HeuristicBot(self._rng.getrandbits(32))

    def choose(
        self, state: GameState, actions: Sequence[Action], cards: Mapping[str, CardDefinition]
    ) -> Action:
        """The heuristic's choice, or with probability `MISTAKE_RATE` a random one."""
        best = self._heuristic.choose(state, actions, cards)
        if len(actions) > 1 and self._rng.random() < MISTAKE_RATE:
            others = [a for a in actions if a.kind is not ActionKind.RESIGN]
            return others[self._rng.randrange(len(others))]
        return best
