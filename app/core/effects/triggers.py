"""When a card's steps run: triggers for abilities, tools, stadiums and special energy.

- ``activated``: the player chooses to use it during their turn (an action); with
  ``limit: once_per_turn`` at most once per turn per card in play. A stadium's activated
  trigger may be used by EACH player once during their own turn ("that player may").
- ``on_play``: the creature was played from the hand onto the bench during its owner's turn.
- ``on_attach``: this energy card was attached from the hand (to the source creature).
- ``on_damaged_by_attack``: the source took damage from an opponent's attack (and survived
  or not; it fires after the damage). ``attacker`` targets the attacking creature.
- ``on_knocked_out``: the source was knocked out, by any cause; ``attacker`` targets the
  creature whose attack did it, if any. It runs before the knocked-out cards are discarded.
- ``end_of_turn``: at the end of each of the owner's turns, before the between-turns checks.
- ``passive``: abilities only: no steps, the ability's modifiers apply while in play.

``condition`` must hold for the trigger to fire or be usable (``source_active``: while the
source is in the Front). ``source_filter`` limits the creature the card is on
(Tidecall Energy draws only when attached to a Water creature). ``optional``: the player
may decline an automatic trigger ("you may draw 2 cards").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from app.core.effects._base import EffectModel
from app.core.effects.amounts import Condition
from app.core.effects.steps import Step
from app.core.effects.targets import CreatureFilter


class TriggerKind(StrEnum):
    """When steps run (see the module docstring)."""

    ACTIVATED = "activated"
    ON_PLAY = "on_play"
    ON_ATTACH = "on_attach"
    ON_DAMAGED_BY_ATTACK = "on_damaged_by_attack"
    ON_KNOCKED_OUT = "on_knocked_out"
    END_OF_TURN = "end_of_turn"
    PASSIVE = "passive"


class Limit(StrEnum):
    """How often an activated trigger may be used."""

    ONCE_PER_TURN = "once_per_turn"


class Trigger(EffectModel):
    """Steps a tool, stadium or special energy runs when ``kind`` happens."""

    kind: TriggerKind
    limit: Limit | None = None
    condition: Condition | None = None
    source_filter: CreatureFilter | None = None
    optional: bool = False
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_kind(self) -> Self:
        check_trigger_fields(self.kind, self.limit, self.optional)
        if self.kind is TriggerKind.PASSIVE:
            raise ValueError("a passive effect is a modifier, not a trigger")
        return self


def check_trigger_fields(kind: TriggerKind, limit: Limit | None, optional: bool) -> None:
    """Refuse a limit on anything but an activated trigger, and an activated one without.

    Shared by `Trigger` and `app.core.cards.Ability`, which carries the same fields.
    """
    if kind is TriggerKind.ACTIVATED:
        if limit is None:
            raise ValueError("an activated trigger needs a limit (once_per_turn)")
        if optional:
            raise ValueError("an activated trigger is always optional; drop optional")
    elif limit is not None:
        raise ValueError(f"limit applies only to activated triggers, not {kind.value!r}")
