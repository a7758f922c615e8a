"""A bot that plays a uniformly random legal action: the baseline and the fuzzer's driver."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from app.core.cards import CardDefinition
from app.core.game_state import GameState
from app.engine.actions import Action, ActionKind


class RandomBot:
    """Each legal action equally likely, from its own seeded generator.

    ``resign`` is left out unless it is the only action (the engine does not list
    it anyway): a random resignation would end fuzz games before they test anything.
    """

    __slots__ = ("_rng",)

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - game choices, not secrets

    def choose(
        self,
        state: GameState,  # noqa: ARG002 - the Bot protocol
        actions: Sequence[Action],
        cards: Mapping[str, CardDefinition],  # noqa: ARG002 - the Bot protocol
    ) -> Action:
        """A uniformly random action of `actions`, never ``resign`` while others exist."""
        pick = actions[self._rng.randrange(len(actions))]
        if pick.kind is not ActionKind.RESIGN:
            return pick
        # Only when a caller listed resign (legal_actions never does): drawing again among
        # the rest keeps every other action equally likely.
        candidates = [a for a in actions if a.kind is not ActionKind.RESIGN] or list(actions)
        return candidates[self._rng.randrange(len(candidates))]
