"""What a player can do, as one flat, hashable value.

Every action has the same five optional slots so legal-action generation and the
hot path of `apply` never build nested objects. Instance ids name cards in the
game (``card`` what is played or used, ``target`` what it is played on), ``index``
picks an attack or ability, and ``choice`` carries the answer to a pending choice
(selected option ids), the energy a retreat discards, or an energy-zone type.

``player`` is optional: when None the action is taken by whoever must act now
(`acting_player`); a caller that knows the seat may set it and the engine refuses
the action when that seat may not act. ``resign`` always needs ``player``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import JsonValue

from app.core.game_state import PlayerIndex
from app.engine.errors import IllegalActionError


class ActionKind(StrEnum):
    """Every kind of action; the names are what the action log stores."""

    PLACE_ACTIVE = "place_active"
    PLACE_BENCH = "place_bench"
    FINISH_SETUP = "finish_setup"
    ATTACH_ENERGY = "attach_energy"
    PLAY_CREATURE = "play_creature"
    EVOLVE = "evolve"
    PLAY_TRAINER = "play_trainer"
    USE_ABILITY = "use_ability"
    RETREAT = "retreat"
    ATTACK = "attack"
    END_TURN = "end_turn"
    CHOOSE = "choose"
    RESIGN = "resign"


_KINDS = {kind.value: kind for kind in ActionKind}


class Action(NamedTuple):
    """One decision; see the module docstring for the meaning of each slot.

    A named tuple rather than a frozen dataclass: legal-action generation builds
    every action a player could take before every decision, and a frozen
    dataclass costs several times as much to build (each field goes through
    ``object.__setattr__``). Like the dataclass it is immutable and hashable.
    """

    kind: ActionKind
    card: str | None = None
    target: str | None = None
    index: int | None = None  # type: ignore[assignment]  # shadows tuple.index, never called
    choice: tuple[str, ...] = ()
    player: PlayerIndex | None = None

    def to_params(self) -> dict[str, JsonValue]:
        """The action's slots as JSON for the action log (only the slots that are set)."""
        params: dict[str, JsonValue] = {}
        if self.card is not None:
            params["card"] = self.card
        if self.target is not None:
            params["target"] = self.target
        if self.index is not None:
            params["index"] = self.index
        if self.choice:
            params["choice"] = list(self.choice)
        return params

    @classmethod
    def from_params(
        cls, kind: str, params: dict[str, Any], player: PlayerIndex | None = None
    ) -> Action:
        """Rebuild an action from its log entry (the inverse of `to_params`).

        Raises:
            IllegalActionError: unknown kind or a slot of the wrong type.
        """
        action_kind = _KINDS.get(kind)
        if action_kind is None:
            raise IllegalActionError(f"unknown action kind {kind!r}")
        unknown = set(params) - {"card", "target", "index", "choice"}
        if unknown:
            raise IllegalActionError(f"unknown action field(s) {sorted(unknown)}", kind=kind)
        card, target, index = params.get("card"), params.get("target"), params.get("index")
        choice = params.get("choice", [])
        if card is not None and not isinstance(card, str):
            raise IllegalActionError("card must be an instance id string", kind=kind)
        if target is not None and not isinstance(target, str):
            raise IllegalActionError("target must be an instance id string", kind=kind)
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise IllegalActionError("index must be an integer", kind=kind)
        if not isinstance(choice, list) or not all(isinstance(c, str) for c in choice):
            raise IllegalActionError("choice must be a list of strings", kind=kind)
        return cls(action_kind, card, target, index, tuple(choice), player)

    def __str__(self) -> str:
        """A short readable form, e.g. ``attack index=0``."""
        parts = [self.kind.value]
        parts.extend(f"{k}={v}" for k, v in self.to_params().items())
        return " ".join(parts)
