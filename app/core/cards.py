"""Card definitions: what is printed on a card, as immutable, validated values.

A `CardDefinition` is one of `CreatureCard`, `TrainerCard` or `EnergyCard`, told
apart by ``card_type``; each kind carries only the fields that make sense for it
and refuses any other, so a trainer with hit points or a creature without an
element is a validation error rather than a silent ``None``. Use
`CARD_DEFINITION_ADAPTER` to validate one from JSON-like data.

Numbers are strict integers (``"60"`` is refused, not converted) because the
catalog is bundled data: a quoted number there is a typo worth reporting.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from app.core.card_enums import CardType as CardType
from app.core.card_enums import EnergyKind as EnergyKind
from app.core.card_enums import EnergyType as EnergyType
from app.core.card_enums import Stage as Stage
from app.core.card_enums import StatusCondition as StatusCondition
from app.core.card_enums import TrainerSubtype as TrainerSubtype


class CreatureVariant(StrEnum):
    """Normal creatures, or ``ex`` creatures that are stronger but worth more when knocked out."""

    NORMAL = "normal"
    EX = "ex"


class Rarity(StrEnum):
    """The rarity ladder, from most to least common; `rank` orders it."""

    COMMON = "common"
    UNCOMMON = "uncommon"
    RARE = "rare"
    DOUBLE_RARE = "double_rare"
    ART_RARE = "art_rare"
    SUPER_RARE = "super_rare"
    SPECIAL_ART_RARE = "special_art_rare"
    IMMERSIVE_RARE = "immersive_rare"
    CROWN_RARE = "crown_rare"

    @property
    def rank(self) -> int:
        """Position on the ladder: 0 for common, higher is rarer."""
        return list(Rarity).index(self)


class DamageModifier(StrEnum):
    """How an attack's printed damage is read: exact, at least (``30+``) or per unit (``20x``)."""

    NONE = "none"
    PLUS = "plus"
    TIMES = "times"


Name = Annotated[str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600)]
EffectId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
CardId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+-[0-9]{3}$")]
SetId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{2,10}$")]
EffectParams = dict[str, int | str | bool]


def _tens(low: int, high: int) -> object:
    return Field(ge=low, le=high, multiple_of=10)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Attack(_Frozen):
    """One attack: its cost, printed damage and effect.

    ``effect_id`` with ``effect_params`` is what the engine executes; ``effect_text``
    is what players read. Both are absent for a plain-damage attack.
    """

    name: Name
    cost: tuple[EnergyType, ...] = Field(default=(), max_length=5)
    damage: Annotated[StrictInt, _tens(0, 500)] = 0
    damage_modifier: DamageModifier = DamageModifier.NONE
    effect_text: Text | None = None
    effect_id: EffectId | None = None
    effect_params: EffectParams = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if self.damage_modifier is not DamageModifier.NONE and self.damage == 0:
            raise ValueError("damage_modifier needs a non-zero damage to modify")
        if self.damage_modifier is not DamageModifier.NONE and self.effect_text is None:
            raise ValueError("damage_modifier needs effect_text explaining it")
        _check_effect(self.effect_id, self.effect_params, self.effect_text, "effect_text")
        return self

    @property
    def damage_display(self) -> str:
        """Damage as printed: ``""`` for none, ``"30"``, ``"30+"`` or ``"20x"``."""
        if self.damage == 0:
            return ""
        suffix = {DamageModifier.NONE: "", DamageModifier.PLUS: "+", DamageModifier.TIMES: "x"}
        return f"{self.damage}{suffix[self.damage_modifier]}"

    @property
    def converted_cost(self) -> int:
        """Number of energy the attack needs, whatever their types."""
        return len(self.cost)


class Ability(_Frozen):
    """A passive or once-per-turn power of a creature, not an attack."""

    name: Name
    text: Text
    effect_id: EffectId
    effect_params: EffectParams = Field(default_factory=dict)


class Weakness(_Frozen):
    """The type a creature is weak to; ``value`` None means the rules' default applies."""

    type: EnergyType
    value: Annotated[StrictInt, Field(ge=1, le=100)] | None = None


class Resistance(_Frozen):
    """The type a creature resists and how much damage it takes off, when resistance is on."""

    type: EnergyType
    value: Annotated[StrictInt, _tens(10, 100)] = 30


