"""Card definitions: what is printed on a card, as immutable, validated values.

A `CardDefinition` is one of `CreatureCard`, `TrainerCard` or `EnergyCard`, told
apart by ``card_type``; each kind carries only the fields that make sense for it
and refuses any other, so a trainer with hit points or a creature without an
element is a validation error rather than a silent ``None``. Use
`CARD_DEFINITION_ADAPTER` to validate one from JSON-like data.

What a card does is data from the closed vocabulary of `app.core.effects` (steps,
modifiers, triggers), never a free-form id: rules text with nothing executable
behind it is refused, so every card the catalog loads is one the engine can play.
Texts are for players; the engine reads only the typed fields.

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
from app.core.effects import (
    Condition,
    CreatureFilter,
    Limit,
    Modifier,
    ScopeKind,
    Step,
    Trigger,
    TriggerKind,
    uses_source,
)
from app.core.effects.triggers import check_trigger_fields


class CreatureVariant(StrEnum):
    """Normal creatures, or Apex creatures: stronger, but worth more when knocked out."""

    NORMAL = "normal"
    APEX = "apex"


class Rarity(StrEnum):
    """The rarity ladder, from most to least common; `rank` orders it."""

    COMMON = "common"
    UNCOMMON = "uncommon"
    RARE = "rare"
    DOUBLE_RARE = "double_rare"
    ART_RARE = "art_rare"
    SUPER_RARE = "super_rare"
    SPECIAL_ART_RARE = "special_art_rare"
    VISTA_RARE = "vista_rare"
    GILDED_RARE = "gilded_rare"

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
CardId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+-[0-9]{3}$")]
SetId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{2,10}$")]


def _tens(low: int, high: int) -> object:
    return Field(ge=low, le=high, multiple_of=10)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Attack(_Frozen):
    """One attack: its cost, printed damage and effect.

    ``effects`` (`app.core.effects.Step` values) is what the engine executes;
    ``effect_text`` is what players read. An attack has both or neither: text without
    effects would be a rule the engine silently ignores.
    """

    name: Name
    cost: tuple[EnergyType, ...] = Field(default=(), max_length=5)
    damage: Annotated[StrictInt, _tens(0, 500)] = 0
    damage_modifier: DamageModifier = DamageModifier.NONE
    effect_text: Text | None = None
    effects: tuple[Step, ...] = Field(default=(), max_length=8)

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if self.damage_modifier is not DamageModifier.NONE and self.damage == 0:
            raise ValueError("damage_modifier needs a non-zero damage to modify")
        if self.damage_modifier is not DamageModifier.NONE and self.effect_text is None:
            raise ValueError("damage_modifier needs effect_text explaining it")
        if self.effect_text is not None and not self.effects:
            raise ValueError("effect_text needs effects the engine can execute")
        if self.effects and self.effect_text is None:
            raise ValueError("effects need effect_text for players to read")
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
    """A power of a creature that is not an attack.

    ``trigger`` says when it works (`app.core.effects.TriggerKind`): ``passive``
    abilities carry ``modifiers`` only (any "while active" condition sits on the
    modifier); every other kind carries ``steps``, run when the trigger happens or, for
    ``activated``, when the player uses it (``limit`` is then required). ``condition``
    gates the steps ("if this creature is in the Front"); ``optional`` lets the
    player decline an automatic trigger.
    """

    name: Name
    text: Text
    trigger: TriggerKind
    limit: Limit | None = None
    condition: Condition | None = None
    optional: bool = False
    steps: tuple[Step, ...] = Field(default=(), max_length=8)
    modifiers: tuple[Modifier, ...] = Field(default=(), max_length=4)

    @model_validator(mode="after")
    def _check_ability(self) -> Self:
        check_trigger_fields(self.trigger, self.limit, self.optional)
        if self.trigger is TriggerKind.PASSIVE:
            if self.steps or self.condition is not None or self.optional:
                raise ValueError(
                    "a passive ability has only modifiers (put a condition on the modifier)"
                )
            if not self.modifiers:
                raise ValueError("a passive ability needs modifiers the engine can apply")
        else:
            if self.modifiers:
                raise ValueError(f"{_a(self.trigger.value)} ability has steps, not modifiers")
            if not self.steps:
                raise ValueError(f"{_a(self.trigger.value)} ability needs steps the engine can run")
        return self


class Weakness(_Frozen):
    """The type a creature is weak to; ``value`` None means the rules' default applies."""

    type: EnergyType
    value: Annotated[StrictInt, Field(ge=1, le=100)] | None = None


class Resistance(_Frozen):
    """The type a creature resists and how much damage it takes off, when resistance is on."""

    type: EnergyType
    value: Annotated[StrictInt, _tens(10, 100)] = 30


