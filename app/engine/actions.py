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

import re
from enum import StrEnum
from typing import NamedTuple

from pydantic import JsonValue

from app.core.game_state import PlayerIndex
from app.engine.errors import ActionFieldError


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
    LOSE_ON_TIME = "lose_on_time"
    ABANDON = "abandon"
    AGREE_DRAW = "agree_draw"


ENDINGS: frozenset[ActionKind] = frozenset(
    {ActionKind.RESIGN, ActionKind.LOSE_ON_TIME, ActionKind.ABANDON, ActionKind.AGREE_DRAW}
)
"""Kinds that end the game whoever's turn it is. Never offered by `legal_actions`: a seat
resigns, and the game service (which owns the clock and the connections) records a loss on
time, an abandonment or a draw both seats agreed, so a replay ends the game the same way."""
SEAT_ENDINGS: frozenset[ActionKind] = ENDINGS - {ActionKind.AGREE_DRAW}
"""Endings that name the seat that loses (``player``)."""


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
    def from_params(cls, kind: object, params: object, player: object = None) -> Action:
        """Rebuild an action from its log entry or a client's message (the inverse of `to_params`).

        The same strict parse as `parse_action` (``choice`` comes as a JSON list).

        Raises:
            IllegalActionError: naming the field that is not what the kind takes.
        """
        action_kind = _KINDS.get(kind) if type(kind) is str else None
        if action_kind is None:
            raise ActionFieldError("kind", f"unknown action kind {_short(kind)}")
        name = action_kind.value
        if type(params) is not dict:
            raise ActionFieldError("params", "the action's fields must be a JSON object", name)
        unknown = [name for name in params if name not in _SLOTS]
        if unknown:
            raise ActionFieldError(
                str(unknown[0])[:32], f"unknown action field(s) {_short(unknown)}", name
            )
        choice = params.get("choice", [])
        if type(choice) is not list:
            raise ActionFieldError("choice", "choice must be a list of option ids", name)
        return parse_action(
            cls(
                action_kind,
                params.get("card"),
                params.get("target"),
                params.get("index"),
                tuple(choice),
                player,  # type: ignore[arg-type]  # checked by parse_action
            )
        )

    def __str__(self) -> str:
        """A short readable form, e.g. ``attack index=0``."""
        parts = [self.kind.value]
        parts.extend(f"{k}={v}" for k, v in self.to_params().items())
        return " ".join(parts)


_SLOTS = ("card", "target", "index", "choice")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
"""Instance ids and option ids: 1 to 32 letters, digits, ``-`` or ``_``."""
MAX_INDEX = 15
"""No card prints more attacks, abilities or stadium effects than this."""
MAX_CHOICE = 64
"""No choice has more options than this (a deck is at most 60 cards)."""

_USES: dict[ActionKind, frozenset[str]] = {
    ActionKind.PLACE_ACTIVE: frozenset({"card"}),
    ActionKind.PLACE_BENCH: frozenset({"card"}),
    ActionKind.FINISH_SETUP: frozenset(),
    ActionKind.ATTACH_ENERGY: frozenset({"card", "target"}),
    ActionKind.PLAY_CREATURE: frozenset({"card"}),
    ActionKind.EVOLVE: frozenset({"card", "target"}),
    ActionKind.PLAY_TRAINER: frozenset({"card", "target"}),
    ActionKind.USE_ABILITY: frozenset({"card", "index"}),
    ActionKind.RETREAT: frozenset({"target", "choice"}),
    ActionKind.ATTACK: frozenset({"index"}),
    ActionKind.END_TURN: frozenset(),
    ActionKind.CHOOSE: frozenset({"choice"}),
    ActionKind.RESIGN: frozenset(),
    ActionKind.LOSE_ON_TIME: frozenset(),
    ActionKind.ABANDON: frozenset(),
    ActionKind.AGREE_DRAW: frozenset(),
}
"""The slots each kind may fill (``player`` aside); any other slot must be empty."""
_NEEDS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.PLACE_ACTIVE: ("card",),
    ActionKind.PLACE_BENCH: ("card",),
    ActionKind.PLAY_CREATURE: ("card",),
    ActionKind.EVOLVE: ("card", "target"),
    ActionKind.PLAY_TRAINER: ("card",),
    ActionKind.USE_ABILITY: ("card", "index"),
    ActionKind.RETREAT: ("target",),
    ActionKind.ATTACK: ("index",),
    ActionKind.ATTACH_ENERGY: ("target",),
}
"""The slots each kind must fill."""


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_id(value: object) -> bool:
    return type(value) is str and ID_PATTERN.fullmatch(value) is not None


def parse_action(action: object) -> Action:
    """`action` if its shape is one the engine takes, checked before anything else.

    Exact types only (``True`` is not an index, ``1.0`` is not ``1``, a string is not
    a kind), ids of the right shape (`ID_PATTERN`), indexes in ``0..MAX_INDEX``, at
    most `MAX_CHOICE` options, a seat of 0 or 1 (``resign`` needs one), and no slot
    the kind does not use. Whether the action is allowed now is the rules' question
    (`app.engine.checks`), asked after this.

    Raises:
        ActionFieldError: (an `IllegalActionError`) naming the first field that is wrong.
    """
    if type(action) is not Action:
        raise ActionFieldError("action", f"not an Action: {_short(action)}")
    kind = action.kind
    if type(kind) is not ActionKind:
        raise ActionFieldError("kind", f"unknown action kind {_short(kind)}")
    name = kind.value
    # Read as plain objects: the type annotations are what this function establishes.
    card: object = action.card
    target: object = action.target
    index: object = action.index
    choice: object = action.choice
    player: object = action.player
    if player is not None and (type(player) is not int or player not in (0, 1)):
        raise ActionFieldError("player", f"a seat is 0 or 1, not {_short(player)}", name)
    if kind in SEAT_ENDINGS and player is None:
        who = "resigning" if kind is ActionKind.RESIGN else "losing"
        raise ActionFieldError("player", f"{name} needs the {who} player's seat", name)
    uses = _USES[kind]
    if card is not None and ("card" not in uses or not _is_id(card)):
        raise _wrong(name, "card", card, uses)
    if target is not None and ("target" not in uses or not _is_id(target)):
        raise _wrong(name, "target", target, uses)
    if index is not None and (
        "index" not in uses or type(index) is not int or not 0 <= index <= MAX_INDEX
    ):
        if "index" in uses:
            raise ActionFieldError(
                "index", f"index must be an integer 0 to {MAX_INDEX}, not {_short(index)}", name
            )
        raise _wrong(name, "index", index, uses)
    if type(choice) is not tuple:
        raise ActionFieldError("choice", "choice must be a tuple of option ids", name)
    if choice:
        if "choice" not in uses:
            raise _wrong(name, "choice", choice, uses)
        if len(choice) > MAX_CHOICE or not all(_is_id(option) for option in choice):
            raise ActionFieldError(
                "choice",
                f"choice must be at most {MAX_CHOICE} option ids, not {_short(choice)}",
                name,
            )
    for needed in _NEEDS.get(kind, ()):
        if getattr(action, needed) is None:
            raise ActionFieldError(needed, f"{name} needs a {needed}", name)
    return action


def _wrong(kind: str, field: str, value: object, uses: frozenset[str]) -> ActionFieldError:
    if field in uses:
        return ActionFieldError(
            field,
            f"{field} must be an instance id ({ID_PATTERN.pattern}), not {_short(value)}",
            kind,
        )
    return ActionFieldError(field, f"{kind} takes no {field}", kind)