class _CardBase(_Frozen):
    """What every printed card has: identity, set, rarity and presentation."""

    id: CardId
    name: Name
    set_id: SetId
    number: Annotated[StrictInt, Field(ge=1, le=999)]
    rarity: Rarity
    illustrator: Name
    flavor_text: Text | None = None
    image_path: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_./-]+$", max_length=200)]

    @model_validator(mode="after")
    def _check_id(self) -> Self:
        expected = f"{self.set_id}-{self.number:03d}"
        if self.id != expected:
            raise ValueError(
                f"id {self.id!r} does not match set_id and number (expected {expected!r})"
            )
        return self


class CreatureCard(_CardBase):
    """A creature: it fights, evolves and is knocked out.

    Basic creatures have no ``evolves_from``; stage 1 and stage 2 creatures name
    the creature they evolve from (the catalog loader checks that it exists at
    the previous stage).
    """

    card_type: Literal[CardType.CREATURE] = CardType.CREATURE
    stage: Stage
    variant: CreatureVariant = CreatureVariant.NORMAL
    hp: Annotated[StrictInt, _tens(10, 400)]
    element: EnergyType
    evolves_from: Name | None = None
    attacks: tuple[Attack, ...] = Field(default=(), max_length=4)
    abilities: tuple[Ability, ...] = Field(default=(), max_length=2)
    weakness: Weakness | None = None
    resistance: Resistance | None = None
    retreat_cost: Annotated[StrictInt, Field(ge=0, le=5)] = 0

    @model_validator(mode="after")
    def _check_creature(self) -> Self:
        if self.stage is Stage.BASIC and self.evolves_from is not None:
            raise ValueError("evolves_from must be null for a basic creature")
        if self.stage is not Stage.BASIC and self.evolves_from is None:
            raise ValueError(f"evolves_from is required for a {self.stage} creature")
        if not self.attacks and not self.abilities:
            raise ValueError("a creature needs at least one attack or ability")
        names = [attack.name for attack in self.attacks]
        if len(set(names)) != len(names):
            raise ValueError("attack names must be distinct within a card")
        return self

    @property
    def is_ex(self) -> bool:
        """Whether knocking this creature out scores the ex reward."""
        return self.variant is CreatureVariant.EX


class TrainerCard(_CardBase):
    """A trainer card; ``text`` is what it does, ``effect_id`` how the engine does it."""

    card_type: Literal[CardType.TRAINER] = CardType.TRAINER
    trainer_subtype: TrainerSubtype
    text: Text
    effect_id: EffectId
    effect_params: EffectParams = Field(default_factory=dict)


class EnergyCard(_CardBase):
    """An energy card.

    A basic energy provides exactly one energy of its own type and has no
    effect; a special energy may provide other types or several energy and
    always explains itself in ``text``.
    """

    card_type: Literal[CardType.ENERGY] = CardType.ENERGY
    energy_type: EnergyType
    energy_kind: EnergyKind
    provides: tuple[EnergyType, ...] = Field(min_length=1, max_length=3)
    text: Text | None = None
    effect_id: EffectId | None = None
    effect_params: EffectParams = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_energy(self) -> Self:
        if self.energy_kind is EnergyKind.BASIC:
            if self.provides != (self.energy_type,):
                raise ValueError("a basic energy provides exactly one energy of its energy_type")
            if self.text is not None or self.effect_id is not None or self.effect_params:
                raise ValueError("a basic energy has no text or effect")
        elif self.text is None:
            raise ValueError("a special energy needs text describing what it does")
        _check_effect(self.effect_id, self.effect_params, self.text, "text")
        return self


def _check_effect(
    effect_id: str | None, params: EffectParams, text: str | None, text_field: str
) -> None:
    if effect_id is None and params:
        raise ValueError("effect_params given without an effect_id")
    if effect_id is not None and text is None:
        raise ValueError(f"effect_id {effect_id!r} needs {text_field} for players to read")


CardDefinition = Annotated[
    CreatureCard | TrainerCard | EnergyCard, Field(discriminator="card_type")
]
"""Any card; narrow with `isinstance` or by ``card_type``."""

CARD_DEFINITION_ADAPTER: TypeAdapter[CardDefinition] = TypeAdapter(CardDefinition)
"""Validates and serializes a single `CardDefinition` from JSON-like data."""


class SetInfo(_Frozen):
    """A card set (expansion) as listed in the catalog index."""

    id: SetId
    name: Name
    card_count: Annotated[StrictInt, Field(ge=1, le=999)]
    release_date: dt.date
