"""Per-catalog lookups computed once, so the hot path is dict reads.

`index_for(cards)` returns the `CardIndex` of a catalog mapping, building it the
first time that mapping object is seen (a small identity-keyed cache: the engine
is called with the same mapping for a whole game, usually for the whole process).

Fields that legal-action generation reads for every card of every decision (names,
stages, costs, subtypes) are also copied out into plain dicts: reading a field of a
pydantic model costs several dict reads (pydantic's ``__getattr__`` hook keeps
CPython off its fast attribute path), and the definitions never change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.cards import (
    CardDefinition,
    CreatureCard,
    EnergyCard,
    EnergyKind,
    EnergyType,
    Stage,
    TrainerCard,
    TrainerSubtype,
)
from app.core.effects import EvolveFromHand, Modifier, TriggerKind
from app.core.effects.targets import CreatureFilter
from app.engine.errors import EngineError

Unit = frozenset[EnergyType]
"""One energy an attached card provides: the types it can pay (colorless pays only colorless)."""

ALL_TYPES: Unit = frozenset(t for t in EnergyType if t is not EnergyType.COLORLESS)


@dataclass(frozen=True, slots=True)
class CardIndex:
    """Lookups by definition id; every card of a game must be in ``cards``."""

    cards: Mapping[str, CardDefinition]
    creatures: dict[str, CreatureCard]
    trainers: dict[str, TrainerCard]
    energies: dict[str, EnergyCard]
    units: dict[str, tuple[Unit, ...]]
    basic_energy: dict[EnergyType, str]
    basics: frozenset[str]
    modifiers: dict[str, tuple[Modifier, ...]]
    """Printed passive modifiers by definition id (only cards that have some)."""
    modifier_kinds: frozenset[str]
    """Every modifier kind printed somewhere in the catalog (a kind not here never applies
    unless a lasting effect carries it)."""
    activated: dict[str, tuple[int, ...]]
    """Indexes of activated abilities (creatures) or activated triggers (stadiums), by id."""
    free_trainers: frozenset[str]
    """Items and supporters with no play condition (no ``requires``, no evolve-from-hand
    step): playable whenever the turn's supporter limit allows, without asking the executor."""

    names: dict[str, str]
    """Creature name by definition id (what evolution matches on)."""
    evolves_from: dict[str, str | None]
    """For every non-basic creature: the name it evolves from."""
    attack_costs: dict[str, tuple[tuple[EnergyType, ...], ...]]
    """Printed cost of each attack of a creature, in attack order."""
    attach_requirements: dict[str, CreatureFilter]
    """What a creature must be to receive this energy (only energies that say so)."""
    trainer_subtypes: dict[str, TrainerSubtype]

    def creature(self, definition_id: str) -> CreatureCard:
        """The creature definition, or `EngineError` when the id is not a creature."""
        card = self.creatures.get(definition_id)
        if card is None:
            raise EngineError(f"{definition_id!r} is not a creature card of the catalog")
        return card


ANY_TYPE: Unit = frozenset(EnergyType)


def _units(card: EnergyCard) -> tuple[Unit, ...]:
    """What one energy card pays: one unit per provided energy (any type when it says so)."""
    if card.energy_kind is EnergyKind.BASIC:
        return (frozenset({card.energy_type}),)
    if card.provides_any_type:
        return tuple(ANY_TYPE for _ in card.provides)
    return tuple(frozenset({t}) for t in card.provides)


def card_modifiers(card: CardDefinition) -> tuple[Modifier, ...]:
    """The passive modifiers printed on a card (passive abilities, tools, stadiums, energy)."""
    if isinstance(card, CreatureCard):
        return tuple(m for ability in card.abilities for m in ability.modifiers)
    return card.modifiers


def _activated(card: CardDefinition) -> tuple[int, ...]:
    if isinstance(card, CreatureCard):
        return tuple(i for i, a in enumerate(card.abilities) if a.trigger is TriggerKind.ACTIVATED)
    if isinstance(card, TrainerCard):
        return tuple(i for i, t in enumerate(card.triggers) if t.kind is TriggerKind.ACTIVATED)
    return ()


def _free_trainer(card: TrainerCard) -> bool:
    return (
        card.trainer_subtype in (TrainerSubtype.ITEM, TrainerSubtype.SUPPORTER)
        and not card.requires
        and not any(isinstance(step, EvolveFromHand) for step in card.effects)
    )


def build_index(cards: Mapping[str, CardDefinition]) -> CardIndex:
    """Compute the lookups of one catalog (pure; O(catalog))."""
    creatures: dict[str, CreatureCard] = {}
    trainers: dict[str, TrainerCard] = {}
    energies: dict[str, EnergyCard] = {}
    basic_energy: dict[EnergyType, str] = {}
    by_name: dict[str, list[str]] = defaultdict(list)
    for card_id, card in cards.items():
        if isinstance(card, CreatureCard):
            creatures[card_id] = card
            by_name[card.name].append(card_id)
        elif isinstance(card, TrainerCard):
            trainers[card_id] = card
        else:
            energies[card_id] = card
            if card.energy_kind is EnergyKind.BASIC:
                basic_energy.setdefault(card.energy_type, card_id)
    modifiers = {
        card_id: found for card_id, card in cards.items() if (found := card_modifiers(card))
    }
    return CardIndex(
        cards=cards,
        creatures=creatures,
        trainers=trainers,
        energies=energies,
        units={card_id: _units(card) for card_id, card in energies.items()},
        basic_energy=basic_energy,
        basics=frozenset(i for i, c in creatures.items() if c.stage is Stage.BASIC),
        activated={
            card_id: indexes for card_id, card in cards.items() if (indexes := _activated(card))
        },
        names={i: c.name for i, c in creatures.items()},
        evolves_from={
            i: c.evolves_from for i, c in creatures.items() if c.stage is not Stage.BASIC
        },
        attack_costs={i: tuple(a.cost for a in c.attacks) for i, c in creatures.items()},
        attach_requirements={
            i: c.attach_requirement for i, c in energies.items() if c.attach_requirement is not None
        },
        trainer_subtypes={i: c.trainer_subtype for i, c in trainers.items()},
        free_trainers=frozenset(i for i, c in trainers.items() if _free_trainer(c)),
        modifiers=modifiers,
        modifier_kinds=frozenset(m.kind for group in modifiers.values() for m in group),
    )


_CACHE: dict[int, tuple[Mapping[str, CardDefinition], CardIndex]] = {}


def index_for(cards: Mapping[str, CardDefinition]) -> CardIndex:
    """The index of `cards`, cached by the mapping's identity (at most a few kept)."""
    entry = _CACHE.get(id(cards))
    if entry is not None and entry[0] is cards:
        return entry[1]
    index = build_index(cards)
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(cards)] = (cards, index)
    return index
