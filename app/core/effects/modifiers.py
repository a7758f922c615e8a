"""Passive modifiers: what the engine's queries (HP, costs, damage) read while in play.

A modifier comes from a tool, a stadium, a special energy, a passive ability or a lasting
effect. Its `Scope` says which creatures it changes, relative to the modifier's *owner*
(the player whose card or effect it is) and its *holder* (the creature the tool or energy
is attached to, the creature with the ability, or the creature a lasting effect was put
on). ``condition`` (if any) must hold for the modifier to apply; ``source_active`` means
"while the holder is in the Front".

Damage modifiers follow the attack damage pipeline: ``damage_dealt`` adds to damage the
affected creatures' attacks do to the opponent's Active creature before weakness and
resistance (never to benched creatures); ``damage_taken`` and ``prevent_damage`` apply to
damage the affected creatures take from the opponent's attacks, after weakness and
resistance. Damage from a creature's own attack to itself (``self_damage``) and damage
counters are never modified.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from app.core.card_enums import EnergyType
from app.core.effects._base import EffectModel, Hp, SignedHp
from app.core.effects.amounts import Condition


class ScopeKind(StrEnum):
    """Which creatures a modifier affects.

    - ``holder``: the holder only.
    - ``own_active`` / ``opponent_active``: whichever creature is in that Front now.
    - ``own_bench``: the owner's benched creatures.
    - ``all_own``: every creature the owner has in play.
    - ``all_in_play``: every creature in play, both sides (stadiums).
    """

    HOLDER = "holder"
    OWN_ACTIVE = "own_active"
    OPPONENT_ACTIVE = "opponent_active"
    OWN_BENCH = "own_bench"
    ALL_OWN = "all_own"
    ALL_IN_PLAY = "all_in_play"


class Scope(EffectModel):
    """The creatures a modifier affects: a `ScopeKind`, narrowed by element if given."""

    kind: ScopeKind = ScopeKind.HOLDER
    element: EnergyType | None = None


HOLDER = Scope()
"""The default scope: the holder only."""


class _Modifier(EffectModel):
    scope: Scope = HOLDER
    condition: Condition | None = None


class DamageDealt(_Modifier):
    """Attacks by affected creatures do ``amount`` more damage to the opponent's Active.

    ``vs_apex``: only when that Front creature is an Apex.
    """

    kind: Literal["damage_dealt"]
    amount: Hp
    vs_apex: bool = False


class DamageTaken(_Modifier):
    """Affected creatures take ``amount`` more (negative: less) damage from attacks."""

    kind: Literal["damage_taken"]
    amount: SignedHp

    @model_validator(mode="after")
    def _nonzero(self) -> Self:
        if self.amount == 0:
            raise ValueError("amount must not be 0")
        return self


class PreventDamage(_Modifier):
    """Prevent all damage done to affected creatures by the opponent's attacks."""

    kind: Literal["prevent_damage"]


class HpBonus(_Modifier):
    """Affected creatures get ``amount`` more maximum HP."""

    kind: Literal["hp"]
    amount: Hp


class RetreatCost(_Modifier):
    """Affected creatures' retreat cost changes by ``amount`` (never below 0)."""

    kind: Literal["retreat_cost"]
    amount: Annotated[StrictInt, Field(ge=-5, le=5)]

    @model_validator(mode="after")
    def _nonzero(self) -> Self:
        if self.amount == 0:
            raise ValueError("amount must not be 0")
        return self


class FreeRetreat(_Modifier):
    """Affected creatures have no retreat cost (wins over every ``retreat_cost``)."""

    kind: Literal["free_retreat"]


class AttackCost(_Modifier):
    """Affected creatures' attacks cost ``amount`` more (negative: fewer) ``energy``.

    A reduction removes that many energy of that type from the cost, never below none.
    """

    kind: Literal["attack_cost"]
    amount: Annotated[StrictInt, Field(ge=-5, le=5)]
    energy: EnergyType

    @model_validator(mode="after")
    def _nonzero(self) -> Self:
        if self.amount == 0:
            raise ValueError("amount must not be 0")
        return self


class StatusImmunity(_Modifier):
    """Affected creatures can't be given special conditions (and are cured of them)."""

    kind: Literal["status_immunity"]


class NoWeakness(_Modifier):
    """Affected creatures have no weakness."""

    kind: Literal["no_weakness"]


class CannotRetreat(_Modifier):
    """Affected creatures can't retreat."""

    kind: Literal["cannot_retreat"]


class CannotAttack(_Modifier):
    """Affected creatures can't attack."""

    kind: Literal["cannot_attack"]


class PreventForcedSwitch(_Modifier):
    """The opponent's attacks and cards can't switch affected creatures out or bench them."""

    kind: Literal["prevent_forced_switch"]


class SurviveAtFullHp(_Modifier):
    """At full HP, a knockout by an attack's damage leaves ``remaining_hp`` instead."""

    kind: Literal["survive_at_full_hp"]
    remaining_hp: Hp


Modifier = Annotated[
    DamageDealt
    | DamageTaken
    | PreventDamage
    | HpBonus
    | RetreatCost
    | FreeRetreat
    | AttackCost
    | StatusImmunity
    | NoWeakness
    | CannotRetreat
    | CannotAttack
    | PreventForcedSwitch
    | SurviveAtFullHp,
    Field(discriminator="kind"),
]
"""Any passive modifier."""