class DesignNote(_Frozen):
    """A designer's justified exception to the design targets, kept with the card.

    `checks` names the design checks (``app/catalog/design.py``) this
    card is exempt from; `reason` says why, for the reviewer. The checker refuses
    a note that names an unknown check or waives one the card would pass.
    """

    checks: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")], ...] = Field(
        min_length=1, max_length=8
    )
    reason: Text


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
    design_note: DesignNote | None = None

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
    def is_apex(self) -> bool:
        """Whether knocking this creature out scores the Apex reward."""
        return self.variant is CreatureVariant.APEX


class TrainerCard(_CardBase):
    """A trainer card; ``text`` is what players read, the other fields what the engine does.

    Items and supporters carry ``effects`` (steps run when played) and may list
    ``requires``: conditions that must hold for the card to be played at all. Tools
    carry ``modifiers`` for the creature they are attached to (scope ``holder``) and
    ``triggers``; stadiums carry ``modifiers`` for creatures in play and ``triggers``
    (an ``activated`` trigger is a once-per-turn action for each player).
    """

    card_type: Literal[CardType.TRAINER] = CardType.TRAINER
    trainer_subtype: TrainerSubtype
    text: Text
    effects: tuple[Step, ...] = Field(default=(), max_length=8)
    requires: tuple[Condition, ...] = Field(default=(), max_length=4)
    modifiers: tuple[Modifier, ...] = Field(default=(), max_length=4)
    triggers: tuple[Trigger, ...] = Field(default=(), max_length=4)

    @model_validator(mode="after")
    def _check_trainer(self) -> Self:
        played = self.trainer_subtype in (TrainerSubtype.ITEM, TrainerSubtype.SUPPORTER)
        if played:
            if self.modifiers or self.triggers:
                raise ValueError(
                    f"{_a(self.trainer_subtype.value)} acts once through effects; "
                    "modifiers and triggers belong to tools and stadiums"
                )
            if not self.effects:
                raise ValueError(
                    f"{_a(self.trainer_subtype.value)} needs effects the engine can run"
                )
            if uses_source(self.effects):
                raise ValueError("a trainer played from the hand has no source creature to target")
            return self
        if self.effects or self.requires:
            raise ValueError(
                f"{_a(self.trainer_subtype.value)} works through modifiers and triggers, "
                "not effects or requires"
            )
        if not self.modifiers and not self.triggers:
            raise ValueError(
                f"{_a(self.trainer_subtype.value)} needs modifiers or triggers the engine can apply"
            )
        if self.trainer_subtype is TrainerSubtype.STADIUM:
            if any(m.scope.kind is ScopeKind.HOLDER for m in self.modifiers):
                raise ValueError("a stadium has no holder; give its modifiers a scope")
            if any(uses_source(t.steps) for t in self.triggers):
                raise ValueError("a stadium has no source creature to target")
        return self


class EnergyCard(_CardBase):
    """An energy card.

    A basic energy provides exactly one energy of its own type and has no
    effect; a special energy always explains itself in ``text`` and does something the
    engine can execute: ``provides`` other or several energy (each entry is one energy;
    with ``provides_any_type`` each counts as whichever type a cost needs),
    ``attach_requirement`` (it may be attached only to a creature passing the filter, and
    is discarded if its holder stops passing it), ``modifiers`` for its holder, or
    ``triggers`` (``on_attach``, ``end_of_turn``...).
    """

    card_type: Literal[CardType.ENERGY] = CardType.ENERGY
    energy_type: EnergyType
    energy_kind: EnergyKind
    provides: tuple[EnergyType, ...] = Field(min_length=1, max_length=3)
    provides_any_type: bool = False
    attach_requirement: CreatureFilter | None = None
    text: Text | None = None
    modifiers: tuple[Modifier, ...] = Field(default=(), max_length=4)
    triggers: tuple[Trigger, ...] = Field(default=(), max_length=4)

    @model_validator(mode="after")
    def _check_energy(self) -> Self:
        executable = (
            self.provides_any_type
            or self.attach_requirement is not None
            or bool(self.modifiers)
            or bool(self.triggers)
            or self.provides != (self.energy_type,)
        )
        if self.energy_kind is EnergyKind.BASIC:
            if self.provides != (self.energy_type,):
                raise ValueError("a basic energy provides exactly one energy of its energy_type")
            if executable or self.text is not None:
                raise ValueError("a basic energy has no text, effect or special provision")
            return self
        if self.text is None:
            raise ValueError("a special energy needs text describing what it does")
        if not executable:
            raise ValueError(
                "a special energy needs something the engine can execute: modifiers, "
                "triggers, attach_requirement, provides_any_type or a special provides"
            )
        if self.provides_any_type and set(self.provides) != {EnergyType.COLORLESS}:
            raise ValueError(
                "provides_any_type counts energy in provides, which must all be colorless"
            )
        if any(m.scope.kind is not ScopeKind.HOLDER for m in self.modifiers):
            raise ValueError("a special energy's modifiers apply to its holder (scope holder)")
        return self


def _a(word: str) -> str:
    """``word`` with its indefinite article, for error messages."""
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


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
