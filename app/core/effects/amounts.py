"""Numbers that scale (`Amount`) and facts an effect checks (`Condition`).

An `Amount` is ``value + per_value * min(units, cap)`` where ``units`` is counted when
the step runs. ``cap`` (a number of units) is required whenever ``per`` is given, so no
amount in the catalog is unbounded; catalog v2 may rebalance the caps.

A `Condition` is evaluated when the step, trigger or modifier is considered, from the
acting player's point of view. "The target" in a condition is the opponent's Active
creature (the Defending creature of an attack); "the source" is as in `targets`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from app.core.effects._base import Count, EffectModel
from app.core.effects.targets import CreatureFilter, Side, Zone


class Per(StrEnum):
    """What an `Amount` counts.

    - ``energy_beyond_cost``: energy attached to the source beyond the attack's cost
      (counted as provided energy, minus the number of energy in the cost).
    - ``own_benched``: the acting player's benched creatures.
    - ``damage_counters_on_source``: damage counters on the source (damage / 10).
    - ``heads``: heads of the nearest earlier ``coin_flip`` step of the same effect.
    """

    ENERGY_BEYOND_COST = "energy_beyond_cost"
    OWN_BENCHED = "own_benched"
    DAMAGE_COUNTERS_ON_SOURCE = "damage_counters_on_source"
    HEADS = "heads"


class Amount(EffectModel):
    """A number of damage, HP or cards, fixed or scaling with something in play."""

    value: Annotated[StrictInt, Field(ge=0, le=500)] = 0
    per: Per | None = None
    per_value: Annotated[StrictInt, Field(ge=1, le=500)] | None = None
    cap: Annotated[StrictInt, Field(ge=1, le=60)] | None = None

    @model_validator(mode="after")
    def _check_scaling(self) -> Self:
        if self.per is None:
            if self.per_value is not None or self.cap is not None:
                raise ValueError("per_value and cap need a per")
            if self.value == 0:
                raise ValueError("an amount without per needs a value above 0")
        elif self.per_value is None or self.cap is None:
            raise ValueError(f"per {self.per.value!r} needs per_value and cap")
        return self

    @property
    def maximum(self) -> int:
        """The largest value this amount can take."""
        return self.value + (self.per_value or 0) * (self.cap or 0)


class TargetDamaged(EffectModel):
    """Holds when the opponent's Active creature has any damage counters on it."""

    kind: Literal["target_damaged"]


class OwnBenchEmpty(EffectModel):
    """Holds when the acting player has no benched creatures."""

    kind: Literal["own_bench_empty"]


class SourceActive(EffectModel):
    """Holds while the source creature is in its owner's Front ("while active")."""

    kind: Literal["source_active"]


class CreatureInPlay(EffectModel):
    """Holds when ``side`` has at least ``count`` creatures in ``zone`` passing ``filter``.

    Trainers use it in ``requires``: a card that needs a target cannot be played without
    one (Field Dressing needs a damaged basic creature).
    """

    kind: Literal["creature_in_play"]
    side: Side
    zone: Zone
    filter: CreatureFilter | None = None
    count: Count = 1


class NotFirstTurn(EffectModel):
    """Holds except during the acting player's first turn of the game."""

    kind: Literal["not_first_turn"]


Condition = Annotated[
    TargetDamaged | OwnBenchEmpty | SourceActive | CreatureInPlay | NotFirstTurn,
    Field(discriminator="kind"),
]
"""A fact checked before something happens; one of a small closed set."""
