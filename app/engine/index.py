"""Per-catalog lookups computed once, so the hot path is dict reads.

`index_for(cards)` returns the `CardIndex` of a catalog mapping, building it the
first time that mapping object is seen (a small identity-keyed cache: the engine
is called with the same mapping for a whole game, usually for the whole process).
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
)
from app.core.effects import Modifier, TriggerKind
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
    activated: dict[str, tuple[int, ...]]
    """Indexes of activated abilities (creatures) or activated triggers (stadiums), by id."""

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
        modifiers={
            card_id: found for card_id, card in cards.items() if (found := card_modifiers(card))
        },
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
